import { Inject, Injectable } from '@nestjs/common';
import { denied, type DecisionDraft, type DecisionOutcome, type DecisionStage } from '@mandate/decisions';
import type { Actor } from '@mandate/events';
import type { OrgCatalog, ToolSnapshot } from '../store/catalog-snapshot';
import { CatalogCache } from '../store/catalog.cache';
import { CatalogService, type CatalogChangeContext, type ServerRef } from '../store/catalog.service';
import { presentDefinition, type PresentedDefinition } from '../store/tool-definition-view';
import { pinFacts } from '../store/tool-sighting';
import { ResolvedTools } from './resolved-tools';

/** Where the stage reads the catalog (CatalogCache) and records sightings (CatalogService). */
export interface CatalogLookup {
  get(orgId: string, fresh?: boolean): Promise<OrgCatalog>;
}
export interface SightingRecorder {
  observe(
    ctx: CatalogChangeContext,
    server: ServerRef,
    toolName: string,
    presented: PresentedDefinition | null,
  ): Promise<ToolSnapshot | null>;
}

/**
 * Decision stage `catalog` (order 100): resolves the server and tool in the organisation's catalog (from
 * memory; a consistency token reads the database) and fills `input.server.id` and `input.tool` {digest,
 * pinned, changed, risk, status, annotations (hints only)}; records the evaluated digest in the decision's
 * facts. A tool the catalog does not know is recorded `pending`; a presented definition it has not seen is
 * recorded — quarantining an approved tool whose definition changed (drift detection at call time). A
 * `list`-phase decision presenting `tool.definition` thereby reports the tool implicitly.
 */
@Injectable()
export class CatalogStage implements DecisionStage {
  readonly name = 'catalog';
  readonly order = 100;

  constructor(
    @Inject(CatalogCache) private readonly lookup: CatalogLookup,
    @Inject(CatalogService) private readonly recorder: SightingRecorder,
    private readonly resolved: ResolvedTools,
  ) {}

  async prepare(draft: DecisionDraft): Promise<DecisionOutcome | void> {
    const { request, caller } = draft;
    const raw = request.tool.definition;
    const presented = raw === undefined ? null : presentDefinition(raw);
    if (raw !== undefined && (presented === null || presented.definition.name !== request.tool.name)) {
      return denied(
        'tool_definition_mismatch',
        `the presented definition is not a definition of tool ${request.tool.name}`,
      );
    }
    const catalog = await this.lookup.get(caller.orgId, request.consistencyToken !== undefined);
    const server = catalog.servers.get(request.server.name);
    let tool = server?.tools.get(request.tool.name) ?? null;
    const unseen =
      presented !== null &&
      tool !== null &&
      presented.digest !== tool.currentDigest &&
      presented.digest !== tool.approvedDigest;
    if (tool === null || unseen) {
      const ctx: CatalogChangeContext = {
        orgId: caller.orgId,
        actor: gatewayActor(caller.apiKeyId),
        requestId: caller.requestId,
        ip: caller.ip,
      };
      tool = await this.recorder.observe(
        ctx,
        { name: request.server.name, url: request.server.url ?? null },
        request.tool.name,
        presented,
      );
    }
    const facts = pinFacts(tool, presented?.digest ?? null);
    const annotations = presented?.definition.annotations;
    draft.input.server.id = tool?.serverId ?? server?.id ?? null;
    Object.assign(draft.input.tool, {
      digest: facts.digest,
      pinned: facts.pinned,
      changed: facts.changed,
      risk: facts.risk,
      status: facts.status,
      annotations: isObject(annotations) ? annotations : (tool?.annotations ?? {}),
    });
    draft.facts.toolDigest = facts.digest;
    draft.facts.pinnedDigest = tool?.approvedDigest ?? null;
    draft.facts.toolStatus = facts.status;
    this.resolved.set(draft, { tool, presented });
  }
}

function gatewayActor(apiKeyId: string | null): Actor {
  return apiKeyId === null ? { type: 'system', id: 'decision' } : { type: 'api_key', id: apiKeyId };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
