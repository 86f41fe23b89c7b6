import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import {
  DecisionStageRegistry,
  denied,
  type DecisionDraft,
  type DecisionOutcome,
  type DecisionSql,
  type DecisionStage,
} from '@mandate/decisions';
import type { DomainError } from '@mandate/common';
import type { ActiveGrant } from '../matching/active-grant';
import { policyView } from '../matching/active-grant';
import { GrantDirectory } from '../matching/grant-directory.service';
import { appliesTo } from '../matching/grant-index';
import { budgetAmount, constraintsValidator } from '../shared/grant-spec';
import { GrantTokenService } from '../tokens/grant-token.service';
import { consumeGrant } from './grant-consumer';

/** Most grants passed to the policy for one call (the first ones by id). */
export const MAX_GRANTS_PER_DECISION = 50;

/**
 * The `grants` stage of the decision pipeline (order 300).
 * - prepare: the live grants of the organisation that cover this agent (id or labels), server name and
 *   tool, whose constraints the arguments satisfy (Ajv, compiled once per schema) and whose budgeted
 *   argument is a number, go into `input.grants` — from memory, no database round trip. A grant token in
 *   the request is verified (signature, key, expiry, organisation); an invalid one denies
 *   `grant_token_invalid`; a valid one only names a grant that must still pass every check above.
 * - commit: when the outcome is allow and the policy lists grants in `obligations.consume_grants`, one of
 *   them (the first that can be consumed, with its delegation chain) is consumed in the recording
 *   transaction; if none can, the decision becomes a deny (`grant_exhausted`, `grant_budget_exceeded`,
 *   `grant_revoked`, …). `facts.grantIds` records the grants consumed.
 */
@Injectable()
export class GrantsStage implements DecisionStage, OnModuleInit {
  readonly name = 'grants';
  readonly order = 300;
  private readonly logger = new Logger('GrantsStage');
  private readonly matched = new WeakMap<DecisionDraft, Map<string, ActiveGrant>>();

  constructor(
    private readonly registry: DecisionStageRegistry,
    private readonly directory: GrantDirectory,
    private readonly tokens: GrantTokenService,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async prepare(draft: DecisionDraft): Promise<DecisionOutcome | void> {
    if (draft.request.phase !== 'call') return;
    const orgId = draft.caller.orgId;
    let tokenGrantId: string | null = null;
    if (draft.request.grantToken !== undefined) {
      try {
        tokenGrantId = (await this.tokens.verify(orgId, draft.request.grantToken)).grantId;
      } catch (error) {
        return denied('grant_token_invalid', (error as DomainError).message);
      }
      draft.facts.grantTokenGrantId = tokenGrantId;
    }
    const index = await this.directory.forOrg(orgId);
    const now = draft.now.getTime();
    const subject = { agentId: draft.agent.id, labels: draft.agent.labels };
    const server = draft.request.server.name;
    const tool = draft.request.tool.name;
    const candidates = index.match(subject, server, tool, now);
    if (tokenGrantId !== null) {
      const presented = index.get(tokenGrantId);
      if (presented && !candidates.includes(presented) && appliesTo(presented, subject, server, tool, now))
        candidates.push(presented);
    }
    if (candidates.length === 0) return;
    const args = draft.request.arguments;
    const usable = new Map<string, ActiveGrant>();
    for (const grant of candidates.sort((a, b) => (a.id < b.id ? -1 : 1))) {
      if (usable.size >= MAX_GRANTS_PER_DECISION) break;
      if (grant.budget && budgetAmount(args, grant.budget.argument) === null) continue;
      if (grant.constraints) {
        const validator = constraintsValidator(grant.constraints, grant.constraintsKey ?? undefined);
        if (!validator.ok || !validator.validate(args)) continue;
      }
      usable.set(grant.id, grant);
    }
    if (usable.size === 0) return;
    this.matched.set(draft, usable);
    draft.input.grants = [...usable.values()].map(policyView);
  }

  async commit(
    sql: DecisionSql,
    draft: DecisionDraft,
    outcome: DecisionOutcome,
  ): Promise<DecisionOutcome | void> {
    if (outcome.decision !== 'allow') return;
    const listed = outcome.obligations.consume_grants;
    if (!Array.isArray(listed) || listed.length === 0) return;
    const usable = this.matched.get(draft);
    let failure: { code: string; message: string } | null = null;
    for (const id of listed) {
      const grant = typeof id === 'string' ? usable?.get(id) : undefined;
      if (!grant) {
        failure ??= {
          code: 'grant_not_matched',
          message: `the policy consumes grant ${String(id).slice(0, 64)}, which does not cover this call`,
        };
        continue;
      }
      const result = await consumeGrant(sql, {
        orgId: draft.caller.orgId,
        decisionId: draft.decisionId,
        grantId: grant.id,
        ancestorIds: grant.ancestorIds,
        arguments: draft.request.arguments,
      });
      if (result.ok) {
        draft.facts.grantIds = result.grantIds;
        grant.uses += 1;
        const amount = result.amounts[result.amounts.length - 1];
        if (grant.budget && typeof amount === 'number') grant.budget.spent += amount;
        return;
      }
      failure = { code: result.code, message: result.message };
      if (result.code === 'grant_revoked') this.directory.invalidate(draft.caller.orgId);
    }
    if (!failure) return;
    this.logger.debug(`decision ${draft.decisionId}: ${failure.code}`);
    return {
      ...denied(failure.code, failure.message),
      obligations: { ...outcome.obligations, consume_grants: [] },
    };
  }
}
