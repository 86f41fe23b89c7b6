import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../../support';
import {
  call,
  eventsOf,
  type Reply,
  login,
  PASSWORD,
  seedOrg,
  startIdentityApp,
  type IdentityHarness,
  type SeededOrg,
} from './identity-harness';

describeWithPostgres('identity: domain events', () => {
  let h: IdentityHarness;
  let org: SeededOrg;

  beforeAll(async () => {
    h = await startIdentityApp();
    org = await seedOrg(h.app, 'events');
  });
  afterAll(async () => {
    await h?.close();
  });

  const count = async (type: string) => (await eventsOf(h.dataSource, type, org.orgId)).length;

  it('records the bootstrap (org, owner, key) as system events', async () => {
    expect(await eventsOf(h.dataSource, 'org.created', org.orgId)).toMatchObject([
      { actor_type: 'system', subject_type: 'organisation', subject_id: org.orgId },
    ]);
    expect(await count('api_key.created')).toBe(1);
    // The owner plus the four seeded members.
    expect(await count('member.created')).toBe(5);
  });

  it('publishes one event per mutation, naming the actor and the subject', async () => {
    const steps: Array<[string, () => Promise<Reply>, number]> = [
      [
        'org.updated',
        () =>
          call(h.app, {
            method: 'PATCH',
            url: '/v1/org',
            token: org.ownerToken,
            body: { name: 'Events Renamed' },
          }),
        200,
      ],
      [
        'member.created',
        () =>
          call(h.app, {
            method: 'POST',
            url: '/v1/members',
            token: org.tokens.admin,
            body: { email: 'ev@events.example', password: PASSWORD, roles: ['auditor'] },
          }),
        201,
      ],
      [
        'agent.created',
        () =>
          call(h.app, {
            method: 'POST',
            url: '/v1/agents',
            token: org.tokens.admin,
            body: { name: 'ev-agent' },
          }),
        201,
      ],
      [
        'api_key.created',
        () =>
          call(h.app, {
            method: 'POST',
            url: '/v1/api-keys',
            token: org.tokens.admin,
            body: { name: 'ev', scopes: ['decisions:evaluate'] },
          }),
        201,
      ],
    ];
    const ids: Record<string, string> = {};
    for (const [type, run, status] of steps) {
      const before = await count(type);
      const res = await run();
      expect(res.status, type).toBe(status);
      ids[type] = res.body.id;
      const events = await eventsOf(h.dataSource, type, org.orgId);
      expect(events.length, type).toBe(before + 1);
      const last = events[events.length - 1];
      expect(last.actor_type).toBe('member');
      if (type !== 'org.updated') {
        expect(last.actor_id).toBe(org.members.admin.id);
        expect(last.subject_id).toBe(res.body.id);
      }
    }
    const more: Array<[string, () => Promise<{ status: number }>]> = [
      [
        'member.updated',
        () =>
          call(h.app, {
            method: 'PATCH',
            url: `/v1/members/${ids['member.created']}`,
            token: org.adminKey,
            body: { roles: ['approver'] },
          }),
      ],
      [
        'member.deleted',
        () =>
          call(h.app, { method: 'DELETE', url: `/v1/members/${ids['member.created']}`, token: org.adminKey }),
      ],
      [
        'agent.updated',
        () =>
          call(h.app, {
            method: 'PATCH',
            url: `/v1/agents/${ids['agent.created']}`,
            token: org.adminKey,
            body: { trustLevel: 3 },
          }),
      ],
      [
        'agent.deleted',
        () =>
          call(h.app, { method: 'DELETE', url: `/v1/agents/${ids['agent.created']}`, token: org.adminKey }),
      ],
      [
        'api_key.revoked',
        () =>
          call(h.app, {
            method: 'POST',
            url: `/v1/api-keys/${ids['api_key.created']}/revoke`,
            token: org.adminKey,
          }),
      ],
    ];
    for (const [type, run] of more) {
      const before = await count(type);
      expect((await run()).status, type).toBeLessThan(300);
      const events = await eventsOf(h.dataSource, type, org.orgId);
      expect(events.length, type).toBe(before + 1);
      expect(events[events.length - 1].actor_type).toBe('api_key');
    }
    const [updated] = (await eventsOf(h.dataSource, 'member.updated', org.orgId)).slice(-1);
    expect(updated.data).toMatchObject({ before: { roles: ['auditor'] }, after: { roles: ['approver'] } });
  });

  it('publishes nothing when a change is refused (the event shares the transaction)', async () => {
    const before = await count('member.updated');
    const res = await call(h.app, {
      method: 'PATCH',
      url: `/v1/members/${org.members.owner.id}`,
      token: org.ownerToken,
      body: { roles: ['admin'] },
    });
    expect(res.status).toBe(409);
    expect(await count('member.updated')).toBe(before);
    const agentsBefore = await count('agent.created');
    await call(h.app, { method: 'POST', url: '/v1/agents', token: org.ownerToken, body: { name: 'twin' } });
    expect(
      (
        await call(h.app, {
          method: 'POST',
          url: '/v1/agents',
          token: org.ownerToken,
          body: { name: 'twin' },
        })
      ).status,
    ).toBe(409);
    expect(await count('agent.created')).toBe(agentsBefore + 1);
  });

  it('publishes login successes and failures, with the address and request id, never the password', async () => {
    await login(h.app, org.members.auditor.email, PASSWORD);
    const bad = await call(h.app, {
      method: 'POST',
      url: '/v1/auth/login',
      body: { email: org.members.auditor.email, password: 'definitely-wrong-pw' },
      headers: { 'x-request-id': 'login-fail-1' },
    });
    expect(bad.status).toBe(401);
    const ok = (await eventsOf(h.dataSource, 'auth.login_succeeded', org.orgId)).slice(-1)[0];
    expect(ok).toMatchObject({ actor_type: 'member', actor_id: org.members.auditor.id });
    const failed = (await eventsOf(h.dataSource, 'auth.login_failed', org.orgId)).slice(-1)[0];
    expect(failed).toMatchObject({
      actor_type: 'system',
      subject_id: org.members.auditor.id,
      request_id: 'login-fail-1',
      ip: expect.any(String),
    });
    expect(failed.data).toMatchObject({ email: org.members.auditor.email, reason: 'invalid_credentials' });
    const unknown = await call(h.app, {
      method: 'POST',
      url: '/v1/auth/login',
      body: { email: 'ghost@nowhere.example', password: 'whatever-pw' },
    });
    expect(unknown.status).toBe(401);
    const ghost = (await eventsOf(h.dataSource, 'auth.login_failed')).filter(
      (e) => e.data.email === 'ghost@nowhere.example',
    );
    expect(ghost).toMatchObject([{ org_id: null, subject_id: null }]);

    const all = JSON.stringify(await h.dataSource.query(`SELECT data FROM domain_events`));
    for (const secret of [
      PASSWORD,
      'definitely-wrong-pw',
      'whatever-pw',
      org.boot.owner.password,
      org.adminKey,
    ]) {
      expect(all).not.toContain(secret);
    }
    expect(all).not.toMatch(/argon2|key_hash|keyHash|passwordHash/);
  });
});
