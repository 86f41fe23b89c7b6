/** Why no policy could be chosen for a decision; `code` becomes the deny reason code. */
export class DecisionPolicyError extends Error {
  constructor(
    readonly code: 'no_policy' | 'policy_error' | 'stale_state' | 'policy_unavailable',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DecisionPolicyError';
  }
}
