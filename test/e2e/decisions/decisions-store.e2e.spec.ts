import { encodeConsistencyToken } from '@mandate/decisions';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../../support';
import {
  call,
  seedOrg,
  startIdentityApp,
  type IdentityHarness,
  type SeededOrg,
} from '../identity/identity-harness';
import { createAgent, gatewayKey, TEST_POLICY } from './decisions-harness';

const request = (over: Record<string, unknown> = {}) => ({
  agent: 'coder',
  server: { name: 'filesystem' },
  tool: { name: 'read_file' },
  arguments: { path: '/workspace/a.txt' },
  phase: 'call',
  ...over,
});

/** The decision API on the real policy store (libs/policies): activation through the admin API. */
describeWithPostgres('decisions on the policy store', () => {
  let h: IdentityHarness;
  let org: SeededOrg;
  let key: string;

  const decide = (body: unknown) => call(h.app, { method: 'POST', url: '/v1/decisions', token: key, body });

  async function activate(files: Record<string, string>): Promise<number> {
    const author = org.tokens.policy_author;
    const draft = await call(h.app, {
      method: 'PUT',
      url: '/v1/policies/draft',
      token: author,
      body: { files },
    });
    if (draft.status !== 200 || draft.body.valid !== true) throw new Error(`draft refused: ${draft.raw}`);
    const version = await call(h.app, {
      method: 'POST',
      url: '/v1/policies/versions',
      token: author,
      body: {},
    });
    if (version.status !== 201) throw new Error(`version refused: ${version.raw}`);
    const activated = await call(h.app, {
      method: 'POST',
      url: `/v1/policies/versions/${version.body.id}/activate`,
      token: author,
      body: { force: true, reason: 'decision API e2e' },
    });
    if (activated.status !== 200) throw new Error(`activation refused: ${activated.raw}`);
    return activated.body.revision as number;
  }

  beforeAll(async () => {
    h = await startIdentityApp({ LOG_LEVEL: 'silent' });
    org = await seedOrg(h.app, 'store');
    key = await gatewayKey(h.app, org);
    await createAgent(h.app, org, 'coder');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('evaluates the baseline, then an activated policy, and sees a new activation without a token', async () => {
    const before = await decide(request());
    expect(before.body).toMatchObject({ decision: 'deny', policyRevision: 0 });

    const first = await activate({ 'decision.rego': TEST_POLICY });
    const token = encodeConsistencyToken({ orgId: org.orgId, revision: first });
    const allowed = await decide(request({ consistencyToken: token }));
    expect(allowed.body).toMatchObject({ decision: 'allow', policyRevision: first, reasons: [] });

    // A second activation is announced (LISTEN) or polled (≤ 1 s): no token needed after a moment.
    const second = await activate({ 'decision.rego': TEST_POLICY.replace('"read_file"', '"read_file2"') });
    let seen: { decision: string; policyRevision: number } | undefined;
    for (let i = 0; i < 50; i += 1) {
      seen = (await decide(request())).body;
      if (seen?.policyRevision === second) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen).toMatchObject({ decision: 'deny', policyRevision: second });
    const rows: Array<{ policy_revision: number }> = await h.dataSource.query(
      'SELECT policy_revision FROM decisions WHERE org_id = $1',
      [org.orgId],
    );
    expect(new Set(rows.map((r) => r.policy_revision))).toEqual(new Set([0, first, second]));
  });
});
