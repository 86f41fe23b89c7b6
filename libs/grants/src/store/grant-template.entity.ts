import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * A grant with open slots: the agent always, the tool when the template names none. Instantiating it for
 * agents (× tools) creates one grant each; editing it updates every live grant made from it.
 */
@Entity({ name: 'grant_templates' })
@Index('ix_grant_templates_org_created', ['orgId', 'createdAt', 'id'])
@Index('uq_grant_templates_org_name', ['orgId', 'name'], { unique: true })
@Check('ck_grant_templates_tool', `tool IS NULL OR tool_pattern IS NULL`)
@Check('ck_grant_templates_constraints', `constraints IS NULL OR jsonb_typeof(constraints) = 'object'`)
@Check('ck_grant_templates_max_uses', `max_uses IS NULL OR max_uses > 0`)
@Check(
  'ck_grant_templates_budget',
  `(budget_argument IS NULL AND budget_limit IS NULL AND budget_window_seconds IS NULL) OR ` +
    `(budget_argument IS NOT NULL AND budget_limit > 0 AND budget_window_seconds > 0)`,
)
export class GrantTemplateEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_grant_templates' })
  id!: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', nullable: true })
  server!: string | null;

  /** Fixed tool; when both tool and tool_pattern are null the tool is a slot filled at instantiation. */
  @Column({ type: 'text', nullable: true })
  tool!: string | null;

  @Column({ name: 'tool_pattern', type: 'text', nullable: true })
  toolPattern!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  constraints!: Record<string, unknown> | null;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'max_uses', type: 'integer', nullable: true })
  maxUses!: number | null;

  @Column({ name: 'budget_argument', type: 'text', nullable: true })
  budgetArgument!: string | null;

  @Column({ name: 'budget_limit', type: 'numeric', nullable: true })
  budgetLimit!: string | null;

  @Column({ name: 'budget_window_seconds', type: 'integer', nullable: true })
  budgetWindowSeconds!: number | null;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ type: 'integer', default: 1 })
  version!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
