import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { decodeCursor, DomainError, ErrorCode, toPage, type Page } from '@mandate/common';
import type { Principal } from '@mandate/identity';
import { DataSource } from 'typeorm';
import type {
  CreateGrantTemplateRequestDto,
  InstantiateGrantTemplateRequestDto,
  UpdateGrantTemplateRequestDto,
} from '../http/dto/grant-template-request.dto';
import { GrantDirectory } from '../matching/grant-directory.service';
import { markGrantsChanged } from '../shared/grant-changes';
import { grantNotFound, invalidGrant } from '../shared/grant-errors';
import { GrantEventType } from '../shared/grant-event-type';
import { GrantEvents } from '../shared/grant-events';
import { assertValidScope, type GrantScope } from '../shared/grant-spec';
import type { RequestMeta } from '../shared/request-meta';
import { GrantTemplateEntity } from '../store/grant-template.entity';
import type { GrantEntity } from '../store/grant.entity';
import { scopeOf } from './grant-input';
import { GrantService } from './grant.service';

/** Most grants one instantiation creates (agents × tools). */
export const MAX_INSTANTIATION = 1000;

/**
 * Grant templates: a grant with an agent slot (and a tool slot when it names no tool). Instantiating
 * creates one grant per agent (× tool); editing a template updates every live grant made from it.
 */
@Injectable()
export class GrantTemplateService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly grants: GrantService,
    private readonly directory: GrantDirectory,
    private readonly events: GrantEvents,
  ) {}

  async create(principal: Principal, body: CreateGrantTemplateRequestDto, meta: RequestMeta) {
    const scope = scopeOf(body);
    assertValidScope(scope, false);
    return this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(GrantTemplateEntity);
      const exists = await repo.existsBy({ orgId: principal.orgId, name: body.name });
      if (exists)
        throw new DomainError(ErrorCode.Conflict, 'A template with this name exists', { field: 'name' });
      const template = await repo.save(
        repo.create({
          id: randomUUID(),
          orgId: principal.orgId,
          name: body.name,
          ...columnsOf(scope),
          tool: scope.tool,
          toolPattern: scope.toolPattern,
          reason: body.reason,
          version: 1,
        }),
      );
      await this.events.publish(
        manager,
        principal,
        GrantEventType.TemplateCreated,
        { type: 'grant_template', id: template.id },
        { name: template.name, ...scopeData(scope) },
        meta,
      );
      return template;
    });
  }

  async list(principal: Principal, limit: number, cursor?: string): Promise<Page<GrantTemplateEntity>> {
    const qb = this.dataSource
      .getRepository(GrantTemplateEntity)
      .createQueryBuilder('t')
      .where('t.org_id = :orgId', { orgId: principal.orgId })
      .orderBy('t.created_at', 'ASC')
      .addOrderBy('t.id', 'ASC')
      .limit(limit + 1);
    if (cursor) {
      const position = decodeCursor(cursor);
      const createdAt = typeof position.createdAt === 'string' ? new Date(position.createdAt) : null;
      const id = typeof position.id === 'string' ? position.id : null;
      if (!createdAt || Number.isNaN(createdAt.getTime()) || !id || !/^[0-9a-f-]{36}$/.test(id))
        throw new DomainError(ErrorCode.BadRequest, 'Invalid pagination cursor', { field: 'cursor' });
      qb.andWhere('(t.created_at, t.id) > (:createdAt, :id)', { createdAt, id });
    }
    const rows = await qb.getMany();
    return toPage(rows, limit, (t) => ({ createdAt: new Date(t.createdAt).toISOString(), id: t.id }));
  }

  async get(principal: Principal, id: string): Promise<GrantTemplateEntity> {
    const template = await this.dataSource
      .getRepository(GrantTemplateEntity)
      .findOneBy({ id, orgId: principal.orgId });
    if (!template) throw grantNotFound('grant template');
    return template;
  }

  /** Changes the template and, in the same transaction, every live grant made from it. */
  async update(principal: Principal, id: string, body: UpdateGrantTemplateRequestDto, meta: RequestMeta) {
    if (body.tool !== undefined || body.toolPattern !== undefined)
      throw invalidGrant('tool', 'the tool of a template cannot change (instantiate a new template)');
    const result = await this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(GrantTemplateEntity);
      const template = await repo
        .createQueryBuilder('t')
        .setLock('pessimistic_write')
        .where('t.id = :id AND t.org_id = :orgId', { id, orgId: principal.orgId })
        .getOne();
      if (!template) throw grantNotFound('grant template');
      const current = scopeOfTemplate(template);
      const given = scopeOf(body);
      const next: GrantScope = {
        ...current,
        server: body.server !== undefined ? given.server : current.server,
        constraints: body.constraints !== undefined ? given.constraints : current.constraints,
        expiresAt: body.expiresAt !== undefined ? given.expiresAt : current.expiresAt,
        maxUses: body.maxUses !== undefined ? given.maxUses : current.maxUses,
        budget: body.budget !== undefined ? given.budget : current.budget,
      };
      assertValidScope(next, false);
      Object.assign(template, columnsOf(next), {
        reason: body.reason ?? template.reason,
        version: template.version + 1,
      });
      const saved = await repo.save(template);
      const updated = await manager.query<Array<{ id: string }>>(
        `WITH u AS (
           UPDATE grants SET server = $3, constraints = $4::jsonb, expires_at = $5,
                  max_uses = CASE WHEN $6::int IS NULL THEN NULL ELSE GREATEST($6::int, uses) END,
                  budget_argument = $7, budget_limit = $8::numeric, budget_window_seconds = $9, reason = $10,
                  updated_at = now()
            WHERE org_id = $1 AND template_id = $2 AND revoked_at IS NULL
            RETURNING id)
         SELECT id FROM u`,
        [
          principal.orgId,
          id,
          next.server,
          next.constraints === null ? null : JSON.stringify(next.constraints),
          next.expiresAt,
          next.maxUses,
          next.budget?.argument ?? null,
          next.budget ? String(next.budget.limit) : null,
          next.budget?.windowSeconds ?? null,
          saved.reason,
        ],
      );
      await markGrantsChanged(manager, principal.orgId);
      await this.events.publish(
        manager,
        principal,
        GrantEventType.TemplateUpdated,
        { type: 'grant_template', id },
        { version: saved.version, ...scopeData(next), updatedGrants: updated.map((u) => u.id) },
        meta,
      );
      return { template: saved, updatedGrants: updated.length };
    });
    this.directory.invalidate(principal.orgId);
    return result;
  }

  async instantiate(
    principal: Principal,
    id: string,
    body: InstantiateGrantTemplateRequestDto,
    meta: RequestMeta,
  ): Promise<GrantEntity[]> {
    const template = await this.get(principal, id);
    const slot = template.tool === null && template.toolPattern === null;
    if (slot && !body.tools) throw invalidGrant('tools', 'this template has a tool slot: give tools');
    if (!slot && body.tools) throw invalidGrant('tools', 'this template names its tool: give no tools');
    const tools = body.tools ? [...new Set(body.tools)] : [null];
    const agents = [...new Set(body.agents)];
    if (agents.length * tools.length > MAX_INSTANTIATION)
      throw invalidGrant('agents', `one instantiation creates at most ${MAX_INSTANTIATION} grants`);
    const agentIds: string[] = [];
    for (const name of agents) agentIds.push(await this.grants.agentId(principal.orgId, name, 'agents'));
    const base = scopeOfTemplate(template);
    const scopes = tools.map((tool) => (tool === null ? base : { ...base, tool, toolPattern: null }));
    for (const scope of scopes) assertValidScope(scope);
    const issuer = {
      type: principal.kind === 'member' ? 'member' : 'api_key',
      id: principal.memberId ?? principal.apiKeyId ?? 'system',
    };
    const created = await this.dataSource.transaction(async (manager) => {
      const out: GrantEntity[] = [];
      for (const agentId of agentIds) {
        for (const scope of scopes) {
          out.push(
            await this.grants.insert(manager, {
              orgId: principal.orgId,
              agentId,
              agentSelector: null,
              scope,
              reason: template.reason,
              issuer,
              templateId: template.id,
            }),
          );
        }
      }
      await this.events.publish(
        manager,
        principal,
        GrantEventType.TemplateInstantiated,
        { type: 'grant_template', id: template.id },
        { version: template.version, grantIds: out.map((g) => g.id), agentIds, tools: body.tools ?? null },
        meta,
      );
      return out;
    });
    this.directory.invalidate(principal.orgId);
    return created;
  }
}

