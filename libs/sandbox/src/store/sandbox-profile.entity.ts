import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const VIOLATION_REACTIONS = ['record', 'quarantine'] as const;
export type ViolationReaction = (typeof VIOLATION_REACTIONS)[number];

/** A stored sandbox profile of an organisation and the MCP servers (by name) it applies to. */
@Entity({ name: 'sandbox_profiles' })
@Index('uq_sandbox_profiles_org_name', ['orgId', 'name'], { unique: true })
@Check('ck_sandbox_profiles_name', `char_length(name) BETWEEN 1 AND 128`)
@Check('ck_sandbox_profiles_spec', `jsonb_typeof(spec) = 'object'`)
@Check('ck_sandbox_profiles_on_violation', `on_violation IN ('record','quarantine')`)
export class SandboxProfileEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_sandbox_profiles' })
  id!: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  /** The validated, normalised profile (see SandboxProfileSpec). */
  @Column({ type: 'jsonb' })
  spec!: Record<string, unknown>;

  /** SHA-256 of the RFC 8785 canonical spec: what gateways report and decisions record. */
  @Column({ type: 'text' })
  digest!: string;

  /** Names of the MCP servers this profile applies to (a server has at most one profile). */
  @Column({ type: 'text', array: true })
  servers!: string[];

  /** The profile of servers that have none of their own (at most one per organisation). */
  @Column({ name: 'is_default', type: 'boolean', default: false })
  isDefault!: boolean;

  /** What a reported violation does besides the audit event and the metric. */
  @Column({ name: 'on_violation', type: 'text', default: 'record' })
  onViolation!: ViolationReaction;

  @Column({ type: 'integer', default: 1 })
  revision!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
