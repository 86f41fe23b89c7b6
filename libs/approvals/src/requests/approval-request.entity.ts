import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

export const APPROVAL_STATES = ['pending', 'approved', 'denied', 'expired', 'cancelled', 'consumed'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];
export type ApprovalMode = 'once' | 'window';

/**
 * One approval request, bound to (organisation, agent, server name, tool, SHA-256 of the RFC 8785 canonical
 * arguments). At most one pending request per binding (partial unique index), so the same call again finds
 * the same request.
 */
@Entity({ name: 'approval_requests' })
@Check(
  'ck_approval_requests_state',
  `state IN ('pending', 'approved', 'denied', 'expired', 'cancelled', 'consumed')`,
)
@Check('ck_approval_requests_mode', `mode IN ('once', 'window')`)
@Check('ck_approval_requests_quorum', `quorum BETWEEN 1 AND 100`)
@Check('ck_approval_requests_args_hash', `args_hash ~ '^sha256:[0-9a-f]{64}$'`)
@Index('uq_approval_requests_pending_binding', ['orgId', 'agentId', 'server', 'tool', 'argsHash'], {
  unique: true,
  where: `state = 'pending'`,
})
@Index('ix_approval_requests_org_created', ['orgId', 'createdAt', 'id'])
@Index('ix_approval_requests_approved_binding', ['orgId', 'agentId', 'server', 'tool'], {
  where: `state = 'approved'`,
})
@Index('ix_approval_requests_pending_expiry', ['expiresAt'], { where: `state = 'pending'` })
export class ApprovalRequestEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_approval_requests' })
  id!: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @Column({ name: 'agent_id', type: 'uuid' })
  agentId!: string;

  @Column({ name: 'agent_name', type: 'text' })
  agentName!: string;

  @Column({ name: 'agent_owner_id', type: 'uuid', nullable: true })
  agentOwnerId!: string | null;

  @Column({ name: 'principal_id', type: 'text', nullable: true })
  principalId!: string | null;

  @Column({ name: 'principal_email', type: 'text', nullable: true })
  principalEmail!: string | null;

  @Column({ type: 'text' })
  server!: string;

  @Column({ type: 'text' })
  tool!: string;

  @Column({ name: 'args_hash', type: 'text' })
  argsHash!: string;

  /** The exact arguments (full; only the authenticated API shows them, notifications redact). */
  @Column({ type: 'jsonb' })
  arguments!: Record<string, unknown>;

  /** JSON pointers to redact in notifications (the policy's `obligations.redact_arguments`). */
  @Column({ name: 'redact_paths', type: 'text', array: true, default: () => "'{}'" })
  redactPaths!: string[];

  /** The policy's require_approval object, as evaluated. */
  @Column({ type: 'jsonb' })
  requirement!: Record<string, unknown>;

  /** The policy's reasons (approval_required …). */
  @Column({ type: 'jsonb' })
  reasons!: Array<{ code: string; message: string }>;

  @Column({ type: 'text', array: true })
  groups!: string[];

  @Column({ name: 'escalate_to', type: 'text', array: true, default: () => "'{}'" })
  escalateTo!: string[];

  @Column({ type: 'integer' })
  quorum!: number;

  @Column({ name: 'reason_required', type: 'boolean', default: false })
  reasonRequired!: boolean;

  @Column({ type: 'text' })
  mode!: ApprovalMode;

  @Column({ name: 'window_seconds', type: 'integer', nullable: true })
  windowSeconds!: number | null;

  /** Ids of the grants involved in the decision (their issuers cannot vote). */
  @Column({ name: 'grant_ids', type: 'text', array: true, default: () => "'{}'" })
  grantIds!: string[];

  @Column({ name: 'decision_id', type: 'uuid' })
  decisionId!: string;

  @Column({ type: 'text' })
  state!: ApprovalState;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** A pending request past this instant is expired (whether or not the expiry job ran). */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'escalate_at', type: 'timestamptz', nullable: true })
  escalateAt!: Date | null;

  @Column({ name: 'escalated_at', type: 'timestamptz', nullable: true })
  escalatedAt!: Date | null;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt!: Date | null;

  /** Approved: the approval may be used until then (once: one call; window: any call of the binding). */
  @Column({ name: 'usable_until', type: 'timestamptz', nullable: true })
  usableUntil!: Date | null;

  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt!: Date | null;

  @Column({ name: 'consumed_by_decision_id', type: 'uuid', nullable: true })
  consumedByDecisionId!: string | null;
}
