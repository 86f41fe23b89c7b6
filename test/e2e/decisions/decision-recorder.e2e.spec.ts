import { createHash, randomUUID } from 'node:crypto';
import { DatabaseServer } from '@mandate/db';
import { Client } from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AuditChainAppender } from '@mandate/audit';
import type { DecisionOutcome } from '../../../libs/decisions/src/evaluation/decision-outcome';
import {
  DecisionCommitError,
  DecisionRecorder,
} from '../../../libs/decisions/src/recording/decision.recorder';
import type { DecisionRecord } from '../../../libs/decisions/src/recording/decision-record';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../../support';

function record(orgId: string, over: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    id: randomUUID(),
    orgId,
    decidedAt: new Date(),
    agentId: null,
    agentName: 'bot',
    server: 'fs',
    tool: 'read_file',
    phase: 'call',
    inputJson: JSON.stringify({ arguments: { path: '/x', quote: 'it\'s "quoted" \\ {}' } }),
    policyRevision: 1,
    latencyUs: 42,
    apiKeyId: null,
    requestId: 'req-1',
    facts: { toolDigest: 'sha256:00' },
    ...over,
  };
}

const ALLOW: DecisionOutcome = {
  decision: 'allow',
  reasons: [],
  obligations: { redact: ['a'] },
  approval: null,
};

