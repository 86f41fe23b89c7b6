import { describe, expect, it } from 'vitest';
import type { ActiveGrant } from './active-grant';
import { policyView } from './active-grant';
import { GrantIndex } from './grant-index';

function grant(over: Partial<ActiveGrant>): ActiveGrant {
  return {
    id: 'g',
    agentId: 'a1',
    agentSelector: null,
    server: null,
    tool: 'refund',
    toolPattern: null,
    constraints: null,
    constraintsKey: null,
    notBefore: null,
    expiresAt: null,
    maxUses: null,
    uses: 0,
    budget: null,
    ancestorIds: [],
    ...over,
  };
}

describe('GrantIndex', () => {
  const now = Date.parse('2026-06-01T00:00:00Z');
  const index = new GrantIndex([
    grant({ id: 'exact', server: 'payments' }),
    grant({ id: 'pattern', tool: null, toolPattern: 'ref*' }),
    grant({ id: 'other-agent', agentId: 'a2' }),
    grant({ id: 'selector', agentId: null, agentSelector: { team: 'pay' } }),
    grant({ id: 'expired', expiresAt: now - 1 }),
    grant({ id: 'future', notBefore: now + 1000 }),
    grant({ id: 'other-server', server: 'crm' }),
  ]);

  it('finds the agent’s and the matching selectors’ live grants for the server and tool', () => {
    const ids = index
      .match({ agentId: 'a1', labels: { team: 'pay' } }, 'payments', 'refund', now)
      .map((g) => g.id)
      .sort();
    expect(ids).toEqual(['exact', 'pattern', 'selector']);
    expect(
      index
        .match({ agentId: 'a1', labels: {} }, 'crm', 'refund', now)
        .map((g) => g.id)
        .sort(),
    ).toEqual(['other-server', 'pattern']);
    expect(index.match({ agentId: 'a3', labels: { team: 'ops' } }, 'payments', 'refund', now)).toEqual([]);
  });

  it('shows the policy the documented shape', () => {
    expect(
      policyView(
        grant({
          id: 'x',
          server: 's',
          maxUses: 3,
          budget: { argument: 'amount', limit: 5, windowSeconds: 60, spent: 2 },
        }),
      ),
    ).toEqual({
      id: 'x',
      tool: 'refund',
      server: 's',
      uses: 0,
      max_uses: 3,
      budget: { argument: 'amount', limit: 5, window_seconds: 60, spent: 2 },
      expires_at: null,
    });
  });
});
