import { describe, expect, it } from 'vitest';
import type { DecisionDraft, DecisionOutcome, DecisionSql } from '@mandate/decisions';
import type { ActiveGrant } from '../matching/active-grant';
import { GrantIndex } from '../matching/grant-index';
import type { GrantDirectory } from '../matching/grant-directory.service';
import type { GrantTokenService } from '../tokens/grant-token.service';
import { GrantsStage } from './grants.stage';

const ORG = '00000000-0000-4000-8000-000000000001';

function grant(over: Partial<ActiveGrant>): ActiveGrant {
  return {
    id: 'g1',
    agentId: 'agent-1',
    agentSelector: null,
    server: 'payments',
    tool: 'refund',
    toolPattern: null,
    constraints: { properties: { amount: { maximum: 100 } }, required: ['amount'] },
    constraintsKey: null,
    notBefore: null,
    expiresAt: null,
    maxUses: 10,
    uses: 0,
    budget: null,
    ancestorIds: [],
    ...over,
  };
}

/** A directory serving a fixed index, recording invalidations. */
class FakeDirectory {
  invalidated: string[] = [];
  constructor(readonly index: GrantIndex) {}
  forOrg(): Promise<GrantIndex> {
    return Promise.resolve(this.index);
  }
  invalidate(orgId: string): void {
    this.invalidated.push(orgId);
  }
}

/** Answers the consumer's statements from a scripted row set, and records them. */
class FakeSql {
  statements: string[] = [];
  constructor(private readonly rows: Array<Record<string, unknown>>) {}
  readonly run: DecisionSql = (text) => {
    this.statements.push(text);
    if (text.includes('FOR UPDATE')) return Promise.resolve(this.rows);
    return Promise.resolve([]);
  };
}

function draft(args: Record<string, unknown>, extra: Record<string, unknown> = {}): DecisionDraft {
  return {
    decisionId: 'd1',
    caller: { orgId: ORG, apiKeyId: null, ip: '127.0.0.1', requestId: 'r1' },
    request: {
      agent: 'payer',
      server: { name: 'payments' },
      tool: { name: 'refund' },
      arguments: args,
      phase: 'call',
      ...extra,
    },
    agent: { id: 'agent-1', labels: {} },
    now: new Date(),
    input: { grants: [] },
    facts: {},
  } as unknown as DecisionDraft;
}

const allow = (ids: string[]): DecisionOutcome => ({
  decision: 'allow',
  reasons: [],
  obligations: { consume_grants: ids },
  approval: null,
});

function stageWith(grants: ActiveGrant[]) {
  const directory = new FakeDirectory(new GrantIndex(grants));
  const tokens = {
    verify: () => Promise.reject(new Error('bad token')),
  } as unknown as GrantTokenService;
  const registry = { register: () => undefined };
  const stage = new GrantsStage(registry as never, directory as unknown as GrantDirectory, tokens);
  return { stage, directory };
}

describe('GrantsStage', () => {
  it('puts only the grants whose constraints the arguments satisfy into input.grants', async () => {
    const { stage } = stageWith([grant({ id: 'g1' }), grant({ id: 'g2', constraints: null, tool: 'other' })]);
    const ok = draft({ amount: 50 });
    await stage.prepare(ok);
    expect(ok.input.grants.map((g) => g.id)).toEqual(['g1']);
    const tooMuch = draft({ amount: 500 });
    await stage.prepare(tooMuch);
    expect(tooMuch.input.grants).toEqual([]);
  });

  it('denies grant_token_invalid for a token that does not verify', async () => {
    const { stage } = stageWith([grant({})]);
    const outcome = await stage.prepare(draft({ amount: 1 }, { grantToken: 'x.y.z' }));
    expect(outcome).toMatchObject({ decision: 'deny', reasons: [{ code: 'grant_token_invalid' }] });
  });

  it('consumes a listed grant in the recording transaction and records it', async () => {
    const { stage } = stageWith([grant({})]);
    const d = draft({ amount: 5 });
    await stage.prepare(d);
    const sql = new FakeSql([
      {
        id: 'g1',
        uses: 3,
        max_uses: 10,
        revoked: false,
        early: false,
        expired: false,
        budget_argument: null,
      },
    ]);
    expect(await stage.commit(sql.run, d, allow(['g1']))).toBeUndefined();
    expect(d.facts.grantIds).toEqual(['g1']);
    expect(sql.statements.some((s) => s.includes('INSERT INTO grant_consumptions'))).toBe(true);
  });

  it('turns the decision into a deny naming why the grant could not be consumed', async () => {
    const { stage, directory } = stageWith([grant({})]);
    const d = draft({ amount: 5 });
    await stage.prepare(d);
    const exhausted = new FakeSql([
      {
        id: 'g1',
        uses: 10,
        max_uses: 10,
        revoked: false,
        early: false,
        expired: false,
        budget_argument: null,
      },
    ]);
    expect(await stage.commit(exhausted.run, d, allow(['g1']))).toMatchObject({
      decision: 'deny',
      reasons: [{ code: 'grant_exhausted' }],
      obligations: { consume_grants: [] },
    });
    expect(exhausted.statements.some((s) => s.includes('INSERT'))).toBe(false);
    const revoked = new FakeSql([]);
    expect(await stage.commit(revoked.run, d, allow(['g1']))).toMatchObject({
      reasons: [{ code: 'grant_revoked' }],
    });
    expect(directory.invalidated).toEqual([ORG]);
  });

  it('refuses to consume a grant that does not cover the call, and leaves other outcomes alone', async () => {
    const { stage } = stageWith([grant({})]);
    const d = draft({ amount: 5 });
    await stage.prepare(d);
    const sql = new FakeSql([]);
    expect(await stage.commit(sql.run, d, allow(['someone-elses']))).toMatchObject({
      reasons: [{ code: 'grant_not_matched' }],
    });
    const deny: DecisionOutcome = { ...allow(['g1']), decision: 'deny' };
    expect(await stage.commit(sql.run, d, deny)).toBeUndefined();
    expect(await stage.commit(sql.run, d, allow([]))).toBeUndefined();
    expect(sql.statements).toEqual([]);
  });
});
