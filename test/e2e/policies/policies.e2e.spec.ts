import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import opa from '@open-policy-agent/opa-wasm';
import { ActivePolicyReader, PolicyCompiler } from '@mandate/policies';
import { hostBuiltinsByImportName } from '@mandate/rego';
import { Client, type Notification } from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../../support';
import {
  call,
  eventsOf,
  seedOrg,
  startIdentityApp,
  type IdentityHarness,
  type SeededOrg,
} from '../identity/identity-harness';
import { BROKEN_REGO, DECISION_REGO, FAILING_TESTS_REGO, PASSING_TESTS_REGO } from './policy-fixtures';

async function evaluate(wasm: Uint8Array, input: unknown): Promise<unknown> {
  const policy = await opa.loadPolicy(wasm, undefined, hostBuiltinsByImportName());
  policy.setData({});
  const rs = policy.evaluate(input, 'mandate/decision') as Array<{ result: unknown }>;
  return rs[0]?.result;
}

describeWithPostgres('policy store: draft → version → tests → activation → rollback', () => {
  let h: IdentityHarness;
  let org: SeededOrg;
  let other: SeededOrg;
  let listener: Client;
  const notifications: Notification[] = [];
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    h = await startIdentityApp();
    org = await seedOrg(h.app, 'pstore');
    other = await seedOrg(h.app, 'pstore-other');
    listener = new Client({ connectionString: h.db.url });
    await listener.connect();
    listener.on('notification', (n) => notifications.push(n));
    await listener.query('LISTEN mandate_policy_activated');
  });
  afterAll(async () => {
    await listener?.end();
    await h?.close();
  });

  const author = () => org.tokens.policy_author;

  it('starts on the baseline: no draft, revision 0, getActive null', async () => {
    const draft = await call(h.app, { method: 'GET', url: '/v1/policies/draft', token: author() });
    expect(draft.status).toBe(200);
    expect(draft.body).toEqual({ files: {}, valid: false, errors: [], updatedAt: null });
    const active = await call(h.app, {
      method: 'GET',
      url: '/v1/policies/active',
      token: org.tokens.auditor,
    });
    expect(active.status).toBe(200);
    expect(active.body).toEqual({ revision: 0, source: 'baseline', version: null, activatedAt: null });
    expect(await h.app.get(ActivePolicyReader).getActive(org.orgId)).toBeNull();
    const noDraft = await call(h.app, {
      method: 'POST',
      url: '/v1/policies/versions',
      token: author(),
      body: {},
    });
    expect(noDraft.status).toBe(409);
  });

  it('saves a draft that does not compile, with errors at file/row/col, and refuses to version it', async () => {
    const res = await call(h.app, {
      method: 'PUT',
      url: '/v1/policies/draft',
      token: author(),
      body: { files: { 'decision.rego': BROKEN_REGO, 'decision_test.rego': PASSING_TESTS_REGO } },
    });
    expect(res.status).toBe(200);
    expect(res.body.valid).toBe(false);
    expect(res.body.files['decision.rego']).toBe(BROKEN_REGO);
    expect(res.body.errors.length).toBeGreaterThan(0);
    const [error] = res.body.errors;
    expect(error).toMatchObject({ file: 'decision.rego', code: 'rego_parse_error' });
    expect(error.row).toBeGreaterThanOrEqual(3);
    expect(error.col).toBeGreaterThan(0);
    expect(typeof error.message).toBe('string');
    // Saved: reading it back gives the same state.
    const again = await call(h.app, { method: 'GET', url: '/v1/policies/draft', token: org.tokens.auditor });
    expect(again.body).toMatchObject({ valid: false, errors: res.body.errors });
    const version = await call(h.app, {
      method: 'POST',
      url: '/v1/policies/versions',
      token: author(),
      body: { message: 'broken' },
    });
    expect(version.status).toBe(409);
    expect(version.body.details.errors[0]).toMatchObject({ file: 'decision.rego', code: 'rego_parse_error' });
  });

  it('versions the fixed draft, runs its tests on activation and bumps the revision', async () => {
    const fixed = await call(h.app, {
      method: 'PUT',
      url: '/v1/policies/draft',
      token: author(),
      body: { files: { 'decision.rego': DECISION_REGO, 'decision_test.rego': PASSING_TESTS_REGO } },
    });
    expect(fixed.status).toBe(200);
    expect(fixed.body).toMatchObject({ valid: true, errors: [] });

    const created = await call(h.app, {
      method: 'POST',
      url: '/v1/policies/versions',
      token: author(),
      body: { message: 'read-only policy' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      number: 1,
      source: 'rego',
      message: 'read-only policy',
      author: { type: 'member', id: org.members.policy_author.id },
      fileNames: ['decision.rego', 'decision_test.rego'],
      entrypoint: 'mandate/decision',
    });
    expect(created.body.wasmSha256).toMatch(/^[0-9a-f]{64}$/);
    ids.v1 = created.body.id;

    const full = await call(h.app, {
      method: 'GET',
      url: `/v1/policies/versions/${ids.v1}`,
      token: org.tokens.auditor,
    });
    expect(full.status).toBe(200);
    expect(full.body.files).toEqual({
      'decision.rego': DECISION_REGO,
      'decision_test.rego': PASSING_TESTS_REGO,
    });

    const activated = await call(h.app, {
      method: 'POST',
      url: `/v1/policies/versions/${ids.v1}/activate`,
      token: author(),
      body: {},
    });
    expect(activated.status).toBe(200);
    expect(activated.body).toMatchObject({
      revision: 1,
      versionId: ids.v1,
      versionNumber: 1,
      kind: 'activate',
      forced: false,
      reason: null,
      tests: { total: 2, passed: 2, failed: [] },
    });

    const active = await h.app.get(ActivePolicyReader).getActive(org.orgId);
    expect(active).toMatchObject({
      orgId: org.orgId,
      revision: 1,
      versionId: ids.v1,
      entrypoint: 'mandate/decision',
    });
    expect(active!.activatedAt).toBeInstanceOf(Date);
    expect(await evaluate(active!.wasm, { tool: { risk: 'read' } })).toMatchObject({ allow: true });
    expect(await evaluate(active!.wasm, { tool: { risk: 'write' } })).toMatchObject({ allow: false });
    expect(await h.app.get(ActivePolicyReader).getActiveRevision(org.orgId)).toBe(1);

    const view = await call(h.app, { method: 'GET', url: '/v1/policies/active', token: org.tokens.auditor });
    expect(view.body).toMatchObject({
      revision: 1,
      source: 'organisation',
      version: { id: ids.v1, number: 1 },
    });

    const again = await call(h.app, {
      method: 'POST',
      url: `/v1/policies/versions/${ids.v1}/activate`,
      token: author(),
      body: {},
    });
    expect(again.status).toBe(409);

    await expect.poll(() => notifications.length).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(notifications[0].payload!)).toEqual({ orgId: org.orgId, revision: 1 });
    expect(notifications[0].channel).toBe('mandate_policy_activated');
  });

  it('blocks activation on failing tests unless forced with a reason, which is recorded', async () => {
    await call(h.app, {
      method: 'PUT',
      url: '/v1/policies/draft',
      token: author(),
      body: { files: { 'decision.rego': DECISION_REGO, 'decision_test.rego': FAILING_TESTS_REGO } },
    });
    const created = await call(h.app, {
      method: 'POST',
      url: '/v1/policies/versions',
      token: author(),
      body: {},
    });
    expect(created.status).toBe(201);
    expect(created.body.number).toBe(2);
    ids.v2 = created.body.id;

    const refused = await call(h.app, {
      method: 'POST',
      url: `/v1/policies/versions/${ids.v2}/activate`,
      token: author(),
      body: {},
    });
    expect(refused.status).toBe(409);
    expect(refused.body.details).toMatchObject({ total: 3, passed: 2 });
    expect(refused.body.details.failedTests).toEqual([
      expect.objectContaining({ name: 'data.mandate.test_write_is_allowed', file: 'decision_test.rego' }),
    ]);

    for (const body of [{ force: true }, { force: true, reason: '   ' }]) {
      const noReason = await call(h.app, {
        method: 'POST',
        url: `/v1/policies/versions/${ids.v2}/activate`,
        token: author(),
        body,
      });
      expect(noReason.status).toBe(400);
      expect(noReason.body.details).toMatchObject({ field: 'reason' });
    }
    expect(await h.app.get(ActivePolicyReader).getActiveRevision(org.orgId)).toBe(1);

    const forced = await call(h.app, {
      method: 'POST',
      url: `/v1/policies/versions/${ids.v2}/activate`,
      token: org.tokens.admin,
      body: { force: true, reason: 'incident 42: the test is wrong' },
    });
    expect(forced.status).toBe(200);
    expect(forced.body).toMatchObject({
      revision: 2,
      forced: true,
      reason: 'incident 42: the test is wrong',
      tests: { total: 3, passed: 2, failed: ['data.mandate.test_write_is_allowed'] },
    });
    const [event] = (await eventsOf(h.dataSource, 'policy.activated', org.orgId)).filter(
      (e) => e.data.revision === 2,
    );
    expect(event).toMatchObject({
      actor_type: 'member',
      actor_id: org.members.admin.id,
      subject_type: 'policy_version',
      subject_id: ids.v2,
    });
    expect(event.data).toMatchObject({
      revision: 2,
      previousRevision: 1,
      previousVersionId: ids.v1,
      versionId: ids.v2,
      versionNumber: 2,
      forced: true,
      reason: 'incident 42: the test is wrong',
    });
  });

  it('rolls back to a version that was active before, as a new revision', async () => {
    // Version 3: never activated, cannot be a rollback target.
    const v3 = await call(h.app, { method: 'POST', url: '/v1/policies/versions', token: author(), body: {} });
    ids.v3 = v3.body.id;
    const never = await call(h.app, {
      method: 'POST',
      url: '/v1/policies/rollback',
      token: author(),
      body: { versionId: ids.v3 },
    });
    expect(never.status).toBe(409);
    const current = await call(h.app, {
      method: 'POST',
      url: '/v1/policies/rollback',
      token: author(),
      body: { versionId: ids.v2 },
    });
    expect(current.status).toBe(409);

    const rolled = await call(h.app, {
      method: 'POST',
      url: '/v1/policies/rollback',
      token: author(),
      body: { versionId: ids.v1, reason: 'back to the tested policy' },
    });
    expect(rolled.status).toBe(200);
    expect(rolled.body).toMatchObject({
      revision: 3,
      versionId: ids.v1,
      kind: 'rollback',
      reason: 'back to the tested policy',
    });
    const active = await h.app.get(ActivePolicyReader).getActive(org.orgId);
    expect(active).toMatchObject({ revision: 3, versionId: ids.v1 });
    const [event] = await eventsOf(h.dataSource, 'policy.rolled_back', org.orgId);
    expect(event.data).toMatchObject({
      revision: 3,
      previousRevision: 2,
      previousVersionId: ids.v2,
      versionId: ids.v1,
    });
    await expect.poll(() => notifications.map((n) => JSON.parse(n.payload!).revision)).toEqual([1, 2, 3]);
  });

  it('diffs two versions file by file', async () => {
    const res = await call(h.app, {
      method: 'GET',
      url: `/v1/policies/versions/${ids.v2}/diff?against=${ids.v1}`,
      token: org.tokens.auditor,
    });
    expect(res.status).toBe(200);
    expect(res.body.from).toEqual({ id: ids.v1, number: 1 });
    expect(res.body.to).toEqual({ id: ids.v2, number: 2 });
    const byFile = Object.fromEntries(res.body.files.map((f: { file: string }) => [f.file, f]));
    expect(byFile['decision.rego']).toEqual({ file: 'decision.rego', status: 'unchanged', patch: '' });
    expect(byFile['decision_test.rego'].status).toBe('modified');
    expect(byFile['decision_test.rego'].patch).toContain(
      '+test_write_is_allowed if decision.allow with input as {"tool": {"risk": "write"}}',
    );
    expect(byFile['decision_test.rego'].patch).toContain('--- a/decision_test.rego');
    const missing = await call(h.app, {
      method: 'GET',
      url: `/v1/policies/versions/${ids.v2}/diff`,
      token: org.tokens.auditor,
    });
    expect(missing.status).toBe(400);
  });

  it('lists versions with cursor pagination, oldest first, without sources', async () => {
    const first = await call(h.app, {
      method: 'GET',
      url: '/v1/policies/versions?limit=2',
      token: org.tokens.auditor,
    });
    expect(first.status).toBe(200);
    expect(first.body.items.map((v: { number: number }) => v.number)).toEqual([1, 2]);
    expect(first.body.items[0].files).toBeUndefined();
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await call(h.app, {
      method: 'GET',
      url: `/v1/policies/versions?limit=2&cursor=${first.body.nextCursor}`,
      token: org.tokens.auditor,
    });
    expect(second.body.items.map((v: { number: number }) => v.number)).toEqual([3]);
    expect(second.body.nextCursor).toBeNull();
    const bad = await call(h.app, {
      method: 'GET',
      url: '/v1/policies/versions?cursor=abc',
      token: org.tokens.auditor,
    });
    expect(bad.status).toBe(400);
  });

  it("answers 404 for another organisation's versions, everywhere", async () => {
    const token = other.tokens.owner;
    const v1 = ids.v1;
    for (const c of [
      { method: 'GET' as const, url: `/v1/policies/versions/${v1}` },
      { method: 'GET' as const, url: `/v1/policies/versions/${v1}/diff?against=${v1}` },
      { method: 'POST' as const, url: `/v1/policies/versions/${v1}/activate`, body: {} },
      { method: 'POST' as const, url: '/v1/policies/rollback', body: { versionId: v1 } },
    ]) {
      const res = await call(h.app, { ...c, token });
      expect(res.status, `${c.method} ${c.url}`).toBe(404);
    }
    // Mixing an own id with a foreign one is a 404 too.
    await call(h.app, {
      method: 'PUT',
      url: '/v1/policies/draft',
      token,
      body: { files: { 'decision.rego': DECISION_REGO } },
    });
    const own = await call(h.app, { method: 'POST', url: '/v1/policies/versions', token, body: {} });
    expect(own.status).toBe(201);
    expect(own.body.number).toBe(1);
    const mixed = await call(h.app, {
      method: 'GET',
      url: `/v1/policies/versions/${own.body.id}/diff?against=${v1}`,
      token,
    });
    expect(mixed.status).toBe(404);
    const list = await call(h.app, { method: 'GET', url: '/v1/policies/versions', token });
    expect(list.body.items.map((v: { id: string }) => v.id)).toEqual([own.body.id]);
    expect((await call(h.app, { method: 'GET', url: '/v1/policies/active', token })).body.revision).toBe(0);
    expect(await h.app.get(ActivePolicyReader).getActive(other.orgId)).toBeNull();
  });

  it('enforces permissions: authors write and activate, auditors read, approvers nothing', async () => {
    const draftBody = { files: { 'decision.rego': DECISION_REGO } };
    const expectations: Array<[string, 'GET' | 'PUT' | 'POST', string, unknown, number]> = [
      ['auditor', 'GET', '/v1/policies/draft', undefined, 200],
      ['auditor', 'GET', '/v1/policies/versions', undefined, 200],
      ['auditor', 'PUT', '/v1/policies/draft', draftBody, 403],
      ['auditor', 'POST', '/v1/policies/versions', {}, 403],
      ['auditor', 'POST', `/v1/policies/versions/${ids.v3}/activate`, {}, 403],
      ['auditor', 'POST', '/v1/policies/rollback', { versionId: ids.v2 }, 403],
      ['approver', 'GET', '/v1/policies/draft', undefined, 403],
      ['approver', 'GET', '/v1/policies/active', undefined, 403],
      ['approver', 'GET', `/v1/policies/versions/${ids.v1}`, undefined, 403],
      ['approver', 'PUT', '/v1/policies/draft', draftBody, 403],
      ['approver', 'POST', `/v1/policies/versions/${ids.v3}/activate`, {}, 403],
      ['policy_author', 'GET', '/v1/policies/active', undefined, 200],
    ];
    for (const [role, method, url, body, status] of expectations) {
      const res = await call(h.app, { method, url, body, token: org.tokens[role as 'auditor'] });
      expect(res.status, `${role} ${method} ${url}`).toBe(status);
    }
    const anonymous = await call(h.app, { method: 'GET', url: '/v1/policies/active' });
    expect(anonymous.status).toBe(401);
    // Nothing changed through the refused calls.
    expect(await h.app.get(ActivePolicyReader).getActiveRevision(org.orgId)).toBe(3);
  });

  it('validates input strictly and keeps the draft unchanged on a refused save', async () => {
    const before = await call(h.app, { method: 'GET', url: '/v1/policies/draft', token: author() });
    for (const body of [
      { files: { '../escape.rego': 'package x' } },
      { files: { 'notes.txt': 'hi' } },
      { files: { 'a.rego': 42 } },
      { files: 'package mandate' },
      { files: {}, extra: true },
      {},
    ]) {
      const res = await call(h.app, { method: 'PUT', url: '/v1/policies/draft', token: author(), body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const after = await call(h.app, { method: 'GET', url: '/v1/policies/draft', token: author() });
    expect(after.body).toEqual(before.body);
    const badForce = await call(h.app, {
      method: 'POST',
      url: `/v1/policies/versions/${ids.v3}/activate`,
      token: author(),
      body: { force: 'yes' },
    });
    expect(badForce.status).toBe(400);
    const badId = await call(h.app, { method: 'GET', url: '/v1/policies/versions/nope', token: author() });
    expect(badId.status).toBe(400);
  });

  it('records every change as a domain event of the organisation (sources as digests only)', async () => {
    const saved = await eventsOf(h.dataSource, 'policy.draft_saved', org.orgId);
    expect(saved.map((e) => e.data.valid)).toEqual([false, true, true]);
    expect(saved[0]).toMatchObject({ actor_type: 'member', actor_id: org.members.policy_author.id });
    expect(saved[0].data).toMatchObject({ valid: false, errorCount: 1 });
    expect(saved[0].data.files['decision.rego']).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(saved)).not.toContain('input.tool.risk');
    const versions = await eventsOf(h.dataSource, 'policy.version_created', org.orgId);
    expect(versions.map((e) => e.data.number)).toEqual([1, 2, 3]);
    expect(versions[0].subject_id).toBe(ids.v1);
    const activated = await eventsOf(h.dataSource, 'policy.activated', org.orgId);
    expect(activated.map((e) => e.data.revision)).toEqual([1, 2]);
    expect(activated[0].data).toMatchObject({ forced: false, reason: null, tests: { total: 2, passed: 2 } });
    expect((await eventsOf(h.dataSource, 'policy.rolled_back', org.orgId)).length).toBe(1);
    expect(activated.every((e) => typeof e.request_id === 'string' && e.request_id.length > 0)).toBe(true);
  });

  it('serialises concurrent activations: every revision is used once', async () => {
    const results = await Promise.all(
      [ids.v3, ids.v2].map((id) =>
        call(h.app, {
          method: 'POST',
          url: `/v1/policies/versions/${id}/activate`,
          token: author(),
          body: { force: true, reason: 'concurrency test' },
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect(results.map((r) => r.body.revision).sort()).toEqual([4, 5]);
    const rows = await h.dataSource.query(
      `SELECT revision FROM policy_activations WHERE org_id = $1 ORDER BY revision`,
      [org.orgId],
    );
    expect(rows.map((r: { revision: number }) => r.revision)).toEqual([1, 2, 3, 4, 5]);
  });

  it('lists the activation history, oldest revision first, with who, why and the tests', async () => {
    const first = await call(h.app, {
      method: 'GET',
      url: '/v1/policies/activations?limit=3',
      token: org.tokens.auditor,
    });
    expect(first.status).toBe(200);
    expect(first.body.items.map((a: { revision: number }) => a.revision)).toEqual([1, 2, 3]);
    expect(first.body.items[0]).toMatchObject({
      versionId: ids.v1,
      kind: 'activate',
      forced: false,
      actor: { type: 'member', id: org.members.policy_author.id },
      tests: { total: 2, passed: 2, failed: [] },
    });
    expect(first.body.items[1]).toMatchObject({ forced: true, reason: 'incident 42: the test is wrong' });
    expect(first.body.items[2]).toMatchObject({ kind: 'rollback', tests: { skipped: true } });
    const rest = await call(h.app, {
      method: 'GET',
      url: `/v1/policies/activations?limit=3&cursor=${first.body.nextCursor}`,
      token: org.tokens.auditor,
    });
    expect(rest.body.items.map((a: { revision: number }) => a.revision)).toEqual([4, 5]);
    expect(rest.body.nextCursor).toBeNull();
    const foreign = await call(h.app, {
      method: 'GET',
      url: '/v1/policies/activations',
      token: other.tokens.owner,
    });
    expect(foreign.body.items).toEqual([]);
    const approver = await call(h.app, {
      method: 'GET',
      url: '/v1/policies/activations',
      token: org.tokens.approver,
    });
    expect(approver.status).toBe(403);
  });

  it('compiles the baseline once and fails clearly when it has no mandate/decision', async () => {
    const reader = h.app.get(ActivePolicyReader);
    const baseline = await reader.getBaseline();
    expect(baseline).toMatchObject({ revision: 0, versionId: 'baseline', entrypoint: 'mandate/decision' });
    expect(await reader.getBaseline()).toBe(baseline);
    // The baseline denies a write tool nothing permits (fail closed), and is a real decision document.
    const result = (await evaluate(baseline.wasm, { phase: 'call', tool: { risk: 'read' } })) as Record<
      string,
      unknown
    >;
    expect(Object.keys(result).sort()).toEqual(['allow', 'deny', 'obligations', 'require_approval']);

    const dir = mkdtempSync(join(tmpdir(), 'mandate-baseline-'));
    writeFileSync(join(dir, 'other.rego'), 'package other\n\nx := 1\n');
    writeFileSync(join(dir, 'decision_test.rego'), 'package mandate\n\ndecision := {"allow": true}\n');
    const broken = new ActivePolicyReader(h.dataSource, new PolicyCompiler(), dir);
    await expect(broken.getBaseline()).rejects.toThrow(/data\.mandate\.decision/);
    const empty = new ActivePolicyReader(
      h.dataSource,
      new PolicyCompiler(),
      mkdtempSync(join(tmpdir(), 'mb-')),
    );
    await expect(empty.getBaseline()).rejects.toThrow(/no policy|no files|unusable/i);
  });
});
