import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * A capability grant: an agent (by id, or every agent whose labels match a selector) may call a tool (exact
 * name or glob) of a server (by name; null = any), with arguments satisfying a JSON Schema, within a
 * validity window, at most `max_uses` times and within an optional rolling budget over a numeric argument.
 * Delegated grants keep their chain (`parent_id`, `ancestor_ids` root first); consuming a delegated grant
 * consumes its ancestors too, and revoking a grant revokes its descendants.
 */
@Entity({ name: 'grants' })
@Index('ix_grants_org_created', ['orgId', 'createdAt', 'id'])
@Index('ix_grants_org_agent_active', ['orgId', 'agentId'], { where: 'revoked_at IS NULL' })
@Index('ix_grants_parent', ['parentId'])
@Index('ix_grants_template', ['templateId'])
@Check('ck_grants_subject', `(agent_id IS NULL) <> (agent_selector IS NULL)`)
@Check('ck_grants_selector', `agent_selector IS NULL OR jsonb_typeof(agent_selector) = 'object'`)
@Check('ck_grants_tool', `(tool IS NULL) <> (tool_pattern IS NULL)`)
@Check('ck_grants_constraints', `constraints IS NULL OR jsonb_typeof(constraints) = 'object'`)
@Check('ck_grants_uses', `uses >= 0 AND (max_uses IS NULL OR (max_uses > 0 AND uses <= max_uses))`)
@Check(
  'ck_grants_budget',
  `(budget_argument IS NULL AND budget_limit IS NULL AND budget_window_seconds IS NULL) OR ` +
    `(budget_argument IS NOT NULL AND budget_limit > 0 AND budget_window_seconds > 0)`,
)
@Check('ck_grants_window', `not_before IS NULL OR expires_at IS NULL OR not_before < expires_at`)
@Check('ck_grants_issuer', `issuer_type IN ('member','api_key','approval','delegation','system')`)
export class GrantEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_grants' })
  id!: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @Column({ name: 'agent_id', type: 'uuid', nullable: true })
  agentId!: string | null;

  /** Every label here must equal the agent's label of the same key. */
  @Column({ name: 'agent_selector', type: 'jsonb', nullable: true })
  agentSelector!: Record<string, string> | null;

  /** MCP server name; null: any server. */
  @Column({ type: 'text', nullable: true })
  server!: string | null;

  @Column({ type: 'text', nullable: true })
  tool!: string | null;

  @Column({ name: 'tool_pattern', type: 'text', nullable: true })
  toolPattern!: string | null;

  /** JSON Schema the call's arguments must satisfy; null: any arguments. */
  @Column({ type: 'jsonb', nullable: true })
  constraints!: Record<string, unknown> | null;

  @Column({ name: 'not_before', type: 'timestamptz', nullable: true })
  notBefore!: Date | null;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'max_uses', type: 'integer', nullable: true })
  maxUses!: number | null;

  @Column({ type: 'integer', default: 0 })
  uses!: number;

  @Column({ name: 'budget_argument', type: 'text', nullable: true })
  budgetArgument!: string | null;

  @Column({ name: 'budget_limit', type: 'numeric', nullable: true })
  budgetLimit!: string | null;

  @Column({ name: 'budget_window_seconds', type: 'integer', nullable: true })
  budgetWindowSeconds!: number | null;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ name: 'issuer_type', type: 'text' })
  issuerType!: string;

  @Column({ name: 'issuer_id', type: 'text' })
  issuerId!: string;

  @Column({ name: 'parent_id', type: 'uuid', nullable: true })
  parentId!: string | null;

  /** The delegation chain above this grant, root first (empty for a root grant). */
  @Column({ name: 'ancestor_ids', type: 'uuid', array: true, default: () => "'{}'" })
  ancestorIds!: string[];

  @Column({ name: 'template_id', type: 'uuid', nullable: true })
  templateId!: string | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'revoked_reason', type: 'text', nullable: true })
  revokedReason!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
