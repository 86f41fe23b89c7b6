import { Check, Column, Entity, JoinColumn, ManyToOne, OneToOne, PrimaryColumn } from 'typeorm';
import { PolicyVersionEntity } from './policy-version.entity';

/**
 * Which version is active for an organisation, and its revision (bumped by every activation and rollback).
 * The row is created at revision 0 (no version: the baseline policy applies) and locked while activating.
 */
@Entity({ name: 'policy_heads' })
@Check('ck_policy_heads_revision', `revision >= 0`)
@Check(
  'ck_policy_heads_version',
  `(revision = 0) = (version_id IS NULL) AND (version_id IS NULL) = (activated_at IS NULL)`,
)
export class PolicyHeadEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'pk_policy_heads' })
  orgId!: string;

  @OneToOne('OrganisationEntity', { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'org_id', foreignKeyConstraintName: 'fk_policy_heads_org' })
  organisation?: object;

  @Column({ type: 'integer' })
  revision!: number;

  @Column({ name: 'version_id', type: 'uuid', nullable: true })
  versionId!: string | null;

  @ManyToOne(() => PolicyVersionEntity, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({ name: 'version_id', foreignKeyConstraintName: 'fk_policy_heads_version' })
  version?: PolicyVersionEntity;

  @Column({ name: 'activated_at', type: 'timestamptz', nullable: true })
  activatedAt!: Date | null;
}
