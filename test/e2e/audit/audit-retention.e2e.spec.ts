import { randomUUID } from 'node:crypto';
import {
  AuditChainAppender,
  AuditExportJobService,
  AuditExportService,
  AuditMaintenanceScheduler,
  AuditRetentionService,
  AuditSigningKeys,
  loadAuditPublicKey,
  policyMaskPaths,
  verifyCheckpointSignature,
  verifyExport,
  type AuditEventInput,
  type AuditSql,
  type ExportManifest,
} from '@mandate/audit';
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
import { newMasterKey } from './audit-harness';
import { loadAuditPublicJwkSet } from './audit-keys.fixture';

const DAY_MS = 24 * 60 * 60 * 1000;

describeWithPostgres('audit log: settings, masking, search filters, background exports, retention', () => {
  let h: IdentityHarness;
  let org: SeededOrg;

  beforeAll(async () => {
    h = await startIdentityApp({
      MANDATE_MASTER_KEY: newMasterKey(),
      AUDIT_CHECKPOINT_EVERY: '1000000',
      AUDIT_CHECKPOINT_INTERVAL_SECONDS: '86400',
    });
    // Retention runs are triggered by the tests, not by the daily upkeep racing them.
    h.app.get(AuditMaintenanceScheduler).onApplicationShutdown();
    org = await seedOrg(h.app, 'auditret');
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Appends `events` in one transaction on a dedicated connection (as the decision recorder does). */
  async function appendBatch(events: AuditEventInput[]): Promise<void> {
    const c = new Client({ connectionString: h.db.url });
    await c.connect();
    try {
      const sql: AuditSql = async (text, values) => (await c.query(text, values)).rows;
      await c.query('BEGIN');
      await h.app.get(AuditChainAppender).appendBatch(sql, events);
      await c.query('COMMIT');
    } finally {
      await c.end();
    }
  }

  function decision(
    orgId: string,
    i: number,
    extra: Partial<AuditEventInput> = {},
    obligations: Record<string, unknown> = {},
  ): AuditEventInput {
    return {
      id: randomUUID(),
      org: orgId,
      time: new Date(),
      type: 'tool_call.decided',
      actor: { type: 'agent', id: `00000000-0000-4000-8000-00000000000${i % 2}` },
      subject: { type: 'tool', id: i % 2 === 0 ? 'payments/refund' : 'files/read' },
      data: {
        decision: i % 3 === 0 ? 'deny' : 'allow',
        agent: i % 2 === 0 ? 'invoice-bot' : 'file-bot',
        obligations,
        input: { arguments: { orderId: `A-${i}`, card: '4111 1111 1111 1111', nested: { pin2: 'x' } } },
      },
      maskPaths: policyMaskPaths(obligations),
      ...extra,
    };
  }

  it('serves default settings, validates and audits changes, and masks by them before hashing', async () => {
    const defaults = await call(h.app, {
      method: 'GET',
      url: '/v1/audit/settings',
      token: org.tokens.auditor,
    });
    expect(defaults.status).toBe(200);
    expect(defaults.body).toEqual({
      maskPaths: [],
      maskMode: 'replace',
      retentionDays: 400,
      legalHold: false,
      legalHoldReason: null,
      updatedAt: null,
    });
    for (const body of [
      { maskPaths: ['$.other.x'] },
      { maskPaths: ['$.data.[['] },
      { retentionDays: 0 },
      { maskMode: 'shred' },
      { unknown: true },
    ]) {
      const bad = await call(h.app, {
        method: 'PATCH',
        url: '/v1/audit/settings',
        token: org.tokens.owner,
        body,
      });
      expect(bad.status, JSON.stringify(body)).toBe(400);
    }
    const auditorWrite = await call(h.app, {
      method: 'PATCH',
      url: '/v1/audit/settings',
      token: org.tokens.auditor,
      body: { retentionDays: 10 },
    });
    expect(auditorWrite.status).toBe(403);

    const updated = await call(h.app, {
      method: 'PATCH',
      url: '/v1/audit/settings',
      token: org.tokens.owner,
      body: { maskPaths: ['$.data.input.arguments.orderId'], maskMode: 'remove' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ maskPaths: ['$.data.input.arguments.orderId'], maskMode: 'remove' });
    const [changed] = await h.dataSource.query(
      `SELECT canonical FROM audit_events WHERE org_id = $1 AND type = 'audit.settings_updated'`,
      [org.orgId],
    );
    expect(JSON.parse(changed.canonical)).toMatchObject({
      actor: { type: 'member', id: org.members.owner.id },
      data: { changed: ['maskPaths', 'maskMode'], after: { maskMode: 'remove' } },
    });

    // Organisation paths (remove mode) + the policy's redact_arguments obligation + credential names.
    await appendBatch([decision(org.orgId, 0, {}, { redact_arguments: ['card'] })]);
    const [row] = await h.dataSource.query(
      `SELECT canonical, agent, tool, decision FROM audit_events WHERE org_id = $1 AND type = 'tool_call.decided'`,
      [org.orgId],
    );
    expect(row.canonical).not.toContain('A-0');
    expect(row.canonical).not.toContain('4111');
    const event = JSON.parse(row.canonical);
    // The organisation's mode (remove) applies to the policy's paths too.
    expect(event.data.input.arguments).toEqual({ nested: { pin2: 'x' } });
    expect(event.masked).toEqual(['$.data.input.arguments.card', '$.data.input.arguments.orderId']);
    expect(row).toMatchObject({ agent: 'invoice-bot', tool: 'payments/refund', decision: 'deny' });

    // A malformed obligation hides every argument (fail closed).
    await appendBatch([decision(org.orgId, 2, {}, { redact_arguments: 'card' })]);
    const [last] = await h.dataSource.query(
      `SELECT canonical FROM audit_events WHERE org_id = $1 ORDER BY seq DESC LIMIT 1`,
      [org.orgId],
    );
    expect(JSON.parse(last.canonical).data.input.arguments).toBeUndefined();
    expect(JSON.parse(last.canonical).masked).toContain('$.data.input.arguments');

    await call(h.app, {
      method: 'PATCH',
      url: '/v1/audit/settings',
      token: org.tokens.owner,
      body: { maskPaths: [], maskMode: 'replace' },
    });
  });

  it('filters search by agent (id or name), tool, decision and member', async () => {
    await appendBatch([1, 3, 4, 5, 6].map((i) => decision(org.orgId, i)));
    const search = async (query: string): Promise<Array<Record<string, unknown>>> => {
      const res = await call(h.app, {
        method: 'GET',
        url: `/v1/audit/events?limit=200&${query}`,
        token: org.tokens.owner,
      });
      expect(res.status, res.raw).toBe(200);
      return res.body.items;
    };
    const byName = await search('agent=file-bot');
    expect(byName.length).toBe(3);
    expect(byName.every((e) => (e.data as { agent: string }).agent === 'file-bot')).toBe(true);
    const byId = await search('agent=00000000-0000-4000-8000-000000000001');
    expect(byId.map((e) => e.seq)).toEqual(byName.map((e) => e.seq));
    const byTool = await search('tool=payments/refund');
    expect(byTool.length).toBe(4);
    expect(byTool.every((e) => (e.subject as { id: string }).id === 'payments/refund')).toBe(true);
    const denies = await search('decision=deny&tool=files/read');
    expect(denies.map((e) => (e.data as { decision: string }).decision)).toEqual(['deny']);
    const byMember = await search(`member=${org.members.owner.id}`);
    expect(byMember.length).toBeGreaterThan(0);
    expect(
      byMember.every(
        (e) =>
          (e.actor as { id: string }).id === org.members.owner.id ||
          (e.subject as { id: string } | null)?.id === org.members.owner.id,
      ),
    ).toBe(true);
    expect(byMember.map((e) => e.type)).toContain('audit.settings_updated');
    for (const bad of ['decision=maybe', 'member=not-a-uuid', 'tool=no-slash']) {
      const res = await call(h.app, {
        method: 'GET',
        url: `/v1/audit/events?${bad}`,
        token: org.tokens.owner,
      });
      expect(res.status, bad).toBe(400);
    }
  });

  it('runs a background export with progress, a download link and a signed manifest that verifies', async () => {
    const started = await call(h.app, {
      method: 'POST',
      url: '/v1/audit/exports',
      token: org.tokens.auditor,
      body: { format: 'jsonl' },
    });
    expect(started.status, started.raw).toBe(202);
    expect(started.body).toMatchObject({ status: 'queued', fromSeq: 1, exported: 0, downloadUrl: null });
    const id: string = started.body.id;
    let job = started.body;
    for (let i = 0; i < 200 && job.status !== 'done' && job.status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      job = (await call(h.app, { method: 'GET', url: `/v1/audit/exports/${id}`, token: org.tokens.auditor }))
        .body;
    }
    expect(job).toMatchObject({
      status: 'done',
      exported: job.total,
      downloadUrl: `/v1/audit/exports/${id}/download`,
    });
    const file = await h.app.inject({
      method: 'GET',
      url: job.downloadUrl,
      headers: { authorization: `Bearer ${org.tokens.auditor}` },
    });
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.length).toBe(job.bytes);
    const manifest = await call(h.app, { method: 'GET', url: job.manifestUrl, token: org.tokens.auditor });
    const keys = await call(h.app, { method: 'GET', url: '/v1/audit/keys', token: org.tokens.auditor });
    const report = await verifyExport(
      [file.rawPayload],
      manifest.body as ExportManifest,
      loadAuditPublicJwkSet(keys.body),
    );
    expect(report.problems).toEqual([]);
    expect(report.eventsVerified).toBe(job.total);

    // The export is on the chain (after the range it covers), naming its job.
    const [exported] = await h.dataSource.query(
      `SELECT canonical, seq FROM audit_events WHERE org_id = $1 AND type = 'audit.exported' AND subject_id = $2`,
      [org.orgId, id],
    );
    expect(Number(exported.seq)).toBeGreaterThan(job.toSeq);
    expect(JSON.parse(exported.canonical).data).toMatchObject({ jobId: id, fromSeq: 1, toSeq: job.toSeq });

    const policyAuthor = await call(h.app, {
      method: 'GET',
      url: job.downloadUrl,
      token: org.tokens.policy_author,
    });
    expect(policyAuthor.status).toBe(403);
    const other = await seedOrg(h.app, 'auditret-other');
    const foreign = await call(h.app, { method: 'GET', url: job.downloadUrl, token: other.tokens.auditor });
    expect(foreign.status).toBe(404);
    // A week after it finished, the file is removed; the job row stays as the record of the export.
    await h.dataSource.query(
      `UPDATE audit_export_jobs SET finished_at = now() - interval '8 days' WHERE id = $1`,
      [id],
    );
    expect(await h.app.get(AuditExportJobService).removeExpiredFiles()).toBeGreaterThanOrEqual(1);
    const gone = await call(h.app, { method: 'GET', url: job.downloadUrl, token: org.tokens.auditor });
    expect(gone.status).toBe(404);
    expect(
      (await call(h.app, { method: 'GET', url: `/v1/audit/exports/${id}`, token: org.tokens.auditor })).body
        .status,
    ).toBe('done');

    const missing = await call(h.app, {
      method: 'GET',
      url: `/v1/audit/exports/${randomUUID()}`,
      token: org.tokens.auditor,
    });
    expect(missing.status).toBe(404);
  });

  it('purges only past retention and never under legal hold; the purge is audited between two checkpoints and later exports verify', async () => {
    const tenant = randomUUID();
    const old = new Date(Date.now() - 2 * DAY_MS);
    await appendBatch(
      Array.from({ length: 30 }, (_, i) => decision(tenant, i, { time: new Date(old.getTime() + i) })),
    );
    await appendBatch(Array.from({ length: 5 }, (_, i) => decision(tenant, 100 + i)));
    const retention = h.app.get(AuditRetentionService);
    const settings = h.dataSource;

    // Default retention (400 days): nothing is due.
    expect(await retention.purge(tenant)).toBeNull();
    await settings.query(
      `INSERT INTO audit_settings (org_id, retention_days, legal_hold, legal_hold_reason) VALUES ($1, 1, true, 'litigation')`,
      [tenant],
    );
    // Legal hold: neither the service nor a direct call of the database function purges anything.
    expect(await retention.due()).not.toContain(tenant);
    expect(await retention.purge(tenant)).toBeNull();
    const [{ hash: hash30 }] = await settings.query(
      `SELECT hash FROM audit_events WHERE org_id = $1 AND seq = 30`,
      [tenant],
    );
    await expect(settings.query(`SELECT audit_purge($1, 30, $2, '{}')`, [tenant, hash30])).rejects.toThrow(
      /legal hold/,
    );
    await settings.query(`DELETE FROM audit_settings WHERE org_id = $1`, [tenant]);
    await settings.query(`INSERT INTO audit_settings (org_id, retention_days) VALUES ($1, 1)`, [tenant]);
    // The function refuses a horizon that is not past retention.
    const [{ hash: hash31 }] = await settings.query(
      `SELECT hash FROM audit_events WHERE org_id = $1 AND seq = 31`,
      [tenant],
    );
    await expect(settings.query(`SELECT audit_purge($1, 31, $2, '{}')`, [tenant, hash31])).rejects.toThrow(
      /not all past retention/,
    );
    // Direct deletes stay impossible.
    await expect(
      settings.query(`DELETE FROM audit_events WHERE org_id = $1 AND seq = 1`, [tenant]),
    ).rejects.toThrow(/append-only/);

    expect(await retention.due()).toContain(tenant);
    const purged = await retention.purge(tenant);
    expect(purged).toMatchObject({ fromSeq: 1, toSeq: 30, count: 30, treeSizeBefore: 35, treeSizeAfter: 36 });
    const [{ n }] = await settings.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE org_id = $1 AND seq <= 30`,
      [tenant],
    );
    expect(n).toBe(0);
    expect(await retention.purge(tenant)).toBeNull(); // nothing left to purge

    const jwk = (await h.app.get(AuditSigningKeys).publicKeys(tenant)).at(-1)!;
    const key = loadAuditPublicKey(jwk as unknown as Record<string, unknown>);
    const checkpoints: Array<{ tree_size: string }> = await settings.query(
      `SELECT tree_size FROM audit_checkpoints WHERE org_id = $1 ORDER BY tree_size`,
      [tenant],
    );
    expect(checkpoints.map((c) => Number(c.tree_size))).toEqual([35, 36]);
    const [purgeEvent] = await settings.query(
      `SELECT canonical FROM audit_events WHERE org_id = $1 AND seq = 36`,
      [tenant],
    );
    const event = JSON.parse(purgeEvent.canonical);
    expect(event).toMatchObject({
      type: 'audit.purged',
      data: { fromSeq: 1, toSeq: 30, count: 30, treeSizeBefore: 35, rootBefore: purged!.rootBefore },
    });

    // Exports now start after the horizon, anchored on the recorded hash and frontier; they verify.
    const exports = h.app.get(AuditExportService);
    await expect(exports.resolveRange(tenant, { format: 'jsonl', fromSeq: 1 })).rejects.toThrow(/purged/);
    const range = await exports.resolveRange(tenant, { format: 'jsonl' });
    expect(range).toEqual({ fromSeq: 31, toSeq: 36 });
    const opened = await exports.open(
      tenant,
      { type: 'system', id: 'test' },
      { format: 'jsonl', toSeq: 36 },
      {},
    );
    const chunks: Buffer[] = [];
    for await (const chunk of opened.chunks) chunks.push(chunk);
    const manifest = await exports.manifest(tenant, { format: 'jsonl', fromSeq: 31, toSeq: 36 });
    expect(manifest.prevHash).toBe(Buffer.from(hash30).toString('hex'));
    const report = await verifyExport(chunks, manifest, key);
    expect(report.problems).toEqual([]);
    expect(report.eventsVerified).toBe(6);
    expect(report.checkpointsVerified).toBe(2); // 35 (before the purge) and 36 (after)
    for (const c of manifest.checkpoints) expect(verifyCheckpointSignature(c, key)).toBe(true);

    // Tampering after the horizon is still caught at the exact seq.
    const admin = new Client({ connectionString: h.db.url });
    await admin.connect();
    try {
      await admin.query(`SET session_replication_role = replica`);
      await admin.query(
        `UPDATE audit_events SET canonical = replace(canonical, '"v":1', '"v":1 ') WHERE org_id = $1 AND seq = 33`,
        [tenant],
      );
    } finally {
      await admin.end();
    }
    const again = await exports.open(
      tenant,
      { type: 'system', id: 'test' },
      { format: 'jsonl', toSeq: 36 },
      {},
    );
    const tampered: Buffer[] = [];
    for await (const chunk of again.chunks) tampered.push(chunk);
    const report2 = await verifyExport(
      tampered,
      await exports.manifest(tenant, { format: 'jsonl', fromSeq: 31, toSeq: 36 }),
      key,
    );
    expect(report2.firstBadSeq).toBe(33);
  });

  it('lets an application role with the documented grants purge only through audit_purge', async () => {
    const tenant = randomUUID();
    await appendBatch(
      Array.from({ length: 3 }, (_, i) =>
        decision(tenant, i, { time: new Date(Date.now() - 2 * DAY_MS + i) }),
      ),
    );
    await h.dataSource.query(`INSERT INTO audit_settings (org_id, retention_days) VALUES ($1, 1)`, [tenant]);
    const role = `mandate_purger_${Date.now().toString(36)}`;
    const c = new Client({ connectionString: h.db.url });
    await c.connect();
    try {
      await c.query(`CREATE ROLE ${role} NOLOGIN`);
      await c.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
      await c.query(`GRANT SELECT, INSERT ON audit_events, audit_checkpoints, audit_purges TO ${role}`);
      await c.query(`GRANT SELECT, INSERT, UPDATE ON audit_settings TO ${role}`);
      await c.query(`GRANT EXECUTE ON FUNCTION audit_purge(uuid, bigint, bytea, bytea[]) TO ${role}`);
      const [{ hash }] = (
        await c.query(`SELECT hash FROM audit_events WHERE org_id = $1 AND seq = 2`, [tenant])
      ).rows;
      await c.query(`SET ROLE ${role}`);
      await c.query(`SELECT set_config('mandate.audit_purge_org', $1, false)`, [tenant]);
      await c.query(`SELECT set_config('mandate.audit_purge_to_seq', '3', false)`);
      await expect(c.query(`DELETE FROM audit_events WHERE org_id = $1`, [tenant])).rejects.toThrow(
        /permission denied/,
      );
      const [{ count }] = (await c.query(`SELECT audit_purge($1, 2, $2, '{}') AS count`, [tenant, hash]))
        .rows;
      expect(Number(count)).toBe(2);
      await expect(c.query(`DELETE FROM audit_purges`)).rejects.toThrow(/permission denied/);
    } finally {
      await c.query('RESET ROLE').catch(() => undefined);
      await c.query(`DROP OWNED BY ${role}`).catch(() => undefined);
      await c.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
      await c.end();
    }
    const rows = await h.dataSource.query(`SELECT seq FROM audit_events WHERE org_id = $1 ORDER BY seq`, [
      tenant,
    ]);
    expect(rows.map((r: { seq: string }) => Number(r.seq))).toEqual([3]);
  });

  it('documents the new audit routes in the OpenAPI document', async () => {
    const doc = await call(h.app, { method: 'GET', url: '/docs/json' });
    expect(doc.body.paths['/v1/audit/settings']?.get).toBeDefined();
    expect(doc.body.paths['/v1/audit/settings']?.patch).toBeDefined();
    expect(doc.body.paths['/v1/audit/exports']?.post).toBeDefined();
    expect(doc.body.paths['/v1/audit/exports/{id}/download']?.get).toBeDefined();
  });
});
