import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@mandate/common';
import type { Principal } from '@mandate/identity';
import { DataSource } from 'typeorm';
import type { DelegateGrantRequestDto } from '../http/dto/delegate-grant-request.dto';
import { GrantDirectory } from '../matching/grant-directory.service';
import { narrowedScope } from '../narrowing/grant-narrowing';
import { GrantEventType } from '../shared/grant-event-type';
import { GrantEvents } from '../shared/grant-events';
import { assertValidScope } from '../shared/grant-spec';
import type { RequestMeta } from '../shared/request-meta';
import { GrantEntity } from '../store/grant.entity';
import { GrantTokenService } from '../tokens/grant-token.service';
import { dateOf } from './grant-input';
import { describe, GrantService } from './grant.service';

/**
 * Delegation: a gateway presents the token of an agent's grant and asks for a sub-grant for another agent.
 * The sub-grant must be provably narrower (see narrowedScope); the chain is recorded, consuming the
 * sub-grant consumes its ancestors too, and revoking an ancestor revokes it.
 */
@Injectable()
export class GrantDelegationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tokens: GrantTokenService,
    private readonly grants: GrantService,
    private readonly directory: GrantDirectory,
    private readonly events: GrantEvents,
  ) {}

  async delegate(principal: Principal, body: DelegateGrantRequestDto, meta: RequestMeta) {
    const claims = await this.tokens.verify(principal.orgId, body.parentToken);
    const childAgentId = await this.grants.agentId(principal.orgId, body.agent, 'agent');
    const requested = {
      server: body.server,
      tool: body.tool,
      toolPattern: body.toolPattern,
      constraints: body.constraints,
      expiresAt: dateOf(body.expiresAt, 'expiresAt') ?? undefined,
      maxUses: body.maxUses,
      budget: body.budget
        ? {
            argument: body.budget.argument,
            limit: body.budget.limit,
            windowSeconds: body.budget.windowSeconds,
          }
        : undefined,
    };
    const result = await this.dataSource.transaction(async (manager) => {
      const parent = await manager
        .getRepository(GrantEntity)
        .createQueryBuilder('g')
        .setLock('pessimistic_read')
        .where('g.id = :id AND g.org_id = :orgId', { id: claims.grantId, orgId: principal.orgId })
        .getOne();
      if (!parent || parent.revokedAt)
        throw new DomainError(ErrorCode.Conflict, 'The parent grant has been revoked', {
          reason: 'grant_revoked',
        });
      if (parent.expiresAt && new Date(parent.expiresAt) <= new Date())
        throw new DomainError(ErrorCode.Conflict, 'The parent grant has expired', {
          reason: 'grant_expired',
        });
      if (parent.agentId !== null && parent.agentId === childAgentId)
        throw new DomainError(ErrorCode.ValidationFailed, 'A grant cannot be delegated to its own agent', {
          field: 'agent',
        });
      const scope = narrowedScope(
        {
          server: parent.server,
          tool: parent.tool,
          toolPattern: parent.toolPattern,
          constraints: parent.constraints,
          notBefore: parent.notBefore ? new Date(parent.notBefore) : null,
          expiresAt: parent.expiresAt ? new Date(parent.expiresAt) : null,
          maxUses: parent.maxUses,
          uses: parent.uses,
          budget:
            parent.budgetArgument !== null &&
            parent.budgetLimit !== null &&
            parent.budgetWindowSeconds !== null
              ? {
                  argument: parent.budgetArgument,
                  limit: Number(parent.budgetLimit),
                  windowSeconds: parent.budgetWindowSeconds,
                }
              : null,
        },
        requested,
      );
      assertValidScope(scope);
      const child = await this.grants.insert(manager, {
        orgId: principal.orgId,
        agentId: childAgentId,
        agentSelector: null,
        scope,
        reason: body.reason,
        issuer: { type: 'delegation', id: parent.id },
        parent,
      });
      await this.events.publish(
        manager,
        principal,
        GrantEventType.Delegated,
        { type: 'grant', id: child.id },
        { ...describe(child), ancestorIds: child.ancestorIds },
        meta,
      );
      const token = await this.grants.tokenFor(principal, child, meta, manager);
      return { grant: child, token };
    });
    this.directory.invalidate(principal.orgId);
    return result;
  }
}
