import { DecisionStageRegistry, type DecisionDraft, type DecisionOutcome } from '@mandate/decisions';
import { describe, expect, it } from 'vitest';
import { argumentsHash } from '../shared/approval-rules';
import type { ApprovalLinks } from '../requests/approval-links';
import type {
  ApprovalRequestService,
  NewApprovalRequest,
  UsableApproval,
} from '../requests/approval-request.service';
import type { UsableApprovalCache } from '../requests/usable-approval.cache';
import { ApprovalsStage } from './approvals.stage';

/** A fake request store: remembers what the stage asked for. */
class FakeRequests {
  usable: UsableApproval | null = null;
  /** What the cache answers for a call's pending request. */
  pending: string | null = null;
  remembered: string[] = [];
  opened: NewApprovalRequest[] = [];
  lookups: unknown[][] = [];

  findUsable(...args: unknown[]): Promise<UsableApproval | null> {
    this.lookups.push(args);
    return Promise.resolve(this.usable);
  }

  open(input: NewApprovalRequest) {
    this.opened.push(input);
    return Promise.resolve({ id: 'req-1', state: 'pending', expiresAt: new Date(Date.now() + 60_000) });
  }
}

const links = { url: (id: string) => `https://mandate.example/approvals/${id}` } as ApprovalLinks;

function draft(args: Record<string, unknown> = { path: '/x' }): DecisionDraft {
  return {
    decisionId: 'dec-1',
    caller: { orgId: 'org-1', apiKeyId: 'key-1', ip: '127.0.0.1', requestId: 'r-1' },
    request: { agent: 'coder', server: { name: 'fs' }, tool: { name: 'rm' }, arguments: args, phase: 'call' },
    agent: { id: 'agent-1', name: 'coder', ownerMemberId: 'owner-1' },
    now: new Date(),
    input: { approval: null, grants: [{ id: 'g-1' }] },
    facts: {},
  } as unknown as DecisionDraft;
}

const pending: DecisionOutcome = {
  decision: 'pending_approval',
  reasons: [{ code: 'approval_required', message: 'rm' }],
  obligations: { redact_arguments: ['/path'] },
  approval: { groups: ['sre'], quorum: 2 },
};

function stage(requests: FakeRequests) {
  return new ApprovalsStage(
    new DecisionStageRegistry(),
    requests as unknown as ApprovalRequestService,
    links,
    {
      find: (org: string, agent: string, server: string, tool: string, hash: string) =>
        requests.findUsable(org, agent, server, tool, hash),
      invalidate: () => undefined,
      pendingId: () => requests.pending,
      rememberPending: (request: { id: string }) => requests.remembered.push(request.id),
    } as unknown as UsableApprovalCache,
  );
}

describe('ApprovalsStage', () => {
  it('settle reuses the pending request the cache knows for this call, and remembers one it opened', async () => {
    const requests = new FakeRequests();
    const opened = await stage(requests).settle(draft(), pending);
    expect(opened.approvalRequest?.id).toBe('req-1');
    expect(requests.opened).toHaveLength(1);
    expect(requests.remembered).toEqual(['req-1']);

    requests.pending = 'req-known';
    const d = draft();
    const reused = await stage(requests).settle(d, pending);
    expect(reused.approvalRequest).toMatchObject({
      id: 'req-known',
      url: expect.stringContaining('req-known'),
    });
    expect(d.facts.approvalId).toBe('req-known');
    expect(requests.opened).toHaveLength(1);
  });

  it('prepare binds the lookup to agent, server, tool and the canonical argument hash', async () => {
    const requests = new FakeRequests();
    requests.usable = {
      id: 'ap-1',
      mode: 'once',
      usableUntil: new Date('2030-01-01T00:00:00Z'),
      argsHash: 'h',
    };
    const d = draft({ b: 1, a: 2 });
    await stage(requests).prepare(d);
    expect(requests.lookups[0]).toEqual(['org-1', 'agent-1', 'fs', 'rm', argumentsHash({ a: 2, b: 1 })]);
    expect(d.input.approval).toMatchObject({ id: 'ap-1', status: 'approved', mode: 'once' });
    expect(d.facts).toMatchObject({ approvalId: 'ap-1', approvalMode: 'once' });
  });

  it('settle attaches the request of a pending decision, with redaction paths and parties', async () => {
    const requests = new FakeRequests();
    const d = draft();
    const out = await stage(requests).settle(d, pending);
    expect(out.approvalRequest).toEqual({
      id: 'req-1',
      url: 'https://mandate.example/approvals/req-1',
      retryAfter: 5,
    });
    expect(requests.opened[0]).toMatchObject({
      agentOwnerId: 'owner-1',
      redactPaths: ['/path'],
      grantIds: ['g-1'],
      parsed: { groups: ['sre'], quorum: 2, mode: 'once' },
    });
    const allow: DecisionOutcome = { decision: 'allow', reasons: [], obligations: {}, approval: null };
    expect(await stage(requests).settle(d, allow)).toBe(allow);
  });

  it('commit consumes a once-approval, and denies when it was already consumed', async () => {
    const requests = new FakeRequests();
    requests.usable = {
      id: 'ap-1',
      mode: 'once',
      usableUntil: new Date('2030-01-01T00:00:00Z'),
      argsHash: 'h',
    };
    const s = stage(requests);
    const d = draft();
    await s.prepare(d);
    const allow: DecisionOutcome = { decision: 'allow', reasons: [], obligations: {}, approval: null };
    const statements: string[] = [];
    let consumable = 1;
    const sql = (text: string) => {
      statements.push(text);
      if (text.startsWith('UPDATE')) return Promise.resolve(consumable-- > 0 ? [{ id: 'ap-1' }] : []);
      return Promise.resolve([]);
    };
    expect(await s.commit(sql, d, allow)).toBeUndefined();
    expect(statements.some((t) => t.includes('INSERT INTO outbox'))).toBe(true);
    expect(await s.commit(sql, d, allow)).toMatchObject({
      decision: 'deny',
      reasons: [{ code: 'approval_consumed' }],
    });
  });

  it('commit leaves window approvals and non-allowed decisions alone', async () => {
    const requests = new FakeRequests();
    requests.usable = {
      id: 'ap-2',
      mode: 'window',
      usableUntil: new Date('2030-01-01T00:00:00Z'),
      argsHash: 'h',
    };
    const s = stage(requests);
    const d = draft();
    await s.prepare(d);
    const sql = () => Promise.reject(new Error('must not be called'));
    const allow: DecisionOutcome = { decision: 'allow', reasons: [], obligations: {}, approval: null };
    expect(await s.commit(sql, d, allow)).toBeUndefined();
    expect(await s.commit(sql, draft(), { ...allow, decision: 'deny' })).toBeUndefined();
  });
});
