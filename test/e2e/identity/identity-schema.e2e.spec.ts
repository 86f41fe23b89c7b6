import { createDataSource, detectSchemaDrift } from '@mandate/db';
import { IDENTITY_ENTITIES } from '@mandate/identity';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Identity1795440045071 } from '../../../migrations/1795440045071-identity';
import { MIGRATIONS } from '../../../migrations';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../../support';

const IDENTITY_TABLES =
  /"(organisations|members|agents|api_keys|identity_signing_keys|identity_login_throttle)"/;

describeWithPostgres('identity schema', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('has no drift between the identity entities and the migration', async () => {
    const ds = createDataSource({ url: db.url, entities: [...IDENTITY_ENTITIES] });
    await ds.initialize();
    try {
      expect((await detectSchemaDrift(ds)).filter((q) => IDENTITY_TABLES.test(q))).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });

  it('enforces the role, scope, trust and email rules in the database itself', async () => {
    const ds = createDataSource({ url: db.url });
    await ds.initialize();
    try {
      const [{ id: orgId }] = await ds.query(
        `INSERT INTO organisations (id, name, slug) VALUES (gen_random_uuid(), 'Schema Org', 'schema-org') RETURNING id`,
      );
      const member = (email: string, roles: string) =>
        ds.query(
          `INSERT INTO members (id, org_id, email, password_hash, roles) VALUES (gen_random_uuid(), $1, $2, 'x', $3::text[]) RETURNING id`,
          [orgId, email, roles],
        );
      await expect(member('a@b.example', '{root}')).rejects.toThrow(/ck_members_roles/);
      await expect(member('Upper@b.example', '{}')).rejects.toThrow(/ck_members_email/);
      const [{ id: memberId }] = await member('a@b.example', '{owner,auditor}');
      await expect(member('a@b.example', '{}')).rejects.toThrow(/uq_members_org_email/);
      const agent = (trust: number, labels: string) =>
        ds.query(
          `INSERT INTO agents (id, org_id, name, owner_member_id, trust_level, labels) VALUES (gen_random_uuid(), $1, $2, $3, $4, $5::jsonb)`,
          [orgId, `agent-${trust}-${labels.length}`, memberId, trust, labels],
        );
      await expect(agent(4, '{}')).rejects.toThrow(/ck_agents_trust_level/);
      await expect(agent(1, '[]')).rejects.toThrow(/ck_agents_labels/);
      await agent(3, '{"a":"b"}');
      const key = (scopes: string, role: string | null) =>
        ds.query(
          `INSERT INTO api_keys (id, org_id, name, prefix, key_hash, scopes, role) VALUES (gen_random_uuid(), $1, 'k', $2, 'h', $3::text[], $4)`,
          [orgId, Math.random().toString(16).slice(2, 14).padEnd(12, '0'), scopes, role],
        );
      await expect(key('{admin}', null)).rejects.toThrow(/ck_api_keys_role/);
      await expect(key('{decisions:evaluate}', 'admin')).rejects.toThrow(/ck_api_keys_role/);
      await expect(key('{}', null)).rejects.toThrow(/ck_api_keys_scopes/);
      await expect(key('{root}', null)).rejects.toThrow(/ck_api_keys_scopes/);
      await key('{admin,decisions:evaluate}', 'auditor');
    } finally {
      await ds.destroy();
    }
  });

  it('migrates down and up again cleanly', async () => {
    const ds = createDataSource({ url: db.url });
    await ds.initialize();
    const runner = ds.createQueryRunner();
    try {
      await runner.query(`DELETE FROM api_keys`);
      // Later migrations reference the identity tables: revert them first (newest first), as TypeORM would.
      const all = MIGRATIONS.map((M) => new M());
      const at = all.findIndex((m) => m instanceof Identity1795440045071);
      expect(at).toBeGreaterThanOrEqual(0);
      const migration = all[at];
      const later = all.slice(at + 1);
      for (const m of [...later].reverse()) await m.down(runner);
      await migration.down(runner);
      const [{ n }] = await runner.query(
        `SELECT count(*)::int AS n FROM pg_tables WHERE tablename = ANY($1)`,
        [
          [
            'organisations',
            'members',
            'agents',
            'api_keys',
            'identity_signing_keys',
            'identity_login_throttle',
          ],
        ],
      );
      expect(n).toBe(0);
      await migration.up(runner);
      for (const m of later) await m.up(runner);
      const [{ m }] = await runner.query(
        `SELECT count(*)::int AS m FROM pg_tables WHERE tablename = ANY($1)`,
        [
          [
            'organisations',
            'members',
            'agents',
            'api_keys',
            'identity_signing_keys',
            'identity_login_throttle',
          ],
        ],
      );
      expect(m).toBe(6);
    } finally {
      await runner.release();
      await ds.destroy();
    }
  });
});
