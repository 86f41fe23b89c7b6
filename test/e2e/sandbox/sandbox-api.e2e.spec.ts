import { ActivePolicyReader } from '@mandate/policies';
import { sandboxViolationsTotal } from '@mandate/sandbox';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../../support';
import {
  createAgent,
  fakeStore,
  FakePolicyStoreModule,
  gatewayKey,
  TEST_POLICY,
} from '../decisions/decisions-harness';
import {
  call,
  eventsOf,
  seedOrg,
  startIdentityApp,
  type IdentityHarness,
  type SeededOrg,
} from '../identity/identity-harness';

const SPEC = {
  filesystem: { readOnlyRoot: true, write: ['/srv/work'] },
  network: { mode: 'none' },
  env: { allow: ['PATH'], set: { API_MODE: 'literal-value-77' } },
  limits: { cpuSeconds: 10 },
};

describeWithPostgres('sandbox profiles API, violations and the decision stage', () => {
  let h: IdentityHarness;
  let org: SeededOrg;
  let other: SeededOrg;
  let key: string;

  const admin = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) =>
    call(h.app, { method, url, token: org.tokens.admin, body });
  const gateway = (method: 'GET' | 'POST', url: string, body?: unknown) =>
    call(h.app, { method, url, token: key, body });
  const decide = (server: string) =>
    gateway('POST', '/v1/decisions', {
      agent: 'coder',
      server: { name: server },
      tool: { name: 'read_file' },
      arguments: { path: '/workspace/a.txt' },
      phase: 'call',
    });
  const factsOf = async (decisionId: string) =>
    (
      await h.dataSource.query<Array<{ facts: { sandboxProfile?: unknown } }>>(
        'SELECT facts FROM decisions WHERE id = $1',
        [decisionId],
      )
    )[0]?.facts;

  beforeAll(async () => {
    h = await startIdentityApp({ LOG_LEVEL: 'silent' }, [FakePolicyStoreModule]);
    fakeStore.baseline = h.app.get(ActivePolicyReader);
    org = await seedOrg(h.app, 'sandbox');
    other = await seedOrg(h.app, 'sandbox-other');
    key = await gatewayKey(h.app, org);
    await createAgent(h.app, org, 'coder');
    await fakeStore.activate(org.orgId, TEST_POLICY);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('creates, reads, changes and deletes profiles; every change is an audited event without literal env values', async () => {
    const created = await admin('POST', '/v1/sandbox/profiles', {
      name: 'fs',
      spec: SPEC,
      servers: ['filesystem'],
    });
    expect(created.status, created.raw).toBe(201);
    expect(created.body).toMatchObject({
      name: 'fs',
      servers: ['filesystem'],
      isDefault: false,
      onViolation: 'record',
      revision: 1,
      digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
    expect(created.body.spec).toMatchObject({
      filesystem: { readOnlyRoot: true, write: ['/srv/work'], read: [], hide: [] },
      limits: { cpuSeconds: 10, processes: 64 },
    });
    const id = created.body.id as string;

    const changed = await admin('PATCH', `/v1/sandbox/profiles/${id}`, {
      spec: { ...SPEC, network: { mode: 'loopback' } },
    });
    expect(changed.status, changed.raw).toBe(200);
    expect(changed.body.revision).toBe(2);
    expect(changed.body.digest).not.toBe(created.body.digest);

    const [createdEvent] = await eventsOf(h.dataSource, 'sandbox.profile_created', org.orgId);
    expect(createdEvent.data.after).toMatchObject({ name: 'fs', digest: created.body.digest });
    expect(JSON.stringify(createdEvent.data)).not.toContain('literal-value-77');
    expect(createdEvent.data.after.spec.env.set).toEqual(['API_MODE']);
    const [updatedEvent] = await eventsOf(h.dataSource, 'sandbox.profile_updated', org.orgId);
    expect(updatedEvent.data.before.revision).toBe(1);
    expect(updatedEvent.data.after.spec.network.mode).toBe('loopback');

    const list = await admin('GET', '/v1/sandbox/profiles?limit=1');
    expect(list.body.items.map((p: { name: string }) => p.name)).toEqual(['fs']);

    const foreign = await call(h.app, {
      method: 'GET',
      url: `/v1/sandbox/profiles/${id}`,
      token: other.tokens.admin,
    });
    expect(foreign.status).toBe(404);

    expect((await admin('DELETE', `/v1/sandbox/profiles/${id}`)).status).toBe(204);
    expect(await eventsOf(h.dataSource, 'sandbox.profile_deleted', org.orgId)).toHaveLength(1);
    expect((await admin('GET', `/v1/sandbox/profiles/${id}`)).status).toBe(404);
  });

  it('rejects invalid specs with the issues, and conflicting assignments', async () => {
    const invalid = await admin('POST', '/v1/sandbox/profiles', {
      name: 'bad',
      spec: { filesystem: { write: ['relative'] }, network: { mode: 'everything' } },
    });
    expect(invalid.status).toBeGreaterThanOrEqual(400);
    expect(invalid.status).toBeLessThan(500);
    expect(invalid.body.code).toBe('validation_failed');
    expect(invalid.body.details.issues.map((i: { path: string }) => i.path)).toEqual(
      expect.arrayContaining(['filesystem.write.0', 'network.mode']),
    );

    expect(
      (await admin('POST', '/v1/sandbox/profiles', { name: 'a', spec: {}, servers: ['x', 'y'] })).status,
    ).toBe(201);
    const clash = await admin('POST', '/v1/sandbox/profiles', { name: 'b', spec: {}, servers: ['y'] });
    expect(clash.status).toBe(409);
    expect(clash.body.details).toMatchObject({ field: 'servers', servers: ['y'] });
    expect((await admin('POST', '/v1/sandbox/profiles', { name: 'a', spec: {} })).status).toBe(409);
    expect(
      (await admin('POST', '/v1/sandbox/profiles', { name: 'd1', spec: {}, isDefault: true })).status,
    ).toBe(201);
    expect(
      (await admin('POST', '/v1/sandbox/profiles', { name: 'd2', spec: {}, isDefault: true })).status,
    ).toBe(409);
  });

  it('resolves a server’s profile for gateways (own, else default) and records it with each decision', async () => {
    const own = await gateway('GET', '/v1/sandbox/profiles/resolve?server=x');
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({
      server: 'x',
      profile: { name: 'a', viaDefault: false },
      quarantine: null,
    });
    const fallback = await gateway('GET', '/v1/sandbox/profiles/resolve?server=unknown');
    expect(fallback.body.profile).toMatchObject({ name: 'd1', viaDefault: true });

    const decision = await decide('x');
    expect(decision.body.decision).toBe('allow');
    const facts = await factsOf(decision.body.decisionId);
    expect(facts.sandboxProfile).toEqual({
      id: own.body.profile.id,
      name: 'a',
      revision: 1,
      digest: own.body.profile.digest,
    });
  });

  it('a reported violation is audited and counted; with onViolation=quarantine the server is denied until released', async () => {
    const before =
      (await sandboxViolationsTotal.get()).values.find((v) => v.labels.kind === 'network')?.value ?? 0;
    const recorded = await gateway('POST', '/v1/sandbox/violations', {
      server: 'x',
      tool: 'fetch',
      kind: 'network',
      source: 'stderr',
      detail: 'connect ECONNREFUSED 10.0.0.1:443',
    });
    expect(recorded.status, recorded.raw).toBe(201);
    expect(recorded.body).toMatchObject({ eventType: 'sandbox.violation_reported', quarantined: false });
    const [event] = await eventsOf(h.dataSource, 'sandbox.violation_reported', org.orgId);
    expect(event.data).toMatchObject({ server: 'x', kind: 'network', profile: { name: 'a' } });
    const after =
      (await sandboxViolationsTotal.get()).values.find((v) => v.labels.kind === 'network')?.value ?? 0;
    expect(after).toBe(before + 1);
    expect((await decide('x')).body.decision).toBe('allow');

    const strict = await admin('POST', '/v1/sandbox/profiles', {
      name: 'strict',
      spec: {},
      servers: ['hostile'],
      onViolation: 'quarantine',
    });
    expect(strict.status).toBe(201);
    const quarantined = await gateway('POST', '/v1/sandbox/violations', {
      server: 'hostile',
      kind: 'filesystem',
      source: 'stderr',
      detail: "EACCES: permission denied, open '/root/.ssh/id_rsa'",
    });
    expect(quarantined.body.quarantined).toBe(true);
    expect(await eventsOf(h.dataSource, 'sandbox.server_quarantined', org.orgId)).toHaveLength(1);

    const denied = await decide('hostile');
    expect(denied.body).toMatchObject({ decision: 'deny', reasons: [{ code: 'sandbox_quarantined' }] });
    expect(
      (await gateway('GET', '/v1/sandbox/profiles/resolve?server=hostile')).body.quarantine,
    ).toMatchObject({
      kind: 'filesystem',
    });
    const listed = await admin('GET', '/v1/sandbox/quarantines');
    expect(listed.body.items).toEqual([expect.objectContaining({ server: 'hostile', kind: 'filesystem' })]);

    expect((await admin('POST', '/v1/sandbox/quarantines/release', { server: 'hostile' })).status).toBe(204);
    expect(await eventsOf(h.dataSource, 'sandbox.quarantine_released', org.orgId)).toHaveLength(1);
    expect((await decide('hostile')).body.decision).toBe('allow');
    expect((await admin('POST', '/v1/sandbox/quarantines/release', { server: 'hostile' })).status).toBe(404);
  });

  it('exposes decision, sandbox, approval and audit-backlog metrics on /metrics', async () => {
    await decide('x');
    const res = await call(h.app, { method: 'GET', url: '/metrics' });
    expect(res.status).toBe(200);
    for (const line of [
      /^mandate_decisions_total\{decision="allow",phase="call"\} [1-9]/m,
      /^mandate_decision_duration_seconds_count\{phase="call"\} [1-9]/m,
      /^mandate_decision_denials_total\{reason="sandbox_quarantined"\} [1-9]/m,
      /^mandate_sandbox_violations_total\{kind="network"\} [1-9]/m,
      /^mandate_approvals_pending \d+$/m,
      /^mandate_audit_backlog \d+$/m,
      /^http_request_duration_seconds_count/m,
    ]) {
      expect(res.raw).toMatch(line);
    }
  });

  it('refuses unknown violation kinds and oversized details', async () => {
    const bad = await gateway('POST', '/v1/sandbox/violations', {
      server: 'x',
      kind: 'cosmic_ray',
      source: 'stderr',
      detail: 'x'.repeat(301),
    });
    expect(bad.status).toBe(400);
  });
});
