import { grantWidening } from '../shared/grant-errors';
import type { GrantScope } from '../shared/grant-spec';
import { globMatches, patternWithin } from '../shared/tool-glob';
import { schemaWidening } from './schema-narrowing';

/** The parent's scope as it stands (its uses already consumed). */
export interface ParentScope extends GrantScope {
  uses: number;
}

/** What the sub-grant asks for: undefined fields are inherited from the parent. */
export type RequestedScope = { [K in keyof GrantScope]?: GrantScope[K] | undefined };

/**
 * The sub-grant's scope: the requested fields, the parent's where none is given. Throws `grant_widening`
 * (400, `details.field`) for the first field that is not provably narrower than the parent's: server,
 * tool, constraints (`constraints.<path>`), notBefore, expiresAt, maxUses, budget.
 */
export function narrowedScope(parent: ParentScope, requested: RequestedScope): GrantScope {
  const server = requested.server ?? parent.server;
  if (parent.server !== null && server !== parent.server)
    throw grantWidening('server', `the parent grant is limited to server ${parent.server}`);

  let tool = requested.tool ?? null;
  let toolPattern = requested.toolPattern ?? null;
  if (tool === null && toolPattern === null) {
    tool = parent.tool;
    toolPattern = parent.toolPattern;
  }
  if (parent.tool !== null) {
    if (tool !== parent.tool) throw grantWidening('tool', `the parent grant covers only tool ${parent.tool}`);
  } else if (tool !== null) {
    if (!globMatches(parent.toolPattern!, tool))
      throw grantWidening('tool', `tool ${tool} is outside the parent's pattern ${parent.toolPattern}`);
  } else if (!patternWithin(parent.toolPattern!, toolPattern!)) {
    throw grantWidening(
      'toolPattern',
      `pattern ${toolPattern} is not provably within the parent's pattern ${parent.toolPattern}`,
    );
  }

  const constraints = requested.constraints ?? parent.constraints;
  if (parent.constraints !== null) {
    const where = schemaWidening(parent.constraints, constraints ?? undefined);
    if (where !== null) {
      const field = where === '$' ? 'constraints' : `constraints.${where}`;
      throw grantWidening(field, `${field} is not provably as strict as the parent's`);
    }
  }

  const notBefore = requested.notBefore ?? parent.notBefore;
  if (parent.notBefore && (!notBefore || notBefore < parent.notBefore))
    throw grantWidening('notBefore', 'notBefore is earlier than the parent grant’s');
  const expiresAt = requested.expiresAt ?? parent.expiresAt;
  if (parent.expiresAt && (!expiresAt || expiresAt > parent.expiresAt))
    throw grantWidening('expiresAt', 'expiresAt is later than the parent grant’s');

  const remaining = parent.maxUses === null ? null : parent.maxUses - parent.uses;
  const maxUses = requested.maxUses ?? remaining;
  if (remaining !== null && (maxUses === null || maxUses > remaining))
    throw grantWidening('maxUses', `maxUses exceeds the parent grant’s ${remaining} remaining uses`);
  if (maxUses !== null && maxUses < 1) throw grantWidening('maxUses', 'the parent grant has no uses left');

  const budget = requested.budget ?? parent.budget;
  if (parent.budget) {
    if (!budget || budget.argument !== parent.budget.argument)
      throw grantWidening(
        'budget',
        `the sub-grant must keep the parent’s budget on ${parent.budget.argument}`,
      );
    if (budget.limit > parent.budget.limit)
      throw grantWidening('budget.limit', 'budget.limit is higher than the parent grant’s');
    if (budget.windowSeconds < parent.budget.windowSeconds)
      throw grantWidening('budget.windowSeconds', 'budget.windowSeconds is shorter than the parent grant’s');
  }
  return { server, tool, toolPattern, constraints, notBefore, expiresAt, maxUses, budget };
}
