import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
} from 'typeorm';

/** An immutable, numbered snapshot of an organisation's policy: sources (if any) and the compiled module. */
@Entity({ name: 'policy_versions' })
@Index('uq_policy_versions_org_number', ['orgId', 'number'], { unique: true })
@Check('ck_policy_versions_number', `number > 0`)
@Check('ck_policy_versions_source', `source IN ('rego', 'bundle')`)
@Check('ck_policy_versions_files', `jsonb_typeof(files) = 'object'`)
@Check('ck_policy_versions_message', `message IS NULL OR char_length(message) <= 1000`)
@Check('ck_policy_versions_actor_type', `author_type IN ('member', 'api_key', 'system')`)
export class PolicyVersionEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_policy_versions' })
  id!: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @ManyToOne('OrganisationEntity', { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'org_id', foreignKeyConstraintName: 'fk_policy_versions_org' })
  organisation?: object;

  /** 1, 2, 3 … per organisation. */
  @Column({ type: 'integer' })
  number!: number;

  /** `rego`: snapshot of the draft; `bundle`: an uploaded OPA bundle (no sources). */
  @Column({ type: 'text' })
  source!: 'rego' | 'bundle';

  /** Rego sources by file name (empty for a bundle without sources). */
  @Column({ type: 'jsonb' })
  files!: Record<string, string>;

  @Column({ type: 'bytea', select: false })
  wasm!: Buffer;

  @Column({ name: 'wasm_sha256', type: 'text' })
  wasmSha256!: string;

  @Column({ name: 'wasm_size', type: 'integer' })
  wasmSize!: number;

  @Column({ type: 'text' })
  entrypoint!: string;

  @Column({ type: 'text', nullable: true })
  message!: string | null;

  @Column({ name: 'author_type', type: 'text' })
  authorType!: string;

  @Column({ name: 'author_id', type: 'text' })
  authorId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
