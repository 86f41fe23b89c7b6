import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The MCP tool catalog (libs/catalog): servers as gateways name them, one row per server and tool with its
 * approved (pinned) and current definitions, status, diff, scanner findings and admin-owned risk class, and
 * a per-organisation catalog revision that replicas poll to invalidate their caches.
 */
export class Catalog1795480000000 implements MigrationInterface {
  name = 'Catalog1795480000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "catalog_servers" ("id" uuid NOT NULL, "org_id" uuid NOT NULL, "name" text NOT NULL, "url" text, "trust_on_first_use" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_catalog_servers_name" CHECK (char_length(name) BETWEEN 1 AND 256), CONSTRAINT "pk_catalog_servers" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_catalog_servers_org_created" ON "catalog_servers" ("org_id", "created_at")`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_catalog_servers_org_name" ON "catalog_servers" ("org_id", "name")`,
    );
    await queryRunner.query(
      `CREATE TABLE "catalog_tools" ("id" uuid NOT NULL, "org_id" uuid NOT NULL, "server_id" uuid NOT NULL, "name" text NOT NULL, "status" text NOT NULL, "risk" text, "current_digest" text, "current_definition" jsonb, "approved_digest" text, "approved_definition" jsonb, "diff" jsonb, "findings" jsonb NOT NULL DEFAULT '[]', "approved_by_type" text, "approved_by_id" text, "approved_at" TIMESTAMP WITH TIME ZONE, "last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_catalog_tools_findings" CHECK (jsonb_typeof(findings) = 'array'), CONSTRAINT "ck_catalog_tools_name" CHECK (char_length(name) BETWEEN 1 AND 256), CONSTRAINT "ck_catalog_tools_risk" CHECK (risk IS NULL OR risk IN ('read','write','destructive','external')), CONSTRAINT "ck_catalog_tools_status" CHECK (status IN ('pending','approved','quarantined','blocked')), CONSTRAINT "pk_catalog_tools" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_catalog_tools_org_created" ON "catalog_tools" ("org_id", "created_at")`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_catalog_tools_server_name" ON "catalog_tools" ("server_id", "name")`,
    );
    await queryRunner.query(
      `CREATE TABLE "catalog_revisions" ("org_id" uuid NOT NULL, "revision" bigint NOT NULL DEFAULT '0', CONSTRAINT "pk_catalog_revisions" PRIMARY KEY ("org_id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "catalog_tools" ADD CONSTRAINT "fk_catalog_tools_server" FOREIGN KEY ("server_id") REFERENCES "catalog_servers"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "catalog_tools" DROP CONSTRAINT "fk_catalog_tools_server"`);
    await queryRunner.query(`DROP TABLE "catalog_revisions"`);
    await queryRunner.query(`DROP INDEX "public"."uq_catalog_tools_server_name"`);
    await queryRunner.query(`DROP INDEX "public"."ix_catalog_tools_org_created"`);
    await queryRunner.query(`DROP TABLE "catalog_tools"`);
    await queryRunner.query(`DROP INDEX "public"."uq_catalog_servers_org_name"`);
    await queryRunner.query(`DROP INDEX "public"."ix_catalog_servers_org_created"`);
    await queryRunner.query(`DROP TABLE "catalog_servers"`);
  }
}
