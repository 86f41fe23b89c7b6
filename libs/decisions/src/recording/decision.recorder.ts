import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  AuditChainAppender,
  MaskerCache,
  policyMaskPaths,
  type AuditEventInput,
  type AuditSql,
} from '@mandate/audit';
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

/**
 * One INSERT for the whole batch from ONE json parameter (an array of row objects, see rowsJson): native
 * JSON.stringify in Node instead of node-postgres escaping 17 text arrays element by element (the input
 * documents are the bulk of a batch). The jsonb columns arrive as nested JSON values.
 */
const INSERT = `INSERT INTO decisions (id, org_id, decided_at, agent_id, agent_name, server, tool, phase, decision,
  reasons, obligations, input, policy_revision, latency_us, api_key_id, request_id, facts)
SELECT id, org_id, decided_at, agent_id, agent_name, server, tool, phase, decision,
  reasons, obligations, input, policy_revision, latency_us, api_key_id, request_id, facts
FROM json_to_recordset($1::json) AS r(id uuid, org_id uuid, decided_at timestamptz, agent_id uuid, agent_name text,
  server text, tool text, phase text, decision text, reasons jsonb, obligations jsonb, input jsonb,
  policy_revision int, latency_us int, api_key_id uuid, request_id text, facts jsonb)`;

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
  /** Per organisation, its batch being written (the next one waits for it). */
  private readonly orgWrites = new Map<string, Promise<Error | undefined>>();
  private readonly counters = { batches: 0, rows: 0, failedRows: 0, lockedBatches: 0 };

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

  /** Committed batches, rows written and failed since start, and what is waiting (metrics and tests). */
  stats(): {
    batches: number;
    rows: number;
    failedRows: number;
    /** Batches written under the chain head's lock (stage effects, or the head had moved). */
    lockedBatches: number;
    queued: number;
    inFlight: number;
  } {
    return { ...this.counters, queued: this.queue.length, inFlight: this.inFlight };
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

  /** Writes one batch: each organisation's decisions as one unit (see writeGroup). */
  private async write(batch: Pending[]): Promise<void> {
    const groups = new Map<string, Pending[]>();
    for (const p of batch) {
      const group = groups.get(p.record.orgId);
      if (group) group.push(p);
      else groups.set(p.record.orgId, [p]);
    }
    let client: PoolClient | undefined;
    try {
      client = await this.getPool().connect();
    } catch (error) {
      this.fail(batch, error);
      return;
    }
    // A backend terminated between statements emits 'error' on the checked-out client; the failing
    // query already rejects, so the event only needs a listener (an unhandled one kills the process).
    client.on('error', ignoreClientError);
    let broken: Error | undefined;
    try {
      for (const [orgId, group] of groups) {
        if (broken) {
          this.fail(group, broken); // the connection is gone: the other organisations' rows fail with it
          continue;
        }
        // One organisation's batches reach the database one after the other: each continues the chain
        // where the previous one left it, and the optimistic append then finds the head it expects.
        const previous = this.orgWrites.get(orgId);
        const write = (previous ?? Promise.resolve()).then(() => this.writeGroup(client, group));
        this.orgWrites.set(orgId, write);
        const error = await write;
        if (this.orgWrites.get(orgId) === write) this.orgWrites.delete(orgId);
        if (error && isConnectionError(error)) broken = error;
      }
    } finally {
      client.off('error', ignoreClientError);
      client.release(broken);
    }
  }

  /**
   * One organisation's decisions, atomically: their stage effects, their rows and their audit events.
   * Without effects to commit (most batches: nothing to consume) that is ONE statement — the audit
   * appender's optimistic append with the decisions INSERT beside it, in its implicit transaction. With
   * effects, or when the chain's head moved under the optimistic append, it is a transaction: BEGIN, the
   * effects (a savepoint per decision), the audit append under the head's lock, the INSERT, COMMIT.
   * Resolves the group's decisions or rejects them; returns the error, if any.
   */
  private async writeGroup(client: PoolClient, group: Pending[]): Promise<Error | undefined> {
    const outcomes = group.map((p) => p.outcome);
    let inTransaction = false;
    const begin = async () => {
      if (inTransaction) return;
      await client.query('BEGIN');
      inTransaction = true;
    };
    const sql: AuditSql = async (text, values, name) =>
      (await client.query<Record<string, unknown>>(name ? { name, text, values } : { text, values })).rows;
    try {
      for (let i = 0; i < group.length; i++) {
        const commit = group[i].commit;
        if (commit) outcomes[i] = await this.runCommit(client, begin, commit, outcomes[i]);
      }
      const events = group.map((p, i) => auditEventOf(p.record, outcomes[i]));
      const rows = rowsJson(group, outcomes);
      const done =
        !inTransaction &&
        (await this.audit.appendOptimistic(sql, events, {
          name: 'decisions',
          text: (first) =>
            `${INSERT.replace('$1::json', `$${first}::json`)} WHERE EXISTS (SELECT 1 FROM advanced)`,
          values: [rows],
        })) !== null;
      if (!done) {
        this.counters.lockedBatches += 1;
        await begin();
        await this.audit.appendBatch(sql, events);
        await client.query(INSERT, [rows]);
        await client.query('COMMIT');
      }
      this.counters.batches += 1;
      this.counters.rows += group.length;
      group.forEach((p, i) => p.resolve(outcomes[i]));
      return undefined;
    } catch (error) {
      if (inTransaction) await client.query('ROLLBACK').catch(() => undefined);
      // A data error (class 22/23) belongs to one row: retry the rows one by one so it fails alone.
      if (group.length > 1 && isDataError(error)) {
        for (const p of group) await this.writeGroup(client, [p]);
        return undefined;
      }
      this.fail(group, error);
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  private fail(pendings: Pending[], error: unknown): void {
    this.logger.error(`recording ${pendings.length} decisions failed: ${(error as Error).message}`);
    this.counters.failedRows += pendings.length;
    const failure = error instanceof Error ? error : new Error(String(error));
    for (const p of pendings) p.reject(failure);
  }

  /**
   * Runs one decision's stage effects in a savepoint. The transaction and the savepoint are opened by the
   * first statement the effects run: most decisions have none (nothing to consume), and the batch then
   * needs no transaction of its own (see writeGroup).
   */
  private async runCommit(
    tx: PoolClient,
    begin: () => Promise<void>,
    commit: DecisionCommit,
    outcome: DecisionOutcome,
  ): Promise<DecisionOutcome> {
    let savepoint: Promise<unknown> | undefined;
    const sql: DecisionSql = async (text, values) => {
      savepoint ??= begin().then(() => tx.query('SAVEPOINT decision_effects'));
      await savepoint;
      return (await tx.query<Record<string, unknown>>(text, values)).rows;
    };
    try {
      const result = await commit(sql, outcome);
      if (savepoint) await tx.query('RELEASE SAVEPOINT decision_effects');
      return result;
    } catch (error) {
      if (savepoint) await tx.query('ROLLBACK TO SAVEPOINT decision_effects');
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
    // The policy's `redact_arguments` obligation masks those arguments before hashing.
    maskPaths: policyMaskPaths(outcome.obligations),
  };
}

const inputMaskers = new MaskerCache();

/**
 * The input document as the decision log keeps it: the arguments the policy asks to redact
 * (`obligations.redact_arguments`) are masked exactly as in the decision's audit event; most decisions
 * have none and keep the serialised text as is.
 */
export function maskedInputJson(inputJson: string, obligations: Record<string, unknown>): string {
  const paths = policyMaskPaths(obligations);
  if (paths.length === 0) return inputJson;
  const input = JSON.parse(inputJson) as unknown;
  return JSON.stringify(inputMaskers.get('replace', paths).mask({ input }).data.input);
}

/**
 * The batch's rows as one JSON array for json_to_recordset. `inputJson` is already JSON text and is spliced
 * in as is (it was produced by JSON.stringify); everything else goes through JSON.stringify.
 */
export function rowsJson(
  batch: ReadonlyArray<{ record: DecisionRecord }>,
  outcomes: DecisionOutcome[],
): string {
  const parts = new Array<string>(batch.length);
  for (let i = 0; i < batch.length; i++) {
    const r = batch[i].record;
    const o = outcomes[i];
    const row = JSON.stringify({
      id: r.id,
      org_id: r.orgId,
      decided_at: r.decidedAt.toISOString(),
      agent_id: r.agentId,
      agent_name: r.agentName,
      server: r.server,
      tool: r.tool,
      phase: r.phase,
      decision: o.decision,
      reasons: o.reasons,
      obligations: o.obligations,
      policy_revision: r.policyRevision,
      latency_us: r.latencyUs,
      api_key_id: r.apiKeyId,
      request_id: r.requestId,
      facts: r.facts,
    });
    parts[i] = `${row.slice(0, -1)},"input":${maskedInputJson(r.inputJson, o.obligations)}}`;
  }
  return `[${parts.join(',')}]`;
}

function ignoreClientError(): void {
  // See write(): the statement in flight reports the failure.
}

function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code !== 'string' || code.startsWith('08') || code.startsWith('57');
}
