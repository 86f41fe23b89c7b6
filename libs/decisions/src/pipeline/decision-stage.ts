import type { AgentEntity } from '@mandate/identity';
import type { DecisionCaller, DecisionRequest, JsonObject } from '../evaluation/decision-input';
import type { DecisionOutcome } from '../evaluation/decision-outcome';

/** The policy input document (the BRIEF's contract), as the pipeline builds it. */
export interface PolicyInput {
  phase: DecisionRequest['phase'];
  agent: {
    id: string;
    name: string;
    labels: unknown;
    trust: unknown;
    owner: string | null;
    enabled: boolean;
  };
  principal: { id: string; email: string | null; groups: string[] } | null;
  server: { id: string | null; name: string; url: string | null };
  tool: {
    name: string;
    digest: string | null;
    pinned: boolean;
    changed: boolean;
    risk: string;
    annotations: JsonObject;
    [extra: string]: unknown;
  };
  arguments: JsonObject;
  findings: Array<{ detector: string; path: string; severity: string; detail: string }>;
  grants: JsonObject[];
  approval: JsonObject | null;
  context: {
    time: string;
    ip: string;
    gateway: string | null;
    session: string | null;
    request_id: string;
    [extra: string]: unknown;
  };
  /** A `phase: "result"` decision carries the tool's result here (see the catalog/gates stage). */
  result?: unknown;
}

/** One decision in progress, shared by the stages. */
export interface DecisionDraft {
  readonly decisionId: string;
  readonly caller: DecisionCaller;
  readonly request: DecisionRequest;
  readonly agent: AgentEntity;
  readonly now: Date;
  /** Stages fill in their facts (catalog: server/tool, gates: findings, grants, approval) before evaluation. */
  readonly input: PolicyInput;
  /**
   * Facts stored with the decision record and its audit event (column `decisions.facts`): e.g.
   * `toolDigest`, `grantIds`, `approvalId`, `traceId`, `sandboxProfile`. JSON values only.
   */
  readonly facts: Record<string, unknown>;
}

/**
 * Runs a statement on the recording transaction (the same shape as the audit appender's AuditSql):
 * `(text, values) => rows`. Always parameterised.
 */
export type DecisionSql = (text: string, values: unknown[]) => Promise<Array<Record<string, unknown>>>;

/**
 * A part of the decision pipeline contributed by a feature module (catalog and gates, grants, approvals).
 * Register it with {@link DecisionStageRegistry} from the feature module's `onModuleInit`.
 *
 * Order of a decision: resolve agent and policy → every stage's `prepare` (ascending `order`) → evaluate the
 * policy → every stage's `settle` (ascending) → record, running every stage's `commit` inside the recording
 * transaction → answer. Fail closed: a stage that throws turns the decision into a deny with reason code
 * `<stage name>_unavailable` (prepare, settle) or `<stage name>_failed` (commit); it never allows.
 */
export interface DecisionStage {
  /** Short stable name, used in reason codes: `catalog`, `gates`, `grants`, `approvals`. */
  readonly name: string;
  /** Lower runs first. Catalog 100, gates 200, grants 300, approvals 400. */
  readonly order: number;
  /**
   * Before evaluation: add facts to `draft.input` / `draft.facts`. Returning an outcome short-circuits
   * the decision (no evaluation; later stages' prepare skipped; settle/commit still run).
   */
  prepare?(draft: DecisionDraft): Promise<DecisionOutcome | void> | DecisionOutcome | void;
  /**
   * After evaluation, before recording: may return a changed outcome (e.g. attach the approval request of
   * a pending decision, add result-phase obligations). Must not write anything that has to be atomic with
   * the record — use `commit` for that.
   */
  settle?(draft: DecisionDraft, outcome: DecisionOutcome): Promise<DecisionOutcome> | DecisionOutcome;
  /**
   * Inside the transaction that records this decision (a savepoint of its group-commit batch): effects that
   * must be atomic with the record, e.g. consuming a grant's uses and budget, consuming a once-approval.
   * Returning an outcome replaces the decision's (e.g. `deny grant_exhausted` when a concurrent call took
   * the last use); it is what gets recorded and answered. Lock rows with `FOR UPDATE` or use conditional
   * UPDATEs so concurrent decisions can never overspend. Called only for decisions whose agent resolved.
   */
  commit?(sql: DecisionSql, draft: DecisionDraft, outcome: DecisionOutcome): Promise<DecisionOutcome | void>;
}