function scopeOfTemplate(t: GrantTemplateEntity): GrantScope {
  return {
    server: t.server,
    tool: t.tool,
    toolPattern: t.toolPattern,
    constraints: t.constraints,
    notBefore: null,
    expiresAt: t.expiresAt ? new Date(t.expiresAt) : null,
    maxUses: t.maxUses,
    budget:
      t.budgetArgument !== null && t.budgetLimit !== null && t.budgetWindowSeconds !== null
        ? { argument: t.budgetArgument, limit: Number(t.budgetLimit), windowSeconds: t.budgetWindowSeconds }
        : null,
  };
}

function columnsOf(scope: GrantScope) {
  return {
    server: scope.server,
    constraints: scope.constraints,
    expiresAt: scope.expiresAt,
    maxUses: scope.maxUses,
    budgetArgument: scope.budget?.argument ?? null,
    budgetLimit: scope.budget ? String(scope.budget.limit) : null,
    budgetWindowSeconds: scope.budget?.windowSeconds ?? null,
  };
}

function scopeData(scope: GrantScope): Record<string, unknown> {
  return {
    server: scope.server,
    tool: scope.tool,
    toolPattern: scope.toolPattern,
    constraints: scope.constraints,
    expiresAt: scope.expiresAt?.toISOString() ?? null,
    maxUses: scope.maxUses,
    budget: scope.budget,
  };
}
