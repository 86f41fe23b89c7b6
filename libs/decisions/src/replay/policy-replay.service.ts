import { Injectable, Logger } from '@nestjs/common';
import { DomainError, ErrorCode } from '@mandate/common';
import type { Principal } from '@mandate/identity';
import { PolicyModuleReader, type PolicyModule } from '@mandate/policies';
import { DataSource } from 'typeorm';
import { denied, outcomeOf, type DecisionReason, type DecisionValue } from '../evaluation/decision-outcome';
import { WasmPolicy } from '../policy/wasm-policy';
import { ReplayTally, type ReplaySummary } from './replay-tally';

/** Limits of an impact replay. */
export const REPLAY_LIMITS = {
  /** Decisions replayed when `limit` is not given, and at most. */
  defaultLimit: 10_000,
  maxLimit: 100_000,
  /** Window when `since` is not given. */
  defaultWindowDays: 7,
  /** Rows read per query (keyset pagination). */
  batchRows: 2_000,
  /** A replay stops (truncated) after this long. */
  maxDurationMs: 60_000,
  /** Replays running at once in one process; more are refused with 429. */
  maxConcurrent: 2,
} as const;

/**
 * Reason codes a policy evaluation produces. A recorded decision with any other reason (unknown agent,
 * a pipeline stage's deny, a recording failure, …) was not the policy's answer: it is skipped.
 */
const POLICY_REASON_CODES = new Set([
  'policy_deny',
  'not_allowed',
  'approval_required',
  'undefined_result',
  'malformed_result',
  'policy_error',
]);

export interface ReplayRequest {
  since?: Date;
  until?: Date;
  limit?: number;
}

export interface ReplayReport extends ReplaySummary {
  policy: { kind: PolicyModule['kind']; versionId: string | null; number: number | null };
  window: { since: Date; until: Date };
  /** Recorded decisions not made by the policy (unknown agent, stage denies, failures): not compared. */
  skipped: number;
  /** True when `limit` rows were read before the window was exhausted, or the time cap was hit. */
  truncated: boolean;
  durationMs: number;
}

interface Row {
  id: string;
  decided_at: Date;
  agent_name: string;
  server: string;
  tool: string;
  phase: string;
  decision: DecisionValue;
  reasons: DecisionReason[];
  input: string;
  /** decided_at as PostgreSQL text (microseconds kept) for the keyset cursor. */
  cursor_at: string;
}

/**
 * Impact replay: evaluates a draft (or a stored version) against the inputs of the organisation's recorded
 * decisions, newest first, and reports which answers would change — by agent, by tool, with examples.
 * Rows are read in keyset-paginated batches; the module is compiled once; a trap on one input counts as
 * `deny policy_error` (as the live path would answer) and the instance is replaced.
 */
