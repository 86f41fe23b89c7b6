import { Injectable } from '@nestjs/common';
import { jsonDigest } from '@mandate/gates';
import { DataSource } from 'typeorm';
import type { RiskClass, ToolStatus } from '../entities/catalog-tool.entity';
import type { OrgCatalog, ServerSnapshot, ToolSnapshot } from './catalog-snapshot';

interface ToolRow {
  id: string;
  server_id: string;
  name: string;
  status: ToolStatus;
  risk: RiskClass | null;
  current_digest: string | null;
  approved_digest: string | null;
  input_schema: unknown;
  annotations: unknown;
}

/** Reads an organisation's catalog for the decision path (three indexed queries, no definitions). */
@Injectable()
export class CatalogReader {
  constructor(private readonly dataSource: DataSource) {}

  async load(orgId: string): Promise<OrgCatalog> {
    // The revision is read first: a change committing meanwhile makes the copy look older, never newer.
    const revision = (await this.revisions([orgId])).get(orgId) ?? 0;
    const servers = await this.dataSource.query<
      Array<{ id: string; name: string; trust_on_first_use: boolean }>
    >(`SELECT id, name, trust_on_first_use FROM catalog_servers WHERE org_id = $1`, [orgId]);
    const tools = await this.dataSource.query<ToolRow[]>(
      `SELECT id, server_id, name, status, risk, current_digest, approved_digest,
              COALESCE(approved_definition, current_definition) -> 'inputSchema' AS input_schema,
              COALESCE(approved_definition, current_definition) -> 'annotations' AS annotations
         FROM catalog_tools WHERE org_id = $1`,
      [orgId],
    );
    const byId = new Map<string, ServerSnapshot>();
    const byName = new Map<string, ServerSnapshot>();
    for (const s of servers) {
      const server: ServerSnapshot = {
        id: s.id,
        name: s.name,
        trustOnFirstUse: s.trust_on_first_use,
        tools: new Map(),
      };
      byId.set(s.id, server);
      byName.set(s.name, server);
    }
    for (const row of tools) byId.get(row.server_id)?.tools.set(row.name, toolSnapshot(row));
    return { orgId, revision, servers: byName };
  }

  /** Current catalog revision of each organisation (absent = 0). */
  async revisions(orgIds: readonly string[]): Promise<Map<string, number>> {
    if (orgIds.length === 0) return new Map();
    const rows = await this.dataSource.query<Array<{ org_id: string; revision: string }>>(
      `SELECT org_id, revision FROM catalog_revisions WHERE org_id = ANY($1::uuid[])`,
      [orgIds],
    );
    return new Map(rows.map((r) => [r.org_id, Number(r.revision)]));
  }
}

export function toolSnapshot(row: ToolRow): ToolSnapshot {
  const schema = row.input_schema ?? null;
  let schemaDigest: string | null = null;
  if (schema !== null) {
    try {
      schemaDigest = jsonDigest(schema);
    } catch {
      schemaDigest = null;
    }
  }
  const annotations = row.annotations;
  return {
    id: row.id,
    serverId: row.server_id,
    name: row.name,
    status: row.status,
    risk: row.risk,
    currentDigest: row.current_digest,
    approvedDigest: row.approved_digest,
    inputSchema: schema,
    schemaDigest,
    annotations:
      annotations !== null && typeof annotations === 'object' && !Array.isArray(annotations)
        ? (annotations as Record<string, unknown>)
        : {},
  };
}

export type { ToolRow };
