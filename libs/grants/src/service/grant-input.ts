import type { GrantScopeDto } from '../http/dto/grant-scope.dto';
import { invalidGrant } from '../shared/grant-errors';
import type { GrantScope } from '../shared/grant-spec';

const LABEL_KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]{0,62}[A-Za-z0-9])?$/;

export function dateOf(value: string | undefined, field: string): Date | null {
  if (value === undefined) return null;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw invalidGrant(field, `${field} must be an ISO 8601 date-time`);
  return date;
}

/** The scope a DTO describes (unset fields null). */
export function scopeOf(dto: GrantScopeDto, notBefore?: string): GrantScope {
  return {
    server: dto.server ?? null,
    tool: dto.tool ?? null,
    toolPattern: dto.toolPattern ?? null,
    constraints: dto.constraints ?? null,
    notBefore: dateOf(notBefore, 'notBefore'),
    expiresAt: dateOf(dto.expiresAt, 'expiresAt'),
    maxUses: dto.maxUses ?? null,
    budget: dto.budget
      ? { argument: dto.budget.argument, limit: dto.budget.limit, windowSeconds: dto.budget.windowSeconds }
      : null,
  };
}

/** A label selector: 1-20 labels, string values. */
export function assertSelector(selector: unknown): asserts selector is Record<string, string> {
  if (selector === null || typeof selector !== 'object' || Array.isArray(selector))
    throw invalidGrant('agentSelector', 'agentSelector must be an object of labels');
  const entries = Object.entries(selector as Record<string, unknown>);
  if (entries.length === 0 || entries.length > 20)
    throw invalidGrant('agentSelector', 'agentSelector must hold 1 to 20 labels');
  for (const [key, value] of entries) {
    if (!LABEL_KEY.test(key))
      throw invalidGrant('agentSelector', `label key "${key.slice(0, 64)}" is not valid`);
    if (typeof value !== 'string' || value.length > 256)
      throw invalidGrant('agentSelector', `label "${key}" must be a string of at most 256 characters`);
  }
}
