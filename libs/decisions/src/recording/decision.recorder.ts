import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { AuditChainAppender, type AuditEventInput } from '@mandate/audit';
import { DatabaseServer } from '@mandate/db';
import { Pool, type PoolClient } from 'pg';
import { denied, type DecisionOutcome } from '../evaluation/decision-outcome';
import type { DecisionSql } from '../pipeline/decision-stage';
import type { DecisionRecord } from './decision-record';

/** Most rows in one batch. */
export const MAX_BATCH_ROWS = 200;
/** Batches in flight at once; further rows wait and are grouped into the next batch. */
const MAX_IN_FLIGHT = 2;
/** Audit event type of a recorded decision. */
export const DECISION_EVENT_TYPE = 'tool_call.decided';

/**
 * Effects that must commit atomically with a decision's record (grant consumption, once-approvals). Runs
 * inside a savepoint of the batch's transaction; returns the outcome to record. Throwing
 * {@link DecisionCommitError} rolls the decision's effects back and records that error's outcome.
 */
export type DecisionCommit = (sql: DecisionSql, outcome: DecisionOutcome) => Promise<DecisionOutcome>;

/** Thrown by a DecisionCommit to undo its effects and record `outcome` (a fail-closed deny) instead. */
export class DecisionCommitError extends Error {
  constructor(readonly outcome: DecisionOutcome) {
    super(outcome.reasons[0]?.message ?? 'decision commit failed');
  }
}

interface Pending {
  record: DecisionRecord;
  outcome: DecisionOutcome;
  commit: DecisionCommit | undefined;
  resolve: (outcome: DecisionOutcome) => void;
  reject: (error: Error) => void;
}

const INSERT = `INSERT INTO decisions (id, org_id, decided_at, agent_id, agent_name, server, tool, phase, decision,
  reasons, obligations, input, policy_revision, latency_us, api_key_id, request_id, facts)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::uuid[], $5::text[], $6::text[], $7::text[],
  $8::text[], $9::text[], $10::jsonb[], $11::jsonb[], $12::jsonb[], $13::int[], $14::int[], $15::uuid[], $16::text[],
  $17::jsonb[])`;

/**
 * Group commit of the decision log: `record()` queues a decision and resolves with its final outcome once
 * the transaction holding it has committed. One batch is one transaction: each decision's stage effects
 * (in a savepoint), one multi-row INSERT into `decisions`, and the batch's `tool_call.decided` events
 * appended to the organisations' audit hash chains. Decisions queued while a batch is in flight go
 * together into the next one (at most MAX_BATCH_ROWS). A failed batch rejects every decision in it; the
 * decision API then answers deny `record_failed`.
 */
@Injectable()
export class DecisionRecorder implements OnApplicationShutdown {
  private readonly logger = new Logger(DecisionRecorder.name);
  private queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  private pool: Pool | undefined;
  private readonly counters = { batches: 0, rows: 0, failedRows: 0 };

  constructor(
    private readonly database: DatabaseServer,
    private readonly audit: AuditChainAppender,
  ) {}

  /** Queues `record` with its `outcome`; resolves with the outcome recorded once durable. */
  record(
    record: DecisionRecord,
    outcome: DecisionOutcome,
    commit?: DecisionCommit,
  ): Promise<DecisionOutcome> {
    return new Promise<DecisionOutcome>((resolve, reject) => {
      this.queue.push({ record, outcome, commit, resolve, reject });
      this.schedule();
    });
  }

  /** Committed batches, rows written and rows that failed since start (metrics and tests). */
  stats(): { batches: number; rows: number; failedRows: number; queued: number } {
    return { ...this.counters, queued: this.queue.length };
  }

