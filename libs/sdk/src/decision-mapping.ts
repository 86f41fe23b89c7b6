import { randomUUID } from 'node:crypto';
import type { Decision, DecisionReason } from './types';

/** A deny made by the client itself (fail closed): Mandate was not asked or did not answer. */
export function failClosed(code: string, message: string): Decision {
  return {
    decision: 'deny',
    decisionId: `local-${randomUUID()}`,
    reasons: [{ code, message }],
    obligations: {},
    approval: null,
    policyRevision: null,
    consistencyToken: null,
    source: 'fail_closed',
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Maps the value of `mandate/decision` (`{allow, deny, require_approval, obligations}`) exactly as the
 * decision API does: any deny reason → deny; allow → allow; require_approval → pending_approval; anything
 * else (undefined, malformed) → deny.
 */
export function decisionOfPolicyResult(result: unknown, policyRevision: number | null): Decision {
  const base = {
    decisionId: `local-${randomUUID()}`,
    policyRevision,
    consistencyToken: null,
    source: 'local' as const,
  };
  const deny = (code: string, message: string): Decision => ({
    ...base,
    decision: 'deny',
    reasons: [{ code, message }],
    obligations: {},
    approval: null,
  });
  if (result === undefined) return deny('undefined_result', 'the policy decision is undefined');
  if (!isObject(result)) return deny('malformed_result', 'the policy decision is not an object');
  const { allow, deny: reasons, require_approval: approval, obligations } = result;
  if (typeof allow !== 'boolean') return deny('malformed_result', 'the policy decision has no boolean allow');
  if (reasons !== undefined && !(Array.isArray(reasons) && reasons.every((r) => typeof r === 'string'))) {
    return deny('malformed_result', 'the policy decision has a malformed deny');
  }
  if (approval !== undefined && approval !== null && !isObject(approval)) {
    return deny('malformed_result', 'the policy decision has a malformed require_approval');
  }
  if (obligations !== undefined && !isObject(obligations)) {
    return deny('malformed_result', 'the policy decision has malformed obligations');
  }
  const duties = obligations ?? {};
  const messages = reasons ?? [];
  if (messages.length > 0) {
    const list: DecisionReason[] = messages.map((message) => ({ code: 'policy_deny', message }));
    return { ...base, decision: 'deny', reasons: list, obligations: duties, approval: null };
  }
  if (allow) return { ...base, decision: 'allow', reasons: [], obligations: duties, approval: null };
  if (isObject(approval)) {
    // Offline, no approval request can be created: a call that needs one is denied, saying why.
    const why = typeof approval.reason === 'string' ? approval.reason : 'the policy requires an approval';
    return {
      ...base,
      decision: 'deny',
      reasons: [{ code: 'approval_unavailable_offline', message: why }],
      obligations: duties,
      approval: null,
    };
  }
  return { ...deny('not_allowed', 'the policy does not allow this call'), obligations: duties };
}
