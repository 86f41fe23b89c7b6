import { createDataSource, detectSchemaDrift } from '@mandate/db';
import { IDENTITY_ENTITIES } from '@mandate/identity';
import { POLICIES_ENTITIES } from '@mandate/policies';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Policies1795445000000 } from '../../../migrations/1795445000000-policies';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../../support';

const TABLES = ['policy_drafts', 'policy_versions', 'policy_heads', 'policy_activations'];
const POLICY_TABLES = /"policy_(drafts|versions|heads|activations)"/;

describeWithPostgres('policy store schema', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('has no drift between the policy entities and the migration', async () => {
    const ds = createDataSource({ url: db.url, entities: [...IDENTITY_ENTITIES, ...POLICIES_ENTITIES] });
    await ds.initialize();
    try {
      expect((await detectSchemaDrift(ds)).filter((q) => POLICY_TABLES.test(q))).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });

  it('enforces the head, version and activation rules in the database itself', async () => {
    const ds = createDataSource({ url: db.url });
    await ds.initialize();
    try {
      const [{ id: orgId }] = await ds.query(
        `INSERT INTO organisations (id, name, slug) VALUES (gen_random_uuid(), 'Policy Schema', 'policy-schema') RETURNING id`,
      );
      const version = (n: number, source = 'rego') =>
        ds.query(
          `INSERT INTO policy_versions (id, org_id, number, source, files, wasm, wasm_sha256, wasm_size, entrypoint, author_type, author_id)
           VALUES (gen_random_uuid(), $1, $2, $3, '{}'::jsonb, '\\x00'::bytea, 'x', 1, 'mandate/decision', 'member', 'm') RETURNING id`,
          [orgId, n, source],
        );
      await expect(version(0)).rejects.toThrow(/ck_policy_versions_number/);
      await expect(version(1, 'upload')).rejects.toThrow(/ck_policy_versions_source/);
      const [{ id: versionId }] = await version(1);
      await expect(version(1)).rejects.toThrow(/uq_policy_versions_org_number/);
      const head = (revision: number, v: string | null, at: string | null) =>
        ds.query(
          `INSERT INTO policy_heads (org_id, revision, version_id, activated_at) VALUES ($1, $2, $3, $4)`,
          [orgId, revision, v, at],
        );
      await expect(head(1, null, null)).rejects.toThrow(/ck_policy_heads_version/);
      await expect(head(0, versionId, new Date().toISOString())).rejects.toThrow(/ck_policy_heads_version/);
      await head(1, versionId, new Date().toISOString());
      const activation = (forced: boolean, reason: string | null) =>
        ds.query(
          `INSERT INTO policy_activations (id, org_id, revision, version_id, kind, forced, reason, tests, actor_type, actor_id)
           VALUES (gen_random_uuid(), $1, 1, $2, 'activate', $3, $4, '{}'::jsonb, 'member', 'm')`,
          [orgId, versionId, forced, reason],
        );
      await expect(activation(true, null)).rejects.toThrow(/ck_policy_activations_forced/);
      await expect(activation(true, '')).rejects.toThrow(/ck_policy_activations_forced/);
      await activation(true, 'why');
      await expect(
        ds.query(`UPDATE policy_versions SET message = 'rewritten' WHERE id = $1`, [versionId]),
      ).rejects.toThrow(/immutable/);
      await expect(
        ds.query(`UPDATE policy_activations SET reason = 'other' WHERE org_id = $1`, [orgId]),
      ).rejects.toThrow(/immutable/);
      await expect(ds.query(`DELETE FROM policy_versions WHERE id = $1`, [versionId])).rejects.toThrow(
        /fk_policy_(heads|activations)_version/,
      );
      const draft = (valid: boolean, wasm: string | null) =>
        ds.query(
          `INSERT INTO policy_drafts (org_id, files, valid, errors, wasm, updated_by_type, updated_by_id)
           VALUES ($1, '{}'::jsonb, $2, '[]'::jsonb, $3::bytea, 'member', 'm')`,
          [orgId, valid, wasm],
        );
      await expect(draft(true, null)).rejects.toThrow(/ck_policy_drafts_wasm/);
      await expect(draft(false, '\\x00')).rejects.toThrow(/ck_policy_drafts_wasm/);
      // Deleting the organisation still removes its policy rows (cascade; no UPDATE involved).
      await ds.query(`DELETE FROM organisations WHERE id = $1`, [orgId]);
      const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM policy_versions WHERE org_id = $1`, [
        orgId,
      ]);
      expect(n).toBe(0);
    } finally {
      await ds.destroy();
    }
  });

  it('migrates down and up again cleanly', async () => {
    const ds = createDataSource({ url: db.url });
    await ds.initialize();
    const runner = ds.createQueryRunner();
    const count = async () =>
      (await runner.query(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = ANY($1)`, [TABLES]))[0]
        .n as number;
    try {
      const migration = new Policies1795445000000();
      await migration.down(runner);
      expect(await count()).toBe(0);
      await migration.up(runner);
      expect(await count()).toBe(4);
    } finally {
      await runner.release();
      await ds.destroy();
    }
  });
});
