import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bundle signing keys (libs/policies/src/bundles): one active ES256 key per organisation (a partial unique
 * index), retired keys kept for verification; the private key is stored encrypted under the master key.
 * Read and written with SQL only (no entity), like the audit signing keys.
 */
export class PolicyBundles1795520000000 implements MigrationInterface {
  name = 'PolicyBundles1795520000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "policy_bundle_keys" (
      "org_id" uuid NOT NULL,
      "key_id" text NOT NULL,
      "public_jwk" jsonb NOT NULL,
      "private_key_enc" bytea NOT NULL,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "retired_at" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "ck_policy_bundle_keys_jwk" CHECK (jsonb_typeof(public_jwk) = 'object'),
      CONSTRAINT "pk_policy_bundle_keys" PRIMARY KEY ("org_id", "key_id"),
      CONSTRAINT "fk_policy_bundle_keys_org" FOREIGN KEY ("org_id") REFERENCES "organisations"("id") ON DELETE CASCADE)`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_policy_bundle_keys_active" ON "policy_bundle_keys" ("org_id") WHERE retired_at IS NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ux_policy_bundle_keys_active"`);
    await queryRunner.query(`DROP TABLE "policy_bundle_keys"`);
  }
}
