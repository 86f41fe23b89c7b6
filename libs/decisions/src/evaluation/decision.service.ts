import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { AgentEntity } from '@mandate/identity';
import type { DecisionDraft, DecisionSql, DecisionStage } from '../pipeline/decision-stage';
import { DecisionStageRegistry } from '../pipeline/decision-stage.registry';
import type { CachedPolicy } from '../policy/cached-policy';
import { DecisionPolicyError } from '../policy/decision-policy-error';
import { PolicyCache } from '../policy/policy-cache.service';
import { DecisionCommitError, DecisionRecorder } from '../recording/decision.recorder';
import { AgentDirectory } from './agent-directory';
import { decodeConsistencyToken, encodeConsistencyToken } from './consistency-token';
import { buildPolicyInput, type DecisionCaller, type DecisionRequest } from './decision-input';
import { denied, outcomeOf, type DecisionOutcome } from './decision-outcome';
import type { DecisionResult } from './decision-result';
import { observeDecision } from '../metrics/decision-metrics';

/**
 * The decision pipeline: resolve the agent, choose the organisation's policy (honouring a consistency
 * token), build the input document (the registered stages add catalog facts, findings, grants and
 * approvals), evaluate in process, let the stages settle, record durably (stage effects in the same
 * transaction), answer. Fails closed: every failure becomes a deny with a reason code; nothing here throws
 * to the caller.
 */
@Injectable()
export class DecisionService {
  private readonly logger = new Logger(DecisionService.name);

  constructor(
    private readonly agents: AgentDirectory,
    private readonly policies: PolicyCache,
    private readonly recorder: DecisionRecorder,
    private readonly stages: DecisionStageRegistry,
  ) {}

  async decide(caller: DecisionCaller, request: DecisionRequest): Promise<DecisionResult> {
    const started = process.hrtime.bigint();
    const decisionId = randomUUID();
    const now = new Date();
    let agent: AgentEntity | null = null;
    let policy: CachedPolicy | null = null;
    let draft: DecisionDraft | null = null;
    let inputJson: string | null = null;
    let outcome: DecisionOutcome;
    try {
      agent = await this.agents.find(caller.orgId, request.agent, request.consistencyToken !== undefined);
      const minRevision = this.minRevision(caller.orgId, request.consistencyToken);
      policy = await this.policies.policyFor(caller.orgId, minRevision);
      if (agent === null) {
        outcome = denied('unknown_agent', `no agent named ${request.agent} in this organisation`);
      } else {
        draft = {
          decisionId,
          caller,
          request,
          agent,
          now,
          input: buildPolicyInput(request, agent, caller, now),
          facts: initialFacts(caller, request),
        };
        outcome = agent.enabled
          ? await this.prepareAndEvaluate(policy, draft)
          : denied('agent_disabled', `agent ${agent.name} is disabled`);
        inputJson = JSON.stringify(draft.input);
        outcome = await this.settle(draft, outcome);
      }
    } catch (error) {
      outcome = this.failure(error);
    }
    inputJson ??= JSON.stringify(unresolvedInput(request, caller, now));
    const stages = draft === null ? [] : this.stages.list().filter((s) => s.commit !== undefined);
    const committing = draft;
    const latencyUs = Number((process.hrtime.bigint() - started) / 1000n);
    observeDecision(request.phase, outcome, latencyUs);
    try {
      outcome = await this.recorder.record(
        {
          id: decisionId,
          orgId: caller.orgId,
          decidedAt: now,
          agentId: agent?.id ?? null,
          agentName: request.agent,
          server: request.server.name,
          tool: request.tool.name,
          phase: request.phase,
          inputJson,
          policyRevision: policy?.revision ?? null,
          latencyUs: Math.min(latencyUs, 2_147_483_647),
          apiKeyId: caller.apiKeyId,
          requestId: caller.requestId,
          facts: draft?.facts ?? initialFacts(caller, request),
        },
        outcome,
        committing === null || stages.length === 0
          ? undefined
          : (sql, current) => this.commit(stages, sql, committing, current),
      );
    } catch {
      const failed = denied('record_failed', 'the decision could not be recorded');
      return this.result(decisionId, caller, policy, failed, false);
    }
    return this.result(decisionId, caller, policy, outcome, true);
  }

