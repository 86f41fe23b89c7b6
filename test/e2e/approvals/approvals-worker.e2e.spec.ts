import { randomBytes } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApprovalsSweeper } from '@mandate/approvals';
import { ActivePolicyReader } from '@mandate/policies';
import passport from 'passport';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../../apps/server/src/create-app';
import { createWorker } from '../../../apps/worker/src/create-worker';
import { BEARER_STRATEGY, BearerStrategy } from '../../../libs/identity/src/auth/bearer.strategy';
import { waitFor } from '../../infra/wait-for';
import {
  createTestDatabase,
  DedicatedRedis,
  describeWithPostgresAndRedis,
  randomSuffix,
  type TestDatabase,
} from '../../support';
import { fakeStore, FakePolicyStoreModule } from '../decisions/decisions-harness';
import { call, eventsOf } from '../identity/identity-harness';
import {
  APPROVAL_POLICY,
  decide,
  seedApprovalOrg,
  subscribe,
  toolCall,
  vote,
  WebhookReceiver,
  type ApprovalOrg,
} from './approvals-harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeWithPostgresAndRedis('approvals with the BullMQ worker: restarts of the worker and of Redis', () => {
  let db: TestDatabase;
  let redis: DedicatedRedis;
  let server: NestFastifyApplication;
  let worker: INestApplicationContext | undefined;
  let ds: DataSource;
  let o: ApprovalOrg;
  let env: Record<string, string>;

  const startWorker = async () => {
    worker = await createWorker({ env });
    // Passport keeps ONE strategy per name for the whole process: the worker's IdentityModule just replaced
    // the server's (whose database pool dies with the worker). Only tests host both in one process.
    const strategy: passport.Strategy = server.get(BearerStrategy);
    passport.use(BEARER_STRATEGY, strategy);
  };
  const stopWorker = async () => {
    await worker?.close();
    worker = undefined;
  };
  const stateOf = async (id: string) =>
    (await ds.query(`SELECT state, escalated_at FROM approval_requests WHERE id = $1`, [id]))[0] as {
      state: string;
      escalated_at: Date | null;
    };

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = await DedicatedRedis.onFreePort();
    await redis.start();
    env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      MANDATE_QUEUE_PREFIX: `mandate-test:${randomSuffix()}`,
      MANDATE_MIGRATE_ON_START: 'false',
      MANDATE_MASTER_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: process.env.APPR_DEBUG ? 'error' : 'silent',
      // The sweeper runs only at start here, so expiry and escalation below come from the delayed jobs.
      APPROVAL_SWEEP_INTERVAL_SECONDS: '3600',
      APPROVAL_WEBHOOK_MAX_ATTEMPTS: '50',
      APPROVAL_REDRIVE_AFTER_SECONDS: '3',
    };
    server = await createApp({ env, modules: [FakePolicyStoreModule] });
    ds = server.get(DataSource);
    fakeStore.baseline = server.get(ActivePolicyReader);
    await startWorker();
    o = await seedApprovalOrg(server, 'wrk');
    await fakeStore.activate(o.org.orgId, APPROVAL_POLICY);
  });
  afterAll(async () => {
    await stopWorker();
    await server?.close();
    await redis?.stop();
    await db?.drop();
  });

  it('escalation and expiry jobs fire after the worker was down at their due time', async () => {
    const pending = await decide(server, o.key, toolCall('purge', { what: 'logs' }));
    expect(pending.body.decision).toBe('pending_approval');
    const id = pending.body.approval.id as string;
    const other = (await decide(server, o.key, toolCall('purge', { what: 'cache' }))).body.approval
      .id as string;

    // Before the escalation the lead (group `leads`) cannot vote.
    expect((await vote(server, o.lead.token, id, 'approve')).status).toBe(403);

    await stopWorker();
    await sleep(1500); // escalation due at 1 s; nothing runs the job
    expect((await stateOf(id)).escalated_at).toBeNull();
    await startWorker();
    await waitFor(async () => (await stateOf(id)).escalated_at !== null, 15_000, 'escalation after restart');
    expect(await eventsOf(ds, 'approval.escalated', o.org.orgId)).toHaveLength(2);
    // Escalated: the lead may now vote on the other request.
    const byLead = await vote(server, o.lead.token, other, 'deny', 'no');
    expect(byLead.status, byLead.raw).toBe(200);

    await stopWorker();
    const expiresAt = new Date(
      (await call(server, { method: 'GET', url: `/v1/approvals/${id}/status`, token: o.key })).body.expiresAt,
    ).getTime();
    await sleep(Math.max(0, expiresAt - Date.now()) + 300);
    expect((await stateOf(id)).state).toBe('pending'); // the job has not run…
    await startWorker();
    await waitFor(async () => (await stateOf(id)).state === 'expired', 15_000, 'expiry after restart');
    const expired = (await eventsOf(ds, 'approval.expired', o.org.orgId)).filter((e) => e.subject_id === id);
    expect(expired).toHaveLength(1);
  });

  it('a pending request past its expiry reads as expired even while no worker runs', async () => {
    await stopWorker();
    try {
      const pending = await decide(server, o.key, toolCall('drop_table', { table: 'tmp' }));
      expect(pending.body.decision, pending.raw).toBe('pending_approval');
      const id = pending.body.approval.id as string;
      const status = await call(server, {
        method: 'GET',
        url: `/v1/approvals/${id}/status?wait=10`,
        token: o.key,
      });
      expect(status.body.state).toBe('expired'); // the long-poll ends at the expiry (3 s), not at 10 s
      expect((await eventsOf(ds, 'approval.expired', o.org.orgId)).some((e) => e.subject_id === id)).toBe(
        true,
      );
    } finally {
      await startWorker();
    }
  });

  it('delivers every webhook after Redis restarted while notifications were pending', async () => {
    const receiver = new WebhookReceiver();
    await receiver.start();
    try {
      await subscribe(server, o.org, receiver);
      receiver.status = 503; // the receiver is failing: jobs sit in Redis waiting for their retry
      const ids: string[] = [];
      for (let i = 0; i < 4; i++)
        ids.push((await decide(server, o.key, toolCall('rm', { n: i }))).body.approval.id);
      await waitFor(
        () => Promise.resolve(new Set(receiver.received.map((r) => r.key)).size >= 4),
        15_000,
        'first tries',
      );

      await redis.stop(); // loses the queued jobs (no persistence)
      for (let i = 4; i < 7; i++)
        ids.push((await decide(server, o.key, toolCall('rm', { n: i }))).body.approval.id);
      await sleep(500);
      receiver.status = 200;
      await redis.start();

      const deliveries = await ds.query<Array<{ id: string }>>(
        `SELECT id FROM approval_webhook_deliveries WHERE request_id = ANY($1::uuid[])`,
        [ids],
      );
      expect(deliveries).toHaveLength(7);
      // The sweeper (periodic in production, by hand here) queues again what Redis lost.
      const sweeper = server.get(ApprovalsSweeper);
      await waitFor(
        async () => {
          await sweeper.sweep();
          return deliveries.every((d) => receiver.delivered().has(d.id));
        },
        60_000,
        'every webhook delivered',
      );
      await waitFor(
        async () =>
          (
            await ds.query(
              `SELECT 1 FROM approval_webhook_deliveries WHERE request_id = ANY($1::uuid[]) AND state <> 'delivered'`,
              [ids],
            )
          ).length === 0,
        10_000,
        'deliveries marked delivered',
      );
      // Every try of one notification carried the same idempotency key, and every one was signed.
      expect(receiver.received.every((r) => r.signed)).toBe(true);
      const keys = new Set(receiver.received.map((r) => r.key));
      expect([...keys].every((k) => deliveries.some((d) => d.id === k))).toBe(true);
      expect(receiver.received.length).toBeGreaterThan(7);
    } finally {
      await receiver.stop();
    }
  }, 120_000);
});
