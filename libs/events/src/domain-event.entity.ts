import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One stored domain event. Append-only: a database trigger rejects UPDATE, DELETE and TRUNCATE.
 * (A later audit-log change chains these rows with hashes.)
 */
@Entity({ name: 'domain_events' })
@Check(
  'ck_domain_events_type',
  `type ~ '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$' AND char_length(type) <= 100`,
)
@Check('ck_domain_events_actor_type', `actor_type IN ('member', 'api_key', 'system', 'agent')`)
@Check('ck_domain_events_subject', `(subject_type IS NULL) = (subject_id IS NULL)`)
@Check('ck_domain_events_data', `jsonb_typeof(data) = 'object'`)
@Index('ix_domain_events_org_occurred', ['orgId', 'occurredAt'])
@Index('ix_domain_events_type', ['type', 'occurredAt'])
export class DomainEventEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_domain_events' })
  id!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ name: 'org_id', type: 'uuid', nullable: true })
  orgId!: string | null;

  @Column({ name: 'actor_type', type: 'text' })
  actorType!: string;

  @Column({ name: 'actor_id', type: 'text' })
  actorId!: string;

  @Column({ name: 'subject_type', type: 'text', nullable: true })
  subjectType!: string | null;

  @Column({ name: 'subject_id', type: 'text', nullable: true })
  subjectId!: string | null;

  @Column({ type: 'jsonb' })
  data!: Record<string, unknown>;

  @Column({ name: 'request_id', type: 'text', nullable: true })
  requestId!: string | null;

  @Column({ type: 'text', nullable: true })
  ip!: string | null;

  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'now()' })
  occurredAt!: Date;
}
