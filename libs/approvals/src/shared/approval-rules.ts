import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { ApprovalMode, ApprovalState } from '../requests/approval-request.entity';

/** Longest pending TTL, approval window and escalation delay a policy may ask for: 30 days. */
export const MAX_APPROVAL_SECONDS = 30 * 24 * 3600;
const GROUP = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** The policy's `require_approval` object, normalised (defaults filled in, bounds enforced). */
export interface ApprovalRequirement {
  groups: string[];
  quorum: number;
  reasonRequired: boolean;
  ttlSeconds: number;
  escalateAfterSeconds: number | null;
  escalateTo: string[];
  mode: ApprovalMode;
  windowSeconds: number | null;
  reason: string;
}

/** `sha256:` + hex SHA-256 of the RFC 8785 canonical JSON of the call's arguments. */
export function argumentsHash(args: Record<string, unknown>): string {
  const canonical = canonicalize(args);
  if (canonical === undefined) throw new Error('the arguments cannot be canonicalised');
  return `sha256:${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
}

function seconds(value: unknown, fallback: number | null): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return fallback;
  return Math.min(Math.floor(value), MAX_APPROVAL_SECONDS) || fallback;
}

function groupList(value: unknown): string[] | null {
  if (!Array.isArray(value)) return null;
  const groups = value.filter((g): g is string => typeof g === 'string' && GROUP.test(g));
  return [...new Set(groups)].slice(0, 20);
}

/**
 * Reads `require_approval` (`{groups, quorum, reason_required, ttl, escalate_after, escalate_to, mode,
 * window, reason}`; the older `approver_groups` / `approvals_required` / `ttl_seconds` names are understood
 * too). Missing or malformed values get safe defaults: group `approvers`, quorum 1, TTL 1 h, mode once.
 */
export function parseRequirement(raw: Record<string, unknown>): ApprovalRequirement {
  const groups = groupList(raw.groups) ?? groupList(raw.approver_groups) ?? groupList(raw.approvers) ?? [];
  const quorumRaw = raw.quorum ?? raw.approvals_required;
  const quorum =
    typeof quorumRaw === 'number' && Number.isInteger(quorumRaw) ? Math.min(Math.max(quorumRaw, 1), 100) : 1;
  const ttlSeconds = seconds(raw.ttl ?? raw.ttl_seconds, 3600) ?? 3600;
  const mode: ApprovalMode = raw.mode === 'window' ? 'window' : 'once';
  const escalateAfter = seconds(raw.escalate_after, null);
  return {
    groups: groups.length > 0 ? groups : ['approvers'],
    quorum,
    reasonRequired: raw.reason_required === true,
    ttlSeconds,
    escalateAfterSeconds: escalateAfter !== null && escalateAfter < ttlSeconds ? escalateAfter : null,
    escalateTo: groupList(raw.escalate_to) ?? [],
    mode,
    windowSeconds: mode === 'window' ? (seconds(raw.window, 3600) ?? 3600) : null,
    reason: typeof raw.reason === 'string' ? raw.reason.slice(0, 1000) : 'the policy requires an approval',
  };
}

/** Who a request is about, for separation of duties. */
export interface RequestParties {
  agentOwnerId: string | null;
  principalId: string | null;
  principalEmail: string | null;
  /** Members who issued a grant involved in the decision. */
  grantIssuerIds: readonly string[];
}

export interface Reviewer {
  memberId: string;
  email: string | null;
}

/**
 * Separation of duties: the agent's owner, the human the agent acts for (by member id or e-mail) and the
 * issuer of a grant involved can never vote on the request. Returns why not, or null when allowed.
 */
export function conflictOfInterest(parties: RequestParties, reviewer: Reviewer): string | null {
  if (parties.agentOwnerId !== null && parties.agentOwnerId === reviewer.memberId)
    return 'the owner of the agent cannot review its requests';
  if (parties.principalId !== null && parties.principalId === reviewer.memberId)
    return 'the principal the agent acts for cannot review the request';
  const email = reviewer.email?.trim().toLowerCase();
  if (email && parties.principalEmail !== null && parties.principalEmail.trim().toLowerCase() === email)
    return 'the principal the agent acts for cannot review the request';
  if (parties.grantIssuerIds.includes(reviewer.memberId))
    return 'the issuer of a grant involved cannot review the request';
  return null;
}

/** n-of-m: any deny vetoes; `quorum` approvals approve; otherwise still pending. */
export function tally(votes: ReadonlyArray<{ vote: 'approve' | 'deny' }>, quorum: number): ApprovalState {
  if (votes.some((v) => v.vote === 'deny')) return 'denied';
  return votes.filter((v) => v.vote === 'approve').length >= quorum ? 'approved' : 'pending';
}

/** The state as of `now`: a pending request past its expiry is expired, job or no job. */
export function effectiveState(state: ApprovalState, expiresAt: Date, now: Date): ApprovalState {
  return state === 'pending' && expiresAt.getTime() <= now.getTime() ? 'expired' : state;
}

export const REDACTED = '[REDACTED]';

/** Replaces the values at the given JSON pointers (RFC 6901, e.g. `/card/number`) with `[REDACTED]`. */
export function redactArguments(
  args: Record<string, unknown>,
  pointers: readonly string[],
): Record<string, unknown> {
  const copy = structuredClone(args);
  for (const pointer of pointers) {
    if (pointer === '' || pointer === '/') return { [REDACTED]: true };
    const steps = pointer
      .replace(/^\//, '')
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    let node: unknown = copy;
    for (let i = 0; i < steps.length; i++) {
      if (node === null || typeof node !== 'object') break;
      const container = node as Record<string, unknown>;
      const key = steps[i];
      if (!Object.prototype.hasOwnProperty.call(container, key)) break;
      if (i === steps.length - 1) container[key] = REDACTED;
      else node = container[key];
    }
  }
  return copy;
}
