import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A job recorded in the caller's transaction (transactional outbox). Relayed to BullMQ when Redis is
 * configured, or run in-process otherwise. `dispatched_at` is set once the queue accepted the job (or the
 * in-process handler succeeded).
 */
@Entity({ name: 'outbox' })
@Check('ck_outbox_topic', `topic ~ '^[a-z][a-z0-9_-]*(\\.[a-z][a-z0-9_-]*)*$' AND char_length(topic) <= 100`)
@Check('ck_outbox_attempts', `attempts >= 0`)
@Index('ix_outbox_pending', ['availableAt'], { where: 'dispatched_at IS NULL' })
export class OutboxEntryEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_outbox' })
  id!: string;

  @Column({ type: 'text' })
  topic!: string;

  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'available_at', type: 'timestamptz', default: () => 'now()' })
  availableAt!: Date;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'dispatched_at', type: 'timestamptz', nullable: true })
  dispatchedAt!: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;
}
