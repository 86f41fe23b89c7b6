import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import {
  AuditChainAppender,
  AuditMaintenanceScheduler,
  type AuditEventInput,
  type AuditSql,
} from '@mandate/audit';
import { Client } from 'pg';
import { DomainEventPublisher } from '@mandate/events';
import { OrganisationService } from '@mandate/identity';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../../apps/server/src/create-app';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../../support';
import { call, login } from '../identity/identity-harness';
import { exportAndVerify, newMasterKey } from './audit-harness';

const PER_INSTANCE = 60;

describeWithPostgres('audit log: two app instances appending concurrently', () => {
  let db: TestDatabase;
  let apps: NestFastifyApplication[] = [];
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'mandate-audit-conc-'));
    const env = {
      DATABASE_URL: db.url,
      LOG_LEVEL: 'silent',
      MANDATE_MIGRATE_ON_START: 'false',
      MANDATE_MASTER_KEY: newMasterKey(),
      AUDIT_CHECKPOINT_EVERY: '50',
    };
    apps = [await createApp({ env }), await createApp({ env })];
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('yields one gap-free chain per organisation that verifies, and one signing key', async () => {
    const orgs = await Promise.all(
      ['conc-a', 'conc-b'].map((name) =>
        apps[0].get(OrganisationService).bootstrap({ name, ownerEmail: `owner@${name}.example` }),
      ),
    );
    const publish = (app: NestFastifyApplication, orgId: string, i: number) =>
      app.get(DataSource).transaction(async (m) => {
        await app.get(DomainEventPublisher).publish(m, {
          type: 'test.concurrent',
          orgId,
          actor: { type: 'system', id: `writer-${i}` },
          data: { i },
        });
        // Hold the transaction (and the head lock) a little so the instances really interleave.
        await m.query('SELECT pg_sleep(0.002)');
      });
    const work: Array<Promise<unknown>> = [];
    for (let i = 0; i < PER_INSTANCE; i++) {
      for (const [n, app] of apps.entries()) {
        for (const org of orgs) work.push(publish(app, org.org.id, n * PER_INSTANCE + i));
      }
    }
    await Promise.all(work);

    const ds = apps[1].get(DataSource);
    for (const org of orgs) {
      const rows: Array<{ seq: string }> = await ds.query(
        `SELECT seq FROM audit_events WHERE org_id = $1 ORDER BY seq`,
        [org.org.id],
      );
      const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM domain_events WHERE org_id = $1`, [
        org.org.id,
      ]);
      expect(n).toBeGreaterThanOrEqual(2 * PER_INSTANCE);
      expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    }

    // Every org grew by ≥ 50 events: one upkeep round signs a checkpoint of each (not again on the other instance).
    const signed = await Promise.all(apps.map((app) => app.get(AuditMaintenanceScheduler).tick()));
    expect(signed[0] + signed[1]).toBeGreaterThanOrEqual(2);
    const [{ n: checkpoints }] = await ds.query(
      `SELECT count(DISTINCT org_id)::int AS n FROM audit_checkpoints WHERE org_id = ANY($1::uuid[])`,
      [orgs.map((o) => o.org.id)],
    );
    expect(checkpoints).toBe(2);
    expect(await apps[0].get(AuditMaintenanceScheduler).tick()).toBe(0);

    const [org] = orgs;
    const token = await login(apps[1], org.owner.email, org.owner.password, org.org.slug);
    const tokenA = await login(apps[0], org.owner.email, org.owner.password, org.org.slug);
    const [keysA, keysB] = await Promise.all([
      call(apps[0], { method: 'GET', url: '/v1/audit/keys', token: tokenA }),
      call(apps[1], { method: 'GET', url: '/v1/audit/keys', token }),
    ]);
    expect(keysA.body.keys).toHaveLength(1);
    expect(keysB.body.keys).toEqual(keysA.body.keys);

    const result = await exportAndVerify(apps[1], token, dir);
    expect(result.report.problems).toEqual([]);
    expect(result.report.ok).toBe(true);
    expect(result.report.checkpointsVerified).toBeGreaterThanOrEqual(1);
  });
  it('appends a batch under one head lock per org in a plain node-postgres transaction (commit and rollback)', async () => {
    const orgs = await Promise.all(
      ['batch-a', 'batch-b'].map((name) =>
        apps[0].get(OrganisationService).bootstrap({ name, ownerEmail: `owner@${name}.example` }),
      ),
    );
    const headOf = async (orgId: string): Promise<number> => {
      const [row] = await apps[0]
        .get(DataSource)
        .query(`SELECT seq FROM audit_chain_heads WHERE org_id = $1`, [orgId]);
      return Number(row.seq);
    };
    const before = await Promise.all(orgs.map((o) => headOf(o.org.id)));
    const batch: AuditEventInput[] = Array.from({ length: 1200 }, (_, i) => ({
      id: randomUUID(),
      org: orgs[i % 2].org.id,
      time: new Date(),
      type: 'decision.made',
      actor: { type: 'agent', id: `agent-${i}` },
      data: { i, decision: i % 3 === 0 ? 'deny' : 'allow' },
    }));
    const appender = apps[1].get(AuditChainAppender);
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const sql: AuditSql = async (text, values) => (await client.query(text, values)).rows;
    try {
      await client.query('BEGIN');
      await appender.appendBatch(sql, batch.slice(0, 10));
      await client.query('ROLLBACK');
      expect(await Promise.all(orgs.map((o) => headOf(o.org.id)))).toEqual(before);

      await client.query('BEGIN');
      const records = await appender.appendBatch(sql, batch);
      await client.query('COMMIT');
      expect(records.map((r) => r.event.id)).toEqual(batch.map((e) => e.id));
      expect(records.filter((r) => r.event.org === orgs[0].org.id).map((r) => r.event.seq)).toEqual(
        Array.from({ length: 600 }, (_, i) => before[0] + i + 1),
      );
    } finally {
      await client.end();
    }
    expect(await Promise.all(orgs.map((o) => headOf(o.org.id)))).toEqual(before.map((b) => b + 600));
    const token = await login(apps[0], orgs[1].owner.email, orgs[1].owner.password, orgs[1].org.slug);
    const result = await exportAndVerify(apps[0], token, dir);
    expect(result.report.problems).toEqual([]);
    expect(result.toSeq).toBeGreaterThan(before[1] + 600); // + the login event
  });
  it('appends optimistically in one statement, and refuses (writing nothing) whenever the head moved', async () => {
    const boot = await apps[0]
      .get(OrganisationService)
      .bootstrap({ name: 'optimistic', ownerEmail: 'owner@optimistic.example' });
    const orgId = boot.org.id;
    const event = (i: number, data: Record<string, unknown> = {}): AuditEventInput => ({
      id: randomUUID(),
      org: orgId,
      time: new Date(),
      type: 'decision.made',
      actor: { type: 'agent', id: `agent-${i}` },
      data: { i, ...data },
    });
    // Two appenders as two processes would have them; each its own connection, no explicit transaction.
    const [mine, theirs] = apps.map((app) => app.get(AuditChainAppender));
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const sql: AuditSql = async (text, values, name) =>
      (await client.query(name ? { name, text, values } : { text, values })).rows;
    const marks = `CREATE TEMP TABLE IF NOT EXISTS optimistic_marks (n int)`;
    await client.query(marks);
    const companion = (n: number) => ({
      name: 'marks',
      text: (first: number) =>
        `INSERT INTO optimistic_marks (n) SELECT $${first}::int WHERE EXISTS (SELECT 1 FROM advanced)`,
      values: [n],
    });
    const seqs = async () =>
      (
        await client.query<{ seq: string }>(`SELECT seq FROM audit_events WHERE org_id = $1 ORDER BY seq`, [
          orgId,
        ])
      ).rows.map((r) => Number(r.seq));
    const marked = async () =>
      (await client.query<{ n: number }>(`SELECT n FROM optimistic_marks ORDER BY n`)).rows.map((r) => r.n);
    try {
      const start = (await seqs()).length;
      // First use reads the head without a lock; then each append continues from the last.
      const first = await mine.appendOptimistic(sql, [event(1), event(2)], companion(1));
      expect(first?.map((r) => r.event.seq)).toEqual([start + 1, start + 2]);
      expect((await mine.appendOptimistic(sql, [event(3)], companion(2)))?.[0].event.seq).toBe(start + 3);

      // Another process appends: this one's next optimistic append is refused and writes nothing at all…
      await client.query('BEGIN');
      await theirs.appendBatch(sql, [event(4)]);
      await client.query('COMMIT');
      expect(await mine.appendOptimistic(sql, [event(5)], companion(3))).toBeNull();
      expect(await marked()).toEqual([1, 2]);
      // …and the next one reads the moved head and continues the chain.
      expect((await mine.appendOptimistic(sql, [event(6)], companion(4)))?.[0].event.seq).toBe(start + 5);

      // A head this process appended but never committed (rolled back) is refused by its hash, even once the
      // chain has grown to the same length another way: the chain never forks.
      await client.query('BEGIN');
      await mine.appendBatch(sql, [event(7)]);
      await client.query('ROLLBACK');
      await client.query('BEGIN');
      await theirs.appendBatch(sql, [event(8)]);
      await client.query('COMMIT');
      expect(await mine.appendOptimistic(sql, [event(9)], companion(5))).toBeNull();

      // Changed masking settings refuse a tail masked with the old ones; the retry masks with the new ones.
      expect(await mine.appendOptimistic(sql, [event(10, { card: '4111 1111 1111 1111' })])).not.toBeNull();
      await client.query(
        `INSERT INTO audit_settings (org_id, mask_paths) VALUES ($1, ARRAY['$.data.card'])
         ON CONFLICT (org_id) DO UPDATE SET mask_paths = ARRAY['$.data.card'], updated_at = now()`,
        [orgId],
      );
      expect(await mine.appendOptimistic(sql, [event(11, { card: '4111 1111 1111 1111' })])).toBeNull();
      const masked = await mine.appendOptimistic(sql, [event(12, { card: '4111 1111 1111 1111' })]);
      expect(masked?.[0].event.data.card).not.toBe('4111 1111 1111 1111');
      expect(masked?.[0].event.masked).toContain('$.data.card');

      // A head another writer keeps moving: after three refusals in a row this appender does not even try
      // for a second (its caller appends under the lock), then tries again.
      // (Each round as the recorder goes: refused, it appends under the lock, and the other writer moves on.)
      for (let k = 0; k < 3; k++) {
        await client.query('BEGIN');
        await mine.appendBatch(sql, [event(50 + k)]);
        await client.query('COMMIT');
        await client.query('BEGIN');
        await theirs.appendBatch(sql, [event(20 + k)]);
        await client.query('COMMIT');
        expect(await mine.appendOptimistic(sql, [event(30 + k)])).toBeNull();
      }
      expect(await mine.appendOptimistic(sql, [event(40)], companion(6))).toBeNull();
      await new Promise((r) => setTimeout(r, 1100));
      expect(await mine.appendOptimistic(sql, [event(41)], companion(7))).not.toBeNull();

      expect(await marked()).toEqual([1, 2, 4, 7]);
      const all = await seqs();
      expect(all).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    } finally {
      await client.end();
    }
    const token = await login(apps[0], boot.owner.email, boot.owner.password, boot.org.slug);
    const result = await exportAndVerify(apps[0], token, dir);
    expect(result.report.problems).toEqual([]);
    expect(result.report.ok).toBe(true);
  });
  it('without MANDATE_MASTER_KEY on an external database: still chains, refuses to sign with a clear 409', async () => {
    const unkeyed = await createApp({
      env: { DATABASE_URL: db.url, LOG_LEVEL: 'silent', MANDATE_MIGRATE_ON_START: 'false' },
    });
    try {
      const boot = await unkeyed
        .get(OrganisationService)
        .bootstrap({ name: 'unkeyed', ownerEmail: 'owner@unkeyed.example' });
      const token = await login(unkeyed, boot.owner.email, boot.owner.password, boot.org.slug);
      const events = await call(unkeyed, { method: 'GET', url: '/v1/audit/events', token });
      expect(events.status).toBe(200);
      expect(events.body.items.length).toBeGreaterThan(0);
      const keys = await call(unkeyed, { method: 'GET', url: '/v1/audit/keys', token });
      expect(keys.status).toBe(200);
      expect(keys.body.keys).toEqual([]);
      const manifest = await call(unkeyed, {
        method: 'GET',
        url: '/v1/audit/export/manifest?format=jsonl&fromSeq=1&toSeq=1',
        token,
      });
      expect(manifest.status).toBe(409);
      expect(manifest.body).toMatchObject({ code: 'conflict', details: { reason: 'master_key_missing' } });
      expect(manifest.body.message).toMatch(/MANDATE_MASTER_KEY/);
    } finally {
      await unkeyed.close();
    }
  });
});
