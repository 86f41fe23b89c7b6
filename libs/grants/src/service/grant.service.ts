import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { decodeCursor, DomainError, ErrorCode, toPage, type Page } from '@mandate/common';
import { AgentDirectory } from '@mandate/decisions';
import type { Principal } from '@mandate/identity';
import { DataSource, type EntityManager } from 'typeorm';
import type { CreateGrantRequestDto } from '../http/dto/create-grant-request.dto';
import { GrantDirectory } from '../matching/grant-directory.service';
import { markGrantsChanged } from '../shared/grant-changes';
import { grantNotFound, invalidGrant } from '../shared/grant-errors';
import { GrantEventType } from '../shared/grant-event-type';
import { GrantEvents } from '../shared/grant-events';
import { assertValidScope, type GrantScope } from '../shared/grant-spec';
import type { RequestMeta } from '../shared/request-meta';
import { GrantEntity } from '../store/grant.entity';
import { GrantTokenService } from '../tokens/grant-token.service';
import { assertSelector, scopeOf } from './grant-input';

export interface GrantDetail {
  grant: GrantEntity;
  budgetSpent: number | null;
  children: string[];
  uses: Array<{ decisionId: string; consumedAt: Date; amount: number | null }>;
}

export interface NewGrant {
  orgId: string;
  agentId: string | null;
  agentSelector: Record<string, string> | null;
  scope: GrantScope;
  reason: string;
  issuer: { type: string; id: string };
  parent?: GrantEntity;
  templateId?: string | null;
}

