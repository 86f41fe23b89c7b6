import { JoinColumn, ManyToOne, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import { ApproverGroupEntity } from './approver-group.entity';

/** Membership of a member (libs/identity, by id) in an approver group. */
@Entity({ name: 'approver_group_members' })
@Index('ix_approver_group_members_member', ['memberId'])
export class ApproverGroupMemberEntity {
  @PrimaryColumn({ name: 'group_id', type: 'uuid', primaryKeyConstraintName: 'pk_approver_group_members' })
  groupId!: string;

  @ManyToOne(() => ApproverGroupEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'group_id', foreignKeyConstraintName: 'fk_approver_group_members_group' })
  group?: ApproverGroupEntity;

  @PrimaryColumn({ name: 'member_id', type: 'uuid', primaryKeyConstraintName: 'pk_approver_group_members' })
  memberId!: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
