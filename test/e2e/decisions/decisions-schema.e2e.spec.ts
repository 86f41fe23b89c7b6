import { randomUUID } from 'node:crypto';
import { createDataSource, detectSchemaDrift } from '@mandate/db';
import { DecisionEntity } from '@mandate/decisions';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../../support';

describeWithPostgres('decisions schema', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('has no drift between the decision entity and the migration', async () => {
    const ds = createDataSource({ url: db.url, entities: [DecisionEntity] });
    await ds.initialize();
    try {
      expect((await detectSchemaDrift(ds)).filter((q) => /"decisions"/.test(q))).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });

  it('refuses a phase or a decision outside the allowed values', async () => {
    const ds = createDataSource({ url: db.url });
    await ds.initialize();
    try {
      const insert = (phase: string, decision: string) =>
        ds.query(
          `INSERT INTO decisions (id, org_id, decided_at, agent_name, server, tool, phase, decision, reasons,
             obligations, input, latency_us, request_id)
           VALUES ($1, $2, now(), 'a', 's', 't', $3, $4, '[]', '{}', '{}', 1, 'r')`,
          [randomUUID(), randomUUID(), phase, decision],
        );
      await insert('call', 'allow');
      await expect(insert('exec', 'allow')).rejects.toThrow(/ck_decisions_phase/);
      await expect(insert('call', 'maybe')).rejects.toThrow(/ck_decisions_decision/);
    } finally {
      await ds.destroy();
    }
  });
});