/** Grants: create, list, inspect, revoke (with every delegated descendant), tokens and key rotation. */
@Injectable()
export class GrantService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly agents: AgentDirectory,
    private readonly directory: GrantDirectory,
    private readonly events: GrantEvents,
    private readonly tokens: GrantTokenService,
  ) {}

  async create(principal: Principal, body: CreateGrantRequestDto, meta: RequestMeta): Promise<GrantEntity> {
    if ((body.agent === undefined) === (body.agentSelector === undefined))
      throw invalidGrant('agent', 'give either agent (a name) or agentSelector (labels)');
    let agentId: string | null = null;
    if (body.agent !== undefined) agentId = await this.agentId(principal.orgId, body.agent, 'agent');
    else assertSelector(body.agentSelector);
    const scope = scopeOf(body, body.notBefore);
    assertValidScope(scope);
    if (scope.expiresAt && scope.expiresAt <= new Date())
      throw invalidGrant('expiresAt', 'expiresAt must be in the future');
    const issuer = body.approvalRequestId
      ? { type: 'approval', id: body.approvalRequestId }
      : {
          type: principal.kind === 'member' ? 'member' : 'api_key',
          id: principal.memberId ?? principal.apiKeyId ?? 'system',
        };
    const grant = await this.dataSource.transaction(async (manager) => {
      const created = await this.insert(manager, {
        orgId: principal.orgId,
        agentId,
        agentSelector: body.agentSelector ?? null,
        scope,
        reason: body.reason,
        issuer,
      });
      await this.events.publish(
        manager,
        principal,
        GrantEventType.Created,
        { type: 'grant', id: created.id },
        describe(created),
        meta,
      );
      return created;
    });
    this.directory.invalidate(principal.orgId);
    return grant;
  }

  /** Inserts a grant and marks the organisation's grants changed (in the caller's transaction). */
  async insert(manager: EntityManager, input: NewGrant): Promise<GrantEntity> {
    const repo = manager.getRepository(GrantEntity);
    const grant = repo.create({
      id: randomUUID(),
      orgId: input.orgId,
      agentId: input.agentId,
      agentSelector: input.agentSelector,
      server: input.scope.server,
      tool: input.scope.tool,
      toolPattern: input.scope.toolPattern,
      constraints: input.scope.constraints,
      notBefore: input.scope.notBefore,
      expiresAt: input.scope.expiresAt,
      maxUses: input.scope.maxUses,
      uses: 0,
      budgetArgument: input.scope.budget?.argument ?? null,
      budgetLimit: input.scope.budget ? String(input.scope.budget.limit) : null,
      budgetWindowSeconds: input.scope.budget?.windowSeconds ?? null,
      reason: input.reason,
      issuerType: input.issuer.type,
      issuerId: input.issuer.id,
      parentId: input.parent?.id ?? null,
      ancestorIds: input.parent ? [...(input.parent.ancestorIds ?? []), input.parent.id] : [],
      templateId: input.templateId ?? null,
      revokedAt: null,
      revokedReason: null,
    });
    const saved = await repo.save(grant);
    await markGrantsChanged(manager, input.orgId);
    return saved;
  }

  async list(
    principal: Principal,
    query: { limit: number; cursor?: string; agentId?: string; status?: 'active' | 'revoked' },
  ): Promise<Page<GrantEntity>> {
    const qb = this.dataSource
      .getRepository(GrantEntity)
      .createQueryBuilder('g')
      .where('g.org_id = :orgId', { orgId: principal.orgId })
      .orderBy('g.created_at', 'ASC')
      .addOrderBy('g.id', 'ASC')
      .limit(query.limit + 1);
    if (query.agentId) qb.andWhere('g.agent_id = :agentId', { agentId: query.agentId });
    if (query.status === 'active') qb.andWhere('g.revoked_at IS NULL');
    if (query.status === 'revoked') qb.andWhere('g.revoked_at IS NOT NULL');
    if (query.cursor) {
      const position = decodeCursor(query.cursor);
      const createdAt = typeof position.createdAt === 'string' ? new Date(position.createdAt) : null;
      const id = typeof position.id === 'string' ? position.id : null;
      if (!createdAt || Number.isNaN(createdAt.getTime()) || !id || !/^[0-9a-f-]{36}$/.test(id))
        throw new DomainError(ErrorCode.BadRequest, 'Invalid pagination cursor', { field: 'cursor' });
      qb.andWhere('(g.created_at, g.id) > (:createdAt, :id)', { createdAt, id });
    }
    const rows = await qb.getMany();
    return toPage(rows, query.limit, (g) => ({ createdAt: new Date(g.createdAt).toISOString(), id: g.id }));
  }

  async get(principal: Principal, id: string): Promise<GrantEntity> {
    const grant = await this.dataSource.getRepository(GrantEntity).findOneBy({ id, orgId: principal.orgId });
    if (!grant) throw grantNotFound();
    return grant;
  }

  async inspect(principal: Principal, id: string): Promise<GrantDetail> {
    const grant = await this.get(principal, id);
    let budgetSpent: number | null = null;
    if (grant.budgetWindowSeconds !== null) {
      const rows = await this.dataSource.query<Array<{ spent: string }>>(
        `SELECT coalesce(sum(amount), 0)::text AS spent FROM grant_consumptions
          WHERE grant_id = $1 AND consumed_at > now() - make_interval(secs => $2)`,
        [id, grant.budgetWindowSeconds],
      );
      budgetSpent = Number(rows[0]?.spent ?? 0);
    }
    const children = await this.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM grants WHERE org_id = $1 AND parent_id = $2 ORDER BY created_at, id LIMIT 200`,
      [principal.orgId, id],
    );
    const uses = await this.dataSource.query<
      Array<{ decision_id: string; consumed_at: Date; amount: string | null }>
    >(
      `SELECT decision_id, consumed_at, amount::text AS amount FROM grant_consumptions
        WHERE grant_id = $1 AND org_id = $2 ORDER BY consumed_at DESC LIMIT 50`,
      [id, principal.orgId],
    );
    return {
      grant,
      budgetSpent,
      children: children.map((c) => c.id),
      uses: uses.map((u) => ({
        decisionId: u.decision_id,
        consumedAt: new Date(u.consumed_at),
        amount: u.amount === null ? null : Number(u.amount),
      })),
    };
  }

  /**
   * Revokes the grant and every grant delegated from it (transitively), in one transaction. Effective at
   * once on every replica: consumption re-checks revocation in the database.
   */
  async revoke(principal: Principal, id: string, reason: string, meta: RequestMeta): Promise<GrantEntity> {
    const result = await this.dataSource.transaction(async (manager) => {
      const [row] = await manager.query<Array<{ id: string; revoked: boolean }>>(
        `SELECT id, revoked_at IS NOT NULL AS revoked FROM grants WHERE id = $1 AND org_id = $2 FOR UPDATE`,
        [id, principal.orgId],
      );
      if (!row) throw grantNotFound();
      if (row.revoked)
        throw new DomainError(ErrorCode.Conflict, 'The grant is already revoked', { field: 'id' });
      const revoked = await manager.query<Array<{ id: string }>>(
        `WITH r AS (
           UPDATE grants SET revoked_at = now(), revoked_reason = $3, updated_at = now()
            WHERE org_id = $2 AND revoked_at IS NULL AND (id = $1 OR $1 = ANY(ancestor_ids))
            RETURNING id)
         SELECT id FROM r`,
        [id, principal.orgId, reason],
      );
      const descendants = revoked.map((r) => r.id).filter((r) => r !== id);
      await markGrantsChanged(manager, principal.orgId);
      await this.events.publish(
        manager,
        principal,
        GrantEventType.Revoked,
        { type: 'grant', id },
        { reason, cascaded: descendants },
        meta,
      );
      return manager.getRepository(GrantEntity).findOneByOrFail({ id });
    });
    this.directory.invalidate(principal.orgId);
    return result;
  }

  async issueToken(principal: Principal, id: string, meta: RequestMeta) {
    const grant = await this.get(principal, id);
    return this.tokenFor(principal, grant, meta);
  }

  /** A token for a live grant (audited: the event names the key and expiry, never the token). */
  async tokenFor(principal: Principal, grant: GrantEntity, meta: RequestMeta, manager?: EntityManager) {
    if (grant.revokedAt) throw new DomainError(ErrorCode.Conflict, 'The grant is revoked', { field: 'id' });
    if (grant.expiresAt && new Date(grant.expiresAt) <= new Date())
      throw new DomainError(ErrorCode.Conflict, 'The grant has expired', { field: 'id' });
    const issued = await this.tokens.issue(
      { grantId: grant.id, orgId: grant.orgId, agentId: grant.agentId },
      grant.expiresAt ? new Date(grant.expiresAt) : null,
    );
    const record = (m: EntityManager) =>
      this.events.publish(
        m,
        principal,
        GrantEventType.TokenIssued,
        { type: 'grant', id: grant.id },
        { kid: issued.kid, expiresAt: issued.expiresAt.toISOString() },
        meta,
      );
    if (manager) await record(manager);
    else await this.dataSource.transaction(record);
    return issued;
  }

  async rotateKey(principal: Principal, meta: RequestMeta): Promise<{ kid: string; retired: string[] }> {
    return this.dataSource.transaction(async (manager) => {
      const rotated = await this.tokens.rotate(manager, principal.orgId);
      await this.events.publish(
        manager,
        principal,
        GrantEventType.KeyRotated,
        { type: 'grant_signing_key', id: rotated.kid },
        { kid: rotated.kid, retired: rotated.retired },
        meta,
      );
      return rotated;
    });
  }

  async agentId(orgId: string, name: string, field: string): Promise<string> {
    const agent = await this.agents.find(orgId, name, true);
    if (!agent) throw invalidGrant(field, `no agent named ${name.slice(0, 128)} in this organisation`);
    return agent.id;
  }
}

/** What grant events record about a grant (no secrets: a grant holds none). */
export function describe(g: GrantEntity): Record<string, unknown> {
  return {
    agentId: g.agentId,
    agentSelector: g.agentSelector,
    server: g.server,
    tool: g.tool,
    toolPattern: g.toolPattern,
    constraints: g.constraints,
    notBefore: g.notBefore ? new Date(g.notBefore).toISOString() : null,
    expiresAt: g.expiresAt ? new Date(g.expiresAt).toISOString() : null,
    maxUses: g.maxUses,
    budget: g.budgetArgument
      ? { argument: g.budgetArgument, limit: Number(g.budgetLimit), windowSeconds: g.budgetWindowSeconds }
      : null,
    reason: g.reason,
    issuer: { type: g.issuerType, id: g.issuerId },
    parentId: g.parentId,
    templateId: g.templateId,
  };
}
