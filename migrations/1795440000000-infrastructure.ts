import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Infrastructure: append-only domain events, the transactional outbox and job delivery records.
 * Written by hand to match libs/events and libs/queue entities (checked by `npm run migration:check`).
 */
export class Infrastructure1795440000000 implements MigrationInterface {
  name = 'Infrastructure1795440000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "domain_events" (
      "id" uuid NOT NULL,
      "type" text NOT NULL,
      "org_id" uuid,
      "actor_type" text NOT NULL,
      "actor_id" text NOT NULL,
      "subject_type" text,
      "subject_id" text,
      "data" jsonb NOT NULL,
      "request_id" text,
      "ip" text,
      "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "ck_domain_events_type" CHECK (type ~ '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$' AND char_length(type) <= 100),
      CONSTRAINT "ck_domain_events_actor_type" CHECK (actor_type IN ('member', 'api_key', 'system', 'agent')),
      CONSTRAINT "ck_domain_events_subject" CHECK ((subject_type IS NULL) = (subject_id IS NULL)),
      CONSTRAINT "ck_domain_events_data" CHECK (jsonb_typeof(data) = 'object'),
      CONSTRAINT "pk_domain_events" PRIMARY KEY ("id"))`);
    await queryRunner.query(
      `CREATE INDEX "ix_domain_events_org_occurred" ON "domain_events" ("org_id", "occurred_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_domain_events_type" ON "domain_events" ("type", "occurred_at")`,
    );
    await queryRunner.query(`CREATE FUNCTION "domain_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'domain_events is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
      END
    $$`);
    await queryRunner.query(`CREATE TRIGGER "trg_domain_events_no_update_delete" BEFORE UPDATE OR DELETE ON "domain_events"
      FOR EACH ROW EXECUTE FUNCTION "domain_events_append_only"()`);
    await queryRunner.query(`CREATE TRIGGER "trg_domain_events_no_truncate" BEFORE TRUNCATE ON "domain_events"
      FOR EACH STATEMENT EXECUTE FUNCTION "domain_events_append_only"()`);

    await queryRunner.query(`CREATE TABLE "outbox" (
      "id" uuid NOT NULL,
      "topic" text NOT NULL,
      "payload" jsonb NOT NULL,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "available_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "attempts" integer NOT NULL DEFAULT 0,
      "dispatched_at" TIMESTAMP WITH TIME ZONE,
      "last_error" text,
      CONSTRAINT "ck_outbox_topic" CHECK (topic ~ '^[a-z][a-z0-9_-]*(\\.[a-z][a-z0-9_-]*)*$' AND char_length(topic) <= 100),
      CONSTRAINT "ck_outbox_attempts" CHECK (attempts >= 0),
      CONSTRAINT "pk_outbox" PRIMARY KEY ("id"))`);
    await queryRunner.query(
      `CREATE INDEX "ix_outbox_pending" ON "outbox" ("available_at") WHERE dispatched_at IS NULL`,
    );

    await queryRunner.query(`CREATE TABLE "job_deliveries" (
      "job_id" uuid NOT NULL,
      "consumer" text NOT NULL,
      "topic" text NOT NULL,
      "via" text NOT NULL,
      "attempt" integer NOT NULL,
      "delivered_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "ck_job_deliveries_via" CHECK (via IN ('in_process', 'queue')),
      CONSTRAINT "ck_job_deliveries_attempt" CHECK (attempt >= 1),
      CONSTRAINT "pk_job_deliveries" PRIMARY KEY ("job_id", "consumer"))`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "job_deliveries"`);
    await queryRunner.query(`DROP INDEX "public"."ix_outbox_pending"`);
    await queryRunner.query(`DROP TABLE "outbox"`);
    await queryRunner.query(`DROP TRIGGER "trg_domain_events_no_truncate" ON "domain_events"`);
    await queryRunner.query(`DROP TRIGGER "trg_domain_events_no_update_delete" ON "domain_events"`);
    await queryRunner.query(`DROP FUNCTION "domain_events_append_only"()`);
    await queryRunner.query(`DROP INDEX "public"."ix_domain_events_type"`);
    await queryRunner.query(`DROP INDEX "public"."ix_domain_events_org_occurred"`);
    await queryRunner.query(`DROP TABLE "domain_events"`);
  }
}