  private result(
    decisionId: string,
    caller: DecisionCaller,
    policy: CachedPolicy | null,
    outcome: DecisionOutcome,
    recorded: boolean,
  ): DecisionResult {
    return {
      decision: outcome.decision,
      decisionId,
      reasons: outcome.reasons,
      obligations: outcome.obligations,
      approval: outcome.approval,
      approvalRequest: outcome.decision === 'pending_approval' ? (outcome.approvalRequest ?? null) : null,
      policyRevision: policy?.revision ?? null,
      consistencyToken: policy
        ? encodeConsistencyToken({ orgId: caller.orgId, revision: policy.revision })
        : null,
      recorded,
    };
  }

  private async prepareAndEvaluate(policy: CachedPolicy, draft: DecisionDraft): Promise<DecisionOutcome> {
    for (const stage of this.stages.list()) {
      if (!stage.prepare) continue;
      let early: DecisionOutcome | void;
      try {
        early = await stage.prepare(draft);
      } catch (error) {
        return this.stageFailed(stage, 'unavailable', error);
      }
      if (early) return early;
    }
    return this.evaluate(policy, JSON.stringify(draft.input));
  }

  private async settle(draft: DecisionDraft, outcome: DecisionOutcome): Promise<DecisionOutcome> {
    let current = outcome;
    for (const stage of this.stages.list()) {
      if (!stage.settle) continue;
      try {
        current = await stage.settle(draft, current);
      } catch (error) {
        return this.stageFailed(stage, 'unavailable', error);
      }
    }
    return current;
  }

  /** Runs inside the recording transaction (a savepoint per decision, see DecisionRecorder). */
  private async commit(
    stages: readonly DecisionStage[],
    sql: DecisionSql,
    draft: DecisionDraft,
    outcome: DecisionOutcome,
  ): Promise<DecisionOutcome> {
    let current = outcome;
    for (const stage of stages) {
      let changed: DecisionOutcome | void;
      try {
        changed = await stage.commit?.(sql, draft, current);
      } catch (error) {
        // Undo every stage's effects for this decision and record a deny.
        throw new DecisionCommitError(this.stageFailed(stage, 'failed', error));
      }
      if (changed) current = changed;
    }
    return current;
  }

  private stageFailed(stage: DecisionStage, what: string, error: unknown): DecisionOutcome {
    this.logger.warn(`decision stage ${stage.name} failed: ${(error as Error)?.message ?? String(error)}`);
    return denied(`${stage.name}_${what}`, `the ${stage.name} check could not be completed`);
  }

  private minRevision(orgId: string, token: string | undefined): number {
    if (token === undefined) return 0;
    const point = decodeConsistencyToken(token);
    if (point === null || point.orgId !== orgId) {
      throw new DecisionPolicyError(
        'stale_state',
        'the consistency token is not valid for this organisation',
      );
    }
    return point.revision;
  }

  private evaluate(policy: CachedPolicy, inputJson: string): DecisionOutcome {
    try {
      return outcomeOf(policy.instance.evaluate(inputJson));
    } catch (error) {
      this.logger.warn(
        `policy revision ${policy.revision} of ${policy.orgId} failed: ${(error as Error).message}`,
      );
      return denied('policy_error', 'the policy failed during evaluation');
    }
  }

  private failure(error: unknown): DecisionOutcome {
    if (error instanceof DecisionPolicyError) {
      if (error.code !== 'stale_state')
        this.logger.warn(`${error.message}: ${String((error.cause as Error)?.message ?? '')}`);
      return denied(error.code, error.message);
    }
    this.logger.error(`decision failed: ${(error as Error).message}`);
    return denied('internal_error', 'the decision could not be evaluated');
  }
}

/** Facts known from the request itself: its trace id, and how the call went (phase result). */
function initialFacts(caller: DecisionCaller, request: DecisionRequest): Record<string, unknown> {
  const facts: Record<string, unknown> = {};
  if (caller.trace) facts.traceId = caller.trace.traceId;
  if (request.phase === 'result' && request.outcome) {
    facts.callStatus = request.outcome.status;
    facts.callDurationMs = request.outcome.durationMs;
  }
  return facts;
}

/** What is recorded when the agent or the policy could not be resolved: the request as given. */
function unresolvedInput(
  request: DecisionRequest,
  caller: DecisionCaller,
  now: Date,
): Record<string, unknown> {
  return {
    phase: request.phase,
    agent: { name: request.agent },
    principal: request.principal ?? null,
    server: request.server,
    tool: { name: request.tool.name },
    arguments: request.arguments,
    context: {
      time: now.toISOString(),
      ip: caller.ip,
      gateway: caller.apiKeyId,
      session: request.context?.session ?? null,
      request_id: caller.requestId,
    },
  };
}
