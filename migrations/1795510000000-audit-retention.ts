import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Audit log, second part (libs/audit): search columns extracted at append time (agent, tool, decision),
 * per-organisation audit settings (masking, retention, legal hold), background export jobs, and retention
 * purges through ONE controlled path: the SECURITY DEFINER function `audit_purge`, which deletes only a
 * prefix of a chain that is past the organisation's retention and not under legal hold, and records the
 * chain hash and Merkle frontier at the purge horizon in append-only `audit_purges`. The append-only trigger
 * lets a DELETE through only inside that function (a transaction-local marker names the org and horizon).
 */
export class AuditRetention1795510000000 implements MigrationInterface {
  name = 'AuditRetention1795510000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "audit_events" ADD COLUMN "agent" text, ADD COLUMN "tool" text, ADD COLUMN "decision" text`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_audit_events_org_agent" ON "audit_events" ("org_id", "agent", "seq") WHERE agent IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_audit_events_org_tool" ON "audit_events" ("org_id", "tool", "seq") WHERE tool IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_audit_events_org_decision" ON "audit_events" ("org_id", "decision", "seq") WHERE decision IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_audit_events_org_actor" ON "audit_events" ("org_id", "actor_type", "actor_id", "seq")`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_audit_events_org_subject" ON "audit_events" ("org_id", "subject_type", "subject_id", "seq") WHERE subject_id IS NOT NULL`,
    );

    await queryRunner.query(`CREATE TABLE "audit_settings" (
      "org_id" uuid NOT NULL,
      "mask_paths" text[] NOT NULL DEFAULT '{}',
      "mask_mode" text NOT NULL DEFAULT 'replace',
      "retention_days" integer NOT NULL DEFAULT 400,
      "legal_hold" boolean NOT NULL DEFAULT false,
      "legal_hold_reason" text,
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "ck_audit_settings_mask_mode" CHECK (mask_mode IN ('replace', 'remove')),
      CONSTRAINT "ck_audit_settings_retention_days" CHECK (retention_days BETWEEN 1 AND 36500),
      CONSTRAINT "ck_audit_settings_mask_paths" CHECK (cardinality(mask_paths) <= 100),
      CONSTRAINT "pk_audit_settings" PRIMARY KEY ("org_id"))`);

    await queryRunner.query(`CREATE TABLE "audit_purges" (
      "org_id" uuid NOT NULL,
      "from_seq" bigint NOT NULL,
      "to_seq" bigint NOT NULL,
      "count" bigint NOT NULL,
      "hash" bytea NOT NULL,
      "frontier" bytea[] NOT NULL,
      "cutoff" TIMESTAMP WITH TIME ZONE NOT NULL,
      "purged_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "ck_audit_purges_range" CHECK (from_seq >= 1 AND to_seq >= from_seq),
      CONSTRAINT "ck_audit_purges_hash" CHECK (octet_length(hash) = 32),
      CONSTRAINT "pk_audit_purges" PRIMARY KEY ("org_id", "to_seq"))`);

    await queryRunner.query(`CREATE TABLE "audit_export_jobs" (
      "id" uuid NOT NULL,
      "org_id" uuid NOT NULL,
      "requested_by" jsonb NOT NULL,
      "format" text NOT NULL,
      "filters" jsonb NOT NULL,
      "from_seq" bigint NOT NULL,
      "to_seq" bigint NOT NULL,
      "status" text NOT NULL DEFAULT 'queued',
      "exported" bigint NOT NULL DEFAULT 0,
      "file_name" text NOT NULL,
      "bytes" bigint,
      "sha256" text,
      "manifest" jsonb,
      "error" text,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "started_at" TIMESTAMP WITH TIME ZONE,
      "finished_at" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "ck_audit_export_jobs_format" CHECK (format IN ('jsonl', 'csv', 'ocsf')),
      CONSTRAINT "ck_audit_export_jobs_status" CHECK (status IN ('queued', 'running', 'done', 'failed')),
      CONSTRAINT "ck_audit_export_jobs_range" CHECK (from_seq >= 1 AND to_seq >= from_seq),
      CONSTRAINT "pk_audit_export_jobs" PRIMARY KEY ("id"))`);
    await queryRunner.query(
      `CREATE INDEX "ix_audit_export_jobs_org_created" ON "audit_export_jobs" ("org_id", "created_at")`,
    );

    // The append-only guard, now with one exception: a DELETE of audit_events rows at or below the horizon
    // that audit_purge() announced for this transaction. Every other UPDATE, DELETE or TRUNCATE still fails.
    await queryRunner.query(`CREATE OR REPLACE FUNCTION "audit_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND TG_TABLE_NAME LIKE 'audit\\_events\\_%' THEN
          IF OLD.org_id::text = current_setting('mandate.audit_purge_org', true)
             AND OLD.seq <= coalesce(nullif(current_setting('mandate.audit_purge_to_seq', true), ''), '0')::bigint THEN
            RETURN OLD;
          END IF;
        END IF;
        RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await queryRunner.query(`CREATE TRIGGER "trg_audit_purges_no_update_delete" BEFORE UPDATE OR DELETE ON "audit_purges"
      FOR EACH ROW EXECUTE FUNCTION "audit_append_only"()`);
    await queryRunner.query(`CREATE TRIGGER "trg_audit_purges_no_truncate" BEFORE TRUNCATE ON "audit_purges"
      FOR EACH STATEMENT EXECUTE FUNCTION "audit_append_only"()`);

    // Deletes events (prior horizon, p_to_seq] of one chain when ALL of them are past the organisation's
    // retention (default 400 days) and no legal hold is set; p_hash must be the stored chain hash of
    // p_to_seq. Records the purge (with the caller-computed Merkle frontier at p_to_seq, from which exports
    // and checkpoints after the horizon continue). Returns the number of rows deleted (0 when already purged).
    await queryRunner.query(`CREATE FUNCTION "audit_purge"(p_org uuid, p_to_seq bigint, p_hash bytea, p_frontier bytea[])
      RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
      DECLARE
        v_days integer;
        v_hold boolean;
        v_cutoff timestamptz;
        v_prior bigint;
        v_stored bytea;
        v_newest timestamptz;
        v_deleted bigint;
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('mandate.audit_purge:' || p_org::text));
        SELECT retention_days, legal_hold INTO v_days, v_hold FROM audit_settings WHERE org_id = p_org;
        IF coalesce(v_hold, false) THEN
          RAISE EXCEPTION 'the audit log of % is under legal hold', p_org USING ERRCODE = 'insufficient_privilege';
        END IF;
        v_cutoff := now() - make_interval(days => coalesce(v_days, 400));
        SELECT coalesce(max(to_seq), 0) INTO v_prior FROM audit_purges WHERE org_id = p_org;
        IF p_to_seq <= v_prior THEN
          RETURN 0;
        END IF;
        SELECT hash INTO v_stored FROM audit_events WHERE org_id = p_org AND seq = p_to_seq;
        IF v_stored IS NULL OR v_stored <> p_hash THEN
          RAISE EXCEPTION 'audit purge of %: seq % is missing or its hash differs', p_org, p_to_seq
            USING ERRCODE = 'data_exception';
        END IF;
        SELECT max(occurred_at) INTO v_newest FROM audit_events
          WHERE org_id = p_org AND seq > v_prior AND seq <= p_to_seq;
        IF v_newest >= v_cutoff THEN
          RAISE EXCEPTION 'audit purge of %: events up to seq % are not all past retention', p_org, p_to_seq
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        PERFORM set_config('mandate.audit_purge_org', p_org::text, true);
        PERFORM set_config('mandate.audit_purge_to_seq', p_to_seq::text, true);
        DELETE FROM audit_events WHERE org_id = p_org AND seq > v_prior AND seq <= p_to_seq AND occurred_at < v_cutoff;
        GET DIAGNOSTICS v_deleted = ROW_COUNT;
        PERFORM set_config('mandate.audit_purge_org', '', true);
        PERFORM set_config('mandate.audit_purge_to_seq', '', true);
        INSERT INTO audit_purges (org_id, from_seq, to_seq, count, hash, frontier, cutoff)
          VALUES (p_org, v_prior + 1, p_to_seq, v_deleted, p_hash, p_frontier, v_cutoff);
        RETURN v_deleted;
      END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION "audit_purge"(uuid, bigint, bytea, bytea[])`);
    await queryRunner.query(`CREATE OR REPLACE FUNCTION "audit_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await queryRunner.query(`DROP INDEX "public"."ix_audit_export_jobs_org_created"`);
    await queryRunner.query(`DROP TABLE "audit_export_jobs"`);
    await queryRunner.query(`DROP TABLE "audit_purges"`);
    await queryRunner.query(`DROP TABLE "audit_settings"`);
    await queryRunner.query(`DROP INDEX "public"."ix_audit_events_org_subject"`);
    await queryRunner.query(`DROP INDEX "public"."ix_audit_events_org_actor"`);
    await queryRunner.query(`DROP INDEX "public"."ix_audit_events_org_decision"`);
    await queryRunner.query(`DROP INDEX "public"."ix_audit_events_org_tool"`);
    await queryRunner.query(`DROP INDEX "public"."ix_audit_events_org_agent"`);
    await queryRunner.query(
      `ALTER TABLE "audit_events" DROP COLUMN "decision", DROP COLUMN "tool", DROP COLUMN "agent"`,
    );
  }
}
