import type { INestApplicationContext } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DomainEventPublisher } from '@mandate/events';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../apps/server/src/create-app';
import { createWorker } from '../../apps/worker/src/create-worker';
import {
  createTestDatabase,
  DedicatedRedis,
  describeWithPostgresAndRedis,
  randomSuffix,
  type TestDatabase,
} from '../support';
import { RecordingSubscriber, RecordingSubscriberModule } from './recording-subscriber';
import { waitFor } from './wait-for';

describeWithPostgresAndRedis('outbox relay survives a Redis outage (server + worker)', () => {
  let db: TestDatabase;
  let redis: DedicatedRedis;
  let server: NestFastifyApplication;
  let worker: INestApplicationContext;

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = await DedicatedRedis.onFreePort(); // not started yet: Redis is "down"
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      MANDATE_QUEUE_PREFIX: `mandate-test:${randomSuffix()}`,
      LOG_LEVEL: 'silent',
    };
    server = await createApp({ env, modules: [RecordingSubscriberModule] });
    worker = await createWorker({ env, modules: [RecordingSubscriberModule] });
  });
  afterAll(async () => {
    await worker?.close();
    await server?.close();
    await redis?.stop();
    await db?.drop();
  });

  it('keeps the job in the outbox while Redis is down and delivers it once Redis is back', async () => {
    const ds = server.get(DataSource);
    const ready = await server.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'unavailable', checks: { database: 'up', redis: 'down' } });

    const event = await ds.transaction((m) =>
      server.get(DomainEventPublisher).publish(m, {
        type: 'probe.queued',
        orgId: null,
        actor: { type: 'system', id: 'test' },
        data: { n: 1 },
      }),
    );
    const [{ id: jobId }] = await ds.query(`SELECT id FROM outbox WHERE payload->>'eventId' = $1`, [
      event.id,
    ]);

    // The relay tried, failed, and rescheduled the row; nothing was delivered.
    const failed = await waitFor(
      async () =>
        (
          await ds.query(`SELECT * FROM outbox WHERE id = $1 AND attempts >= 1 AND last_error IS NOT NULL`, [
            jobId,
          ])
        )[0],
      10_000,
      'a failed relay attempt',
    );
    expect(failed.dispatched_at).toBeNull();
    expect(await ds.query(`SELECT 1 FROM job_deliveries WHERE job_id = $1`, [jobId])).toHaveLength(0);

    await redis.start();

    const delivery = await waitFor(
      async () => (await ds.query(`SELECT * FROM job_deliveries WHERE job_id = $1`, [jobId]))[0],
      30_000,
      'delivery after Redis came back',
    );
    expect(delivery).toMatchObject({ consumer: 'test-recorder', via: 'queue', topic: 'events.fanout' });
    const [row] = await ds.query(`SELECT dispatched_at FROM outbox WHERE id = $1`, [jobId]);
    expect(row.dispatched_at).not.toBeNull();
    // The worker ran the handler, not the API process.
    expect(worker.get(RecordingSubscriber).received.map((e) => e.id)).toEqual([event.id]);
    expect(server.get(RecordingSubscriber).received).toHaveLength(0);

    const readyAgain = await server.inject({ method: 'GET', url: '/readyz' });
    expect(readyAgain.json()).toMatchObject({ checks: { redis: 'up' } });
  });
});
