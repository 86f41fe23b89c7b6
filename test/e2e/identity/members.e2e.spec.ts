import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../../support';
import {
  call,
  login,
  PASSWORD,
  seedOrg,
  startIdentityApp,
  type IdentityHarness,
  type SeededOrg,
} from './identity-harness';

describeWithPostgres('identity: members and their guard rails', () => {
  let h: IdentityHarness;
  let org: SeededOrg;

  beforeAll(async () => {
    h = await startIdentityApp();
    org = await seedOrg(h.app, 'members');
  });
  afterAll(async () => {
    await h?.close();
  });

  const create = (token: string, body: Record<string, unknown>) =>
    call(h.app, { method: 'POST', url: '/v1/members', token, body });

  it('creates a member with a normalised email and never returns the password or its hash', async () => {
    const res = await create(org.ownerToken, {
      email: '  Grace.Hopper@Members.Example ',
      password: PASSWORD,
      roles: ['auditor'],
      displayName: 'Grace',
    });
    // class-validator rejects surrounding spaces in an email: clients must send a clean address.
    expect(res.status).toBe(400);
    const ok = await create(org.ownerToken, {
      email: 'Grace.Hopper@Members.Example',
      password: PASSWORD,
      roles: ['auditor'],
      displayName: 'Grace',
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toEqual({
      id: expect.any(String),
      email: 'grace.hopper@members.example',
      displayName: 'Grace',
      roles: ['auditor'],
      disabled: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(ok.raw).not.toContain('argon2');
    const dup = await create(org.ownerToken, {
      email: 'GRACE.hopper@members.example',
      password: PASSWORD,
      roles: [],
    });
    expect(dup.status).toBe(409);
  });

  it('lets the same email exist in two organisations, and login then needs the orgSlug', async () => {
    const other = await seedOrg(h.app, 'members2');
    const email = 'shared@both.example';
    expect((await create(org.ownerToken, { email, password: PASSWORD, roles: [] })).status).toBe(201);
    expect((await create(other.ownerToken, { email, password: PASSWORD, roles: [] })).status).toBe(201);
    const ambiguous = await call(h.app, {
      method: 'POST',
      url: '/v1/auth/login',
      body: { email, password: PASSWORD },
    });
    expect(ambiguous.status).toBe(401);
    expect(ambiguous.body.details).toEqual({ field: 'orgSlug' });
    const token = await login(h.app, email, PASSWORD, other.slug);
    const me = await call(h.app, { method: 'GET', url: '/v1/auth/me', token });
    expect(me.body.orgId).toBe(other.orgId);
  });

  it('does not let an admin grant ownership, nor touch an owner', async () => {
    const admin = org.tokens.admin;
    expect(
      (await create(admin, { email: 'wannabe@members.example', password: PASSWORD, roles: ['owner'] }))
        .status,
    ).toBe(403);
    expect(
      (
        await call(h.app, {
          method: 'PATCH',
          url: `/v1/members/${org.members.admin.id}`,
          token: admin,
          body: { roles: ['owner'] },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await call(h.app, {
          method: 'PATCH',
          url: `/v1/members/${org.members.owner.id}`,
          token: admin,
          body: { disabled: true },
        })
      ).status,
    ).toBe(403);
    expect(
      (await call(h.app, { method: 'DELETE', url: `/v1/members/${org.members.owner.id}`, token: admin }))
        .status,
    ).toBe(403);
    // …but may grant the roles it holds the permissions of.
    const ok = await create(admin, {
      email: 'helper@members.example',
      password: PASSWORD,
      roles: ['approver', 'policy_author'],
    });
    expect(ok.status).toBe(201);
  });

  it('does not let an admin API key grant ownership either', async () => {
    const res = await create(org.adminKey, {
      email: 'keymade@members.example',
      password: PASSWORD,
      roles: ['owner'],
    });
    expect(res.status).toBe(403);
  });

  it('keeps the last owner: no demotion, no disabling, no removal — until a second owner exists', async () => {
    const ownerId = org.members.owner.id;
    const owner = org.ownerToken;
    const demote = await call(h.app, {
      method: 'PATCH',
      url: `/v1/members/${ownerId}`,
      token: owner,
      body: { roles: ['admin'] },
    });
    expect(demote.status).toBe(409);
    expect(demote.body.message).toMatch(/last owner/);
    expect(
      (
        await call(h.app, {
          method: 'PATCH',
          url: `/v1/members/${ownerId}`,
          token: owner,
          body: { disabled: true },
        })
      ).status,
    ).toBe(409);
    expect(
      (await call(h.app, { method: 'DELETE', url: `/v1/members/${ownerId}`, token: owner })).status,
    ).toBe(409);
    const [{ roles }] = await h.dataSource.query(`SELECT roles FROM members WHERE id = $1`, [ownerId]);
    expect(roles).toEqual(['owner']);

    const second = await create(owner, {
      email: 'second-owner@members.example',
      password: PASSWORD,
      roles: ['owner'],
    });
    expect(second.status).toBe(201);
    const demoted = await call(h.app, {
      method: 'PATCH',
      url: `/v1/members/${second.body.id}`,
      token: owner,
      body: { roles: ['admin'] },
    });
    expect(demoted.status).toBe(200);
    expect(demoted.body.roles).toEqual(['admin']);
  });

  it('keeps an owner even when two owners demote each other at the same moment', async () => {
    const other = await seedOrg(h.app, 'race');
    const second = await create(other.ownerToken, {
      email: 'racer@race.example',
      password: PASSWORD,
      roles: ['owner'],
    });
    const secondToken = await login(h.app, 'racer@race.example', PASSWORD, other.slug);
    const [a, b] = await Promise.all([
      call(h.app, {
        method: 'PATCH',
        url: `/v1/members/${second.body.id}`,
        token: other.ownerToken,
        body: { roles: ['admin'] },
      }),
      call(h.app, {
        method: 'PATCH',
        url: `/v1/members/${other.members.owner.id}`,
        token: secondToken,
        body: { roles: ['admin'] },
      }),
    ]);
    // One wins; the other is refused: 409 (last owner) or, if it authenticated after the first
    // committed, 403 (it is no longer an owner).
    const statuses = [a.status, b.status].sort();
    expect(statuses[0]).toBe(200);
    expect([403, 409]).toContain(statuses[1]);
    const [{ n }] = await h.dataSource.query(
      `SELECT count(*)::int AS n FROM members WHERE org_id = $1 AND 'owner' = ANY(roles)`,
      [other.orgId],
    );
    expect(n).toBe(1);
  });

  it('deletes a member (404 afterwards) but not one who still owns agents', async () => {
    const m = await create(org.ownerToken, {
      email: 'agent-owner@members.example',
      password: PASSWORD,
      roles: [],
    });
    const agent = await call(h.app, {
      method: 'POST',
      url: '/v1/agents',
      token: org.ownerToken,
      body: { name: 'owned-bot', ownerId: m.body.id },
    });
    expect(agent.status).toBe(201);
    expect(
      (await call(h.app, { method: 'DELETE', url: `/v1/members/${m.body.id}`, token: org.ownerToken }))
        .status,
    ).toBe(409);
    expect(
      (
        await call(h.app, {
          method: 'PATCH',
          url: `/v1/agents/${agent.body.id}`,
          token: org.ownerToken,
          body: { ownerId: org.members.owner.id },
        })
      ).status,
    ).toBe(200);
    expect(
      (await call(h.app, { method: 'DELETE', url: `/v1/members/${m.body.id}`, token: org.ownerToken }))
        .status,
    ).toBe(204);
    expect(
      (await call(h.app, { method: 'GET', url: `/v1/members/${m.body.id}`, token: org.ownerToken })).status,
    ).toBe(404);
  });

  it('paginates with a cursor: every member exactly once, in creation order', async () => {
    for (let i = 0; i < 7; i += 1)
      await create(org.ownerToken, { email: `page-${i}@members.example`, password: PASSWORD, roles: [] });
    const all = await call(h.app, { method: 'GET', url: '/v1/members?limit=200', token: org.ownerToken });
    expect(all.body.nextCursor).toBeNull();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/v1/members?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await call(h.app, { method: 'GET', url, token: org.tokens.auditor });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((m: { id: string }) => m.id));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 50);
    expect(seen).toEqual(all.body.items.map((m: { id: string }) => m.id));
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBe(Math.ceil(seen.length / 3));
  });
});
