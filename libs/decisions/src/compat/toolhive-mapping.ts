import { DomainError, ErrorCode } from '@mandate/common';
import type { DecisionPhase, DecisionRequest } from '../evaluation/decision-input';
import type { DecisionResult } from '../evaluation/decision-result';
import { jsonBoundsViolation } from '../http/bounded-json.validator';
import { ARGUMENT_BOUNDS } from '../http/decision-request.dto';
import type { ToolhiveDecisionRequestDto } from './toolhive-request.dto';

/** ToolHive operations Mandate decides on; every other feature (prompts, resources) is refused. */
const OPERATIONS: Record<string, DecisionPhase> = { 'mcp:tool:call': 'call', 'mcp:tool:list': 'list' };

/** ToolHive reads only `allow`; the rest names the recorded decision for people reading the answer. */
export interface ToolhiveDecision {
  allow: boolean;
  decision: DecisionResult['decision'];
  decisionId: string;
  reasons: DecisionResult['reasons'];
}

function invalid(field: string, message: string): DomainError {
  return new DomainError(ErrorCode.ValidationFailed, message, { field });
}

function text(value: unknown, max: number): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= max ? value : undefined;
}

/**
 * Maps a ToolHive `httpv1` PORC request onto the native decision request, for the agent named in the URL:
 * operation `mcp:tool:call` → phase call, `mcp:tool:list` → phase list; resource `mrn:mcp:<server>:tool:<name>`
 * → server and tool; principal claims `sub` → principal.id, `email`, `mgroups` (or `groups`) → groups;
 * `context.mcp.args` → arguments. Anything else (another feature, a malformed resource) is a 400.
 */
export function toolhiveToDecisionRequest(agent: string, body: ToolhiveDecisionRequestDto): DecisionRequest {
  const phase = OPERATIONS[body.operation];
  if (phase === undefined) {
    throw invalid(
      'operation',
      'operation must be mcp:tool:call or mcp:tool:list (Mandate governs tools only)',
    );
  }
  const match = /^mrn:mcp:([^:]{1,256}):tool:(.{1,256})$/s.exec(body.resource);
  if (!match) throw invalid('resource', 'resource must be mrn:mcp:<server>:tool:<tool>');
  const mcp = body.context?.mcp;
  const mcpObject =
    mcp !== null && typeof mcp === 'object' && !Array.isArray(mcp) ? (mcp as Record<string, unknown>) : {};
  const args = mcpObject.args ?? {};
  const problem = jsonBoundsViolation(args, ARGUMENT_BOUNDS);
  if (problem) throw invalid('context.mcp.args', `context.mcp.args ${problem}`);

  const claims = body.principal;
  const sub = text(claims.sub, 256);
  const rawGroups = claims.mgroups ?? claims.groups;
  const groups = Array.isArray(rawGroups)
    ? rawGroups.filter((g): g is string => typeof g === 'string' && g.length <= 256).slice(0, 100)
    : typeof rawGroups === 'string' && rawGroups.length <= 256
      ? [rawGroups]
      : undefined;
  return {
    agent,
    principal: sub ? { id: sub, email: text(claims.email, 320), groups } : null,
    server: { name: match[1] },
    tool: { name: match[2] },
    arguments: args as Record<string, unknown>,
    phase,
  };
}

export function toToolhiveDecision(result: DecisionResult): ToolhiveDecision {
  return {
    allow: result.decision === 'allow',
    decision: result.decision,
    decisionId: result.decisionId,
    reasons: result.reasons,
  };
}
