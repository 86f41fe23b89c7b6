import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  OneToOne,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { PolicyCompileIssue } from '../compile/policy-compile-issue';

/**
 * The organisation's working copy of its Rego modules (one per organisation, mutable). Saved even when it
 * does not compile: `valid` is false and `errors` says why; `wasm` holds the compiled module when valid.
 */
@Entity({ name: 'policy_drafts' })
@Check('ck_policy_drafts_files', `jsonb_typeof(files) = 'object'`)
@Check('ck_policy_drafts_errors', `jsonb_typeof(errors) = 'array'`)
@Check('ck_policy_drafts_wasm', `valid = (wasm IS NOT NULL)`)
@Check('ck_policy_drafts_actor_type', `updated_by_type IN ('member', 'api_key', 'system')`)
export class PolicyDraftEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'pk_policy_drafts' })
  orgId!: string;

  // Named by string: the FK to identity's table without importing its entity (not part of its public index).
  @OneToOne('OrganisationEntity', { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'org_id', foreignKeyConstraintName: 'fk_policy_drafts_org' })
  organisation?: object;

  /** Rego sources by file name. */
  @Column({ type: 'jsonb' })
  files!: Record<string, string>;

  @Column({ type: 'boolean' })
  valid!: boolean;

  @Column({ type: 'jsonb' })
  errors!: PolicyCompileIssue[];

  @Column({ type: 'bytea', nullable: true, select: false })
  wasm!: Buffer | null;

  @Column({ name: 'updated_by_type', type: 'text' })
  updatedByType!: string;

  @Column({ name: 'updated_by_id', type: 'text' })
  updatedById!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
