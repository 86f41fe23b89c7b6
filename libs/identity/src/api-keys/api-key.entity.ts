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
import type { Role } from '../access/role';
import { MemberEntity } from '../members/member.entity';
import { OrganisationEntity } from '../organisations/organisation.entity';
import type { ApiKeyScope } from './api-key-scope';

@Entity({ name: 'api_keys' })
@Index('ix_api_keys_org_created', ['orgId', 'createdAt'])
@Check(
  'ck_api_keys_scopes',
  `cardinality(scopes) >= 1 AND scopes <@ ARRAY['decisions:evaluate','admin']::text[]`,
)
@Check(
  'ck_api_keys_role',
  `(role IS NULL AND NOT ('admin' = ANY(scopes))) OR (role IS NOT NULL AND role IN ('owner','admin','policy_author','approver','auditor') AND 'admin' = ANY(scopes))`,
)
@Check('ck_api_keys_prefix', `prefix ~ '^[0-9a-f]{12}$'`)
@Check('ck_api_keys_name', `char_length(name) BETWEEN 1 AND 200`)
export class ApiKeyEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @ManyToOne(() => OrganisationEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'org_id', foreignKeyConstraintName: 'fk_api_keys_org' })
  organisation?: OrganisationEntity;

  @Column({ type: 'text' })
  name!: string;

  /** Public lookup part of `mnd_<prefix>_<secret>`. */
  @Index('uq_api_keys_prefix', { unique: true })
  @Column({ type: 'text' })
  prefix!: string;

  /** SHA-256 (hex) of the whole key. */
  @Column({ name: 'key_hash', type: 'text' })
  keyHash!: string;

  @Column({ type: 'text', array: true })
  scopes!: ApiKeyScope[];

  /** Role whose permissions an `admin`-scoped key carries; null for gateway-only keys. */
  @Column({ type: 'text', nullable: true })
  role!: Role | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @ManyToOne(() => MemberEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'created_by', foreignKeyConstraintName: 'fk_api_keys_created_by' })
  creator?: MemberEntity | null;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
