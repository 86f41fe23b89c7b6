import { JoinColumn, ManyToOne, Check, Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { ApprovalRequestEntity } from './approval-request.entity';

/** One reviewer's vote on a request (one per member and request). */
@Entity({ name: 'approval_votes' })
@Check('ck_approval_votes_vote', `vote IN ('approve', 'deny')`)
export class ApprovalVoteEntity {
  @PrimaryColumn({ name: 'request_id', type: 'uuid', primaryKeyConstraintName: 'pk_approval_votes' })
  requestId!: string;

  @ManyToOne(() => ApprovalRequestEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'request_id', foreignKeyConstraintName: 'fk_approval_votes_request' })
  request?: ApprovalRequestEntity;

  @PrimaryColumn({ name: 'member_id', type: 'uuid', primaryKeyConstraintName: 'pk_approval_votes' })
  memberId!: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @Column({ type: 'text' })
  vote!: 'approve' | 'deny';

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
