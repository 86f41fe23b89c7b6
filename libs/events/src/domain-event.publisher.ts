import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { OutboxWriter } from '@mandate/queue';
import type { EntityManager } from 'typeorm';
import { ACTOR_TYPES, type DomainEvent, type StoredDomainEvent } from './domain-event';
import { DOMAIN_EVENT_JOURNAL, type DomainEventJournal } from './domain-event-journal';
import { EventSubscriberRegistry } from './event-subscriber.registry';

export const EVENTS_FANOUT_TOPIC = 'events.fanout';

const EVENT_TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/**
 * The one way to publish a domain event. Call it with the EntityManager of the transaction that makes the
 * change: the event row (append-only `domain_events`) and, when someone subscribes to the type, an
 * `events.fanout` outbox job commit or roll back together with the change itself. When a
 * {@link DomainEventJournal} is provided (the audit module), the event is also appended to its
 * organisation's audit hash chain in the same transaction.
 */
@Injectable()
export class DomainEventPublisher {
  constructor(
    private readonly outbox: OutboxWriter,
    private readonly subscribers: EventSubscriberRegistry,
    @Optional() @Inject(DOMAIN_EVENT_JOURNAL) private readonly journal?: DomainEventJournal,
  ) {}

  async publish<D extends Record<string, unknown>>(
    manager: EntityManager,
    event: DomainEvent<D>,
  ): Promise<StoredDomainEvent<D>> {
    assertValid(event);
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error(
        'DomainEventPublisher.publish must be called inside a transaction (pass its EntityManager)',
      );
    }
    const id = randomUUID();
    const rows = await manager.query<Array<{ occurred_at: Date }>>(
      `INSERT INTO domain_events (id, type, org_id, actor_type, actor_id, subject_type, subject_id, data, request_id, ip)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10) RETURNING occurred_at`,
      [
        id,
        event.type,
        event.orgId,
        event.actor.type,
        event.actor.id,
        event.subject?.type ?? null,
        event.subject?.id ?? null,
        JSON.stringify(event.data),
        event.requestId ?? null,
        event.ip ?? null,
      ],
    );
    const stored: StoredDomainEvent<D> = { ...event, id, occurredAt: new Date(rows[0].occurred_at) };
    if (this.journal) await this.journal.append(manager, stored);
    if (this.subscribers.for(event.type).length > 0) {
      await this.outbox.enqueue(manager, EVENTS_FANOUT_TOPIC, { eventId: id, type: event.type });
    }
    return stored;
  }
}

function assertValid(event: DomainEvent): void {
  if (!EVENT_TYPE.test(event.type) || event.type.length > 100)
    throw new Error(`Invalid domain event type "${event.type}"`);
  if (!(ACTOR_TYPES as readonly string[]).includes(event.actor.type))
    throw new Error(`Invalid actor type "${event.actor.type}"`);
  if (!event.actor.id) throw new Error('Domain event actor needs an id');
  if (typeof event.data !== 'object' || event.data === null || Array.isArray(event.data))
    throw new Error('Domain event data must be an object');
}
