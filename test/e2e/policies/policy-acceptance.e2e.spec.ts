import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../../support';
import { createAgent, gatewayKey } from '../decisions/decisions-harness';
import {
  call,
  seedOrg,
  startIdentityApp,
  type IdentityHarness,
  type SeededOrg,
} from '../identity/identity-harness';

/**
 * Acceptance story of issue 5, end to end through the HTTP API only: a policy author saves a policy with an
 * error and sees where it is; fixes it; its tests run at activation; a gateway key gets the decisions the
 * policy implies; a stricter version changes them; a rollback restores the previous answers.
 */
const BROKEN = `package mandate

default allow := false

allow if input.tool.name == "read_file"
allow if input.tool.name == "search" and input.agent.name == "coder"

decision := {"allow": allow, "deny": [], "require_approval": null, "obligations": {}}
`;

const FIXED = `package mandate

default allow := false

allow if input.tool.name == "read_file"

allow if {
	input.tool.name == "search"
	input.agent.name == "coder"
}

deny contains "deleting is never allowed" if input.tool.name == "delete_file"

decision := {"allow": allow, "deny": deny, "require_approval": null, "obligations": {}}
`;

const TESTS = `package mandate

test_reads_are_allowed if decision.allow with input as {"tool": {"name": "read_file"}, "agent": {"name": "x"}}

test_search_only_for_coder if {
	decision.allow with input as {"tool": {"name": "search"}, "agent": {"name": "coder"}}
	not decision.allow with input as {"tool": {"name": "search"}, "agent": {"name": "intern"}}
}

test_delete_is_denied if count(decision.deny) == 1 with input as {"tool": {"name": "delete_file"}, "agent": {"name": "coder"}}
`;

/** Version 2: reads need the agent to be "coder" too. */
const STRICTER = FIXED.replace(
  'allow if input.tool.name == "read_file"',
  'allow if {\n\tinput.tool.name == "read_file"\n\tinput.agent.name == "coder"\n}',
);

const CALLS: Array<[string, string]> = [
  ['coder', 'read_file'],
  ['intern', 'read_file'],
  ['coder', 'search'],
  ['intern', 'search'],
  ['coder', 'delete_file'],
];

describeWithPostgres('acceptance: write → fix → test → activate → decide → change → roll back', () => {
  let h: IdentityHarness;
  let org: SeededOrg;
  let gateway: string;

  const author = () => org.tokens.policy_author;

  /** The gateway's answers for CALLS once `revision` is in force (asked until it is, at most 5 s). */
  async function answersAt(revision: number): Promise<string[]> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const results = [];
      for (const [agent, tool] of CALLS) {
        const res = await call(h.app, {
          method: 'POST',
          url: '/v1/decisions',
          token: gateway,
          body: {
            agent,
            server: { name: 'workspace' },
            tool: { name: tool },
            arguments: { q: 'x' },
            phase: 'call',
          },
        });
        expect(res.status, res.raw).toBe(200);
        results.push(res.body);
      }
      if (results.every((r) => r.policyRevision === revision)) {
        return results.map((r) =>
          r.decision === 'deny'
            ? `deny:${r.reasons.map((x: { code: string }) => x.code).join('+')}`
            : r.decision,
        );
      }
      if (Date.now() > deadline)
        throw new Error(`revision ${revision} not in force: ${JSON.stringify(results)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function version(message: string): Promise<string> {
    const res = await call(h.app, {
      method: 'POST',
      url: '/v1/policies/versions',
      token: author(),
      body: { message },
    });
    expect(res.status, res.raw).toBe(201);
    return res.body.id as string;
  }

  beforeAll(async () => {
    h = await startIdentityApp({ LOG_LEVEL: 'silent' });
    org = await seedOrg(h.app, 'acceptance');
    gateway = await gatewayKey(h.app, org);
    await createAgent(h.app, org, 'coder');
    await createAgent(h.app, org, 'intern');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('tells the author where the error is, runs the tests, enforces the policy and rolls back', async () => {
    // 1. A policy with an error: saved, with the position of the error.
    const broken = await call(h.app, {
      method: 'PUT',
      url: '/v1/policies/draft',
      token: author(),
      body: { files: { 'decision.rego': BROKEN, 'decision_test.rego': TESTS } },
    });
    expect(broken.status).toBe(200);
    expect(broken.body.valid).toBe(false);
    expect(broken.body.errors[0]).toMatchObject({ file: 'decision.rego', row: 6 });
    expect(broken.body.errors[0].col).toBeGreaterThan(0);
    expect(
      (await call(h.app, { method: 'POST', url: '/v1/policies/versions', token: author(), body: {} })).status,
    ).toBe(409);

    // 2. Fixed: valid; versioned; its tests run when it is activated.
    const fixed = await call(h.app, {
      method: 'PUT',
      url: '/v1/policies/draft',
      token: author(),
      body: { files: { 'decision.rego': FIXED, 'decision_test.rego': TESTS } },
    });
    expect(fixed.body).toMatchObject({ valid: true, errors: [] });
    const v1 = await version('reads for all, search for coder, never delete');
    const activated = await call(h.app, {
      method: 'POST',
      url: `/v1/policies/versions/${v1}/activate`,
      token: author(),
      body: {},
    });
    expect(activated.status, activated.raw).toBe(200);
    expect(activated.body).toMatchObject({ revision: 1, tests: { total: 3, passed: 3, failed: [] } });

    // 3. The gateway gets the decisions the policy implies.
    const v1Answers = await answersAt(1);
    expect(v1Answers).toEqual(['allow', 'allow', 'allow', 'deny:not_allowed', 'deny:policy_deny']);

    // 4. A stricter version: its tests fail (reads for all) — refused, then forced with a reason.
    await call(h.app, {
      method: 'PUT',
      url: '/v1/policies/draft',
      token: author(),
      body: { files: { 'decision.rego': STRICTER, 'decision_test.rego': TESTS } },
    });
    const v2 = await version('reads only for coder');
    const refused = await call(h.app, {
      method: 'POST',
      url: `/v1/policies/versions/${v2}/activate`,
      token: author(),
      body: {},
    });
    expect(refused.status).toBe(409);
    expect(refused.body.details.failedTests.map((t: { name: string }) => t.name)).toEqual(
      expect.arrayContaining([expect.stringContaining('test_reads_are_allowed')]),
    );
    const forced = await call(h.app, {
      method: 'POST',
      url: `/v1/policies/versions/${v2}/activate`,
      token: author(),
      body: { force: true, reason: 'interns lose read access' },
    });
    expect(forced.body).toMatchObject({ revision: 2, forced: true });
    expect(await answersAt(2)).toEqual([
      'allow',
      'deny:not_allowed',
      'allow',
      'deny:not_allowed',
      'deny:policy_deny',
    ]);

    // 5. Rollback restores the previous answers (as a new revision).
    const rolledBack = await call(h.app, {
      method: 'POST',
      url: '/v1/policies/rollback',
      token: author(),
      body: { versionId: v1, reason: 'interns need to read after all' },
    });
    expect(rolledBack.status, rolledBack.raw).toBe(200);
    expect(rolledBack.body).toMatchObject({ revision: 3, kind: 'rollback', versionId: v1 });
    expect(await answersAt(3)).toEqual(v1Answers);
  });
});