  async onApplicationShutdown(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight > 0) await new Promise((r) => setTimeout(r, 5));
    await this.pool?.end().catch(() => undefined);
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= MAX_IN_FLIGHT || this.queue.length === 0) return;
    this.scheduled = true;
    // Let the requests of the current turn of the event loop join the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH_ROWS);
      this.inFlight += 1;
      void this.write(batch).finally(() => {
        this.inFlight -= 1;
        this.schedule();
      });
      if (this.queue.length < MAX_BATCH_ROWS) break; // the rest waits for more company
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    let client: PoolClient | undefined;
    const outcomes = batch.map((p) => p.outcome);
    try {
      client = await this.getPool().connect();
      const tx = client;
      const sql: DecisionSql = async (text, values) =>
        (await tx.query<Record<string, unknown>>(text, values)).rows;
      await tx.query('BEGIN');
      try {
        for (let i = 0; i < batch.length; i++) {
          const commit = batch[i].commit;
          if (commit) outcomes[i] = await this.runCommit(tx, sql, commit, outcomes[i]);
        }
        await tx.query({
          text: INSERT,
          values: columns(
            batch.map((p) => p.record),
            outcomes,
          ),
        });
        await this.audit.appendBatch(
          sql,
          batch.map((p, i) => auditEventOf(p.record, outcomes[i])),
        );
        await tx.query('COMMIT');
      } catch (error) {
        await tx.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
      this.counters.batches += 1;
      this.counters.rows += batch.length;
      batch.forEach((p, i) => p.resolve(outcomes[i]));
    } catch (error) {
      client?.release(isConnectionError(error) ? (error as Error) : undefined);
      client = undefined;
      // A data error (class 22/23) belongs to one row: retry the rows one by one so it fails alone.
      if (batch.length > 1 && isDataError(error)) {
        await Promise.all(batch.map((p) => this.write([p])));
        return;
      }
      this.logger.error(`recording ${batch.length} decisions failed: ${(error as Error).message}`);
      this.counters.failedRows += batch.length;
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const p of batch) p.reject(failure);
    } finally {
      client?.release();
    }
  }

  private async runCommit(
    tx: PoolClient,
    sql: DecisionSql,
    commit: DecisionCommit,
    outcome: DecisionOutcome,
  ): Promise<DecisionOutcome> {
    await tx.query('SAVEPOINT decision_effects');
    try {
      const result = await commit(sql, outcome);
      await tx.query('RELEASE SAVEPOINT decision_effects');
      return result;
    } catch (error) {
      await tx.query('ROLLBACK TO SAVEPOINT decision_effects');
      if (error instanceof DecisionCommitError) return error.outcome;
      this.logger.warn(`decision effects failed: ${(error as Error).message}`);
      return denied('commit_failed', 'the decision could not be committed');
    }
  }

  private getPool(): Pool {
    if (!this.pool) {
      this.pool = new Pool({
        connectionString: this.database.url,
        max: MAX_IN_FLIGHT,
        application_name: 'mandate-decision-recorder',
        connectionTimeoutMillis: 5000,
        query_timeout: 10_000,
      });
      // An idle client that loses its connection must not crash the process; the pool replaces it.
      this.pool.on('error', (error) =>
        this.logger.warn(`decision recorder connection lost: ${error.message}`),
      );
    }
    return this.pool;
  }
}

/** The audit event of a recorded decision: what was decided, on which input, by which policy. */
export function auditEventOf(record: DecisionRecord, outcome: DecisionOutcome): AuditEventInput {
  return {
    id: record.id,
    org: record.orgId,
    time: record.decidedAt,
    type: DECISION_EVENT_TYPE,
    actor: { type: 'agent', id: record.agentId ?? `unresolved:${record.agentName}` },
    subject: { type: 'tool', id: `${record.server}/${record.tool}` },
    data: {
      decision: outcome.decision,
      reasons: outcome.reasons,
      obligations: outcome.obligations,
      approvalRequestId: outcome.approvalRequest?.id ?? null,
      phase: record.phase,
      agent: record.agentName,
      server: record.server,
      tool: record.tool,
      policyRevision: record.policyRevision,
      latencyUs: record.latencyUs,
      gateway: record.apiKeyId,
      facts: record.facts,
      input: JSON.parse(record.inputJson) as unknown,
    },
    requestId: record.requestId,
    ip: null,
  };
}

function columns(records: DecisionRecord[], outcomes: DecisionOutcome[]): unknown[] {
  return [
    records.map((r) => r.id),
    records.map((r) => r.orgId),
    records.map((r) => r.decidedAt.toISOString()),
    records.map((r) => r.agentId),
    records.map((r) => r.agentName),
    records.map((r) => r.server),
    records.map((r) => r.tool),
    records.map((r) => r.phase),
    outcomes.map((o) => o.decision),
    outcomes.map((o) => JSON.stringify(o.reasons)),
    outcomes.map((o) => JSON.stringify(o.obligations)),
    records.map((r) => r.inputJson),
    records.map((r) => r.policyRevision),
    records.map((r) => r.latencyUs),
    records.map((r) => r.apiKeyId),
    records.map((r) => r.requestId),
    records.map((r) => JSON.stringify(r.facts)),
  ];
}

function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code !== 'string' || code.startsWith('08') || code.startsWith('57');
}
