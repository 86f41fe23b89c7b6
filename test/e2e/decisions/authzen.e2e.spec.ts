import { ActivePolicyReader } from '@mandate/policies';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../../support';
import {
  call,
  seedOrg,
  startIdentityApp,
  type IdentityHarness,
  type SeededOrg,
} from '../identity/identity-harness';
import { createAgent, fakeStore, FakePolicyStoreModule, gatewayKey, TEST_POLICY } from './decisions-harness';

const evaluation = (tool: string, args: Record<string, unknown> = { path: '/workspace/a' }) => ({
  subject: { type: 'agent', id: 'coder', properties: { principal: { id: 'u-1', groups: ['dev'] } } },
  action: { name: 'tools/call' },
  resource: { type: 'mcp_tool', id: `filesystem/${tool}`, properties: { arguments: args } },
  context: { session: 's-1' },
});

describeWithPostgres('decisions: OpenID AuthZEN evaluation API', () => {
  let h: IdentityHarness;
  let org: SeededOrg;
  let key: string;
  let header: Record<string, string>;

  const post = (url: string, body: unknown) =>
    call(h.app, { method: 'POST', url, token: key, body, headers: header });

  beforeAll(async () => {
    h = await startIdentityApp({ LOG_LEVEL: 'silent' }, [FakePolicyStoreModule]);
    fakeStore.baseline = h.app.get(ActivePolicyReader);
    org = await seedOrg(h.app, 'authzen');
    key = await gatewayKey(h.app, org);
    await createAgent(h.app, org, 'coder');
    const revision = await fakeStore.activate(org.orgId, TEST_POLICY);
    header = {
      'x-mandate-consistency': 'mct1.' + Buffer.from(`${org.orgId}:${revision}`).toString('base64url'),
    };
  });
  afterAll(async () => {
    await h?.close();
  });

  it('publishes its metadata without authentication', async () => {
    const res = await call(h.app, { method: 'GET', url: '/.well-known/authzen-configuration' });
    expect(res.status).toBe(200);
    expect(res.body.access_evaluation_endpoint).toMatch(/\/access\/v1\/evaluation$/);
    expect(res.body.access_evaluations_endpoint).toMatch(/\/access\/v1\/evaluations$/);
    expect(res.body.access_evaluation_endpoint.startsWith(res.body.policy_decision_point)).toBe(true);
  });

  it('maps subject, action, resource and context onto a recorded decision', async () => {
    const allowed = await post('/access/v1/evaluation', evaluation('read_file'));
    expect(allowed.status).toBe(200);
    expect(allowed.body).toMatchObject({ decision: true, context: { decision: 'allow', reasons: [] } });
    const denied = await post('/access/v1/evaluation', evaluation('read_file', { path: '/secret' }));
    expect(denied.body).toMatchObject({ decision: false, context: { reasons: [{ code: 'policy_deny' }] } });
    const pending = await post('/access/v1/evaluation', evaluation('rm'));
    expect(pending.body).toMatchObject({ decision: false, context: { decision: 'pending_approval' } });
    const [row] = await h.dataSource.query('SELECT * FROM decisions WHERE id = $1', [
      allowed.body.context.decisionId,
    ]);
    expect(row).toMatchObject({ org_id: org.orgId, server: 'filesystem', tool: 'read_file', phase: 'call' });
    expect(row.input).toMatchObject({
      principal: { id: 'u-1', groups: ['dev'] },
      arguments: { path: '/workspace/a' },
      context: { session: 's-1' },
    });
  });

  it('evaluates many with defaults and the three semantics', async () => {
    const defaults = evaluation('read_file');
    const items = [
      { resource: { type: 'mcp_tool', id: 'filesystem/read_file' } },
      { resource: { type: 'mcp_tool', id: 'filesystem/write_file' } },
      { action: { name: 'tools/list' }, resource: { type: 'mcp_tool', id: 'filesystem/write_file' } },
    ];
    const all = await post('/access/v1/evaluations', { ...defaults, evaluations: items });
    expect(all.status).toBe(200);
    expect(all.body.evaluations.map((e: { decision: boolean }) => e.decision)).toEqual([true, false, false]);
    const firstDeny = await post('/access/v1/evaluations', {
      ...defaults,
      evaluations: items,
      options: { evaluations_semantic: 'deny_on_first_deny' },
    });
    expect(firstDeny.body.evaluations).toHaveLength(2);
    const firstPermit = await post('/access/v1/evaluations', {
      ...defaults,
      evaluations: items,
      options: { evaluations_semantic: 'permit_on_first_permit' },
    });
    expect(firstPermit.body.evaluations).toHaveLength(1);
    const single = await post('/access/v1/evaluations', defaults);
    expect(single.body).toMatchObject({ decision: true });
  });

  it('refuses what it cannot map with 400, and callers without decisions:evaluate', async () => {
    for (const body of [
      { ...evaluation('x'), subject: { type: 'user', id: 'coder' } },
      { ...evaluation('x'), action: { name: 'delete' } },
      { ...evaluation('x'), resource: { type: 'mcp_tool', id: 'no-slash' } },
      { ...evaluation('x'), resource: { type: 'document', id: 'a/b' } },
      { ...evaluation('x'), resource: { type: 'mcp_tool', id: 'a/b', properties: { arguments: [1] } } },
      { ...evaluation('x'), unknown: true },
      { action: { name: 'tools/call' } },
    ]) {
      const res = await post('/access/v1/evaluation', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const bad = await post('/access/v1/evaluations', {
      ...evaluation('x'),
      evaluations: [{ action: { name: 'nope' } }],
    });
    expect(bad.status).toBe(400);
    const auditor = await call(h.app, {
      method: 'POST',
      url: '/access/v1/evaluation',
      token: org.tokens.auditor,
      body: evaluation('read_file'),
    });
    expect(auditor.status).toBe(403);
  });
});
