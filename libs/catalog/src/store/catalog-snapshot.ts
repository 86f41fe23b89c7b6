import type { RiskClass, ToolStatus } from '../entities/catalog-tool.entity';

/** What the decision path needs of one catalog tool (kept in memory per organisation). */
export interface ToolSnapshot {
  id: string;
  serverId: string;
  name: string;
  status: ToolStatus;
  risk: RiskClass | null;
  currentDigest: string | null;
  approvedDigest: string | null;
  /** The pinned input schema (of the approved definition; of the newest one while never approved). */
  inputSchema: unknown;
  /** `sha256:` of inputSchema's canonical JSON: the key of the compiled-validator cache. */
  schemaDigest: string | null;
  /** Annotations of the same definition: hints only. */
  annotations: Record<string, unknown>;
}

export interface ServerSnapshot {
  id: string;
  name: string;
  trustOnFirstUse: boolean;
  tools: Map<string, ToolSnapshot>;
}

/** An organisation's catalog as of `revision`. */
export interface OrgCatalog {
  orgId: string;
  revision: number;
  servers: Map<string, ServerSnapshot>;
}
