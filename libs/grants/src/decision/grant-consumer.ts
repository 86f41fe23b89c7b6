import type { DecisionSql } from '@mandate/decisions';
import { budgetAmount } from '../shared/grant-spec';

export type ConsumeFailure =
  | 'grant_revoked'
  | 'grant_expired'
  | 'grant_not_yet_valid'
  | 'grant_exhausted'
  | 'grant_budget_exceeded'
  | 'grant_budget_invalid';

export type ConsumeResult =
  | { ok: true; grantIds: string[]; amounts: Array<number | null> }
  | { ok: false; code: ConsumeFailure; message: string; grantId: string };

interface LockedRow {
  id: string;
  uses: number;
  max_uses: number | null;
  revoked: boolean;
  early: boolean;
  expired: boolean;
  budget_argument: string | null;
  budget_limit: string | null;
  budget_window_seconds: number | null;
}

/**
 * Consumes one use (and the budgeted amount) of a grant and of every grant above it in its delegation
 * chain, inside the decision's recording transaction. The chain's rows are locked root first
 * (`FOR UPDATE`, a consistent order across decisions), checked (not revoked, inside its validity window,
 * uses left), the rolling-window budget summed AFTER the lock was granted (a fresh snapshot, so a
 * concurrent consumer's committed ledger rows are counted), then counters bumped and ledger rows written.
 * Concurrent decisions on one grant serialise on its row lock: uses and budget can never be overspent.
 */
export async function consumeGrant(
  sql: DecisionSql,
  input: {
    orgId: string;
    decisionId: string;
    grantId: string;
    ancestorIds: string[];
    arguments: Record<string, unknown>;
  },
): Promise<ConsumeResult> {
  const chain = [...input.ancestorIds, input.grantId];
  const rows = (await sql(
    `SELECT id, uses, max_uses, revoked_at IS NOT NULL AS revoked,
            (not_before IS NOT NULL AND not_before > statement_timestamp()) AS early,
            (expires_at IS NOT NULL AND expires_at <= statement_timestamp()) AS expired,
            budget_argument, budget_limit::text AS budget_limit, budget_window_seconds
       FROM grants WHERE org_id = $1 AND id = ANY($2::uuid[])
      ORDER BY cardinality(ancestor_ids), id
        FOR UPDATE`,
    [input.orgId, chain],
  )) as unknown as LockedRow[];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const amounts: Array<number | null> = [];
  const budgeted: LockedRow[] = [];
  for (const id of chain) {
    const row = byId.get(id);
    const which = id === input.grantId ? `grant ${id}` : `grant ${id} (delegated from)`;
    if (!row || row.revoked) return fail('grant_revoked', `${which} has been revoked`, id);
    if (row.expired) return fail('grant_expired', `${which} has expired`, id);
    if (row.early) return fail('grant_not_yet_valid', `${which} is not valid yet`, id);
    if (row.max_uses !== null && row.uses >= row.max_uses)
      return fail('grant_exhausted', `${which} has no uses left (${row.max_uses} used)`, id);
    if (row.budget_argument !== null) {
      const amount = budgetAmount(input.arguments, row.budget_argument);
      if (amount === null)
        return fail(
          'grant_budget_invalid',
          `${which} budgets argument ${row.budget_argument}, which is missing or not a non-negative number`,
          id,
        );
      amounts.push(amount);
      budgeted.push(row);
    } else amounts.push(null);
  }
  if (budgeted.length > 0) {
    const spent = (await sql(
      `SELECT g.id, coalesce(sum(c.amount), 0)::text AS spent
         FROM unnest($1::uuid[], $2::int[]) AS g(id, win)
         LEFT JOIN grant_consumptions c
           ON c.grant_id = g.id AND c.consumed_at > statement_timestamp() - make_interval(secs => g.win)
        GROUP BY g.id`,
      [budgeted.map((r) => r.id), budgeted.map((r) => r.budget_window_seconds)],
    )) as unknown as Array<{ id: string; spent: string }>;
    const spentById = new Map(spent.map((s) => [s.id, Number(s.spent)]));
    for (const row of budgeted) {
      const amount = amounts[chain.indexOf(row.id)]!;
      const used = spentById.get(row.id) ?? 0;
      const limit = Number(row.budget_limit);
      if (used + amount > limit) {
        return fail(
          'grant_budget_exceeded',
          `grant ${row.id}: ${row.budget_argument} ${amount} would exceed the budget (${used} of ${limit} spent in the last ${row.budget_window_seconds} s)`,
          row.id,
        );
      }
    }
  }
  await sql(
    `WITH bumped AS (UPDATE grants SET uses = uses + 1 WHERE org_id = $3 AND id = ANY($1::uuid[]) RETURNING id)
     INSERT INTO grant_consumptions (decision_id, grant_id, org_id, consumed_at, amount)
     SELECT $2, x.id, $3, statement_timestamp(), x.amount
       FROM unnest($1::uuid[], $4::numeric[]) AS x(id, amount) JOIN bumped b ON b.id = x.id`,
    [chain, input.decisionId, input.orgId, amounts],
  );
  return { ok: true, grantIds: chain, amounts };
}

function fail(code: ConsumeFailure, message: string, grantId: string): ConsumeResult {
  return { ok: false, code, message, grantId };
}
