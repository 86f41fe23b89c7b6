import { randomUUID } from 'node:crypto';
import { DatabaseServer } from '@mandate/db';
import { Client } from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DecisionRecorder } from '../../../libs/decisions/src/recording/decision.recorder';
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
    decision: 'allow',
    reasons: [],
    obligations: { redact: ['a'] },
    inputJson: JSON.stringify({ arguments: { path: '/x', quote: 'it\'s "quoted" \\ {}' } }),
    policyRevision: 1,
    latencyUs: 42,
    apiKeyId: null,
    requestId: 'req-1',
    ...over,
  };
}

describeWithPostgres('decision recorder (group commit on the real PostgreSQL)', () => {
  let db: TestDatabase;
  let recorder: DecisionRecorder;
  let sql: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    recorder = new DecisionRecorder(await DatabaseServer.open({ databaseUrl: db.url, dataDir: '' }));
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
    await Promise.all(records.map((r) => recorder.record(r)));
    const after = recorder.stats();
    expect(after.rows - before.rows).toBe(500);
    expect(after.batches - before.batches).toBeLessThan(50);
    const rows = await sql.query('SELECT id, input, obligations FROM decisions WHERE org_id = $1', [orgId]);
    expect(rows.rowCount).toBe(500);
    expect(rows.rows[0].input).toEqual({ arguments: { path: '/x', quote: 'it\'s "quoted" \\ {}' } });
    expect(rows.rows[0].obligations).toEqual({ redact: ['a'] });
  });

  it('fails only the bad row of a batch; a failing database fails every waiting decision', async () => {
    const orgId = randomUUID();
    const good = record(orgId);
    const bad = record(orgId, { phase: 'bogus' }); // violates ck_decisions_phase
    const results = await Promise.allSettled([recorder.record(good), recorder.record(bad)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);

    await sql.query('ALTER TABLE decisions ADD CONSTRAINT ck_block CHECK (false) NOT VALID');
    const blocked = await Promise.allSettled([record(orgId), record(orgId)].map((r) => recorder.record(r)));
    expect(blocked.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await sql.query('ALTER TABLE decisions DROP CONSTRAINT ck_block');
    await recorder.record(record(orgId));
    const count = await sql.query('SELECT count(*)::int AS n FROM decisions WHERE org_id = $1', [orgId]);
    expect(count.rows[0].n).toBe(2);
  });

  it('rejects (so the API denies record_failed) when the database cannot be reached', async () => {
    const unreachable = new URL(db.url);
    unreachable.port = '1'; // nothing listens there
    const broken = new DecisionRecorder(
      await DatabaseServer.open({ databaseUrl: unreachable.toString(), dataDir: '' }),
    );
    try {
      await expect(broken.record(record(randomUUID()))).rejects.toThrow();
      expect(broken.stats()).toMatchObject({ rows: 0, failedRows: 1 });
    } finally {
      await broken.onApplicationShutdown();
    }
  });
});
