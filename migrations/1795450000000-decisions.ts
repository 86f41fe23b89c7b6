import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The decision log (libs/decisions): one row per decision, inserted by the recorder's group commit before
 * the answer is sent. No foreign key to organisations or agents: the log outlives deleted agents.
 */
export class Decisions1795450000000 implements MigrationInterface {
  name = 'Decisions1795450000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "decisions" ("id" uuid NOT NULL, "org_id" uuid NOT NULL, "decided_at" TIMESTAMP WITH TIME ZONE NOT NULL, "agent_id" uuid, "agent_name" text NOT NULL, "server" text NOT NULL, "tool" text NOT NULL, "phase" text NOT NULL, "decision" text NOT NULL, "reasons" jsonb NOT NULL, "obligations" jsonb NOT NULL, "input" jsonb NOT NULL, "policy_revision" integer, "latency_us" integer NOT NULL, "api_key_id" uuid, "request_id" text NOT NULL, CONSTRAINT "ck_decisions_decision" CHECK (decision IN ('allow','deny','pending_approval')), CONSTRAINT "ck_decisions_phase" CHECK (phase IN ('list','call','result')), CONSTRAINT "pk_decisions" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_decisions_org_decided" ON "decisions" ("org_id", "decided_at")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_decisions_org_decided"`);
    await queryRunner.query(`DROP TABLE "decisions"`);
  }
}
