import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Policy store: per-organisation drafts (Rego sources + compile errors + compiled module when valid),
 * immutable numbered versions (sources and compiled Wasm as bytea), the active-version head with its
 * revision (row-locked while activating) and the activation/rollback history. Generated from
 * libs/policies entities, then reviewed by hand; a trigger keeps versions and history immutable.
 */
export class Policies1795445000000 implements MigrationInterface {
  name = 'Policies1795445000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "policy_versions" ("id" uuid NOT NULL, "org_id" uuid NOT NULL, "number" integer NOT NULL, "source" text NOT NULL, "files" jsonb NOT NULL, "wasm" bytea NOT NULL, "wasm_sha256" text NOT NULL, "wasm_size" integer NOT NULL, "entrypoint" text NOT NULL, "message" text, "author_type" text NOT NULL, "author_id" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_policy_versions_actor_type" CHECK (author_type IN ('member', 'api_key', 'system')), CONSTRAINT "ck_policy_versions_message" CHECK (message IS NULL OR char_length(message) <= 1000), CONSTRAINT "ck_policy_versions_files" CHECK (jsonb_typeof(files) = 'object'), CONSTRAINT "ck_policy_versions_source" CHECK (source IN ('rego', 'bundle')), CONSTRAINT "ck_policy_versions_number" CHECK (number > 0), CONSTRAINT "pk_policy_versions" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_policy_versions_org_number" ON "policy_versions" ("org_id", "number")`,
    );
    await queryRunner.query(
      `CREATE TABLE "policy_activations" ("id" uuid NOT NULL, "org_id" uuid NOT NULL, "revision" integer NOT NULL, "version_id" uuid NOT NULL, "kind" text NOT NULL, "forced" boolean NOT NULL, "reason" text, "tests" jsonb NOT NULL, "actor_type" text NOT NULL, "actor_id" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_policy_activations_actor_type" CHECK (actor_type IN ('member', 'api_key', 'system')), CONSTRAINT "ck_policy_activations_tests" CHECK (jsonb_typeof(tests) = 'object'), CONSTRAINT "ck_policy_activations_reason" CHECK (reason IS NULL OR char_length(reason) <= 1000), CONSTRAINT "ck_policy_activations_forced" CHECK (NOT forced OR (reason IS NOT NULL AND char_length(reason) > 0)), CONSTRAINT "ck_policy_activations_revision" CHECK (revision > 0), CONSTRAINT "ck_policy_activations_kind" CHECK (kind IN ('activate', 'rollback')), CONSTRAINT "pk_policy_activations" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_policy_activations_version" ON "policy_activations" ("version_id")`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_policy_activations_org_revision" ON "policy_activations" ("org_id", "revision")`,
    );
    await queryRunner.query(
      `CREATE TABLE "policy_drafts" ("org_id" uuid NOT NULL, "files" jsonb NOT NULL, "valid" boolean NOT NULL, "errors" jsonb NOT NULL, "wasm" bytea, "updated_by_type" text NOT NULL, "updated_by_id" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_policy_drafts_actor_type" CHECK (updated_by_type IN ('member', 'api_key', 'system')), CONSTRAINT "ck_policy_drafts_wasm" CHECK (valid = (wasm IS NOT NULL)), CONSTRAINT "ck_policy_drafts_errors" CHECK (jsonb_typeof(errors) = 'array'), CONSTRAINT "ck_policy_drafts_files" CHECK (jsonb_typeof(files) = 'object'), CONSTRAINT "pk_policy_drafts" PRIMARY KEY ("org_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "policy_heads" ("org_id" uuid NOT NULL, "revision" integer NOT NULL, "version_id" uuid, "activated_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "ck_policy_heads_version" CHECK ((revision = 0) = (version_id IS NULL) AND (version_id IS NULL) = (activated_at IS NULL)), CONSTRAINT "ck_policy_heads_revision" CHECK (revision >= 0), CONSTRAINT "pk_policy_heads" PRIMARY KEY ("org_id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "policy_versions" ADD CONSTRAINT "fk_policy_versions_org" FOREIGN KEY ("org_id") REFERENCES "organisations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "policy_activations" ADD CONSTRAINT "fk_policy_activations_org" FOREIGN KEY ("org_id") REFERENCES "organisations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "policy_activations" ADD CONSTRAINT "fk_policy_activations_version" FOREIGN KEY ("version_id") REFERENCES "policy_versions"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "policy_drafts" ADD CONSTRAINT "fk_policy_drafts_org" FOREIGN KEY ("org_id") REFERENCES "organisations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "policy_heads" ADD CONSTRAINT "fk_policy_heads_org" FOREIGN KEY ("org_id") REFERENCES "organisations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "policy_heads" ADD CONSTRAINT "fk_policy_heads_version" FOREIGN KEY ("version_id") REFERENCES "policy_versions"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    // Versions and the activation history never change once written (deleting the organisation still cascades).
    await queryRunner.query(`CREATE FUNCTION "policy_rows_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% rows are immutable: UPDATE is not allowed', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await queryRunner.query(`CREATE TRIGGER "trg_policy_versions_no_update" BEFORE UPDATE ON "policy_versions"
      FOR EACH ROW EXECUTE FUNCTION "policy_rows_immutable"()`);
    await queryRunner.query(`CREATE TRIGGER "trg_policy_activations_no_update" BEFORE UPDATE ON "policy_activations"
      FOR EACH ROW EXECUTE FUNCTION "policy_rows_immutable"()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "trg_policy_activations_no_update" ON "policy_activations"`);
    await queryRunner.query(`DROP TRIGGER "trg_policy_versions_no_update" ON "policy_versions"`);
    await queryRunner.query(`DROP FUNCTION "policy_rows_immutable"()`);
    await queryRunner.query(`ALTER TABLE "policy_heads" DROP CONSTRAINT "fk_policy_heads_version"`);
    await queryRunner.query(`ALTER TABLE "policy_heads" DROP CONSTRAINT "fk_policy_heads_org"`);
    await queryRunner.query(`ALTER TABLE "policy_drafts" DROP CONSTRAINT "fk_policy_drafts_org"`);
    await queryRunner.query(
      `ALTER TABLE "policy_activations" DROP CONSTRAINT "fk_policy_activations_version"`,
    );
    await queryRunner.query(`ALTER TABLE "policy_activations" DROP CONSTRAINT "fk_policy_activations_org"`);
    await queryRunner.query(`ALTER TABLE "policy_versions" DROP CONSTRAINT "fk_policy_versions_org"`);
    await queryRunner.query(`DROP TABLE "policy_heads"`);
    await queryRunner.query(`DROP TABLE "policy_drafts"`);
    await queryRunner.query(`DROP INDEX "public"."uq_policy_activations_org_revision"`);
    await queryRunner.query(`DROP INDEX "public"."ix_policy_activations_version"`);
    await queryRunner.query(`DROP TABLE "policy_activations"`);
    await queryRunner.query(`DROP INDEX "public"."uq_policy_versions_org_number"`);
    await queryRunner.query(`DROP TABLE "policy_versions"`);
  }
}
