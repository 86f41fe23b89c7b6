import {
  JoinColumn,
  ManyToOne,
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
} from 'typeorm';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity';

export type DeliveryState = 'pending' | 'delivered' | 'dead';

/**
 * One notification to one subscription. Its id is the `Idempotency-Key` header: every retry (and every
 * re-drive after a lost queue) carries the same key. `dead` rows are the dead-letter list.
 */
@Entity({ name: 'approval_webhook_deliveries' })
@Check('ck_approval_webhook_deliveries_state', `state IN ('pending', 'delivered', 'dead')`)
@Index('ix_approval_webhook_deliveries_state', ['orgId', 'state', 'createdAt'])
@Index('ix_approval_webhook_deliveries_pending', ['createdAt'], { where: `state = 'pending'` })
export class WebhookDeliveryEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_approval_webhook_deliveries' })
  id!: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @Column({ name: 'subscription_id', type: 'uuid' })
  subscriptionId!: string;

  @ManyToOne(() => WebhookSubscriptionEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({
    name: 'subscription_id',
    foreignKeyConstraintName: 'fk_approval_webhook_deliveries_subscription',
  })
  subscription?: WebhookSubscriptionEntity;

  @Column({ name: 'request_id', type: 'uuid' })
  requestId!: string;

  @Column({ name: 'event_type', type: 'text' })
  eventType!: string;

  /** The notification body (arguments already redacted). */
  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ type: 'text', default: 'pending' })
  state!: DeliveryState;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'last_status', type: 'integer', nullable: true })
  lastStatus!: number | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** Last time a job was queued for it (the sweeper re-drives pending rows queued long ago). */
  @Column({ name: 'queued_at', type: 'timestamptz', default: () => 'now()' })
  queuedAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
