import type { INestApplicationContext } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DomainEventPublisher } from '@mandate/events';
import { JOBS_QUEUE } from '@mandate/queue';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../apps/server/src/create-app';
import { createWorker } from '../../apps/worker/src/create-worker';
import { createTestDatabase, describeWithPostgresAndRedis, testRedis, type TestDatabase } from '../support';
import { RecordingSubscriber, RecordingSubscriberModule } from './recording-subscriber';
import { waitFor } from './wait-for';

const EVENTS = 40;

describeWithPostgresAndRedis('outbox relay with two API replicas and a worker (shared Redis)', () => {
  let db: TestDatabase;
  let replicas: NestFastifyApplication[] = [];
  let worker: INestApplicationContext;
  const redis = testRedis();

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      MANDATE_QUEUE_PREFIX: redis.prefix,
      LOG_LEVEL: 'silent',
    };
    replicas = [await createApp({ env }), await createApp({ env })];
    worker = await createWorker({ env, modules: [RecordingSubscriberModule] });
  });
  afterAll(async () => {
    await worker?.close();
    for (const r of replicas) await r.close();
    const queue = new Queue(JOBS_QUEUE, { connection: { url: redis.url }, prefix: redis.prefix });
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await db?.drop();
  });

  it('relays every committed job exactly once and the worker delivers each event once', async () => {
    const ids: string[] = [];
    // Only the worker mounts RecordingSubscriber here, so publish through its publisher (same database and
    // outbox as the replicas); the two replicas and the worker all relay.
    const ds = worker.get(DataSource);
    const publisher = worker.get(DomainEventPublisher);
    for (let i = 0; i < EVENTS; i++) {
      const e = await ds.transaction((m) =>
        publisher.publish(m, {
          type: 'probe.bulk',
          orgId: null,
          actor: { type: 'system', id: 't' },
          data: { i },
        }),
      );
      ids.push(e.id);
    }
    await waitFor(
      async () => {
        const [{ n }] = await ds.query(
          `SELECT count(*)::int AS n FROM job_deliveries WHERE consumer = 'test-recorder'`,
        );
        return n === EVENTS;
      },
      30_000,
      'all deliveries',
    );
    const rows = await ds.query(`SELECT attempts, dispatched_at FROM outbox`);
    expect(rows).toHaveLength(EVENTS);
    // SKIP LOCKED: no row was claimed twice even with three relays polling the same table.
    expect(
      rows.every(
        (r: { attempts: number; dispatched_at: Date | null }) => r.attempts === 1 && r.dispatched_at !== null,
      ),
    ).toBe(true);
    const received = worker
      .get(RecordingSubscriber)
      .received.map((e) => e.id)
      .sort();
    expect(received).toEqual([...ids].sort());
  });
});
