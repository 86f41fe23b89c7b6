import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Sandbox profiles per organisation (libs/sandbox) and servers quarantined after a sandbox violation. */
export class Sandbox1795530000000 implements MigrationInterface {
  name = 'Sandbox1795530000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "sandbox_profiles" ("id" uuid NOT NULL, "org_id" uuid NOT NULL, "name" text NOT NULL, "description" text, "spec" jsonb NOT NULL, "digest" text NOT NULL, "servers" text array NOT NULL, "is_default" boolean NOT NULL DEFAULT false, "on_violation" text NOT NULL DEFAULT 'record', "revision" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_sandbox_profiles_on_violation" CHECK (on_violation IN ('record','quarantine')), CONSTRAINT "ck_sandbox_profiles_spec" CHECK (jsonb_typeof(spec) = 'object'), CONSTRAINT "ck_sandbox_profiles_name" CHECK (char_length(name) BETWEEN 1 AND 128), CONSTRAINT "pk_sandbox_profiles" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_sandbox_profiles_org_name" ON "sandbox_profiles" ("org_id", "name")`,
    );
    await queryRunner.query(
      `CREATE TABLE "sandbox_quarantines" ("org_id" uuid NOT NULL, "server" text NOT NULL, "profile_id" uuid, "kind" text NOT NULL, "detail" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_sandbox_quarantines" PRIMARY KEY ("org_id", "server"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "sandbox_quarantines"`);
    await queryRunner.query(`DROP INDEX "public"."uq_sandbox_profiles_org_name"`);
    await queryRunner.query(`DROP TABLE "sandbox_profiles"`);
  }
}