describeWithPostgres('decision recorder (group commit on the real PostgreSQL)', () => {
  let db: TestDatabase;
  let recorder: DecisionRecorder;
  let sql: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    recorder = new DecisionRecorder(
      await DatabaseServer.open({ databaseUrl: db.url, dataDir: '' }),
      new AuditChainAppender(),
    );
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });
  afterAll(async () => {
    await recorder?.onApplicationShutdown();
    await sql?.end();
    await db?.drop();
  });

  it('groups concurrent decisions into few INSERTs and resolves each once durable', async () => {
    const orgId = randomUUID();
    const records = Array.from({ length: 500 }, () => record(orgId));
    const before = recorder.stats();
    await Promise.all(records.map((r) => recorder.record(r, ALLOW)));
    const after = recorder.stats();
    expect(after.rows - before.rows).toBe(500);
    expect(after.batches - before.batches).toBeLessThan(50);
    const rows = await sql.query('SELECT id, input, obligations FROM decisions WHERE org_id = $1', [orgId]);
    expect(rows.rowCount).toBe(500);
    expect(rows.rows[0].input).toEqual({ arguments: { path: '/x', quote: 'it\'s "quoted" \\ {}' } });
    expect(rows.rows[0].obligations).toEqual({ redact: ['a'] });
  });

  it('appends every recorded decision to the organisation audit chain in the same transaction', async () => {
    const orgId = randomUUID();
    const records = Array.from({ length: 120 }, () => record(orgId));
    await Promise.all(records.map((r) => recorder.record(r, ALLOW)));
    const rows = await sql.query<{ seq: string; canonical: string; leaf: Buffer; hash: Buffer }>(
      'SELECT seq, canonical, leaf, hash FROM audit_events WHERE org_id = $1 ORDER BY seq',
      [orgId],
    );
    expect(rows.rows.map((r) => Number(r.seq))).toEqual(records.map((_, i) => i + 1));
    const events = rows.rows.map(
      (r) => JSON.parse(r.canonical) as { id: string; type: string; data: Record<string, unknown> },
    );
    expect(new Set(events.map((e) => e.id))).toEqual(new Set(records.map((r) => r.id)));
    expect(events[0]).toMatchObject({
      type: 'tool_call.decided',
      data: { decision: 'allow', tool: 'read_file', facts: { toolDigest: 'sha256:00' } },
    });
    // The chain links: hash(n) = SHA-256(hash(n-1) ‖ leaf(n)), leaf = SHA-256(0x00 ‖ canonical).
    let previous: Buffer = Buffer.alloc(32);
    for (const row of rows.rows) {
      const leaf = createHash('sha256')
        .update(Buffer.from([0]))
        .update(row.canonical, 'utf8')
        .digest();
      expect(row.leaf.equals(leaf)).toBe(true);
      expect(row.hash.equals(createHash('sha256').update(previous).update(leaf).digest())).toBe(true);
      previous = row.hash;
    }
  });

  it('runs stage effects in a savepoint: a failing effect is undone and its decision recorded as deny', async () => {
    const orgId = randomUUID();
    await sql.query('CREATE TABLE IF NOT EXISTS recorder_probe (org uuid, n int)');
    const consumed = record(orgId);
    const failing = record(orgId);
    const [ok, bad] = await Promise.all([
      recorder.record(consumed, ALLOW, async (q, o) => {
        await q('INSERT INTO recorder_probe (org, n) VALUES ($1, 1)', [orgId]);
        return o;
      }),
      recorder.record(failing, ALLOW, async (q) => {
        await q('INSERT INTO recorder_probe (org, n) VALUES ($1, 2)', [orgId]);
        throw new DecisionCommitError({
          decision: 'deny',
          reasons: [{ code: 'grants_failed', message: 'x' }],
          obligations: {},
          approval: null,
        });
      }),
    ]);
    expect(ok.decision).toBe('allow');
    expect(bad).toMatchObject({ decision: 'deny', reasons: [{ code: 'grants_failed' }] });
    const probe = await sql.query('SELECT n FROM recorder_probe WHERE org = $1', [orgId]);
    expect(probe.rows).toEqual([{ n: 1 }]);
    const stored = await sql.query('SELECT id, decision FROM decisions WHERE org_id = $1 ORDER BY decision', [
      orgId,
    ]);
    expect(stored.rows).toEqual([
      { id: consumed.id, decision: 'allow' },
      { id: failing.id, decision: 'deny' },
    ]);
  });

  it('stores the input with the arguments the policy redacts masked, as in the audit event', async () => {
    const orgId = randomUUID();
    const secret = record(orgId, {
      inputJson: JSON.stringify({ arguments: { user: 'ann', password: 'hunter2' }, phase: 'call' }),
    });
    await recorder.record(secret, { ...ALLOW, obligations: { redact_arguments: ['password'] } });
    const stored = await sql.query('SELECT input FROM decisions WHERE id = $1', [secret.id]);
    expect(stored.rows[0].input).toEqual({
      arguments: { user: 'ann', password: '[MASKED]' },
      phase: 'call',
    });
    const event = await sql.query<{ canonical: string }>(
      'SELECT canonical FROM audit_events WHERE org_id = $1',
      [orgId],
    );
    expect(event.rows[0].canonical).not.toContain('hunter2');
  });

  it('fails only the bad row of a batch; a failing database fails every waiting decision', async () => {
    const orgId = randomUUID();
    const good = record(orgId);
    const bad = record(orgId, { phase: 'bogus' }); // violates ck_decisions_phase
    const results = await Promise.allSettled([recorder.record(good, ALLOW), recorder.record(bad, ALLOW)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);

    await sql.query('ALTER TABLE decisions ADD CONSTRAINT ck_block CHECK (false) NOT VALID');
    const blocked = await Promise.allSettled(
      [record(orgId), record(orgId)].map((r) => recorder.record(r, ALLOW)),
    );
    expect(blocked.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await sql.query('ALTER TABLE decisions DROP CONSTRAINT ck_block');
    await recorder.record(record(orgId), ALLOW);
    const count = await sql.query('SELECT count(*)::int AS n FROM decisions WHERE org_id = $1', [orgId]);
    expect(count.rows[0].n).toBe(2);
  });

  it('rejects (so the API denies record_failed) when the database cannot be reached', async () => {
    const unreachable = new URL(db.url);
    unreachable.port = '1'; // nothing listens there
    const broken = new DecisionRecorder(
      await DatabaseServer.open({ databaseUrl: unreachable.toString(), dataDir: '' }),
      new AuditChainAppender(),
    );
    try {
      await expect(broken.record(record(randomUUID()), ALLOW)).rejects.toThrow();
      expect(broken.stats()).toMatchObject({ rows: 0, failedRows: 1 });
    } finally {
      await broken.onApplicationShutdown();
    }
  });
});
