import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  AuditChainAppender,
  AuditCheckpointService,
  AuditMaintenanceScheduler,
  hashFromHex,
  loadAuditPublicKey,
  verifyCheckpointSignature,
  verifyConsistency,
  verifyInclusion,
} from '@mandate/audit';
import { DomainEventPublisher } from '@mandate/events';
import { Client } from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../../support';
import {
  call,
  seedOrg,
  startIdentityApp,
  type IdentityHarness,
  type SeededOrg,
} from '../identity/identity-harness';
import { exportAndVerify, newMasterKey } from './audit-harness';

interface ChainRow {
  seq: string;
  type: string;
  event_id: string;
}

describeWithPostgres('audit log: domain events on a per-organisation hash chain', () => {
  let h: IdentityHarness;
  let org: SeededOrg;
  let dir: string;

  beforeAll(async () => {
    h = await startIdentityApp({
      MANDATE_MASTER_KEY: newMasterKey(),
      // No automatic checkpoint during the test: the ones listed are those the test makes.
      AUDIT_CHECKPOINT_EVERY: '1000000',
      AUDIT_CHECKPOINT_INTERVAL_SECONDS: '86400',
    });
    org = await seedOrg(h.app, 'audit');
    dir = await mkdtemp(join(tmpdir(), 'mandate-audit-e2e-'));
  });
  afterAll(async () => {
    await h?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const chainOf = (orgId: string): Promise<ChainRow[]> =>
    h.dataSource.query(`SELECT seq, type, event_id FROM audit_events WHERE org_id = $1 ORDER BY seq`, [
      orgId,
    ]);

  it('chains every domain event of real admin actions, gap-free, in publishing order', async () => {
    const created = await call(h.app, {
      method: 'POST',
      url: '/v1/agents',
      token: org.tokens.admin,
      body: { name: 'audited-agent' },
    });
    expect(created.status).toBe(201);
    const chain = await chainOf(org.orgId);
    const events: Array<{ id: string; type: string }> = await h.dataSource.query(
      `SELECT id, type FROM domain_events WHERE org_id = $1 ORDER BY occurred_at, id`,
      [org.orgId],
    );
    expect(chain.length).toBe(events.length);
    expect(chain.map((r) => Number(r.seq))).toEqual(chain.map((_, i) => i + 1));
    expect(new Set(chain.map((r) => r.event_id))).toEqual(new Set(events.map((e) => e.id)));
    expect(chain.map((r) => r.type)).toContain('org.created');
    expect(chain.map((r) => r.type)).toContain('agent.created');
    const [head] = await h.dataSource.query(`SELECT seq FROM audit_chain_heads WHERE org_id = $1`, [
      org.orgId,
    ]);
    expect(Number(head.seq)).toBe(chain.length);
  });

  it('rolls back the audit entry with the business transaction (no gap, head unchanged)', async () => {
    const before = await chainOf(org.orgId);
    await expect(
      h.dataSource.transaction(async (m) => {
        await h.app.get(DomainEventPublisher).publish(m, {
          type: 'test.rolled_back',
          orgId: org.orgId,
          actor: { type: 'system', id: 'test' },
          data: {},
        });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await chainOf(org.orgId)).toEqual(before);
  });

  it('masks credentials before hashing and records the masked paths', async () => {
    await h.dataSource.transaction((m) =>
      h.app.get(DomainEventPublisher).publish(m, {
        type: 'test.masked',
        orgId: org.orgId,
        actor: { type: 'system', id: 'test' },
        data: { arguments: { password: 'hunter2', city: 'Lyon' } },
      }),
    );
    const [row] = await h.dataSource.query(
      `SELECT canonical FROM audit_events WHERE org_id = $1 AND type = 'test.masked'`,
      [org.orgId],
    );
    expect(row.canonical).not.toContain('hunter2');
    expect(JSON.parse(row.canonical)).toMatchObject({
      data: { arguments: { city: 'Lyon', password: '[MASKED]' } },
      masked: ['$.data.arguments.password'],
    });
  });

  it('rejects UPDATE, DELETE and TRUNCATE of audit_events, also on a partition', async () => {
    const [{ part }] = await h.dataSource.query(
      `SELECT tableoid::regclass::text AS part FROM audit_events WHERE org_id = $1 LIMIT 1`,
      [org.orgId],
    );
    expect(part).toMatch(/^audit_events_\d{6}$/);
    for (const sql of [
      `UPDATE audit_events SET type = 'x.y' WHERE org_id = '${org.orgId}'`,
      `DELETE FROM audit_events WHERE org_id = '${org.orgId}'`,
      `TRUNCATE audit_events`,
      `UPDATE ${part} SET type = 'x.y'`,
      `TRUNCATE ${part}`,
    ]) {
      await expect(h.dataSource.query(sql), sql).rejects.toThrow(/append-only/);
    }
  });

  it('with the documented grants, an application role can append and read but not change the log', async () => {
    const role = `mandate_app_${Date.now().toString(36)}`;
    const c = new Client({ connectionString: h.db.url });
    await c.connect();
    try {
      await c.query(`CREATE ROLE ${role} NOLOGIN`);
      await c.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
      await c.query(`GRANT SELECT, INSERT ON audit_events, audit_checkpoints TO ${role}`);
      await c.query(`GRANT SELECT ON audit_purges TO ${role}`);
      await c.query(
        `GRANT SELECT, INSERT, UPDATE ON audit_chain_heads, audit_signing_keys, audit_settings, audit_export_jobs TO ${role}`,
      );
      await c.query(`GRANT EXECUTE ON FUNCTION audit_events_ensure_partitions(integer) TO ${role}`);
      await c.query(`SET ROLE ${role}`);
      const [{ n }] = (
        await c.query(`SELECT count(*)::int AS n FROM audit_events WHERE org_id = $1`, [org.orgId])
      ).rows;
      expect(n).toBeGreaterThan(0);
      expect((await c.query(`SELECT audit_events_ensure_partitions(3) AS created`)).rows[0].created).toBe(0);
      await c.query('BEGIN');
      const [record] = await h.app.get(AuditChainAppender).appendBatch(
        async (text, values) => (await c.query(text, values)).rows,
        [
          {
            id: randomUUID(),
            org: org.orgId,
            time: new Date(),
            type: 'test.app_role',
            actor: { type: 'system', id: 'test' },
            data: {},
          },
        ],
      );
      await c.query('COMMIT');
      expect(record.event.seq).toBe(n + 1);
      for (const sql of [
        `UPDATE audit_events SET type = 'x.y' WHERE org_id = '${org.orgId}'`,
        `DELETE FROM audit_events WHERE org_id = '${org.orgId}'`,
        `TRUNCATE audit_events`,
        `ALTER TABLE audit_events DISABLE TRIGGER USER`,
      ]) {
        await expect(c.query(sql), sql).rejects.toThrow(/permission denied|must be owner/);
      }
    } finally {
      await c.query('RESET ROLE').catch(() => undefined);
      await c.query(`DROP OWNED BY ${role}`).catch(() => undefined);
      await c.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
      await c.end();
    }
  });

  it('shows arguments only to auditors and owners, filters and paginates by seq', async () => {
    await h.dataSource.transaction((m) =>
      h.app.get(DomainEventPublisher).publish(m, {
        type: 'test.tool_call',
        orgId: org.orgId,
        actor: { type: 'system', id: 'test' },
        data: { decision: 'allow', input: { arguments: { city: 'Lyon' }, tool: { name: 'weather' } } },
      }),
    );
    const call1 = await call(h.app, {
      method: 'GET',
      url: '/v1/audit/events?type=test.tool_call',
      token: org.tokens.auditor,
    });
    expect(call1.body.items[0]).toMatchObject({
      redacted: false,
      data: { input: { arguments: { city: 'Lyon' } } },
    });
    const call2 = await call(h.app, {
      method: 'GET',
      url: '/v1/audit/events?type=test.tool_call',
      token: org.tokens.admin,
    });
    expect(call2.body.items[0]).toMatchObject({
      redacted: true,
      data: { decision: 'allow', input: { arguments: '[REDACTED]', tool: { name: 'weather' } } },
    });
    expect(call2.raw).not.toContain('Lyon');

    const asAuditor = await call(h.app, {
      method: 'GET',
      url: '/v1/audit/events?limit=2',
      token: org.tokens.auditor,
    });
    expect(asAuditor.status).toBe(200);
    expect(asAuditor.body.items.map((e: { seq: number }) => e.seq)).toEqual([1, 2]);
    expect(asAuditor.body.items[0]).toMatchObject({ redacted: false, type: 'org.created' });
    expect(asAuditor.body.items[0].data).not.toBeNull();
    const next = await call(h.app, {
      method: 'GET',
      url: `/v1/audit/events?limit=2&cursor=${asAuditor.body.nextCursor}`,
      token: org.tokens.auditor,
    });
    expect(next.body.items.map((e: { seq: number }) => e.seq)).toEqual([3, 4]);

    const asAdmin = await call(h.app, {
      method: 'GET',
      url: '/v1/audit/events?limit=5',
      token: org.tokens.admin,
    });
    expect(asAdmin.status).toBe(200);
    // Events without arguments are shown in full to every reader of the log.
    expect(asAdmin.body.items[0]).toMatchObject({ redacted: false, type: 'org.created' });
    expect(asAdmin.body.items[0].data).toEqual(asAuditor.body.items[0].data);
    const denied = await call(h.app, {
      method: 'GET',
      url: '/v1/audit/events',
      token: org.tokens.policy_author,
    });
    expect(denied.status).toBe(403);

    const agents = await call(h.app, {
      method: 'GET',
      url: '/v1/audit/events?type=agent.*',
      token: org.tokens.owner,
    });
    expect(agents.body.items.length).toBeGreaterThan(0);
    expect(agents.body.items.every((e: { type: string }) => e.type.startsWith('agent.'))).toBe(true);
    const byActor = await call(h.app, {
      method: 'GET',
      url: `/v1/audit/events?actor=member:${org.members.admin.id}&type=agent.created`,
      token: org.tokens.owner,
    });
    expect(byActor.body.items).toHaveLength(1);
    const future = await call(h.app, {
      method: 'GET',
      url: `/v1/audit/events?from=${new Date(Date.now() + 3_600_000).toISOString()}`,
      token: org.tokens.owner,
    });
    expect(future.body.items).toEqual([]);
    const bad = await call(h.app, {
      method: 'GET',
      url: '/v1/audit/events?type=DROP%20TABLE',
      token: org.tokens.owner,
    });
    expect(bad.status).toBe(400);
  });

  it('serves the org key as JWK, signs checkpoints and proves inclusion and consistency', async () => {
    const keys = await call(h.app, { method: 'GET', url: '/v1/audit/keys', token: org.tokens.auditor });
    expect(keys.status).toBe(200);
    expect(keys.body.keys).toHaveLength(1);
    expect(keys.body.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(JSON.stringify(keys.body)).not.toMatch(/"d"/);
    const publicKey = loadAuditPublicKey(keys.body.keys[0]);
    const [stored] = await h.dataSource.query(
      `SELECT private_key_enc FROM audit_signing_keys WHERE org_id = $1`,
      [org.orgId],
    );
    expect(stored.private_key_enc.length).toBeGreaterThan(28);

    expect(await h.app.get(AuditMaintenanceScheduler).tick()).toBe(0); // nothing due yet
    const service = h.app.get(AuditCheckpointService);
    const first = await service.checkpointHead(org.orgId);
    await h.dataSource.transaction((m) =>
      h.app.get(DomainEventPublisher).publish(m, {
        type: 'test.grown',
        orgId: org.orgId,
        actor: { type: 'system', id: 'test' },
        data: {},
      }),
    );
    const second = await service.checkpointHead(org.orgId);
    expect(first && second).toBeTruthy();
    if (!first || !second) return;
    expect(second.treeSize).toBe(first.treeSize + 1);

    const listed = await call(h.app, {
      method: 'GET',
      url: '/v1/audit/checkpoints',
      token: org.tokens.auditor,
    });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((c: { treeSize: number }) => c.treeSize)).toEqual([
      first.treeSize,
      second.treeSize,
    ]);
    for (const c of listed.body.items) expect(verifyCheckpointSignature(c, publicKey)).toBe(true);

    const inclusion = await call(h.app, {
      method: 'GET',
      url: `/v1/audit/proofs/inclusion?seq=3&treeSize=${second.treeSize}`,
      token: org.tokens.auditor,
    });
    expect(inclusion.status).toBe(200);
    expect(inclusion.body.rootHash).toBe(second.rootHash);
    const proof = (inclusion.body.proof as string[]).map((p) => hashFromHex(p, 'proof'));
    const root = hashFromHex(second.rootHash, 'root');
    expect(
      verifyInclusion(2, second.treeSize, hashFromHex(inclusion.body.leafHash, 'leaf'), proof, root),
    ).toBe(true);
    expect(
      verifyInclusion(3, second.treeSize, hashFromHex(inclusion.body.leafHash, 'leaf'), proof, root),
    ).toBe(false);

    const consistency = await call(h.app, {
      method: 'GET',
      url: `/v1/audit/proofs/consistency?from=${first.treeSize}&to=${second.treeSize}`,
      token: org.tokens.auditor,
    });
    expect(consistency.status).toBe(200);
    expect(
      verifyConsistency(
        first.treeSize,
        second.treeSize,
        hashFromHex(first.rootHash, 'r1'),
        root,
        (consistency.body.proof as string[]).map((p) => hashFromHex(p, 'proof')),
      ),
    ).toBe(true);
    const tooBig = await call(h.app, {
      method: 'GET',
      url: `/v1/audit/proofs/inclusion?seq=1&treeSize=${second.treeSize + 100}`,
      token: org.tokens.auditor,
    });
    expect(tooBig.status).toBe(400);
  });

  it('exports a range that the offline verifier accepts, and audits the export itself', async () => {
    const result = await exportAndVerify(h.app, org.tokens.auditor, dir);
    expect(result.report.problems).toEqual([]);
    expect(result.report.ok).toBe(true);
    expect(result.report.eventsVerified).toBe(result.toSeq);
    expect(result.report.checkpointsVerified).toBeGreaterThanOrEqual(2);
    const exported = await h.dataSource.query(
      `SELECT seq, canonical FROM audit_events WHERE org_id = $1 AND type = 'audit.exported'`,
      [org.orgId],
    );
    expect(exported).toHaveLength(1);
    expect(Number(exported[0].seq)).toBe(result.toSeq + 1);
    expect(JSON.parse(exported[0].canonical).data).toMatchObject({ fromSeq: 1, toSeq: result.toSeq });

    const partial = await exportAndVerify(h.app, org.tokens.owner, dir, '&fromSeq=3&toSeq=6');
    expect(partial.report.ok).toBe(true);
    expect([partial.fromSeq, partial.toSeq]).toEqual([3, 6]);

    const denied = await call(h.app, { method: 'GET', url: '/v1/audit/export', token: org.tokens.approver });
    expect(denied.status).toBe(403);
  });

  it('documents the audit API in the OpenAPI document', async () => {
    const doc = await call(h.app, { method: 'GET', url: '/docs/json' });
    expect(doc.status).toBe(200);
    for (const path of [
      '/v1/audit/events',
      '/v1/audit/keys',
      '/v1/audit/checkpoints',
      '/v1/audit/proofs/inclusion',
      '/v1/audit/proofs/consistency',
      '/v1/audit/export',
      '/v1/audit/export/manifest',
    ]) {
      expect(doc.body.paths[path]?.get, path).toBeDefined();
    }
    expect(doc.body.components.schemas.InclusionProofResponseDto).toBeDefined();
  });

  it('puts events without an organisation on the system chain', async () => {
    await h.dataSource.transaction((m) =>
      h.app.get(DomainEventPublisher).publish(m, {
        type: 'instance.tested',
        orgId: null,
        actor: { type: 'system', id: 'test' },
        data: {},
      }),
    );
    const rows = await h.dataSource.query(
      `SELECT canonical FROM audit_events WHERE org_id = '00000000-0000-0000-0000-000000000000' AND type = 'instance.tested'`,
    );
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0].canonical).org).toBeNull();
  });

  describeTamper();

  function describeTamper(): void {
    const cases: Array<{
      name: string;
      tamper: (c: Client, orgId: string) => Promise<unknown>;
      bad: number;
    }> = [
      {
        name: "changes one row's text",
        tamper: (c, o) =>
          c.query(
            `UPDATE audit_events SET canonical = replace(canonical, '"v":1', '"v":1 ') WHERE org_id = $1 AND seq = 4`,
            [o],
          ),
        bad: 4,
      },
      {
        name: 'deletes one row',
        tamper: (c, o) => c.query(`DELETE FROM audit_events WHERE org_id = $1 AND seq = 3`, [o]),
        bad: 3,
      },
      {
        name: 'swaps two rows',
        tamper: (c, o) =>
          c.query(
            `UPDATE audit_events SET seq = CASE seq WHEN 5 THEN 6 ELSE 5 END WHERE org_id = $1 AND seq IN (5, 6)`,
            [o],
          ),
        bad: 5,
      },
      {
        name: 'inserts a forged event under an existing seq',
        tamper: (c, o) =>
          c.query(
            `INSERT INTO audit_events (org_id, seq, occurred_at, event_id, type, actor_type, actor_id, subject_type, subject_id, canonical, leaf, hash)
             SELECT org_id, seq, occurred_at + interval '1 millisecond', gen_random_uuid(), type, actor_type, actor_id, subject_type, subject_id,
                    replace(canonical, '"v":1', '"v":1 '), leaf, hash
               FROM audit_events WHERE org_id = $1 AND seq = 4`,
            [o],
          ),
        bad: 4,
      },
    ];
    for (const t of cases) {
      it(`names the first bad seq when a superuser ${t.name}`, async () => {
        const victim = await seedOrg(h.app, `tamper${t.bad}`);
        const clean = await exportAndVerify(h.app, victim.tokens.auditor, dir);
        expect(clean.report.ok).toBe(true);
        expect(clean.toSeq).toBeGreaterThan(6);
        const admin = new Client({ connectionString: h.db.url });
        await admin.connect();
        try {
          await admin.query(`SET session_replication_role = replica`); // disables the append-only triggers
          await t.tamper(admin, victim.orgId);
        } finally {
          await admin.end();
        }
        const tampered = await exportAndVerify(h.app, victim.tokens.auditor, dir, `&toSeq=${clean.toSeq}`);
        expect(tampered.report.ok).toBe(false);
        expect(tampered.report.firstBadSeq, JSON.stringify(tampered.report.problems)).toBe(t.bad);
      });
    }
  }
});
