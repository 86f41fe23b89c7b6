import type { AgentEntity } from '@mandate/identity';
import type { PolicyInput } from '../pipeline/decision-stage';

export type DecisionPhase = 'list' | 'call' | 'result';

/** How an upstream call went (phase `result`), as a gateway reports it. */
export const CALL_OUTCOME_STATUSES = ['ok', 'tool_error', 'upstream_error', 'timeout'] as const;
export type CallOutcomeStatus = (typeof CALL_OUTCOME_STATUSES)[number];
/** Longest call duration accepted in a report: one day. */
export const MAX_CALL_DURATION_MS = 86_400_000;
export type JsonObject = Record<string, unknown>;

/** One decision request, as received (already validated). */
export interface DecisionRequest {
  agent: string;
  principal?: { id: string; email?: string; groups?: string[] } | null;
  server: { name: string; url?: string };
  tool: { name: string; definition?: JsonObject };
  arguments: JsonObject;
  phase: DecisionPhase;
  context?: { session?: string };
  consistencyToken?: string;
  /** A grant token (JWT) the agent presents; verified by the grants stage. */
  grantToken?: string;
  /** Phase `result`: the tool's result (e.g. an MCP CallToolResult), scanned by the gates stage. */
  result?: JsonObject;
  /** Phase `result`: how the upstream call went; recorded in the decision's facts. */
  outcome?: { status: CallOutcomeStatus; durationMs: number };
}

/** Who asks and from where (from the authenticated HTTP request). */
export interface DecisionCaller {
  orgId: string;
  /** The gateway's API key, or null for a member token. */
  apiKeyId: string | null;
  ip: string;
  requestId: string;
  /** W3C trace context of the request (`traceparent` header), recorded with the decision. */
  trace?: { traceId: string; parentSpanId: string } | null;
}

/**
 * The policy input document — the contract of the product brief (`input.phase`, `agent`, `principal`,
 * `server`, `tool`, `arguments`, `findings`, `grants`, `approval`, `context`). The catalog, gates, grants
 * and approvals facts start with neutral defaults (not pinned, unknown risk, no findings, no grants) that
 * the registered stages overwrite. A result is never copied into the input (it is scanned, not recorded).
 */
export function buildPolicyInput(
  request: DecisionRequest,
  agent: AgentEntity,
  caller: DecisionCaller,
  now: Date,
): PolicyInput {
  const definition = request.tool.definition;
  const annotations = definition?.annotations;
  return {
    phase: request.phase,
    agent: {
      id: agent.id,
      name: agent.name,
      labels: agent.labels,
      trust: agent.trustLevel,
      owner: agent.ownerMemberId,
      enabled: agent.enabled,
    },
    principal: request.principal
      ? {
          id: request.principal.id,
          email: request.principal.email ?? null,
          groups: request.principal.groups ?? [],
        }
      : null,
    // The catalog stage sets the server's catalog id.
    server: { id: null, name: request.server.name, url: request.server.url ?? null },
    tool: {
      name: request.tool.name,
      // Neutral until the catalog stage resolves the tool: the digest of the pinned view of the presented
      // definition (catalog/tool-definition-view), not pinned, unchanged, unknown risk.
      digest: null,
      pinned: false,
      changed: false,
      risk: 'unknown',
      annotations:
        annotations !== null && typeof annotations === 'object' && !Array.isArray(annotations)
          ? (annotations as JsonObject)
          : {},
    },
    arguments: request.arguments,
    findings: [],
    grants: [],
    approval: null,
    context: {
      time: now.toISOString(),
      ip: caller.ip,
      gateway: caller.apiKeyId,
      session: request.context?.session ?? null,
      request_id: caller.requestId,
      trace_id: caller.trace?.traceId ?? null,
    },
  };
}
