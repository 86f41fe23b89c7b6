import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Approval workflows: approver groups and their members, approval requests bound to the exact call (one
 * pending request per binding), votes, history, webhook subscriptions (secrets encrypted) and deliveries
 * (state `dead` = the dead-letter list).
 */
export class Approvals1795500000000 implements MigrationInterface {
  name = 'Approvals1795500000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "approver_groups" ("id" uuid NOT NULL, "org_id" uuid NOT NULL, "name" text NOT NULL, "description" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_approver_groups_name" CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,63}$'), CONSTRAINT "pk_approver_groups" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_approver_groups_org_name" ON "approver_groups"  ("org_id", "name") `,
    );
    await queryRunner.query(
      `CREATE TABLE "approver_group_members" ("group_id" uuid NOT NULL, "member_id" uuid NOT NULL, "org_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_approver_group_members" PRIMARY KEY ("group_id", "member_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_approver_group_members_member" ON "approver_group_members"  ("member_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "approval_requests" ("id" uuid NOT NULL, "org_id" uuid NOT NULL, "agent_id" uuid NOT NULL, "agent_name" text NOT NULL, "agent_owner_id" uuid, "principal_id" text, "principal_email" text, "server" text NOT NULL, "tool" text NOT NULL, "args_hash" text NOT NULL, "arguments" jsonb NOT NULL, "redact_paths" text array NOT NULL DEFAULT '{}', "requirement" jsonb NOT NULL, "reasons" jsonb NOT NULL, "groups" text array NOT NULL, "escalate_to" text array NOT NULL DEFAULT '{}', "quorum" integer NOT NULL, "reason_required" boolean NOT NULL DEFAULT false, "mode" text NOT NULL, "window_seconds" integer, "grant_ids" text array NOT NULL DEFAULT '{}', "decision_id" uuid NOT NULL, "state" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "escalate_at" TIMESTAMP WITH TIME ZONE, "escalated_at" TIMESTAMP WITH TIME ZONE, "decided_at" TIMESTAMP WITH TIME ZONE, "usable_until" TIMESTAMP WITH TIME ZONE, "consumed_at" TIMESTAMP WITH TIME ZONE, "consumed_by_decision_id" uuid, CONSTRAINT "ck_approval_requests_args_hash" CHECK (args_hash ~ '^sha256:[0-9a-f]{64}$'), CONSTRAINT "ck_approval_requests_quorum" CHECK (quorum BETWEEN 1 AND 100), CONSTRAINT "ck_approval_requests_mode" CHECK (mode IN ('once', 'window')), CONSTRAINT "ck_approval_requests_state" CHECK (state IN ('pending', 'approved', 'denied', 'expired', 'cancelled', 'consumed')), CONSTRAINT "pk_approval_requests" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_approval_requests_pending_expiry" ON "approval_requests"  ("expires_at") WHERE state = 'pending'`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_approval_requests_approved_binding" ON "approval_requests"  ("org_id", "agent_id", "server", "tool") WHERE state = 'approved'`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_approval_requests_org_created" ON "approval_requests"  ("org_id", "created_at", "id") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_approval_requests_pending_binding" ON "approval_requests"  ("org_id", "agent_id", "server", "tool", "args_hash") WHERE state = 'pending'`,
    );
    await queryRunner.query(
      `CREATE TABLE "approval_history" ("id" uuid NOT NULL, "request_id" uuid NOT NULL, "org_id" uuid NOT NULL, "action" text NOT NULL, "actor_type" text NOT NULL, "actor_id" text NOT NULL, "detail" jsonb NOT NULL DEFAULT '{}', "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_approval_history" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_approval_history_request" ON "approval_history"  ("request_id", "at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "approval_votes" ("request_id" uuid NOT NULL, "member_id" uuid NOT NULL, "org_id" uuid NOT NULL, "vote" text NOT NULL, "reason" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_approval_votes_vote" CHECK (vote IN ('approve', 'deny')), CONSTRAINT "pk_approval_votes" PRIMARY KEY ("request_id", "member_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "approval_webhooks" ("id" uuid NOT NULL, "org_id" uuid NOT NULL, "url" text NOT NULL, "format" text NOT NULL, "secret_encrypted" text NOT NULL, "enabled" boolean NOT NULL DEFAULT true, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_approval_webhooks_format" CHECK (format IN ('mandate', 'slack')), CONSTRAINT "pk_approval_webhooks" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_approval_webhooks_org" ON "approval_webhooks"  ("org_id") `);
    await queryRunner.query(
      `CREATE TABLE "approval_webhook_deliveries" ("id" uuid NOT NULL, "org_id" uuid NOT NULL, "subscription_id" uuid NOT NULL, "request_id" uuid NOT NULL, "event_type" text NOT NULL, "payload" jsonb NOT NULL, "state" text NOT NULL DEFAULT 'pending', "attempts" integer NOT NULL DEFAULT '0', "last_status" integer, "last_error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "queued_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "ck_approval_webhook_deliveries_state" CHECK (state IN ('pending', 'delivered', 'dead')), CONSTRAINT "pk_approval_webhook_deliveries" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_approval_webhook_deliveries_pending" ON "approval_webhook_deliveries"  ("created_at") WHERE state = 'pending'`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_approval_webhook_deliveries_state" ON "approval_webhook_deliveries"  ("org_id", "state", "created_at") `,
    );
    await queryRunner.query(
      `ALTER TABLE "approver_group_members" ADD CONSTRAINT "fk_approver_group_members_group" FOREIGN KEY ("group_id") REFERENCES "approver_groups"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "approval_history" ADD CONSTRAINT "fk_approval_history_request" FOREIGN KEY ("request_id") REFERENCES "approval_requests"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "approval_votes" ADD CONSTRAINT "fk_approval_votes_request" FOREIGN KEY ("request_id") REFERENCES "approval_requests"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "approval_webhook_deliveries" ADD CONSTRAINT "fk_approval_webhook_deliveries_subscription" FOREIGN KEY ("subscription_id") REFERENCES "approval_webhooks"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "approval_webhook_deliveries"`);
    await queryRunner.query(`DROP TABLE "approval_webhooks"`);
    await queryRunner.query(`DROP TABLE "approval_votes"`);
    await queryRunner.query(`DROP TABLE "approval_history"`);
    await queryRunner.query(`DROP TABLE "approval_requests"`);
    await queryRunner.query(`DROP TABLE "approver_group_members"`);
    await queryRunner.query(`DROP TABLE "approver_groups"`);
  }
}
