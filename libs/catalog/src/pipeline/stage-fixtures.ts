import type { DecisionDraft, DecisionRequest, PolicyInput } from '@mandate/decisions';
import type { AgentEntity } from '@mandate/identity';
import { jsonDigest } from '@mandate/gates';
import type { OrgCatalog, ToolSnapshot } from '../store/catalog-snapshot';
import type { CatalogChangeContext, ServerRef } from '../store/catalog.service';
import type { PresentedDefinition } from '../store/tool-definition-view';
import type { CatalogLookup, SightingRecorder } from './catalog.stage';

export const ORG = '00000000-0000-4000-8000-00000000000a';

/** A decision in progress with the neutral defaults the decision service starts from (test fixture). */
export function draftOf(request: Partial<DecisionRequest>): DecisionDraft {
  const full: DecisionRequest = {
    agent: 'coder',
    server: { name: 'fs' },
    tool: { name: 'read_file' },
    arguments: {},
    phase: 'call',
    ...request,
  };
  const input: PolicyInput = {
    phase: full.phase,
    agent: { id: 'a', name: 'coder', labels: {}, trust: 0, owner: null, enabled: true },
    principal: null,
    server: { id: null, name: full.server.name, url: full.server.url ?? null },
    tool: {
      name: full.tool.name,
      digest: null,
      pinned: false,
      changed: false,
      risk: 'unknown',
      annotations: {},
    },
    arguments: full.arguments,
    findings: [],
    grants: [],
    approval: null,
    context: { time: '', ip: '127.0.0.1', gateway: 'k', session: null, request_id: 'r' },
  };
  return {
    decisionId: 'd',
    caller: { orgId: ORG, apiKeyId: 'k', ip: '127.0.0.1', requestId: 'r' },
    request: full,
    agent: {} as AgentEntity,
    now: new Date(),
    input,
    facts: {},
  };
}

export function snapshot(over: Partial<ToolSnapshot> = {}): ToolSnapshot {
  const inputSchema = over.inputSchema ?? {
    type: 'object',
    properties: { path: { type: 'string' } },
    required: ['path'],
    additionalProperties: false,
  };
  return {
    id: 't1',
    serverId: 's1',
    name: 'read_file',
    status: 'approved',
    risk: 'read',
    currentDigest: 'sha256:a',
    approvedDigest: 'sha256:a',
    schemaDigest: jsonDigest(inputSchema),
    annotations: {},
    ...over,
    inputSchema,
  };
}

/** An in-memory catalog with the cache's and the service's shapes. */
export class FakeCatalog implements CatalogLookup, SightingRecorder {
  tools: ToolSnapshot[] = [];
  reads: boolean[] = [];
  observed: Array<{ server: ServerRef; toolName: string; presented: PresentedDefinition | null }> = [];
  /** What observe() answers (default: a pending tool with the presented digest). */
  onObserve: (toolName: string, presented: PresentedDefinition | null) => ToolSnapshot | null = (name, p) =>
    snapshot({
      id: 'new',
      name,
      status: 'pending',
      risk: null,
      currentDigest: p?.digest ?? null,
      approvedDigest: null,
    });

  get(orgId: string, fresh = false): Promise<OrgCatalog> {
    this.reads.push(fresh);
    const tools = new Map(this.tools.map((t) => [t.name, t]));
    return Promise.resolve({
      orgId,
      revision: 1,
      servers: new Map([['fs', { id: 's1', name: 'fs', trustOnFirstUse: false, tools }]]),
    });
  }

  observe(
    _ctx: CatalogChangeContext,
    server: ServerRef,
    toolName: string,
    presented: PresentedDefinition | null,
  ): Promise<ToolSnapshot | null> {
    this.observed.push({ server, toolName, presented });
    return Promise.resolve(this.onObserve(toolName, presented));
  }
}
