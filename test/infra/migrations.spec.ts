import { createDataSource, migrateDatabase, MIGRATIONS_TABLE } from '@mandate/db';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MIGRATIONS } from '../../migrations';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../support';

describeWithPostgres('migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('applies each migration exactly once when several processes migrate at the same time (advisory lock)', async () => {
    const runs = await Promise.all([1, 2, 3].map(() => migrateDatabase(db.url, MIGRATIONS)));
    expect(runs.map((applied) => applied.length).sort()).toEqual([0, 0, MIGRATIONS.length]);
    const ds = createDataSource({ url: db.url });
    await ds.initialize();
    try {
      const rows = await ds.query(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`);
      expect(rows.map((r: { name: string }) => r.name)).toEqual(MIGRATIONS.map((m) => m.name));
    } finally {
      await ds.destroy();
    }
  });

  it('reverts every migration with down() and re-applies them', async () => {
    const ds = createDataSource({ url: db.url, migrations: MIGRATIONS });
    await ds.initialize();
    try {
      for (let i = 0; i < MIGRATIONS.length; i++) await ds.undoLastMigration({ transaction: 'each' });
      const [{ n }] = await ds.query(
        `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tablename <> $1`,
        [MIGRATIONS_TABLE],
      );
      expect(n).toBe(0);
      expect(await ds.runMigrations({ transaction: 'each' })).toHaveLength(MIGRATIONS.length);
    } finally {
      await ds.destroy();
    }
  });
});
