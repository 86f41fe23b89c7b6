import { JoinColumn, ManyToOne, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { ApprovalRequestEntity } from './approval-request.entity';

/** The life of a request, step by step (the same steps are domain events on the audit chain). */
@Entity({ name: 'approval_history' })
@Index('ix_approval_history_request', ['requestId', 'at'])
export class ApprovalHistoryEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_approval_history' })
  id!: string;

  @Column({ name: 'request_id', type: 'uuid' })
  requestId!: string;

  @ManyToOne(() => ApprovalRequestEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'request_id', foreignKeyConstraintName: 'fk_approval_history_request' })
  request?: ApprovalRequestEntity;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @Column({ type: 'text' })
  action!: string;

  @Column({ name: 'actor_type', type: 'text' })
  actorType!: string;

  @Column({ name: 'actor_id', type: 'text' })
  actorId!: string;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  detail!: Record<string, unknown>;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at!: Date;
}
