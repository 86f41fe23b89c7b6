import type { ErrorCode } from './error-code';

export type ErrorDetails = Readonly<Record<string, unknown>>;

/**
 * Base of every error thrown by domain code. Carries a stable machine-readable `code`; the HTTP layer
 * maps codes to statuses. `details` is returned to the client (for 4xx), so never put secrets in it.
 * `cause` is logged, never returned.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetails,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
