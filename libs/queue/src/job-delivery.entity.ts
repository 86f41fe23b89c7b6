import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Proof that a job was handled by a consumer. The (job, consumer) key makes handlers idempotent under
 * at-least-once delivery: a redelivered job skips consumers that already recorded their delivery.
 */
@Entity({ name: 'job_deliveries' })
@Check('ck_job_deliveries_via', `via IN ('in_process', 'queue')`)
@Check('ck_job_deliveries_attempt', `attempt >= 1`)
export class JobDeliveryEntity {
  @PrimaryColumn({ name: 'job_id', type: 'uuid', primaryKeyConstraintName: 'pk_job_deliveries' })
  jobId!: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_job_deliveries' })
  consumer!: string;

  @Column({ type: 'text' })
  topic!: string;

  @Column({ type: 'text' })
  via!: 'in_process' | 'queue';

  @Column({ type: 'integer' })
  attempt!: number;

  @Column({ name: 'delivered_at', type: 'timestamptz', default: () => 'now()' })
  deliveredAt!: Date;
}
