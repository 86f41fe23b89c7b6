import { createHash } from 'node:crypto';
import { SchemaValidatorCache } from '@mandate/gates';
import { invalidGrant } from './grant-errors';
import { hasGlob, TOOL_NAME, TOOL_PATTERN } from './tool-glob';

export interface GrantBudget {
  /** Name of the numeric (top-level) argument whose values are summed. */
  argument: string;
  limit: number;
  windowSeconds: number;
}

/** What a grant allows (shared by grants, templates and sub-grants), validated. */
export interface GrantScope {
  server: string | null;
  tool: string | null;
  toolPattern: string | null;
  constraints: Record<string, unknown> | null;
  notBefore: Date | null;
  expiresAt: Date | null;
  maxUses: number | null;
  budget: GrantBudget | null;
}

export const MAX_CONSTRAINTS_BYTES = 16 * 1024;
export const BUDGET_ARGUMENT = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
// eslint-disable-next-line no-control-regex -- the point is to refuse control characters
export const SERVER_NAME = /^[^\u0000-\u001f\u007f]{1,256}$/;

const validators = new SchemaValidatorCache(5_000);

/** Stable key of a constraints schema (the compiled validator is cached by it). */
export function constraintsKey(constraints: Record<string, unknown>): string {
  return createHash('sha256')
    .update(JSON.stringify(sortKeys(constraints)))
    .digest('hex');
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value as Record<string, unknown>)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}

/** The compiled validator of a constraints schema (cached), or a reason it cannot be used. */
export function constraintsValidator(
  constraints: Record<string, unknown>,
  key = constraintsKey(constraints),
): { ok: true; validate: (args: unknown) => boolean } | { ok: false; reason: string } {
  const compiled = validators.get(key, constraints);
  if (!compiled.ok) return compiled;
  const validate = compiled.validate;
  return {
    ok: true,
    validate: (args) => {
      try {
        return validate(args) === true;
      } catch {
        return false;
      }
    },
  };
}

/** Checks the parts of a scope that the DTOs cannot (patterns, schema, window); throws a 400 naming the field. */
export function assertValidScope(scope: GrantScope, needsTool = true): void {
  if (scope.server !== null && !SERVER_NAME.test(scope.server))
    throw invalidGrant('server', 'server must be 1-256 printable characters');
  if (scope.tool !== null && scope.toolPattern !== null)
    throw invalidGrant('tool', 'give either tool or toolPattern, not both');
  if (needsTool && scope.tool === null && scope.toolPattern === null)
    throw invalidGrant('tool', 'a grant needs a tool or a toolPattern');
  if (scope.tool !== null && !TOOL_NAME.test(scope.tool))
    throw invalidGrant('tool', 'tool must be 1-256 characters of letters, digits, _ . : / -');
  if (scope.toolPattern !== null) {
    if (!TOOL_PATTERN.test(scope.toolPattern))
      throw invalidGrant('toolPattern', 'toolPattern may only use tool-name characters, * and ?');
    if (!hasGlob(scope.toolPattern))
      throw invalidGrant('toolPattern', 'toolPattern has no * or ?: use tool for an exact name');
  }
  if (scope.constraints !== null) {
    if (JSON.stringify(scope.constraints).length > MAX_CONSTRAINTS_BYTES)
      throw invalidGrant('constraints', `constraints must be at most ${MAX_CONSTRAINTS_BYTES} bytes of JSON`);
    const compiled = constraintsValidator(scope.constraints);
    if (!compiled.ok)
      throw invalidGrant('constraints', `constraints are not a usable JSON Schema: ${compiled.reason}`);
  }
  if (scope.notBefore && scope.expiresAt && scope.notBefore >= scope.expiresAt)
    throw invalidGrant('expiresAt', 'expiresAt must be after notBefore');
  if (scope.budget) {
    if (!BUDGET_ARGUMENT.test(scope.budget.argument))
      throw invalidGrant('budget.argument', 'budget.argument must name a top-level argument');
    if (!(scope.budget.limit > 0) || !Number.isFinite(scope.budget.limit))
      throw invalidGrant('budget.limit', 'budget.limit must be a positive number');
  }
}

/** The budgeted amount of a call, or null when the argument is missing or not a non-negative number. */
export function budgetAmount(args: Record<string, unknown>, argument: string): number | null {
  const value = args[argument];
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}
