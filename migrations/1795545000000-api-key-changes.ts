import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API key changes are announced to every server replica: a trigger NOTIFYs `mandate_api_key_changed` with
 * the key's id whenever a key's credentials or validity change (revoked_at, expires_at, scopes, role,
 * key_hash, prefix, org_id) or it is deleted — also when done by hand in SQL. The replicas' API key caches
 * drop that key on commit (see libs/identity ApiKeyCache). last_used_at updates do not notify.
 */
export class ApiKeyChanges1795545000000 implements MigrationInterface {
  name = 'ApiKeyChanges1795545000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE FUNCTION "api_keys_notify_change"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('mandate_api_key_changed', OLD.id::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`CREATE TRIGGER "trg_api_keys_notify_update"
      AFTER UPDATE OF revoked_at, expires_at, scopes, role, key_hash, prefix, org_id ON "api_keys"
      FOR EACH ROW EXECUTE FUNCTION "api_keys_notify_change"()`);
    await queryRunner.query(`CREATE TRIGGER "trg_api_keys_notify_delete"
      AFTER DELETE ON "api_keys" FOR EACH ROW EXECUTE FUNCTION "api_keys_notify_change"()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "trg_api_keys_notify_delete" ON "api_keys"`);
    await queryRunner.query(`DROP TRIGGER "trg_api_keys_notify_update" ON "api_keys"`);
    await queryRunner.query(`DROP FUNCTION "api_keys_notify_change"()`);
  }
}
