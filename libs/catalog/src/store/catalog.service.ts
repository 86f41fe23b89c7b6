import { randomUUID } from 'node:crypto';
import { keysetPage } from '@mandate/db';
import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode, type Page } from '@mandate/common';
import { DomainEventPublisher, type Actor } from '@mandate/events';
import {
  diffDefinitions,
  scanToolDefinition,
  type DefinitionDiff,
  type Finding,
  type ToolDefinition,
} from '@mandate/gates';
import { DataSource, type EntityManager } from 'typeorm';
import { CatalogServerEntity } from '../entities/catalog-server.entity';
import { CatalogToolEntity, type RiskClass, type ToolStatus } from '../entities/catalog-tool.entity';
import { CATALOG_CHANGED_CHANNEL } from './catalog-change.channel';
import { CatalogEventType } from './catalog-event-type';
import type { ToolSnapshot } from './catalog-snapshot';
import { CatalogCache } from './catalog.cache';
import { toolSnapshot } from './catalog.reader';
import { presentDefinition, type PresentedDefinition } from './tool-definition-view';
import { planSighting } from './tool-sighting';

/** Limits that keep a misbehaving gateway from growing an organisation's catalog without bound. */
export const CATALOG_LIMITS = { maxServersPerOrg: 1000, maxToolsPerOrg: 10_000, maxToolsPerReport: 500 };

/** Who changes the catalog, and from where (recorded with its domain events). */
export interface CatalogChangeContext {
  orgId: string;
  actor: Actor;
  requestId?: string;
  ip?: string;
}

export interface ServerRef {
  name: string;
  url?: string | null;
}

/** The outcome of reporting one tool. */
export interface ReportedTool {
  id: string;
  name: string;
  digest: string;
  status: ToolStatus;
  risk: RiskClass | 'unknown';
  findings: Finding[];
}

export interface ToolFilter {
  serverId?: string;
  status?: ToolStatus;
}

const notFound = (what: string) => new DomainError(ErrorCode.NotFound, `${what} not found`);

/**
 * The organisation's MCP catalog: sightings reported by gateways (explicitly or through decisions),
 * quarantine of changed definitions, and the admin's approvals, blocks and risk classes. Every change runs
 * in one transaction that first bumps the organisation's catalog revision (which also serialises catalog
 * changes per organisation), publishes its domain events and notifies the replicas' caches.
 */
