import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One recorded decision (the decision log). Rows are only inserted, by DecisionRecorder's group commit,
 * before the decision is answered. `input` is the policy input document as evaluated (masking comes with
 * the audit issue). `policy_revision` is null when no policy could be chosen.
 */
@Entity({ name: 'decisions' })
@Index('ix_decisions_org_decided', ['orgId', 'decidedAt'])
@Check('ck_decisions_phase', `phase IN ('list','call','result')`)
@Check('ck_decisions_decision', `decision IN ('allow','deny','pending_approval')`)
export class DecisionEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_decisions' })
  id!: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @Column({ name: 'decided_at', type: 'timestamptz' })
  decidedAt!: Date;

  @Column({ name: 'agent_id', type: 'uuid', nullable: true })
  agentId!: string | null;

  @Column({ name: 'agent_name', type: 'text' })
  agentName!: string;

  @Column({ type: 'text' })
  server!: string;

  @Column({ type: 'text' })
  tool!: string;

  @Column({ type: 'text' })
  phase!: string;

  @Column({ type: 'text' })
  decision!: string;

  @Column({ type: 'jsonb' })
  reasons!: unknown;

  @Column({ type: 'jsonb' })
  obligations!: unknown;

  @Column({ type: 'jsonb' })
  input!: unknown;

  @Column({ name: 'policy_revision', type: 'integer', nullable: true })
  policyRevision!: number | null;

  @Column({ name: 'latency_us', type: 'integer' })
  latencyUs!: number;

  @Column({ name: 'api_key_id', type: 'uuid', nullable: true })
  apiKeyId!: string | null;

  @Column({ name: 'request_id', type: 'text' })
  requestId!: string;

  /** Facts the pipeline stages recorded: pinned digest, grants consumed, approval, trace id, … */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  facts!: Record<string, unknown>;
}
