import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../../support';
import {
  call,
  seedOrg,
  startIdentityApp,
  type IdentityHarness,
  type SeededOrg,
} from '../identity/identity-harness';
import { activateFiles } from './policy-flow';

/** Live policy: reads allowed, writes need no approval but are not allowed, `rm` denied. */
const LIVE = `package mandate

default allow := false

allow if input.tool.name == "read_file"

deny contains "rm is forbidden" if input.tool.name == "rm"

decision := {"allow": allow, "deny": deny, "require_approval": null, "obligations": {}}
`;

/** Draft: agent ops may no longer read; writes are allowed. */
const DRAFT = `package mandate

default allow := false

allow if {
	input.tool.name == "read_file"
	input.agent.name != "ops"
}

allow if input.tool.name == "write_file"

deny contains "rm is forbidden" if input.tool.name == "rm"

decision := {"allow": allow, "deny": deny, "require_approval": null, "obligations": {}}
`;

describeWithPostgres('impact replay: POST /v1/policies/{id}/replay', () => {
  let h: IdentityHarness;
  let org: SeededOrg;
  let other: SeededOrg;
  let liveVersion: string;
  let otherVersion: string;
  let third: SeededOrg;
  const answers: Array<{ agent: string; tool: string; decision: string; reasons: Array<{ code: string }> }> =
    [];

  const replay = (id: string, body: unknown = {}, token = org.tokens.policy_author) =>
    call(h.app, { method: 'POST', url: `/v1/policies/${id}/replay`, token, body });

  /** Records a decision row directly (as the recorder writes it), independent of the pipeline's stages. */
  async function record(
    agent: string,
    tool: string,
    decision: string,
    reasons: Array<{ code: string; message: string }>,
    i: number,
  ) {
    const input = {
      phase: 'call',
      agent: { id: randomUUID(), name: agent, labels: {}, trust: 1, owner: null, enabled: true },
      principal: null,
      server: { id: null, name: 'fs', url: null },
      tool: { name: tool, digest: null, pinned: false, changed: false, risk: 'unknown', annotations: {} },
      arguments: { path: `/w/${i}` },
      findings: [],
      grants: [],
      approval: null,
      context: {
        time: new Date().toISOString(),
        ip: '127.0.0.1',
        gateway: null,
        session: null,
        request_id: `r${i}`,
      },
    };
    await h.dataSource.query(
      `INSERT INTO decisions (id, org_id, decided_at, agent_id, agent_name, server, tool, phase, decision, reasons,
                              obligations, input, policy_revision, latency_us, api_key_id, request_id)
       VALUES ($1, $2, now() - make_interval(secs => $3), NULL, $4, 'fs', $5, 'call', $6, $7::jsonb, '{}', $8::jsonb, 1, 10, NULL, $9)`,
      [
        randomUUID(),
        org.orgId,
        i,
        agent,
        tool,
        decision,
        JSON.stringify(reasons),
        JSON.stringify(input),
        `r${i}`,
      ],
    );
    answers.push({ agent, tool, decision, reasons });
  }

  beforeAll(async () => {
    h = await startIdentityApp({ LOG_LEVEL: 'silent' });
    org = await seedOrg(h.app, 'replay');
    other = await seedOrg(h.app, 'replay-other');
    third = await seedOrg(h.app, 'replay-third');
    liveVersion = (await activateFiles(h.app, org.tokens.policy_author, { 'live.rego': LIVE })).versionId;
    otherVersion = (await activateFiles(h.app, other.tokens.policy_author, { 'live.rego': LIVE })).versionId;
    // What LIVE answered (reads allowed, writes not allowed, rm denied), and an unknown agent's deny.
    const allow = (): [string, Array<{ code: string; message: string }>] => ['allow', []];
    const notAllowed = (): [string, Array<{ code: string; message: string }>] => [
      'deny',
      [{ code: 'not_allowed', message: 'the policy does not allow this call' }],
    ];
    const calls: Array<[string, string, number, () => [string, Array<{ code: string; message: string }>]]> = [
      ['coder', 'read_file', 3, allow],
      ['ops', 'read_file', 4, allow],
      ['ops', 'write_file', 2, notAllowed],
      ['coder', 'rm', 1, () => ['deny', [{ code: 'policy_deny', message: 'rm is forbidden' }]]],
      ['ghost', 'read_file', 2, () => ['deny', [{ code: 'unknown_agent', message: 'no agent named ghost' }]]],
    ];
    let n = 0;
    for (const [agent, tool, times, answer] of calls) {
      for (let i = 0; i < times; i += 1) {
        n += 1;
        const [decision, reasons] = answer();
        await record(agent, tool, decision, reasons, n);
      }
    }
    const draft = await call(h.app, {
      method: 'PUT',
      url: '/v1/policies/draft',
      token: org.tokens.policy_author,
      body: { files: { 'live.rego': DRAFT } },
    });
    expect(draft.body.valid, draft.raw).toBe(true);
  });
  afterAll(async () => {
    await h?.close();
  });

  const byPolicy = () =>
    answers.filter((a) => a.reasons.every((r) => ['policy_deny', 'not_allowed'].includes(r.code)));

  it('replaying the active version changes nothing', async () => {
    const res = await replay(liveVersion);
    expect(res.status, res.raw).toBe(200);
    expect(res.body).toMatchObject({
      policy: { kind: 'version', versionId: liveVersion, number: 1 },
      evaluated: byPolicy().length,
      changed: 0,
      skipped: answers.length - byPolicy().length,
      truncated: false,
      examples: [],
    });
    expect(res.body.evaluated).toBeGreaterThanOrEqual(10);
    expect(res.body.skipped).toBeGreaterThanOrEqual(2);
  });

  it('replays the draft: counts changed outcomes by agent and tool, with examples', async () => {
    const res = await replay('draft', { limit: 1000 });
    expect(res.status, res.raw).toBe(200);
    const body = res.body;
    expect(body).toMatchObject({
      policy: { kind: 'draft', versionId: null },
      evaluated: byPolicy().length,
      changed: 6,
      transitions: { 'allow→deny': 4, 'deny→allow': 2 },
      truncated: false,
    });
    const ops = body.byAgent.find((g: { agent: string }) => g.agent === 'ops');
    expect(ops).toEqual({
      agent: 'ops',
      evaluated: 6,
      changed: 6,
      transitions: { 'allow→deny': 4, 'deny→allow': 2 },
    });
    expect(body.byAgent.find((g: { agent: string }) => g.agent === 'coder')).toMatchObject({ changed: 0 });
    expect(body.byAgent[0].agent).toBe('ops'); // most changed first
    expect(body.byTool).toEqual(
      expect.arrayContaining([
        { server: 'fs', tool: 'read_file', evaluated: 7, changed: 4, transitions: { 'allow→deny': 4 } },
        { server: 'fs', tool: 'write_file', evaluated: 2, changed: 2, transitions: { 'deny→allow': 2 } },
      ]),
    );
    // At most 3 examples per agent and tool: 3 reads + 2 writes of ops.
    expect(body.examples).toHaveLength(5);
    const example = body.examples.find((e: { tool: string }) => e.tool === 'read_file');
    expect(example).toMatchObject({
      agent: 'ops',
      server: 'fs',
      phase: 'call',
      recorded: { decision: 'allow', reasons: [] },
      replayed: { decision: 'deny', reasons: [{ code: 'not_allowed' }] },
    });
    expect(example.decisionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('honours limit (newest first, truncated) and the window', async () => {
    const limited = await replay('draft', { limit: 3 });
    expect(limited.status).toBe(200);
    expect(limited.body.evaluated + limited.body.skipped).toBe(3);
    expect(limited.body.truncated).toBe(true);
    const future = await replay('draft', {
      since: new Date(Date.now() + 60_000).toISOString(),
      until: new Date(Date.now() + 120_000).toISOString(),
    });
    expect(future.body).toMatchObject({ evaluated: 0, changed: 0, skipped: 0, truncated: false });
  });

  it('refuses bad input with 4xx, another organisation’s version with 404, read-only callers with 403', async () => {
    expect((await replay('draft', { limit: 100_001 })).status).toBe(400);
    expect((await replay('draft', { limit: 0 })).status).toBe(400);
    expect((await replay('draft', { since: 'yesterday' })).status).toBe(400);
    expect((await replay('draft', { extra: 1 })).status).toBe(400);
    const backwards = await replay('draft', {
      since: new Date().toISOString(),
      until: new Date(0).toISOString(),
    });
    expect(backwards.status).toBe(400);
    expect((await replay('not-a-version')).status).toBe(400);
    expect((await replay(otherVersion)).status).toBe(404);
    expect((await replay('00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await replay('draft', {}, org.tokens.auditor)).status).toBe(403);
    expect((await replay('draft', {}, org.tokens.approver)).status).toBe(403);
    // An organisation without a draft: 404; with a broken draft: 409 with its errors.
    expect((await replay('draft', {}, third.tokens.policy_author)).status).toBe(404);
    await call(h.app, {
      method: 'PUT',
      url: '/v1/policies/draft',
      token: third.tokens.policy_author,
      body: { files: { 'x.rego': 'package mandate\n\ndecision := {' } },
    });
    const broken = await replay('draft', {}, third.tokens.policy_author);
    expect(broken.status).toBe(409);
    expect(broken.body.details.errors[0]).toMatchObject({ file: 'x.rego', code: 'rego_parse_error' });
  });
});
