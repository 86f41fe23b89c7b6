import type { GrantBudget } from '../shared/grant-spec';

/** A live grant as the decision path holds it in memory (one organisation's index). */
export interface ActiveGrant {
  id: string;
  agentId: string | null;
  agentSelector: Record<string, string> | null;
  server: string | null;
  tool: string | null;
  toolPattern: string | null;
  constraints: Record<string, unknown> | null;
  constraintsKey: string | null;
  /** Epoch milliseconds, or null. */
  notBefore: number | null;
  expiresAt: number | null;
  maxUses: number | null;
  /** Uses as last loaded, plus this replica's own consumptions since (informative; the database decides). */
  uses: number;
  budget: (GrantBudget & { spent: number }) | null;
  /** Delegation chain above the grant, root first. */
  ancestorIds: string[];
}

/** The grant as the policy sees it in `input.grants` (see policies/grants.rego). */
export function policyView(grant: ActiveGrant): Record<string, unknown> {
  const view: Record<string, unknown> = { id: grant.id };
  if (grant.tool !== null) view.tool = grant.tool;
  else view.tool_pattern = grant.toolPattern;
  if (grant.server !== null) view.server = grant.server;
  view.uses = grant.uses;
  if (grant.maxUses !== null) view.max_uses = grant.maxUses;
  view.budget = grant.budget
    ? {
        argument: grant.budget.argument,
        limit: grant.budget.limit,
        window_seconds: grant.budget.windowSeconds,
        spent: grant.budget.spent,
      }
    : null;
  view.expires_at = grant.expiresAt === null ? null : new Date(grant.expiresAt).toISOString();
  if (grant.ancestorIds.length > 0) view.delegated_from = grant.ancestorIds[grant.ancestorIds.length - 1];
  return view;
}
