export type DecisionValue = 'allow' | 'deny' | 'pending_approval';

/** A machine-readable reason: `code` is stable, `message` is for people. */
export interface DecisionReason {
  code: string;
  message: string;
}

/** What a decision amounts to, before it is recorded. */
export interface DecisionOutcome {
  decision: DecisionValue;
  reasons: DecisionReason[];
  obligations: Record<string, unknown>;
  /** The policy's `require_approval` object for pending_approval, else null. */
  approval: Record<string, unknown> | null;
  /** The approval request a pending decision waits for (set by the approvals stage). */
  approvalRequest?: ApprovalRequestRef | null;
}

/** Where a gateway follows a pending decision: `GET /v1/approvals/{id}?wait=…`. */
export interface ApprovalRequestRef {
  id: string;
  /** Console/API address of the request, for people. */
  url: string;
  /** Seconds after which the gateway should ask again (or long-poll). */
  retryAfter: number;
}

export function denied(code: string, message: string): DecisionOutcome {
  return { decision: 'deny', reasons: [{ code, message }], obligations: {}, approval: null };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Maps the value of `mandate/decision` — `{allow, deny: [reasons], require_approval, obligations}` — to a
 * decision: any deny reason → deny; allow true → allow; require_approval set → pending_approval; anything
 * else, including an undefined or malformed result, → deny.
 */
export function outcomeOf(result: unknown): DecisionOutcome {
  if (result === undefined) return denied('undefined_result', 'the policy decision is undefined');
  if (!isObject(result)) return denied('malformed_result', 'the policy decision is not an object');
  const { allow, deny, require_approval: approval, obligations } = result;
  if (typeof allow !== 'boolean')
    return denied('malformed_result', 'the policy decision has no boolean allow');
  if (deny !== undefined && !(Array.isArray(deny) && deny.every((r) => typeof r === 'string'))) {
    return denied('malformed_result', 'the policy decision has a malformed deny');
  }
  if (approval !== undefined && approval !== null && !isObject(approval)) {
    return denied('malformed_result', 'the policy decision has a malformed require_approval');
  }
  if (obligations !== undefined && !isObject(obligations)) {
    return denied('malformed_result', 'the policy decision has malformed obligations');
  }
  const duties = obligations ?? {};
  const reasons: string[] = deny ?? [];
  if (reasons.length > 0) {
    return {
      decision: 'deny',
      reasons: reasons.map((message) => ({ code: 'policy_deny', message })),
      obligations: duties,
      approval: null,
    };
  }
  if (allow) return { decision: 'allow', reasons: [], obligations: duties, approval: null };
  if (isObject(approval)) {
    const why = typeof approval.reason === 'string' ? approval.reason : 'the policy requires an approval';
    return {
      decision: 'pending_approval',
      reasons: [{ code: 'approval_required', message: why }],
      obligations: duties,
      approval,
    };
  }
  return { ...denied('not_allowed', 'the policy does not allow this call'), obligations: duties };
}
