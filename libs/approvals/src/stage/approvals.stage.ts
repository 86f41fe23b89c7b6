import { randomUUID } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  DecisionStageRegistry,
  type DecisionDraft,
  type DecisionOutcome,
  type DecisionSql,
  type DecisionStage,
} from '@mandate/decisions';
import { ApprovalJob } from '../shared/approval-events';
import { argumentsHash, parseRequirement } from '../shared/approval-rules';
import { ApprovalLinks } from '../requests/approval-links';
import { ApprovalRequestService } from '../requests/approval-request.service';
import { UsableApprovalCache } from '../requests/usable-approval.cache';
import { APPROVAL_CHANGED_CHANNEL } from '../shared/approval-events';

/** Seconds a gateway should wait before asking again (or long-polling) about a pending request. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * The `approvals` stage of the decision pipeline (order 400).
 * - prepare: hashes the arguments (SHA-256 of RFC 8785 JSON) and puts a usable approval in `input.approval`
 *   (`{id, status: "approved", mode, expires_at, arguments_hash}`): a once-approval of these exact
 *   arguments, or a window-approval of the same agent, server and tool (a window binds the tool, not the
 *   arguments: it is a time-boxed grant).
 * - settle: a pending_approval outcome gets its request (the same one for the same call) as
 *   `approvalRequest: {id, url, retryAfter}`.
 * - commit: an allowed call that used a once-approval consumes it in the recording transaction
 *   (conditional UPDATE); when a concurrent call consumed it first, the decision becomes a deny
 *   `approval_consumed`. So a once-approval allows exactly one call.
 */
@Injectable()
export class ApprovalsStage implements DecisionStage, OnModuleInit {
  readonly name = 'approvals';
  readonly order = 400;

  constructor(
    private readonly registry: DecisionStageRegistry,
    private readonly requests: ApprovalRequestService,
    private readonly links: ApprovalLinks,
    private readonly usable: UsableApprovalCache,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async prepare(draft: DecisionDraft): Promise<void> {
    if (draft.request.phase !== 'call') return;
    const hash = argumentsHash(draft.request.arguments);
    draft.facts.argumentsHash = hash;
    const usable = await this.usable.find(
      draft.caller.orgId,
      draft.agent.id,
      draft.request.server.name,
      draft.request.tool.name,
      hash,
      draft.request.consistencyToken !== undefined,
    );
    if (!usable) return;
    draft.input.approval = {
      id: usable.id,
      status: 'approved',
      mode: usable.mode,
      expires_at: usable.usableUntil.toISOString(),
      arguments_hash: usable.argsHash,
    };
    draft.facts.approvalId = usable.id;
    draft.facts.approvalMode = usable.mode;
  }

  async settle(draft: DecisionDraft, outcome: DecisionOutcome): Promise<DecisionOutcome> {
    if (outcome.decision !== 'pending_approval' || outcome.approval === null) return outcome;
    const hash =
      typeof draft.facts.argumentsHash === 'string'
        ? draft.facts.argumentsHash
        : argumentsHash(draft.request.arguments);
    const reused = this.usable.pendingId(
      draft.caller.orgId,
      draft.agent.id,
      draft.request.server.name,
      draft.request.tool.name,
      hash,
    );
    if (reused !== null) return this.pendingOutcome(draft, outcome, reused);
    const principal = draft.request.principal ?? null;
    const redact = outcome.obligations.redact_arguments;
    // Grants involved: those consumed (facts.grantIds) and those the policy saw as matching (input.grants).
    const consumed: unknown[] = Array.isArray(draft.facts.grantIds)
      ? (draft.facts.grantIds as unknown[])
      : [];
    const grantIds = [...consumed, ...draft.input.grants.map((g) => g.id)];
    const request = await this.requests.open({
      orgId: draft.caller.orgId,
      agentId: draft.agent.id,
      agentName: draft.agent.name,
      agentOwnerId: draft.agent.ownerMemberId,
      principalId: principal?.id ?? null,
      principalEmail: principal?.email ?? null,
      server: draft.request.server.name,
      tool: draft.request.tool.name,
      argsHash: hash,
      arguments: draft.request.arguments,
      redactPaths: Array.isArray(redact)
        ? redact.filter((p): p is string => typeof p === 'string').slice(0, 100)
        : [],
      requirement: outcome.approval,
      parsed: parseRequirement(outcome.approval),
      reasons: outcome.reasons,
      grantIds: [...new Set(grantIds.filter((g): g is string => typeof g === 'string'))].slice(0, 100),

      decisionId: draft.decisionId,
      actor: draft.caller.apiKeyId
        ? { type: 'api_key', id: draft.caller.apiKeyId }
        : { type: 'system', id: 'decisions' },
      requestId: draft.caller.requestId,
    });
    if (request.state === 'pending') this.usable.rememberPending(request, request.expiresAt);
    return this.pendingOutcome(draft, outcome, request.id);
  }

  private pendingOutcome(draft: DecisionDraft, outcome: DecisionOutcome, id: string): DecisionOutcome {
    draft.facts.approvalId = id;
    return {
      ...outcome,
      approvalRequest: { id, url: this.links.url(id), retryAfter: RETRY_AFTER_SECONDS },
    };
  }

  async commit(
    sql: DecisionSql,
    draft: DecisionDraft,
    outcome: DecisionOutcome,
  ): Promise<DecisionOutcome | void> {
    if (outcome.decision !== 'allow' || draft.input.approval === null) return;
    if (draft.facts.approvalMode !== 'once' || typeof draft.facts.approvalId !== 'string') return;
    const id = draft.facts.approvalId;
    const rows = await sql(
      `UPDATE approval_requests SET state = 'consumed', consumed_at = now(), consumed_by_decision_id = $2
        WHERE id = $1 AND org_id = $3 AND state = 'approved' AND usable_until > now() RETURNING id`,
      [id, draft.decisionId, draft.caller.orgId],
    );
    // Every replica's snapshot of usable approvals forgets it (this one at once, the others at commit).
    this.usable.invalidate(draft.caller.orgId);
    if (rows.length === 0) {
      return {
        decision: 'deny',
        reasons: [{ code: 'approval_consumed', message: 'the approval of this call was already used' }],
        obligations: outcome.obligations,
        approval: null,
      };
    }
    await sql(`SELECT pg_notify($1, $2)`, [APPROVAL_CHANGED_CHANNEL, id]);
    // The approval.consumed audit event follows through the outbox (same transaction as the decision).
    await sql(`INSERT INTO outbox (id, topic, payload) VALUES ($1, $2, $3::jsonb)`, [
      randomUUID(),
      ApprovalJob.Consumed,
      JSON.stringify({ requestId: id, decisionId: draft.decisionId }),
    ]);
  }
}
