import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log in the database (libs/audit, docs/adr/0004 and 0005): one hash chain per organisation
 * (plus the instance-level "system" chain under the nil uuid), its head row (locked per append), the
 * events range-partitioned by month, signed checkpoints and the organisations' encrypted signing keys.
 * audit_events and audit_checkpoints are append-only: triggers reject UPDATE, DELETE and TRUNCATE.
 */
export class Audit1795460000000 implements MigrationInterface {
  name = 'Audit1795460000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "audit_chain_heads" (
      "org_id" uuid NOT NULL,
      "seq" bigint NOT NULL DEFAULT 0,
      "hash" bytea NOT NULL,
      "frontier" bytea[] NOT NULL DEFAULT '{}',
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "ck_audit_chain_heads_seq" CHECK (seq >= 0),
      CONSTRAINT "ck_audit_chain_heads_hash" CHECK (octet_length(hash) = 32),
      CONSTRAINT "pk_audit_chain_heads" PRIMARY KEY ("org_id"))`);
    await queryRunner.query(`CREATE TABLE "audit_events" (
      "org_id" uuid NOT NULL,
      "seq" bigint NOT NULL,
      "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "event_id" uuid NOT NULL,
      "type" text NOT NULL,
      "actor_type" text NOT NULL,
      "actor_id" text NOT NULL,
      "subject_type" text,
      "subject_id" text,
      "canonical" text NOT NULL,
      "leaf" bytea NOT NULL,
      "hash" bytea NOT NULL,
      CONSTRAINT "ck_audit_events_seq" CHECK (seq >= 1),
      CONSTRAINT "ck_audit_events_leaf" CHECK (octet_length(leaf) = 32),
      CONSTRAINT "ck_audit_events_hash" CHECK (octet_length(hash) = 32),
      CONSTRAINT "pk_audit_events" PRIMARY KEY ("org_id", "seq", "occurred_at")
    ) PARTITION BY RANGE ("occurred_at")`);
    await queryRunner.query(
      `CREATE INDEX "ix_audit_events_org_occurred" ON "audit_events" ("org_id", "occurred_at")`,
    );
    await queryRunner.query(`CREATE TABLE "audit_checkpoints" (
      "org_id" uuid NOT NULL,
      "tree_size" bigint NOT NULL,
      "root_hash" bytea NOT NULL,
      "signed_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "key_id" text NOT NULL,
      "signature" text NOT NULL,
      CONSTRAINT "ck_audit_checkpoints_tree_size" CHECK (tree_size >= 1),
      CONSTRAINT "pk_audit_checkpoints" PRIMARY KEY ("org_id", "tree_size"))`);
    await queryRunner.query(`CREATE TABLE "audit_signing_keys" (
      "org_id" uuid NOT NULL,
      "key_id" text NOT NULL,
      "public_jwk" jsonb NOT NULL,
      "private_key_enc" bytea NOT NULL,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "retired_at" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "pk_audit_signing_keys" PRIMARY KEY ("org_id", "key_id"))`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_audit_signing_keys_active" ON "audit_signing_keys" ("org_id") WHERE retired_at IS NULL`,
    );
    await queryRunner.query(`CREATE FUNCTION "audit_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of ['audit_events', 'audit_checkpoints']) {
      await queryRunner.query(`CREATE TRIGGER "trg_${table}_no_update_delete" BEFORE UPDATE OR DELETE ON "${table}"
        FOR EACH ROW EXECUTE FUNCTION "audit_append_only"()`);
      await queryRunner.query(`CREATE TRIGGER "trg_${table}_no_truncate" BEFORE TRUNCATE ON "${table}"
        FOR EACH STATEMENT EXECUTE FUNCTION "audit_append_only"()`);
    }
    // Monthly partitions [month, month + 1) in UTC, from last month to `months_ahead` months ahead. Each
    // partition also gets the TRUNCATE trigger (statement triggers are not inherited by partitions; the row
    // trigger is). Serialised by an advisory lock so replicas may call it at the same time. SECURITY DEFINER:
    // partitions are created as (and owned by) the migrating role, so a separate application role needs no
    // CREATE privilege and never owns (hence can never ALTER or disable triggers on) an audit partition.
    await queryRunner.query(`CREATE FUNCTION "audit_events_ensure_partitions"(months_ahead integer) RETURNS integer
      LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
      DECLARE
        first_month timestamp := date_trunc('month', now() AT TIME ZONE 'UTC');
        month_start timestamp;
        part_name text;
        created integer := 0;
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('mandate.audit_events.partitions'));
        FOR i IN -1..months_ahead LOOP
          month_start := first_month + make_interval(months => i);
          part_name := 'audit_events_' || to_char(month_start, 'YYYYMM');
          IF to_regclass(format('%I', part_name)) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF "audit_events" FOR VALUES FROM (%L) TO (%L)',
              part_name, (month_start AT TIME ZONE 'UTC')::text,
              ((month_start + interval '1 month') AT TIME ZONE 'UTC')::text);
            EXECUTE format('CREATE TRIGGER "trg_audit_events_no_truncate" BEFORE TRUNCATE ON %I
              FOR EACH STATEMENT EXECUTE FUNCTION "audit_append_only"()', part_name);
            created := created + 1;
          END IF;
        END LOOP;
        RETURN created;
      END $$`);
    await queryRunner.query(`SELECT "audit_events_ensure_partitions"(3)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION "audit_events_ensure_partitions"(integer)`);
    await queryRunner.query(`DROP TABLE "audit_events"`);
    await queryRunner.query(`DROP TABLE "audit_checkpoints"`);
    await queryRunner.query(`DROP FUNCTION "audit_append_only"()`);
    await queryRunner.query(`DROP INDEX "public"."ux_audit_signing_keys_active"`);
    await queryRunner.query(`DROP TABLE "audit_signing_keys"`);
    await queryRunner.query(`DROP TABLE "audit_chain_heads"`);
  }
}
