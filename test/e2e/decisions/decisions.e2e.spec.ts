import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { ActivePolicyReader } from '@mandate/policies';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithPostgres } from '../../support';
import {
  call,
  seedOrg,
  startIdentityApp,
  type IdentityHarness,
  type SeededOrg,
} from '../identity/identity-harness';
import { createAgent, fakeStore, FakePolicyStoreModule, gatewayKey, TEST_POLICY } from './decisions-harness';

const request = (over: Record<string, unknown> = {}) => ({
  agent: 'coder',
  server: { name: 'filesystem', url: 'stdio://fs' },
  tool: { name: 'read_file' },
  arguments: { path: '/workspace/a.txt' },
  phase: 'call',
  ...over,
});

describeWithPostgres('decisions: POST /v1/decisions', () => {
  let h: IdentityHarness;
  let org: SeededOrg; // on the test policy (fake store)
  let plain: SeededOrg; // never activated a policy: the baseline applies
  let key: string;
  let plainKey: string;
  let agentId: string;

  const decide = (body: unknown, k: string | null = key, headers?: Record<string, string>) =>
    call(h.app, { method: 'POST', url: '/v1/decisions', token: k, body, headers });

  async function rowsOf(orgId: string): Promise<Array<Record<string, unknown>>> {
    return h.dataSource.query('SELECT * FROM decisions WHERE org_id = $1 ORDER BY decided_at', [orgId]);
  }

  beforeAll(async () => {
    h = await startIdentityApp({ LOG_LEVEL: 'silent' }, [FakePolicyStoreModule]);
    fakeStore.baseline = h.app.get(ActivePolicyReader);
    org = await seedOrg(h.app, 'decide');
    plain = await seedOrg(h.app, 'plain');
    key = await gatewayKey(h.app, org);
    plainKey = await gatewayKey(h.app, plain);
    agentId = await createAgent(h.app, org, 'coder', { trustLevel: 2, labels: { team: 'dev' } });
    await createAgent(h.app, plain, 'coder');
    await createAgent(h.app, org, 'sleeper', { enabled: false }).catch(async () => {
      // enabled may not be settable at creation: disable it afterwards
      const created = await createAgent(h.app, org, 'sleeper');
      await call(h.app, {
        method: 'PATCH',
        url: `/v1/agents/${created}`,
        token: org.tokens.admin,
        body: { enabled: false },
      });
    });
    await fakeStore.activate(org.orgId, TEST_POLICY);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('allows, denies and asks for approval per the organisation’s policy, and records each decision', async () => {
    const definition = { name: 'read_file', description: 'Reads a file', inputSchema: { type: 'object' } };
    const allowed = await decide(request({ tool: { name: 'read_file', definition } }));
    expect(allowed.status).toBe(200);
    expect(allowed.body).toMatchObject({ decision: 'allow', reasons: [], policyRevision: 1 });
    const digest = `sha256:${createHash('sha256')
      .update(canonicalize(definition) as string)
      .digest('hex')}`;
    expect(allowed.body.obligations).toMatchObject({ agent_trust: 2, digest });
    expect(typeof allowed.body.obligations.gateway).toBe('string');
    expect(allowed.body.consistencyToken).toMatch(/^mct1\./);

    const denied = await decide(request({ arguments: { path: '/etc/secret' } }));
    expect(denied.body).toMatchObject({
      decision: 'deny',
      reasons: [{ code: 'policy_deny', message: 'path /etc/secret is secret' }],
    });
    const pending = await decide(request({ tool: { name: 'rm' }, arguments: { path: '/tmp/x' } }));
    expect(pending.body).toMatchObject({
      decision: 'pending_approval',
      reasons: [{ code: 'approval_required', message: 'rm needs a human' }],
      approval: { requirement: { reason: 'rm needs a human', approvers: ['sre'] } },
    });
    const other = await decide(request({ tool: { name: 'write_file' } }));
    expect(other.body).toMatchObject({ decision: 'deny', reasons: [{ code: 'not_allowed' }] });

    const rows = await rowsOf(org.orgId);
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const res of [allowed, denied, pending, other]) {
      const row = byId.get(res.body.decisionId);
      expect(row).toBeDefined();
      expect(row).toMatchObject({ decision: res.body.decision, policy_revision: 1, agent_id: agentId });
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON row
    const row = byId.get(allowed.body.decisionId) as Record<string, any>;
    expect(row.input).toMatchObject({
      phase: 'call',
      agent: { id: agentId, name: 'coder', trust: 2, labels: { team: 'dev' } },
      server: { name: 'filesystem', url: 'stdio://fs' },
      tool: { name: 'read_file', digest, pinned: false, changed: false, risk: 'unknown' },
      arguments: { path: '/workspace/a.txt' },
      findings: [],
      grants: [],
      approval: null,
    });
    expect(row.input.context.request_id).toBe(row.request_id);
    expect(row.latency_us).toBeGreaterThan(0);
  });

  it('uses the baseline (revision 0) for an organisation without an active policy', async () => {
    const res = await decide(request(), plainKey);
    expect(res.status).toBe(200);
    // The catalog is not built yet: every tool is unpinned, which the baseline refuses.
    expect(res.body).toMatchObject({
      decision: 'deny',
      policyRevision: 0,
      reasons: [{ code: 'policy_deny', message: 'tool read_file: definition is not pinned' }],
    });
  });

  it('denies an unknown or disabled agent with a reason, and records it', async () => {
    const unknown = await decide(request({ agent: 'ghost' }));
    expect(unknown.body).toMatchObject({ decision: 'deny', reasons: [{ code: 'unknown_agent' }] });
    const disabled = await decide(request({ agent: 'sleeper' }));
    expect(disabled.body).toMatchObject({ decision: 'deny', reasons: [{ code: 'agent_disabled' }] });
    const ids = (await rowsOf(org.orgId)).map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining([unknown.body.decisionId, disabled.body.decisionId]));
  });

  it('keeps organisations apart: agents, policies and tokens of one are invisible to another', async () => {
    await createAgent(h.app, org, 'only-in-org');
    const foreign = await decide(request({ agent: 'only-in-org' }), plainKey);
    expect(foreign.body).toMatchObject({ decision: 'deny', reasons: [{ code: 'unknown_agent' }] });
    const mine = await decide(request());
    const crossToken = await decide(request({ consistencyToken: mine.body.consistencyToken }), plainKey);
    expect(crossToken.body).toMatchObject({ decision: 'deny', reasons: [{ code: 'stale_state' }] });
    const plainIds = new Set((await rowsOf(plain.orgId)).map((r) => r.id));
    expect(plainIds.has(mine.body.decisionId)).toBe(false);
    expect(plainIds.has(foreign.body.decisionId)).toBe(true);
  });

  it('rejects malformed, oversized, too deep and unknown fields with 4xx, and unauthorised callers', async () => {
    const bad = async (body: unknown, status = 400) => {
      const res = await decide(body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(status);
    };
    await bad('{"agent": ');
    await bad(request({ phase: 'execute' }));
    await bad(request({ extra: 1 }));
    await bad(request({ tool: { name: 'x', extra: 1 } }));
    await bad(request({ arguments: [1, 2] }));
    await bad(request({ arguments: 'x' }));
    await bad({ ...request(), agent: undefined });
    await bad(request({ arguments: { big: 'x'.repeat(300 * 1024) } }));
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 40; i += 1) deep = { d: deep };
    await bad(request({ arguments: deep }));
    await bad(request({ arguments: { nul: 'a\u0000b' } }));
    await bad(request({ arguments: { huge: 'y'.repeat(2 * 1024 * 1024) } }), 413);
    const before = (await rowsOf(org.orgId)).length;
    expect((await decide(request(), null)).status).toBe(401);
    expect((await decide(request(), org.tokens.auditor)).status).toBe(403);
    expect((await rowsOf(org.orgId)).length).toBe(before);
  });

  it('denies with policy_error when the policy fails, and recovers after a fix', async () => {
    const conflicting = `package mandate
decision := {"allow": true, "deny": []} if input.arguments.path
decision := {"allow": false, "deny": []} if input.arguments.path
`;
    const revision = await fakeStore.activate(org.orgId, conflicting);
    const token = (await decide(request(), plainKey)).body.consistencyToken; // another org's token is no use
    expect(token).toBeTruthy();
    const failed = await decide(request({ consistencyToken: tokenFor(org.orgId, revision) }));
    expect(failed.body).toMatchObject({
      decision: 'deny',
      reasons: [{ code: 'policy_error' }],
      policyRevision: revision,
    });
    // The trapped instance is replaced by a fresh one of the same module: same answer, no crash.
    const again = await decide(request({ consistencyToken: tokenFor(org.orgId, revision) }));
    expect(again.body).toMatchObject({ decision: 'deny', reasons: [{ code: 'policy_error' }] });
    const undefinedRevision = await fakeStore.activate(
      org.orgId,
      'package mandate\ndecision := 1 if false\n',
    );
    const undef = await decide(request({ consistencyToken: tokenFor(org.orgId, undefinedRevision) }));
    expect(undef.body).toMatchObject({ decision: 'deny', reasons: [{ code: 'undefined_result' }] });
    const fixed = await fakeStore.activate(org.orgId, TEST_POLICY);
    const ok = await decide(request(), key, { 'x-mandate-consistency': tokenFor(org.orgId, fixed) });
    expect(ok.body).toMatchObject({ decision: 'allow', policyRevision: fixed });
  });

  it('honours a consistency token: reloads a newer revision, denies stale_state beyond the newest', async () => {
    const first = await decide(request());
    const revision = first.body.policyRevision as number;
    const next = await fakeStore.activate(org.orgId, TEST_POLICY.replace('"read_file"', '"read_file2"'));
    expect(next).toBe(revision + 1);
    // Without a token the cache may still answer from the previous revision; with one it must not.
    const fresh = await decide(request({ consistencyToken: tokenFor(org.orgId, next) }));
    expect(fresh.body).toMatchObject({ decision: 'deny', policyRevision: next });
    const future = await decide(request({ consistencyToken: tokenFor(org.orgId, next + 5) }));
    expect(future.body).toMatchObject({ decision: 'deny', reasons: [{ code: 'stale_state' }] });
    const garbage = await decide(request({ consistencyToken: 'not-a-token' }));
    expect(garbage.body).toMatchObject({ decision: 'deny', reasons: [{ code: 'stale_state' }] });
    await fakeStore.activate(org.orgId, TEST_POLICY);
  });

  it('picks up an activation within the poll interval without a token', async () => {
    const revision = await fakeStore.activate(org.orgId, TEST_POLICY.replace('"read_file"', '"read_file3"'));
    let seen = 0;
    for (let i = 0; i < 40 && seen !== revision; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      seen = (await decide(request())).body.policyRevision as number;
    }
    expect(seen).toBe(revision);
    await fakeStore.activate(org.orgId, TEST_POLICY);
  });

  it('fails closed with record_failed when the decision cannot be stored, and recovers', async () => {
    const consistencyToken = tokenFor(org.orgId, await fakeStore.activate(org.orgId, TEST_POLICY));
    const admin = new Client({ connectionString: h.db.url });
    await admin.connect();
    try {
      await admin.query('ALTER TABLE decisions ADD CONSTRAINT ck_test_block CHECK (false) NOT VALID');
      const results = await Promise.all([1, 2, 3].map(() => decide(request({ consistencyToken }))));
      for (const res of results) {
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ decision: 'deny', reasons: [{ code: 'record_failed' }] });
      }
      const ids = new Set((await rowsOf(org.orgId)).map((r) => r.id));
      for (const res of results) expect(ids.has(res.body.decisionId)).toBe(false);
    } finally {
      await admin.query('ALTER TABLE decisions DROP CONSTRAINT IF EXISTS ck_test_block');
    }
    // Connections of the recorder killed under it: the next decision is recorded on a new connection.
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'mandate-decision-recorder' AND datname = current_database()`,
    );
    await admin.end();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON answer
    let recovered: any;
    for (let i = 0; i < 5; i += 1) {
      recovered = (await decide(request({ consistencyToken }))).body;
      if (recovered.decision === 'allow') break;
    }
    expect(recovered, JSON.stringify(recovered)).toMatchObject({ decision: 'allow' });
    expect((await rowsOf(org.orgId)).some((r) => r.id === recovered.decisionId)).toBe(true);
  });

  it('denies with policy_unavailable when the store cannot be read and nothing is cached', async () => {
    const third = await seedOrg(h.app, 'third');
    const thirdKey = await gatewayKey(h.app, third);
    await createAgent(h.app, third, 'coder');
    fakeStore.failing = true;
    try {
      const res = await decide(request(), thirdKey);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        decision: 'deny',
        reasons: [{ code: 'policy_unavailable' }],
        policyRevision: null,
      });
    } finally {
      fakeStore.failing = false;
    }
  });

  describe('POST /v1/decisions/batch', () => {
    it('decides each item and records them all', async () => {
      const token = tokenFor(org.orgId, await fakeStore.activate(org.orgId, TEST_POLICY));
      const res = await call(h.app, {
        method: 'POST',
        url: '/v1/decisions/batch',
        token: key,
        headers: { 'x-mandate-consistency': token },
        body: {
          items: [
            request(),
            request({ tool: { name: 'rm' } }),
            request({ agent: 'ghost' }),
            request({ phase: 'list' }),
          ],
        },
      });
      expect(res.status).toBe(200);
      expect(res.body.items.map((i: { decision: string }) => i.decision)).toEqual([
        'allow',
        'pending_approval',
        'deny',
        'allow',
      ]);
      const ids = new Set((await rowsOf(org.orgId)).map((r) => r.id));
      for (const item of res.body.items) expect(ids.has(item.decisionId)).toBe(true);
      const tooMany = await call(h.app, {
        method: 'POST',
        url: '/v1/decisions/batch',
        token: key,
        body: { items: Array.from({ length: 101 }, () => request()) },
      });
      expect(tooMany.status).toBe(400);
    });
  });
});

function tokenFor(orgId: string, revision: number): string {
  return 'mct1.' + Buffer.from(`${orgId}:${revision}`).toString('base64url');
}
