import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Capability grants: grants (with delegation chain and template link), grant templates, the consumption
 * ledger (uses and budgets, one row per grant per allowed decision), sealed signing keys of grant tokens,
 * and the per-organisation change counter replicas poll.
 */
export class Grants1795490000000 implements MigrationInterface {
  name = 'Grants1795490000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "grant_heads" ("org_id" uuid NOT NULL, "version" bigint NOT NULL DEFAULT '0', CONSTRAINT "pk_grant_heads" PRIMARY KEY ("org_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "grant_consumptions" ("decision_id" uuid NOT NULL, "grant_id" uuid NOT NULL, "org_id" uuid NOT NULL, "consumed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "amount" numeric, CONSTRAINT "pk_grant_consumptions" PRIMARY KEY ("decision_id", "grant_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_grant_consumptions_grant_time" ON "grant_consumptions"  ("grant_id", "consumed_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "grant_signing_keys" ("kid" text NOT NULL, "org_id" uuid NOT NULL, "public_jwk" jsonb NOT NULL, "private_key_enc" bytea NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "retired_at" TIMESTAMP WITH TIME ZONE, "verify_until" TIMESTAMP WITH TIME ZONE, CONSTRAINT "pk_grant_signing_keys" PRIMARY KEY ("kid"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_grant_signing_keys_active" ON "grant_signing_keys"  ("org_id") WHERE retired_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_grant_signing_keys_org" ON "grant_signing_keys"  ("org_id", "created_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "grant_templates" ("id" uuid NOT NULL, "org_id" uuid NOT NULL, "name" text NOT NULL, "server" text, "tool" text, "tool_pattern" text, "constraints" jsonb, "expires_at" TIMESTAMP WITH TIME ZONE, "max_uses" integer, "budget_argument" text, "budget_limit" numeric, "budget_window_seconds" integer, "reason" text NOT NULL, "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_grant_templates_budget" CHECK ((budget_argument IS NULL AND budget_limit IS NULL AND budget_window_seconds IS NULL) OR (budget_argument IS NOT NULL AND budget_limit > 0 AND budget_window_seconds > 0)), CONSTRAINT "ck_grant_templates_max_uses" CHECK (max_uses IS NULL OR max_uses > 0), CONSTRAINT "ck_grant_templates_constraints" CHECK (constraints IS NULL OR jsonb_typeof(constraints) = 'object'), CONSTRAINT "ck_grant_templates_tool" CHECK (tool IS NULL OR tool_pattern IS NULL), CONSTRAINT "pk_grant_templates" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_grant_templates_org_name" ON "grant_templates"  ("org_id", "name") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_grant_templates_org_created" ON "grant_templates"  ("org_id", "created_at", "id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "grants" ("id" uuid NOT NULL, "org_id" uuid NOT NULL, "agent_id" uuid, "agent_selector" jsonb, "server" text, "tool" text, "tool_pattern" text, "constraints" jsonb, "not_before" TIMESTAMP WITH TIME ZONE, "expires_at" TIMESTAMP WITH TIME ZONE, "max_uses" integer, "uses" integer NOT NULL DEFAULT '0', "budget_argument" text, "budget_limit" numeric, "budget_window_seconds" integer, "reason" text NOT NULL, "issuer_type" text NOT NULL, "issuer_id" text NOT NULL, "parent_id" uuid, "ancestor_ids" uuid array NOT NULL DEFAULT '{}', "template_id" uuid, "revoked_at" TIMESTAMP WITH TIME ZONE, "revoked_reason" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_grants_issuer" CHECK (issuer_type IN ('member','api_key','approval','delegation','system')), CONSTRAINT "ck_grants_window" CHECK (not_before IS NULL OR expires_at IS NULL OR not_before < expires_at), CONSTRAINT "ck_grants_budget" CHECK ((budget_argument IS NULL AND budget_limit IS NULL AND budget_window_seconds IS NULL) OR (budget_argument IS NOT NULL AND budget_limit > 0 AND budget_window_seconds > 0)), CONSTRAINT "ck_grants_uses" CHECK (uses >= 0 AND (max_uses IS NULL OR (max_uses > 0 AND uses <= max_uses))), CONSTRAINT "ck_grants_constraints" CHECK (constraints IS NULL OR jsonb_typeof(constraints) = 'object'), CONSTRAINT "ck_grants_tool" CHECK ((tool IS NULL) <> (tool_pattern IS NULL)), CONSTRAINT "ck_grants_selector" CHECK (agent_selector IS NULL OR jsonb_typeof(agent_selector) = 'object'), CONSTRAINT "ck_grants_subject" CHECK ((agent_id IS NULL) <> (agent_selector IS NULL)), CONSTRAINT "pk_grants" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_grants_template" ON "grants"  ("template_id") `);
    await queryRunner.query(`CREATE INDEX "ix_grants_parent" ON "grants"  ("parent_id") `);
    await queryRunner.query(
      `CREATE INDEX "ix_grants_org_agent_active" ON "grants"  ("org_id", "agent_id") WHERE revoked_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_grants_org_created" ON "grants"  ("org_id", "created_at", "id") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "grant_heads"`);
    await queryRunner.query(`DROP TABLE "grant_consumptions"`);
    await queryRunner.query(`DROP TABLE "grant_signing_keys"`);
    await queryRunner.query(`DROP TABLE "grant_templates"`);
    await queryRunner.query(`DROP TABLE "grants"`);
  }
}