@Injectable()
export class CatalogService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: DomainEventPublisher,
    private readonly cache: CatalogCache,
  ) {}

  /** `POST /v1/catalog/report`: the `tools/list` result a gateway saw on one server. */
  async report(
    ctx: CatalogChangeContext,
    server: ServerRef,
    tools: unknown[],
  ): Promise<{ serverId: string; tools: ReportedTool[] }> {
    if (tools.length > CATALOG_LIMITS.maxToolsPerReport) {
      throw new DomainError(
        ErrorCode.ValidationFailed,
        `at most ${CATALOG_LIMITS.maxToolsPerReport} tools per report`,
        { field: 'tools' },
      );
    }
    const presented = tools.map((tool, index) => validToolObject(tool, index));
    const names = new Set<string>();
    for (const p of presented) {
      const name = p.definition.name as string;
      if (names.has(name)) {
        throw new DomainError(ErrorCode.ValidationFailed, `tool ${name} is listed twice`, {
          field: 'tools',
        });
      }
      names.add(name);
    }
    const out = await this.change(ctx, async (manager) => {
      const row = await this.ensureServer(manager, ctx, server);
      if (row === null) {
        throw new DomainError(
          ErrorCode.Conflict,
          `the catalog holds ${CATALOG_LIMITS.maxServersPerOrg} servers, the limit`,
        );
      }
      const known = await this.knownNames(manager, ctx.orgId);
      const knownToolNames = [...new Set([...known.tools, ...names])];
      const results: ReportedTool[] = [];
      for (const p of presented) {
        const tool = await this.sight(manager, ctx, row, p.definition.name as string, p, {
          knownToolNames,
          knownServers: known.servers,
          touch: true,
        });
        if (tool === null) {
          throw new DomainError(
            ErrorCode.Conflict,
            `the catalog holds ${CATALOG_LIMITS.maxToolsPerOrg} tools, the limit`,
          );
        }
        results.push({
          id: tool.id,
          name: tool.name,
          digest: p.digest,
          status: tool.status,
          risk: tool.risk ?? 'unknown',
          findings: tool.findings,
        });
      }
      return { serverId: row.id, tools: results };
    });
    return out;
  }

  /**
   * A decision met a tool the cached catalog does not know, or a definition it has not seen: records the
   * sighting (creating the server/tool, quarantining a changed definition) and returns the tool's state,
   * or null when the catalog is full.
   */
  async observe(
    ctx: CatalogChangeContext,
    server: ServerRef,
    toolName: string,
    presented: PresentedDefinition | null,
  ): Promise<ToolSnapshot | null> {
    return this.change(ctx, async (manager) => {
      const row = await this.ensureServer(manager, ctx, server);
      if (row === null) return null;
      const known = presented ? await this.knownNames(manager, ctx.orgId) : { tools: [], servers: [] };
      const tool = await this.sight(manager, ctx, row, toolName, presented, {
        knownToolNames: known.tools,
        knownServers: known.servers,
        touch: false,
      });
      return tool === null ? null : snapshotOf(tool);
    });
  }

  listServers(orgId: string, limit: number, cursor?: string): Promise<Page<CatalogServerEntity>> {
    const query = this.dataSource
      .getRepository(CatalogServerEntity)
      .createQueryBuilder('s')
      .where('s.org_id = :orgId', { orgId });
    return keysetPage(query, 's', limit, cursor);
  }

  async getServer(orgId: string, id: string): Promise<CatalogServerEntity> {
    const server = await this.dataSource.getRepository(CatalogServerEntity).findOneBy({ orgId, id });
    if (server === null) throw notFound('Server');
    return server;
  }

  async updateServer(
    ctx: CatalogChangeContext,
    id: string,
    changes: { trustOnFirstUse?: boolean },
  ): Promise<CatalogServerEntity> {
    return this.change(ctx, async (manager) => {
      const repository = manager.getRepository(CatalogServerEntity);
      const server = await repository.findOneBy({ orgId: ctx.orgId, id });
      if (server === null) throw notFound('Server');
      const before = { trustOnFirstUse: server.trustOnFirstUse };
      if (changes.trustOnFirstUse !== undefined) server.trustOnFirstUse = changes.trustOnFirstUse;
      await repository.save(server);
      await this.publish(manager, ctx, CatalogEventType.ServerUpdated, 'catalog_server', id, {
        name: server.name,
        before,
        after: { trustOnFirstUse: server.trustOnFirstUse },
      });
      return server;
    });
  }

  listTools(
    orgId: string,
    filter: ToolFilter,
    limit: number,
    cursor?: string,
  ): Promise<Page<CatalogToolEntity>> {
    const query = this.dataSource
      .getRepository(CatalogToolEntity)
      .createQueryBuilder('t')
      .where('t.org_id = :orgId', { orgId });
    if (filter.serverId !== undefined)
      query.andWhere('t.server_id = :serverId', { serverId: filter.serverId });
    if (filter.status !== undefined) query.andWhere('t.status = :status', { status: filter.status });
    return keysetPage(query, 't', limit, cursor);
  }

  async getTool(orgId: string, id: string): Promise<CatalogToolEntity> {
    const tool = await this.dataSource.getRepository(CatalogToolEntity).findOneBy({ orgId, id });
    if (tool === null) throw notFound('Tool');
    return tool;
  }

  /** Approves the tool's current definition; `digest` must name it (what the admin reviewed). */
  async approve(ctx: CatalogChangeContext, id: string, digest: string): Promise<CatalogToolEntity> {
    return this.change(ctx, async (manager) => {
      const tool = await this.lockTool(manager, ctx.orgId, id);
      if (tool.currentDigest === null || tool.currentDefinition === null) {
        throw new DomainError(
          ErrorCode.Conflict,
          'No definition of this tool has been reported yet; nothing to approve',
        );
      }
      if (digest !== tool.currentDigest) {
        throw new DomainError(
          ErrorCode.Conflict,
          'The digest is not the tool’s current definition (it changed since you reviewed it)',
          { field: 'digest', currentDigest: tool.currentDigest },
        );
      }
      if (tool.status === 'approved') {
        throw new DomainError(ErrorCode.Conflict, 'This definition is already approved');
      }
      const previousDigest = tool.approvedDigest;
      const previousStatus = tool.status;
      tool.status = 'approved';
      tool.approvedDigest = tool.currentDigest;
      tool.approvedDefinition = tool.currentDefinition;
      tool.diff = null;
      tool.approvedByType = ctx.actor.type;
      tool.approvedById = ctx.actor.id;
      tool.approvedAt = new Date();
      await manager.getRepository(CatalogToolEntity).save(tool);
      await this.publish(manager, ctx, CatalogEventType.ToolApproved, 'catalog_tool', tool.id, {
        name: tool.name,
        serverId: tool.serverId,
        digest,
        previousDigest,
        previousStatus,
        by: ctx.actor,
      });
      return tool;
    });
  }

  async block(ctx: CatalogChangeContext, id: string, reason?: string): Promise<CatalogToolEntity> {
    return this.change(ctx, async (manager) => {
      const tool = await this.lockTool(manager, ctx.orgId, id);
      if (tool.status === 'blocked') return tool;
      const previousStatus = tool.status;
      tool.status = 'blocked';
      await manager.getRepository(CatalogToolEntity).save(tool);
      await this.publish(manager, ctx, CatalogEventType.ToolBlocked, 'catalog_tool', tool.id, {
        name: tool.name,
        serverId: tool.serverId,
        digest: tool.currentDigest,
        previousStatus,
        reason: reason ?? null,
      });
      return tool;
    });
  }

  async setRisk(ctx: CatalogChangeContext, id: string, risk: RiskClass | null): Promise<CatalogToolEntity> {
    return this.change(ctx, async (manager) => {
      const tool = await this.lockTool(manager, ctx.orgId, id);
      const before = tool.risk;
      if (before === risk) return tool;
      tool.risk = risk;
      await manager.getRepository(CatalogToolEntity).save(tool);
      await this.publish(manager, ctx, CatalogEventType.ToolRiskChanged, 'catalog_tool', tool.id, {
        name: tool.name,
        serverId: tool.serverId,
        before: before ?? 'unknown',
        after: risk ?? 'unknown',
      });
      return tool;
    });
  }

  /** The diff of a tool's current definition against its approved one (null when there is nothing to compare). */
  diffOf(tool: CatalogToolEntity): DefinitionDiff | null {
    if (tool.approvedDefinition === null || tool.currentDefinition === null) return null;
    if (tool.approvedDigest === tool.currentDigest) return null;
    return (
      tool.diff ??
      diffDefinitions(
        tool.approvedDefinition as unknown as ToolDefinition,
        tool.currentDefinition as unknown as ToolDefinition,
      )
    );
  }

  /* ------------------------------------------------------------------------------------------ internals */

  /** Runs a change: revision bump (per-organisation lock) + NOTIFY, then `work`; invalidates the cache. */
  private async change<T>(
    ctx: CatalogChangeContext,
    work: (manager: EntityManager) => Promise<T>,
  ): Promise<T> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const rows = await manager.query<Array<{ revision: string }>>(
          `INSERT INTO catalog_revisions (org_id, revision) VALUES ($1, 1)
           ON CONFLICT (org_id) DO UPDATE SET revision = catalog_revisions.revision + 1
           RETURNING revision`,
          [ctx.orgId],
        );
        await manager.query(`SELECT pg_notify($1, $2)`, [
          CATALOG_CHANGED_CHANNEL,
          JSON.stringify({ orgId: ctx.orgId, revision: Number(rows[0].revision) }),
        ]);
        return work(manager);
      });
    } finally {
      this.cache.invalidate(ctx.orgId);
    }
  }

  private async ensureServer(
    manager: EntityManager,
    ctx: CatalogChangeContext,
    ref: ServerRef,
  ): Promise<CatalogServerEntity | null> {
    const repository = manager.getRepository(CatalogServerEntity);
    const existing = await repository.findOneBy({ orgId: ctx.orgId, name: ref.name });
    if (existing !== null) {
      if (ref.url && existing.url !== ref.url && existing.url === null) {
        existing.url = ref.url;
        await repository.save(existing);
      }
      return existing;
    }
    if ((await repository.countBy({ orgId: ctx.orgId })) >= CATALOG_LIMITS.maxServersPerOrg) return null;
    const server = repository.create({
      id: randomUUID(),
      orgId: ctx.orgId,
      name: ref.name,
      url: ref.url ?? null,
      trustOnFirstUse: false,
    });
    await repository.save(server);
    await this.publish(manager, ctx, CatalogEventType.ServerRegistered, 'catalog_server', server.id, {
      name: server.name,
      url: server.url,
    });
    return server;
  }

  private async knownNames(
    manager: EntityManager,
    orgId: string,
  ): Promise<{ tools: string[]; servers: string[] }> {
    const tools = await manager.query<Array<{ name: string }>>(
      `SELECT DISTINCT name FROM catalog_tools WHERE org_id = $1 LIMIT 20000`,
      [orgId],
    );
    const servers = await manager.query<Array<{ name: string }>>(
      `SELECT name FROM catalog_servers WHERE org_id = $1`,
      [orgId],
    );
    return { tools: tools.map((r) => r.name), servers: servers.map((r) => r.name) };
  }

  /** Records one sighting of a tool (see planSighting); null when the organisation's catalog is full. */
  private async sight(
    manager: EntityManager,
    ctx: CatalogChangeContext,
    server: CatalogServerEntity | null,
    name: string,
    presented: PresentedDefinition | null,
    options: { knownToolNames: string[]; knownServers: string[]; touch: boolean },
  ): Promise<CatalogToolEntity | null> {
    if (server === null) return null;
    const repository = manager.getRepository(CatalogToolEntity);
    const existing = await repository
      .createQueryBuilder('t')
      .where('t.server_id = :serverId AND t.name = :name', { serverId: server.id, name })
      .setLock('pessimistic_write')
      .getOne();
    const plan = planSighting(existing, presented?.digest ?? null, server.trustOnFirstUse);
    const now = new Date();
    const findings = (): Finding[] =>
      presented === null
        ? []
        : scanToolDefinition(presented.definition as unknown as ToolDefinition, {
            knownToolNames: options.knownToolNames,
            knownServers: options.knownServers,
            server: server.name,
          });
    const subject = (id: string) => ({ name, serverId: server.id, server: server.name, id });

    if (plan.kind === 'create') {
      if ((await repository.countBy({ orgId: ctx.orgId })) >= CATALOG_LIMITS.maxToolsPerOrg) return null;
      const tool = repository.create({
        id: randomUUID(),
        orgId: ctx.orgId,
        serverId: server.id,
        name,
        status: plan.status,
        risk: null,
        currentDigest: presented?.digest ?? null,
        currentDefinition: presented?.definition ?? null,
        approvedDigest: plan.autoApproved ? (presented?.digest ?? null) : null,
        approvedDefinition: plan.autoApproved ? (presented?.definition ?? null) : null,
        diff: null,
        findings: findings(),
        approvedByType: plan.autoApproved ? 'system' : null,
        approvedById: plan.autoApproved ? 'trust_on_first_use' : null,
        approvedAt: plan.autoApproved ? now : null,
        lastSeenAt: now,
      });
      await repository.save(tool);
      const { id, ...about } = subject(tool.id);
      await this.publish(manager, ctx, CatalogEventType.ToolReported, 'catalog_tool', id, {
        ...about,
        digest: tool.currentDigest,
        status: 'pending',
        findings: summary(tool.findings),
      });
      if (plan.autoApproved) {
        await this.publish(manager, ctx, CatalogEventType.ToolApproved, 'catalog_tool', id, {
          ...about,
          digest: tool.approvedDigest,
          previousDigest: null,
          previousStatus: 'pending',
          by: { type: 'system', id: 'trust_on_first_use' },
        });
      }
      return tool;
    }
    if (existing === null) return null; // unreachable: planSighting creates when nothing exists
    if (plan.kind === 'unchanged' || presented === null) {
      if (options.touch) {
        existing.lastSeenAt = now;
        await repository.save(existing);
      }
      return existing;
    }
    existing.currentDigest = presented.digest;
    existing.currentDefinition = presented.definition;
    existing.findings = findings();
    existing.lastSeenAt = now;
    const { id, ...about } = subject(existing.id);
    if (plan.kind === 'quarantine') {
      const diff = diffDefinitions(
        existing.approvedDefinition as unknown as ToolDefinition,
        presented.definition as unknown as ToolDefinition,
      );
      existing.status = 'quarantined';
      existing.diff = diff;
      await repository.save(existing);
      await this.publish(manager, ctx, CatalogEventType.ToolQuarantined, 'catalog_tool', id, {
        ...about,
        digest: presented.digest,
        approvedDigest: existing.approvedDigest,
        changedFields: diff.fields.map((f) => f.field),
        findings: summary(existing.findings),
      });
      return existing;
    }
    existing.status = plan.status;
    existing.diff = null;
    await repository.save(existing);
    await this.publish(manager, ctx, CatalogEventType.ToolReported, 'catalog_tool', id, {
      ...about,
      digest: presented.digest,
      status: existing.status,
      findings: summary(existing.findings),
    });
    return existing;
  }

  private async lockTool(manager: EntityManager, orgId: string, id: string): Promise<CatalogToolEntity> {
    const tool = await manager
      .getRepository(CatalogToolEntity)
      .createQueryBuilder('t')
      .where('t.org_id = :orgId AND t.id = :id', { orgId, id })
      .setLock('pessimistic_write')
      .getOne();
    if (tool === null) throw notFound('Tool');
    return tool;
  }

  private async publish(
    manager: EntityManager,
    ctx: CatalogChangeContext,
    type: CatalogEventType,
    subjectType: string,
    subjectId: string,
    data: Record<string, unknown>,
  ): Promise<void> {
    await this.publisher.publish(manager, {
      type,
      orgId: ctx.orgId,
      actor: ctx.actor,
      subject: { type: subjectType, id: subjectId },
      data,
      requestId: ctx.requestId,
      ip: ctx.ip,
    });
  }
}

