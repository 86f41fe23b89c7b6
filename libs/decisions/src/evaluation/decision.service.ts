import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { AgentEntity } from '@mandate/identity';
import type { CachedPolicy } from '../policy/cached-policy';
import { DecisionPolicyError } from '../policy/decision-policy-error';
import { PolicyCache } from '../policy/policy-cache.service';
import { DecisionRecorder } from '../recording/decision.recorder';
import { AgentDirectory } from './agent-directory';
import { decodeConsistencyToken, encodeConsistencyToken } from './consistency-token';
import { buildPolicyInput, type DecisionCaller, type DecisionRequest } from './decision-input';
import { denied, outcomeOf, type DecisionOutcome } from './decision-outcome';
import type { DecisionResult } from './decision-result';

/**
 * The decision pipeline: resolve the agent, choose the organisation's policy (honouring a consistency
 * token), build the input document, evaluate in process, record durably, answer. Fails closed: every
 * failure becomes a deny with a reason code; nothing here throws to the caller.
 */
@Injectable()
export class DecisionService {
  private readonly logger = new Logger(DecisionService.name);

  constructor(
    private readonly agents: AgentDirectory,
    private readonly policies: PolicyCache,
    private readonly recorder: DecisionRecorder,
  ) {}

  async decide(caller: DecisionCaller, request: DecisionRequest): Promise<DecisionResult> {
    const started = process.hrtime.bigint();
    const decisionId = randomUUID();
    const now = new Date();
    let agent: AgentEntity | null = null;
    let policy: CachedPolicy | null = null;
    let inputJson: string;
    let outcome: DecisionOutcome;
    try {
      agent = await this.agents.find(caller.orgId, request.agent, request.consistencyToken !== undefined);
      const minRevision = this.minRevision(caller.orgId, request.consistencyToken);
      policy = await this.policies.policyFor(caller.orgId, minRevision);
      if (agent === null) {
        inputJson = JSON.stringify(unresolvedInput(request, caller, now));
        outcome = denied('unknown_agent', `no agent named ${request.agent} in this organisation`);
      } else {
        inputJson = JSON.stringify(buildPolicyInput(request, agent, caller, now));
        outcome = agent.enabled
          ? this.evaluate(policy, inputJson)
          : denied('agent_disabled', `agent ${agent.name} is disabled`);
      }
    } catch (error) {
      inputJson = JSON.stringify(unresolvedInput(request, caller, now));
      outcome = this.failure(error);
    }
    const latencyUs = Number((process.hrtime.bigint() - started) / 1000n);
    const result: DecisionResult = {
      decision: outcome.decision,
      decisionId,
      reasons: outcome.reasons,
      obligations: outcome.obligations,
      approval: outcome.approval,
      policyRevision: policy?.revision ?? null,
      consistencyToken: policy
        ? encodeConsistencyToken({ orgId: caller.orgId, revision: policy.revision })
        : null,
      recorded: true,
    };
    try {
      await this.recorder.record({
        id: decisionId,
        orgId: caller.orgId,
        decidedAt: now,
        agentId: agent?.id ?? null,
        agentName: request.agent,
        server: request.server.name,
        tool: request.tool.name,
        phase: request.phase,
        decision: result.decision,
        reasons: result.reasons,
        obligations: result.obligations,
        inputJson,
        policyRevision: result.policyRevision,
        latencyUs: Math.min(latencyUs, 2_147_483_647),
        apiKeyId: caller.apiKeyId,
        requestId: caller.requestId,
      });
    } catch {
      return {
        ...result,
        ...denied('record_failed', 'the decision could not be recorded'),
        recorded: false,
      };
    }
    return result;
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
