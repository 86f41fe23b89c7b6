import { DomainError, ErrorCode } from '@mandate/common';
import type { DecisionPhase, DecisionRequest } from '../evaluation/decision-input';
import type { DecisionResult } from '../evaluation/decision-result';
import { jsonBoundsViolation } from '../http/bounded-json.validator';
import { ARGUMENT_BOUNDS, DEFINITION_BOUNDS } from '../http/decision-request.dto';
import type { AuthzenEvaluationItemDto } from './authzen-request.dto';

const ACTIONS: Record<string, DecisionPhase> = {
  'tools/call': 'call',
  'tools/list': 'list',
  'tools/result': 'result',
};

/** The AuthZEN answer: `decision` is true only for allow; the context says why and names the decision. */
export interface AuthzenDecision {
  decision: boolean;
  context: {
    decisionId: string;
    decision: DecisionResult['decision'];
    reasons: DecisionResult['reasons'];
    obligations: Record<string, unknown>;
    policyRevision: number | null;
    consistencyToken: string | null;
  };
}

function invalid(field: string, message: string): DomainError {
  return new DomainError(ErrorCode.ValidationFailed, message, { field });
}

function objectAt(value: unknown, field: string): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw invalid(field, `${field} must be an object`);
  return value as Record<string, unknown>;
}

function optionalString(value: unknown, field: string, max: number): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw invalid(field, `${field} must be a string of 1 to ${max} characters`);
  }
  return value;
}

/**
 * Maps an AuthZEN evaluation onto the native decision request: subject (type `agent`, id = agent name,
 * properties.principal), action (`tools/call` → call, `tools/list` → list, `tools/result` → result),
 * resource (type `mcp_tool`, id `<server>/<tool>`, properties.arguments/definition/server_url) and context
 * (session, consistency_token). Throws a validation DomainError (400) for anything it cannot map.
 */
export function toDecisionRequest(item: AuthzenEvaluationItemDto, headerToken?: string): DecisionRequest {
  const { subject, action, resource } = item;
  if (!subject) throw invalid('subject', 'subject is required');
  if (!action) throw invalid('action', 'action is required');
  if (!resource) throw invalid('resource', 'resource is required');
  if (subject.type !== 'agent') throw invalid('subject.type', 'subject.type must be "agent"');
  const phase = ACTIONS[action.name];
  if (phase === undefined)
    throw invalid('action.name', 'action.name must be tools/call, tools/list or tools/result');
  if (resource.type !== 'mcp_tool') throw invalid('resource.type', 'resource.type must be "mcp_tool"');
  const slash = resource.id.lastIndexOf('/');
  if (slash <= 0 || slash === resource.id.length - 1) {
    throw invalid('resource.id', 'resource.id must be <server>/<tool>');
  }
  const props = resource.properties ?? {};
  const args = props.arguments ?? {};
  const argsProblem = jsonBoundsViolation(args, ARGUMENT_BOUNDS);
  if (argsProblem)
    throw invalid('resource.properties.arguments', `resource.properties.arguments ${argsProblem}`);
  const definition = objectAt(props.definition, 'resource.properties.definition');
  if (definition) {
    const problem = jsonBoundsViolation(definition, DEFINITION_BOUNDS);
    if (problem) throw invalid('resource.properties.definition', `resource.properties.definition ${problem}`);
  }
  const principal = objectAt(subject.properties?.principal, 'subject.properties.principal');
  const groups = principal?.groups;
  if (groups !== undefined && !(Array.isArray(groups) && groups.every((g) => typeof g === 'string'))) {
    throw invalid('subject.properties.principal.groups', 'principal groups must be strings');
  }
  const context = item.context ?? {};
  return {
    agent: subject.id,
    principal: principal
      ? {
          id: requiredString(principal.id, 'subject.properties.principal.id', 256),
          email: optionalString(principal.email, 'subject.properties.principal.email', 320),
          groups: groups,
        }
      : null,
    server: {
      name: resource.id.slice(0, slash),
      url: optionalString(props.server_url, 'resource.properties.server_url', 2048),
    },
    tool: { name: resource.id.slice(slash + 1), definition },
    arguments: args as Record<string, unknown>,
    phase,
    context: { session: optionalString(context.session, 'context.session', 256) },
    consistencyToken:
      optionalString(context.consistency_token, 'context.consistency_token', 200) ?? headerToken,
  };
}

function requiredString(value: unknown, field: string, max: number): string {
  const text = optionalString(value, field, max);
  if (text === undefined) throw invalid(field, `${field} is required`);
  return text;
}

export function toAuthzenDecision(result: DecisionResult): AuthzenDecision {
  return {
    decision: result.decision === 'allow',
    context: {
      decisionId: result.decisionId,
      decision: result.decision,
      reasons: result.reasons,
      obligations: result.obligations,
      policyRevision: result.policyRevision,
      consistencyToken: result.consistencyToken,
    },
  };
}
