import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import { MemberEntity } from '../members/member.entity';
import { OrganisationEntity } from '../organisations/organisation.entity';

@Entity({ name: 'agents' })
@Index('ix_agents_org_created', ['orgId', 'createdAt'])
@Index('ix_agents_owner', ['ownerMemberId'])
@Check('ck_agents_name', `name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$'`)
@Check('ck_agents_labels', `jsonb_typeof(labels) = 'object'`)
@Check('ck_agents_trust_level', `trust_level BETWEEN 0 AND 3`)
@Index('uq_agents_org_name', ['orgId', 'name'], { unique: true })
export class AgentEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @ManyToOne(() => OrganisationEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'org_id', foreignKeyConstraintName: 'fk_agents_org' })
  organisation?: OrganisationEntity;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ name: 'owner_member_id', type: 'uuid' })
  ownerMemberId!: string;

  @ManyToOne(() => MemberEntity, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'owner_member_id', foreignKeyConstraintName: 'fk_agents_owner_member' })
  owner?: MemberEntity;

  @Column({ type: 'jsonb' })
  labels!: Record<string, string>;

  /** 0 = untrusted … 3 = high. */
  @Column({ name: 'trust_level', type: 'smallint', default: 0 })
  trustLevel!: number;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