@Injectable()
export class PolicyReplayService {
  private readonly logger = new Logger(PolicyReplayService.name);
  private running = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly modules: PolicyModuleReader,
  ) {}

  async replay(principal: Principal, policyId: string, request: ReplayRequest): Promise<ReplayReport> {
    const started = Date.now();
    const until = request.until ?? new Date();
    const since = request.since ?? new Date(until.getTime() - REPLAY_LIMITS.defaultWindowDays * 86_400_000);
    if (since.getTime() >= until.getTime()) {
      throw new DomainError(ErrorCode.ValidationFailed, '`since` must be before `until`', { field: 'since' });
    }
    const limit = request.limit ?? REPLAY_LIMITS.defaultLimit;
    const policy = await this.modules.read(principal.orgId, policyId);
    if (this.running >= REPLAY_LIMITS.maxConcurrent) {
      throw new DomainError(ErrorCode.RateLimited, 'Too many replays are running; try again shortly');
    }
    this.running += 1;
    try {
      const module = await WasmPolicy.compile(policy.wasm);
      let instance = await WasmPolicy.load(module, policy.entrypoint);
      const tally = new ReplayTally();
      let skipped = 0;
      let read = 0;
      let truncated = false;
      let cursor: { at: string; id: string } | null = null;
      let evaluationNs = 0n;
      const fetchNext = (after: typeof cursor) =>
        this.batch(principal.orgId, since, until, after, Math.min(REPLAY_LIMITS.batchRows, limit - read));
      // The next batch is read while the current one is evaluated (the database works on another core).
      let next: Promise<Row[]> | null = fetchNext(null);
      while (next !== null) {
        const requested = Math.min(REPLAY_LIMITS.batchRows, limit - read);
        const rows: Row[] = await next;
        next = null;
        if (rows.length === 0) break;
        read += rows.length;
        const last = rows[rows.length - 1];
        cursor = { at: last.cursor_at, id: last.id };
        const timeUp = Date.now() - started > REPLAY_LIMITS.maxDurationMs;
        if (rows.length === requested && read < limit && !timeUp) next = fetchNext(cursor);
        const evaluating = process.hrtime.bigint();
        for (const row of rows) {
          if (!row.reasons.every((reason) => POLICY_REASON_CODES.has(reason.code))) {
            skipped += 1;
            continue;
          }
          let outcome;
          try {
            outcome = outcomeOf(instance.evaluate(row.input));
          } catch {
            outcome = denied('policy_error', 'the policy failed during evaluation');
            instance = await WasmPolicy.load(module, policy.entrypoint);
          }
          tally.add({
            decisionId: row.id,
            decidedAt: row.decided_at,
            agent: row.agent_name,
            server: row.server,
            tool: row.tool,
            phase: row.phase,
            recorded: { decision: row.decision, reasons: row.reasons },
            replayed: { decision: outcome.decision, reasons: outcome.reasons },
          });
        }
        evaluationNs += process.hrtime.bigint() - evaluating;
        if (timeUp) {
          truncated = true;
          break;
        }
      }
      if (!truncated && read >= limit) truncated = await this.hasMore(principal.orgId, since, until, cursor);
      const summary = tally.summary();
      const durationMs = Date.now() - started;
      this.logger.log(
        `replayed ${summary.evaluated} decisions of ${principal.orgId} in ${durationMs} ms ` +
          `(evaluation ${Number(evaluationNs / 1_000_000n)} ms): ${summary.changed} changed`,
      );
      return {
        policy: { kind: policy.kind, versionId: policy.versionId, number: policy.number },
        window: { since, until },
        ...summary,
        skipped,
        truncated,
        durationMs,
      };
    } finally {
      this.running -= 1;
    }
  }

  private batch(
    orgId: string,
    since: Date,
    until: Date,
    after: { at: string; id: string } | null,
    size: number,
  ): Promise<Row[]> {
    const params: unknown[] = [orgId, since, until, size];
    let page = '';
    if (after) {
      params.push(after.at, after.id);
      page = 'AND (decided_at, id) < ($5::timestamptz, $6::uuid)';
    }
    return this.dataSource.query<Row[]>(
      `SELECT id, decided_at, agent_name, server, tool, phase, decision, reasons, input::text AS input,
              decided_at::text AS cursor_at
         FROM decisions
        WHERE org_id = $1 AND decided_at >= $2 AND decided_at < $3 ${page}
        ORDER BY decided_at DESC, id DESC
        LIMIT $4`,
      params,
    );
  }

  private async hasMore(
    orgId: string,
    since: Date,
    until: Date,
    after: { at: string; id: string } | null,
  ): Promise<boolean> {
    if (after === null) return false;
    const rows = await this.dataSource.query<unknown[]>(
      `SELECT 1 FROM decisions WHERE org_id = $1 AND decided_at >= $2 AND decided_at < $3
          AND (decided_at, id) < ($4::timestamptz, $5::uuid) LIMIT 1`,
      [orgId, since, until, after.at, after.id],
    );
    return rows.length > 0;
  }
}