/** Counts per severity (the findings themselves stay on the tool row). */
function summary(findings: Finding[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of findings) out[f.severity] = (out[f.severity] ?? 0) + 1;
  return out;
}

// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;

function validToolObject(tool: unknown, index: number): PresentedDefinition {
  const invalid = (why: string) =>
    new DomainError(ErrorCode.ValidationFailed, `tools[${index}] ${why}`, { field: `tools[${index}]` });
  if (tool === null || typeof tool !== 'object' || Array.isArray(tool)) throw invalid('must be an object');
  const record = tool as Record<string, unknown>;
  const name = record.name;
  if (typeof name !== 'string' || name.length < 1 || name.length > 256 || !NO_CONTROL.test(name)) {
    throw invalid('needs a name of 1-256 printable characters');
  }
  const schema = record.inputSchema;
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
    throw invalid('needs an inputSchema object');
  }
  if (record.description !== undefined && typeof record.description !== 'string') {
    throw invalid('has a description that is not a string');
  }
  const presented = presentDefinition(record);
  if (presented === null) throw invalid('cannot be canonicalised');
  return presented;
}

function snapshotOf(tool: CatalogToolEntity): ToolSnapshot {
  const definition = tool.approvedDefinition ?? tool.currentDefinition;
  return toolSnapshot({
    id: tool.id,
    server_id: tool.serverId,
    name: tool.name,
    status: tool.status,
    risk: tool.risk,
    current_digest: tool.currentDigest,
    approved_digest: tool.approvedDigest,
    input_schema: definition?.inputSchema ?? null,
    annotations: definition?.annotations ?? null,
  });
}
