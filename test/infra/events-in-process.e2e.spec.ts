import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DomainEventPublisher } from '@mandate/events';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../apps/server/src/create-app';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../support';
import { RecordingSubscriber, RecordingSubscriberModule } from './recording-subscriber';
import { waitFor } from './wait-for';

const ORG = '00000000-0000-4000-8000-000000000001';

describeWithPostgres('domain events + outbox, single-process mode (no REDIS_URL)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let ds: DataSource;
  let publisher: DomainEventPublisher;
  let recorder: RecordingSubscriber;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createApp({
      env: { DATABASE_URL: db.url, LOG_LEVEL: 'silent' },
      modules: [RecordingSubscriberModule],
    });
    ds = app.get(DataSource);
    publisher = app.get(DomainEventPublisher);
    recorder = app.get(RecordingSubscriber);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('stores the event and runs the fan-out in-process, recording the delivery', async () => {
    const event = await ds.transaction((m) =>
      publisher.publish(m, {
        type: 'probe.created',
        orgId: ORG,
        actor: { type: 'member', id: 'm-1' },
        subject: { type: 'probe', id: 'p-1' },
        data: { name: 'first' },
        requestId: 'req-1',
        ip: '127.0.0.1',
      }),
    );
    const [stored] = await ds.query(`SELECT * FROM domain_events WHERE id = $1`, [event.id]);
    expect(stored).toMatchObject({
      type: 'probe.created',
      org_id: ORG,
      actor_type: 'member',
      actor_id: 'm-1',
      subject_type: 'probe',
      data: { name: 'first' },
      request_id: 'req-1',
    });
    const [job] = await ds.query(`SELECT * FROM outbox WHERE payload->>'eventId' = $1`, [event.id]);
    expect(job.topic).toBe('events.fanout');
    const delivery = await waitFor(
      async () => (await ds.query(`SELECT * FROM job_deliveries WHERE job_id = $1`, [job.id]))[0],
      10_000,
      'delivery',
    );
    expect(delivery).toMatchObject({
      consumer: 'test-recorder',
      topic: 'events.fanout',
      via: 'in_process',
      attempt: 1,
    });
    const [after] = await ds.query(`SELECT dispatched_at FROM outbox WHERE id = $1`, [job.id]);
    expect(after.dispatched_at).not.toBeNull();
    expect(recorder.received.map((e) => e.id)).toContain(event.id);
    expect(recorder.received.find((e) => e.id === event.id)).toMatchObject({
      type: 'probe.created',
      subject: { type: 'probe', id: 'p-1' },
    });
  });

  it('writes nothing when the publishing transaction rolls back', async () => {
    await expect(
      ds.transaction(async (m) => {
        await publisher.publish(m, {
          type: 'probe.rolled_back',
          orgId: ORG,
          actor: { type: 'system', id: 'test' },
          data: {},
        });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const [{ n }] = await ds.query(
      `SELECT count(*)::int AS n FROM domain_events WHERE type = 'probe.rolled_back'`,
    );
    const [{ m }] = await ds.query(
      `SELECT count(*)::int AS m FROM outbox WHERE payload->>'type' = 'probe.rolled_back'`,
    );
    expect([n, m]).toEqual([0, 0]);
  });

  it('retries a failed delivery with backoff and delivers once', async () => {
    recorder.failNext = 1;
    const event = await ds.transaction((m) =>
      publisher.publish(m, {
        type: 'probe.retried',
        orgId: ORG,
        actor: { type: 'agent', id: 'a-1' },
        data: {},
      }),
    );
    const [job] = await ds.query(`SELECT id FROM outbox WHERE payload->>'eventId' = $1`, [event.id]);
    const row = await waitFor(
      async () =>
        (await ds.query(`SELECT * FROM outbox WHERE id = $1 AND dispatched_at IS NOT NULL`, [job.id]))[0],
      15_000,
      'retry',
    );
    expect(row.attempts).toBe(2);
    expect(row.last_error).toBeNull();
    const deliveries = await ds.query(`SELECT attempt FROM job_deliveries WHERE job_id = $1`, [job.id]);
    expect(deliveries).toEqual([{ attempt: 2 }]);
    expect(recorder.received.filter((e) => e.id === event.id)).toHaveLength(1);
  });

  it('does not enqueue a fan-out for event types nobody subscribes to', async () => {
    const event = await ds.transaction((m) =>
      publisher.publish(m, {
        type: 'unwatched.happened',
        orgId: null,
        actor: { type: 'system', id: 'test' },
        data: {},
      }),
    );
    const rows = await ds.query(`SELECT 1 FROM outbox WHERE payload->>'eventId' = $1`, [event.id]);
    expect(rows).toHaveLength(0);
  });

  it('refuses to publish outside a transaction and rejects bad events', async () => {
    await expect(
      publisher.publish(ds.manager, {
        type: 'probe.x',
        orgId: null,
        actor: { type: 'system', id: 's' },
        data: {},
      }),
    ).rejects.toThrow(/inside a transaction/);
    await expect(
      ds.transaction((m) =>
        publisher.publish(m, {
          type: 'NotDotted',
          orgId: null,
          actor: { type: 'system', id: 's' },
          data: {},
        }),
      ),
    ).rejects.toThrow(/Invalid domain event type/);
  });
});
