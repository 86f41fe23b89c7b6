/** Domain event types of the approvals feature (each transition is one, on the audit chain). */
export const ApprovalEventType = {
  Requested: 'approval.requested',
  VoteCast: 'approval.vote_cast',
  Approved: 'approval.approved',
  Denied: 'approval.denied',
  Expired: 'approval.expired',
  Cancelled: 'approval.cancelled',
  Escalated: 'approval.escalated',
  Consumed: 'approval.consumed',
  GroupCreated: 'approval.group_created',
  GroupMembersSet: 'approval.group_members_set',
  GroupDeleted: 'approval.group_deleted',
  WebhookCreated: 'approval.webhook_created',
  WebhookDeleted: 'approval.webhook_deleted',
  WebhookDeadLettered: 'approval.webhook_dead_lettered',
  WebhookReplayed: 'approval.webhook_replayed',
} as const;

export type ApprovalEventType = (typeof ApprovalEventType)[keyof typeof ApprovalEventType];

/** Job topics (outbox → BullMQ, or in-process). */
export const ApprovalJob = {
  Expire: 'approvals.expire',
  Escalate: 'approvals.escalate',
  Webhook: 'approvals.webhook',
  Consumed: 'approvals.consumed',
} as const;

/** PostgreSQL NOTIFY channel: payload = approval request id; wakes long-polls on every replica. */
export const APPROVAL_CHANGED_CHANNEL = 'mandate_approval_changed';

/** Actor of transitions nobody triggered by hand (expiry, escalation). */
export const APPROVALS_SYSTEM_ACTOR = { type: 'system', id: 'approvals' } as const;

/** TypeORM's postgres driver answers `UPDATE … RETURNING` with `[rows, count]`, other queries with rows. */
export function rowsOf<T>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}
