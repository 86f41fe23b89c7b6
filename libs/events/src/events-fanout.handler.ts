import { Logger } from '@nestjs/common';
import { JobDeliveryLog, JobHandlerFor, type JobContext, type JobHandler } from '@mandate/queue';
import { DataSource } from 'typeorm';
import type { ActorType, StoredDomainEvent } from './domain-event';
import { EVENTS_FANOUT_TOPIC } from './domain-event.publisher';
import { EventSubscriberRegistry } from './event-subscriber.registry';

interface FanoutPayload {
  eventId: string;
}

interface EventRow {
  id: string;
  type: string;
  org_id: string | null;
  actor_type: ActorType;
  actor_id: string;
  subject_type: string | null;
  subject_id: string | null;
  data: Record<string, unknown>;
  request_id: string | null;
  ip: string | null;
  occurred_at: Date;
}

/**
 * `events.fanout`: delivers one stored domain event to every subscriber of its type, recording each
 * delivery in job_deliveries. A retry skips subscribers already recorded; if any subscriber fails the job
 * fails (and is retried) after the others were tried.
 */
@JobHandlerFor(EVENTS_FANOUT_TOPIC)
export class EventsFanoutHandler implements JobHandler<FanoutPayload> {
  private readonly logger = new Logger('EventsFanout');

  constructor(
    private readonly dataSource: DataSource,
    private readonly subscribers: EventSubscriberRegistry,
    private readonly deliveries: JobDeliveryLog,
  ) {}

  async handle(job: JobContext<FanoutPayload>): Promise<void> {
    const event = await this.load(job.payload.eventId);
    if (!event) throw new Error(`domain event ${job.payload.eventId} not found`);
    const failures: string[] = [];
    for (const { subscription, subscriber } of this.subscribers.for(event.type)) {
      if (await this.deliveries.wasDelivered(job.id, subscription.name)) continue;
      try {
        await subscriber.handle(event);
        await this.deliveries.record(job, subscription.name);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.logger.warn(
          `subscriber ${subscription.name} failed on event ${event.id} (${event.type}): ${message}`,
        );
        failures.push(subscription.name);
      }
    }
    if (failures.length > 0) throw new Error(`subscribers failed: ${failures.join(', ')}`);
  }

  private async load(id: string): Promise<StoredDomainEvent | undefined> {
    const rows = await this.dataSource.query<EventRow[]>(
      `SELECT id, type, org_id, actor_type, actor_id, subject_type, subject_id, data, request_id, ip, occurred_at
         FROM domain_events WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      id: row.id,
      type: row.type,
      orgId: row.org_id,
      actor: { type: row.actor_type, id: row.actor_id },
      ...(row.subject_type && row.subject_id
        ? { subject: { type: row.subject_type, id: row.subject_id } }
        : {}),
      data: row.data,
      ...(row.request_id ? { requestId: row.request_id } : {}),
      ...(row.ip ? { ip: row.ip } : {}),
      occurredAt: new Date(row.occurred_at),
    };
  }
}
