import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithPostgres } from '../../support';
import { createAgent, fakeStore, gatewayKey } from '../decisions/decisions-harness';
import { eventsOf, seedOrg, type SeededOrg } from '../identity/identity-harness';
import { grantsPolicy, http, startReplicas, type Replicas } from './grants-harness';

const refund = (agent: string, args: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  agent,
  server: { name: 'payments' },
  tool: { name: 'refund' },
  arguments: args,
  phase: 'call',
  ...extra,
});

describeWithPostgres('grants: capability grants in the decision path (two replicas)', () => {
  let r: Replicas;
  let org: SeededOrg;
  let gw: string;
  let admin: string;

  const createGrant = async (body: Record<string, unknown>) => {
    const res = await http(r.urlA, 'POST', '/v1/grants', admin, { reason: 'test', ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; [k: string]: unknown };
  };
  const decide = (base: string, body: unknown) => http(base, 'POST', '/v1/decisions', gw, body);

  beforeAll(async () => {
    r = await startReplicas();
    org = await seedOrg(r.a.app, 'grants');
    admin = org.tokens.admin;
    gw = await gatewayKey(r.a.app, org);
    await createAgent(r.a.app, org, 'payer');
    await createAgent(r.a.app, org, 'helper');
    await createAgent(r.a.app, org, 'labelled', { labels: { team: 'pay' } });
    await createAgent(r.a.app, org, 'budgeter');
    await createAgent(r.a.app, org, 'revoked-one');
    await fakeStore.activate(org.orgId, grantsPolicy());
  }, 120_000);
  afterAll(async () => {
    await r?.close();
  });

  it('creates, lists and inspects a grant; argument constraints decide which calls it covers', async () => {
    const grant = await createGrant({
      agent: 'payer',
      server: 'payments',
      tool: 'refund',
      constraints: {
        properties: { repo: { const: 'acme/web' }, amount: { maximum: 100 } },
        required: ['amount'],
      },
      maxUses: 10,
    });
    expect(grant).toMatchObject({ status: 'active', uses: 0, remainingUses: 10, server: 'payments' });
    const listed = await http(r.urlA, 'GET', '/v1/grants?status=active', admin);
    expect(listed.body.items.map((g: { id: string }) => g.id)).toContain(grant.id);
    expect(await eventsOf(r.a.dataSource, 'grant.created', org.orgId)).toHaveLength(1);

    // Too large, wrong repo, wrong server: the grant does not cover the call.
    for (const [args, server] of [
      [{ repo: 'acme/web', amount: 150 }, 'payments'],
      [{ repo: 'acme/api', amount: 10 }, 'payments'],
      [{ repo: 'acme/web', amount: 10 }, 'crm'],
    ] as const) {
      const res = await decide(r.urlA, { ...refund('payer', args), server: { name: server } });
      expect(res.body.decision, JSON.stringify(res.body)).toBe('deny');
    }
    expect((await http(r.urlA, 'GET', `/v1/grants/${grant.id}`, admin)).body.uses).toBe(0);
  });

  it('200 concurrent decisions on both replicas against a grant with max uses 10: exactly 10 allowed', async () => {
    await createAgent(r.a.app, org, 'racer');
    const grant = await createGrant({ agent: 'racer', server: 'payments', tool: 'refund', maxUses: 10 });
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) => decide(i % 2 ? r.urlA : r.urlB, refund('racer', { amount: 1 }))),
    );
    expect(replies.every((x) => x.status === 200)).toBe(true);
    const allowed = replies.filter((x) => x.body.decision === 'allow');
    expect(allowed).toHaveLength(10);
    const detail = await http(r.urlA, 'GET', `/v1/grants/${grant.id}`, admin);
    expect(detail.body).toMatchObject({ uses: 10, remainingUses: 0, status: 'exhausted' });
    expect(detail.body.decisions).toHaveLength(10);
    expect(new Set(detail.body.decisions.map((d: { decisionId: string }) => d.decisionId))).toEqual(
      new Set(allowed.map((x) => x.body.decisionId)),
    );
    const facts = await r.a.dataSource.query(
      `SELECT facts FROM decisions WHERE org_id = $1 AND decision = 'allow' AND agent_name = 'racer'`,
      [org.orgId],
    );
    expect(facts.map((f: { facts: { grantIds: string[] } }) => f.facts.grantIds)).toEqual(
      Array.from({ length: 10 }, () => [grant.id]),
    );
  });

  it('a budget of 500 under concurrent calls of amount 30: allowed amounts sum to at most 500', async () => {
    const grant = await createGrant({
      agent: 'budgeter',
      server: 'payments',
      tool: 'refund',
      budget: { argument: 'amount', limit: 500, windowSeconds: 86400 },
    });
    const replies = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        decide(i % 2 ? r.urlA : r.urlB, refund('budgeter', { amount: 30 })),
      ),
    );
    const allowed = replies.filter((x) => x.body.decision === 'allow');
    expect(allowed.length * 30).toBeLessThanOrEqual(500);
    expect(allowed).toHaveLength(16);
    const denied = replies.filter((x) => x.body.decision === 'deny');
    expect(denied.every((x) => x.body.reasons[0].code === 'grant_budget_exceeded')).toBe(true);
    const detail = await http(r.urlA, 'GET', `/v1/grants/${grant.id}`, admin);
    expect(detail.body).toMatchObject({ budgetSpent: 480, budgetRemaining: 20 });
    // A call without the budgeted argument is not covered.
    expect((await decide(r.urlA, refund('budgeter', {}))).body.decision).toBe('deny');
  });

  it('a revoked grant denies on the very next decision on the other replica', async () => {
    const grant = await createGrant({ agent: 'revoked-one', server: 'payments', tool: 'refund' });
    expect((await decide(r.urlB, refund('revoked-one', { amount: 1 }))).body.decision).toBe('allow');
    const revoked = await http(r.urlA, 'POST', `/v1/grants/${grant.id}/revoke`, admin, { reason: 'leaked' });
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe('revoked');
    const next = await decide(r.urlB, refund('revoked-one', { amount: 1 }));
    expect(next.body.decision).toBe('deny');
    expect((await decide(r.urlA, refund('revoked-one', { amount: 1 }))).body.decision).toBe('deny');
    expect(await eventsOf(r.a.dataSource, 'grant.revoked', org.orgId)).toHaveLength(1);
    const again = await http(r.urlA, 'POST', `/v1/grants/${grant.id}/revoke`, admin, { reason: 'twice' });
    expect(again.status).toBe(409);
  });

  it('label-selector grants cover every agent with those labels', async () => {
    await createGrant({ agentSelector: { team: 'pay' }, server: 'payments', tool: 'refund' });
    expect((await decide(r.urlA, refund('labelled', { amount: 1 }))).body.decision).toBe('allow');
    expect((await decide(r.urlA, refund('helper', { amount: 1 }))).body.decision).toBe('deny');
  });

  describe('tokens and delegation', () => {
    let parent: { id: string };
    let parentToken: string;

    beforeAll(async () => {
      await createAgent(r.a.app, org, 'lead');
      await createAgent(r.a.app, org, 'sub');
      await createAgent(r.a.app, org, 'sub-budget');
      parent = await createGrant({
        agent: 'lead',
        server: 'payments',
        toolPattern: 'refund*',
        constraints: { properties: { amount: { maximum: 100 } }, required: ['amount'] },
        maxUses: 5,
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      });
      const issued = await http(r.urlA, 'POST', `/v1/grants/${parent.id}/token`, admin);
      expect(issued.status, JSON.stringify(issued.body)).toBe(201);
      parentToken = issued.body.token;
    });

    it('issues EdDSA tokens verifiable with the public JWKS; decisions verify presented tokens', async () => {
      const jwks = await http(r.urlB, 'GET', `/.well-known/jwks.json?org=${org.orgId}`, null);
      expect(jwks.status).toBe(200);
      const { payload, protectedHeader } = await jwtVerify(parentToken, createLocalJWKSet(jwks.body));
      expect(protectedHeader).toMatchObject({ alg: 'EdDSA', typ: 'grant+jwt' });
      expect(payload).toMatchObject({ gid: parent.id, org: org.orgId });
      expect(await eventsOf(r.a.dataSource, 'grant.token_issued', org.orgId)).not.toHaveLength(0);

      const ok = await decide(r.urlB, refund('lead', { amount: 5 }, { grantToken: parentToken }));
      expect(ok.body.decision).toBe('allow');
      const forged = `${parentToken.slice(0, -4)}AAAA`;
      const bad = await decide(r.urlB, refund('lead', { amount: 5 }, { grantToken: forged }));
      expect(bad.body).toMatchObject({ decision: 'deny', reasons: [{ code: 'grant_token_invalid' }] });
      expect((await http(r.urlA, 'GET', '/.well-known/jwks.json', null)).status).toBe(400);
    });

    it('rotates the signing key; tokens of the old key still verify', async () => {
      const rotated = await http(r.urlA, 'POST', '/v1/grants/keys/rotate', admin);
      expect(rotated.status).toBe(200);
      expect(rotated.body.retired).toHaveLength(1);
      const jwks = await http(r.urlA, 'GET', `/.well-known/jwks.json?org=${org.orgId}`, null);
      expect(jwks.body.keys.map((k: { kid: string }) => k.kid)).toEqual(
        expect.arrayContaining([rotated.body.kid, rotated.body.retired[0]]),
      );
      const fresh = await http(r.urlA, 'POST', `/v1/grants/${parent.id}/token`, admin);
      const { protectedHeader } = await jwtVerify(fresh.body.token, createLocalJWKSet(jwks.body));
      expect(protectedHeader.kid).toBe(rotated.body.kid);
      const old = await decide(r.urlA, refund('lead', { amount: 5 }, { grantToken: parentToken }));
      expect(old.body.decision).toBe('allow');
      expect(await eventsOf(r.a.dataSource, 'grant_signing_key.rotated', org.orgId)).toHaveLength(1);
    });

    it('refuses a sub-grant wider than its parent, naming the widening field', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ maxUses: 50 }, 'maxUses'],
        [{ tool: 'delete_order' }, 'tool'],
        [{ server: 'crm' }, 'server'],
        [{ constraints: { properties: { amount: { maximum: 1000 } } } }, 'constraints.required'],
        [
          { constraints: { properties: { amount: { maximum: 1000 } }, required: ['amount'] } },
          'constraints.properties.amount.maximum',
        ],
        [{ expiresAt: new Date(Date.now() + 86400_000 * 10).toISOString() }, 'expiresAt'],
        [{ budget: { argument: 'amount', limit: 10, windowSeconds: 60 } }, ''],
      ];
      for (const [over, field] of cases) {
        const res = await http(r.urlB, 'POST', '/v1/grants/delegate', gw, {
          parentToken,
          agent: field === '' ? 'sub-budget' : 'sub',
          reason: 'help',
          ...over,
        });
        if (field === '') {
          // Adding a budget the parent lacks is narrower: accepted.
          expect(res.status, JSON.stringify(res.body)).toBe(201);
          continue;
        }
        expect(res.status, JSON.stringify(res.body)).toBe(400);
        expect(res.body.details).toMatchObject({ reason: 'grant_widening', field });
        expect(res.body.message).toContain('grant_widening');
      }
    });

    it('delegates a narrower sub-grant whose uses consume the parent; revoking the parent revokes it', async () => {
      const res = await http(r.urlB, 'POST', '/v1/grants/delegate', gw, {
        parentToken,
        agent: 'sub',
        tool: 'refund',
        constraints: { properties: { amount: { maximum: 10 } }, required: ['amount'] },
        maxUses: 1,
        reason: 'one small refund',
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const child = res.body.grant;
      expect(child).toMatchObject({ parentId: parent.id, ancestorIds: [parent.id], maxUses: 1 });
      expect(res.body.token.token).toEqual(expect.any(String));
      const before = (await http(r.urlA, 'GET', `/v1/grants/${parent.id}`, admin)).body.uses;
      expect((await decide(r.urlA, refund('sub', { amount: 50 }))).body.decision).toBe('deny');
      expect((await decide(r.urlA, refund('sub', { amount: 5 }))).body.decision).toBe('allow');
      expect((await decide(r.urlA, refund('sub', { amount: 5 }))).body.decision).toBe('deny');
      expect((await http(r.urlA, 'GET', `/v1/grants/${parent.id}`, admin)).body.uses).toBe(before + 1);
      expect(await eventsOf(r.a.dataSource, 'grant.delegated', org.orgId)).not.toHaveLength(0);

      const inspect = await http(r.urlA, 'GET', `/v1/grants/${parent.id}`, admin);
      expect(inspect.body.children).toContain(child.id);
      await http(r.urlA, 'POST', `/v1/grants/${parent.id}/revoke`, admin, { reason: 'done' });
      expect((await http(r.urlA, 'GET', `/v1/grants/${child.id}`, admin)).body.status).toBe('revoked');
      const revoked = await eventsOf(r.a.dataSource, 'grant.revoked', org.orgId);
      expect(revoked.at(-1)!.data.cascaded).toContain(child.id);
      const refused = await http(r.urlB, 'POST', '/v1/grants/delegate', gw, {
        parentToken,
        agent: 'sub',
        reason: 'x',
      });
      expect(refused.status).toBe(409);
    });
  });

  it('templates instantiate many grants; editing a template updates them', async () => {
    await createAgent(r.a.app, org, 't1');
    await createAgent(r.a.app, org, 't2');
    const created = await http(r.urlA, 'POST', '/v1/grant-templates', admin, {
      name: 'support',
      server: 'payments',
      maxUses: 3,
      reason: 'support desk',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id;
    const made = await http(r.urlA, 'POST', `/v1/grant-templates/${id}/instantiate`, admin, {
      agents: ['t1', 't2'],
      tools: ['refund', 'status'],
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.grants).toHaveLength(4);
    expect((await decide(r.urlB, refund('t1', { amount: 1 }))).body.decision).toBe('allow');

    const edited = await http(r.urlA, 'PATCH', `/v1/grant-templates/${id}`, admin, {
      server: 'billing',
      maxUses: 7,
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body).toMatchObject({
      updatedGrants: 4,
      template: { version: 2, maxUses: 7, server: 'billing' },
    });
    const grant = await http(r.urlA, 'GET', `/v1/grants/${made.body.grants[0].id}`, admin);
    expect(grant.body).toMatchObject({ maxUses: 7, server: 'billing', templateId: id });
    // The other replica sees the edit (NOTIFY / poll): the grant no longer covers server "payments".
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await decide(r.urlB, refund('t2', { amount: 1 }))).body.decision).toBe('deny');
    expect(
      (await decide(r.urlB, { ...refund('t2', { amount: 1 }), server: { name: 'billing' } })).body.decision,
    ).toBe('allow');
    expect(await eventsOf(r.a.dataSource, 'grant_template.updated', org.orgId)).toHaveLength(1);
  });

  it('documents its routes in the OpenAPI document', async () => {
    const doc = await http(r.urlA, 'GET', '/docs/json', null);
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/grants',
        '/v1/grants/{id}',
        '/v1/grants/delegate',
        '/v1/grant-templates/{id}/instantiate',
        '/.well-known/jwks.json',
      ]),
    );
  });

  it('answers bad input with clear 4xx', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ server: 'payments', tool: 'refund' }, 'agent'],
      [{ agent: 'nobody', tool: 'refund' }, 'agent'],
      [{ agent: 'payer', tool: 'refund', toolPattern: 'r*' }, 'tool'],
      [{ agent: 'payer', toolPattern: 'refund' }, 'toolPattern'],
      [{ agent: 'payer', tool: 'refund', constraints: { type: 'no-such-type' } }, 'constraints'],
      [{ agent: 'payer', tool: 'refund', expiresAt: '2001-01-01T00:00:00Z' }, 'expiresAt'],
    ];
    for (const [body, field] of cases) {
      const res = await http(r.urlA, 'POST', '/v1/grants', admin, { reason: 'x', ...body });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.details?.field, JSON.stringify(res.body)).toBe(field);
    }
    expect((await http(r.urlA, 'GET', '/v1/grants/not-a-uuid', admin)).status).toBe(400);
    const other = await seedOrg(r.a.app, 'grants-other');
    const mine = await createGrant({ agent: 'payer', tool: 'refund' });
    expect((await http(r.urlA, 'GET', `/v1/grants/${mine.id}`, other.tokens.admin)).status).toBe(404);
  });
});
