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
import { PolicyVersionEntity } from './policy-version.entity';

/** Summary of the tests run before an activation (`skipped` for a rollback). */
export interface PolicyActivationTests {
  total?: number;
  passed?: number;
  failed?: string[];
  skipped?: boolean;
}

/** History of activations and rollbacks: one row per revision of an organisation's policy. */
@Entity({ name: 'policy_activations' })
@Index('uq_policy_activations_org_revision', ['orgId', 'revision'], { unique: true })
@Index('ix_policy_activations_version', ['versionId'])
@Check('ck_policy_activations_kind', `kind IN ('activate', 'rollback')`)
@Check('ck_policy_activations_revision', `revision > 0`)
@Check('ck_policy_activations_forced', `NOT forced OR (reason IS NOT NULL AND char_length(reason) > 0)`)
@Check('ck_policy_activations_reason', `reason IS NULL OR char_length(reason) <= 1000`)
@Check('ck_policy_activations_tests', `jsonb_typeof(tests) = 'object'`)
@Check('ck_policy_activations_actor_type', `actor_type IN ('member', 'api_key', 'system')`)
export class PolicyActivationEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_policy_activations' })
  id!: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @ManyToOne('OrganisationEntity', { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'org_id', foreignKeyConstraintName: 'fk_policy_activations_org' })
  organisation?: object;

  @Column({ type: 'integer' })
  revision!: number;

  @Column({ name: 'version_id', type: 'uuid' })
  versionId!: string;

  @ManyToOne(() => PolicyVersionEntity, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'version_id', foreignKeyConstraintName: 'fk_policy_activations_version' })
  version?: PolicyVersionEntity;

  @Column({ type: 'text' })
  kind!: 'activate' | 'rollback';

  /** True when failing tests were overridden; `reason` then says why. */
  @Column({ type: 'boolean' })
  forced!: boolean;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  /** Summary of the test run that preceded the activation: `{total, passed, failed: [names]}`. */
  @Column({ type: 'jsonb' })
  tests!: PolicyActivationTests;

  @Column({ name: 'actor_type', type: 'text' })
  actorType!: string;

  @Column({ name: 'actor_id', type: 'text' })
  actorId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
