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

describeWithPostgres('identity: login and bearer tokens', () => {
  let h: IdentityHarness;
  let org: SeededOrg;

  beforeAll(async () => {
    h = await startIdentityApp();
    org = await seedOrg(h.app, 'auth');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('logs in with email and password and returns a short-lived EdDSA JWT with a kid', async () => {
    const res = await call(h.app, {
      method: 'POST',
      url: '/v1/auth/login',
      body: { email: org.members.auditor.email, password: PASSWORD },
    });
    expect(res.status).toBe(200);
    expect(res.body.tokenType).toBe('Bearer');
    expect(res.body.expiresIn).toBeGreaterThan(800);
    expect(res.body.expiresIn).toBeLessThanOrEqual(900);
    expect(new Date(res.body.expiresAt).getTime()).toBeGreaterThan(Date.now());
    const header = JSON.parse(Buffer.from(res.body.accessToken.split('.')[0], 'base64url').toString());
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt' });
    expect(typeof header.kid).toBe('string');
    const [{ n }] = await h.dataSource.query(
      `SELECT count(*)::int AS n FROM identity_signing_keys WHERE kid = $1 AND active`,
      [header.kid],
    );
    expect(n).toBe(1);
  });

  it('accepts the email in any case, and the orgSlug', async () => {
    const token = await login(h.app, org.members.approver.email.toUpperCase(), PASSWORD, org.slug);
    const me = await call(h.app, { method: 'GET', url: '/v1/auth/me', token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      kind: 'member',
      orgId: org.orgId,
      memberId: org.members.approver.id,
      roles: ['approver'],
    });
    expect(me.body.permissions).toContain('approvals:decide');
    expect(me.body.permissions).not.toContain('members:write');
  });

  it('answers 401 with one message for a wrong password, an unknown email or a wrong org', async () => {
    const cases = [
      { email: org.members.admin.email, password: 'wrong password!!' },
      { email: 'nobody@auth.example', password: PASSWORD },
      { email: org.members.admin.email, password: PASSWORD, orgSlug: 'no-such-org' },
    ];
    const messages = new Set<string>();
    for (const body of cases) {
      const res = await call(h.app, { method: 'POST', url: '/v1/auth/login', body });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('unauthenticated');
      messages.add(res.body.message);
    }
    expect(messages.size).toBe(1);
  });

  it('rate-limits failed logins per email and address with 429, even for the right password', async () => {
    const email = org.members.policy_author.email;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      statuses.push(
        (
          await call(h.app, {
            method: 'POST',
            url: '/v1/auth/login',
            body: { email, password: `wrong-${i}-password` },
          })
        ).status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const right = await call(h.app, {
      method: 'POST',
      url: '/v1/auth/login',
      body: { email, password: PASSWORD },
    });
    expect(right.status).toBe(429);
    expect(right.body.code).toBe('rate_limited');
    expect(right.body.details.retryAfterSeconds).toBeGreaterThan(0);
    // Another member is not affected.
    expect(
      (
        await call(h.app, {
          method: 'POST',
          url: '/v1/auth/login',
          body: { email: org.members.auditor.email, password: PASSWORD },
        })
      ).status,
    ).toBe(200);
  });

  it('rate-limits one address trying many emails (password spraying), not other addresses', async () => {
    const spray = (email: string, remoteAddress: string) =>
      call(h.app, {
        method: 'POST',
        url: '/v1/auth/login',
        body: { email, password: 'Spring2026!!' },
        remoteAddress,
      });
    for (let i = 0; i < 50; i += 1) {
      expect((await spray(`victim-${i}@auth.example`, '203.0.113.7')).status).toBe(401);
    }
    expect((await spray('victim-50@auth.example', '203.0.113.7')).status).toBe(429);
    const fromThere = await call(h.app, {
      method: 'POST',
      url: '/v1/auth/login',
      body: { email: org.members.admin.email, password: PASSWORD },
      remoteAddress: '203.0.113.7',
    });
    expect(fromThere.status).toBe(429);
    expect((await spray('victim-51@auth.example', '198.51.100.4')).status).toBe(401);
  });

  it('rejects malformed, foreign and tampered tokens with 401', async () => {
    const token = org.tokens.auditor;
    const [head, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = `${head}.${Buffer.from(JSON.stringify({ ...claims, sub: org.members.owner.id })).toString('base64url')}.${signature}`;
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: JSON.parse(Buffer.from(head, 'base64url').toString()).kid })).toString('base64url')}.${payload}.`;
    for (const bad of [forged, none, 'garbage', `${token}x`, 'mnd_0123456789ab_' + 'a'.repeat(43)]) {
      const res = await call(h.app, { method: 'GET', url: '/v1/auth/me', token: bad });
      expect(res.status, bad).toBe(401);
    }
    const basic = await call(h.app, {
      method: 'GET',
      url: '/v1/auth/me',
      headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
    });
    expect(basic.status).toBe(401);
  });

  it('stops accepting the token of a member once disabled, and refuses their login', async () => {
    const email = 'temp@auth.example';
    const created = await call(h.app, {
      method: 'POST',
      url: '/v1/members',
      token: org.ownerToken,
      body: { email, password: PASSWORD, roles: ['auditor'] },
    });
    expect(created.status).toBe(201);
    const token = await login(h.app, email, PASSWORD);
    expect((await call(h.app, { method: 'GET', url: '/v1/org', token })).status).toBe(200);
    const disabled = await call(h.app, {
      method: 'PATCH',
      url: `/v1/members/${created.body.id}`,
      token: org.ownerToken,
      body: { disabled: true },
    });
    expect(disabled.status).toBe(200);
    expect((await call(h.app, { method: 'GET', url: '/v1/org', token })).status).toBe(401);
    expect(
      (await call(h.app, { method: 'POST', url: '/v1/auth/login', body: { email, password: PASSWORD } }))
        .status,
    ).toBe(401);
  });

  it('changes the own password: the old one stops working, the new one works', async () => {
    const email = 'changer@auth.example';
    await call(h.app, {
      method: 'POST',
      url: '/v1/members',
      token: org.ownerToken,
      body: { email, password: PASSWORD, roles: [] },
    });
    const token = await login(h.app, email, PASSWORD);
    const wrong = await call(h.app, {
      method: 'POST',
      url: '/v1/members/me/password',
      token,
      body: { currentPassword: 'not my password', newPassword: 'a brand new passphrase' },
    });
    expect(wrong.status).toBe(403);
    const short = await call(h.app, {
      method: 'POST',
      url: '/v1/members/me/password',
      token,
      body: { currentPassword: PASSWORD, newPassword: 'short' },
    });
    expect(short.status).toBe(400);
    const ok = await call(h.app, {
      method: 'POST',
      url: '/v1/members/me/password',
      token,
      body: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' },
    });
    expect(ok.status).toBe(204);
    // Every session opened with the old password ends at once.
    expect((await call(h.app, { method: 'GET', url: '/v1/auth/me', token })).status).toBe(401);
    expect(
      (await call(h.app, { method: 'POST', url: '/v1/auth/login', body: { email, password: PASSWORD } }))
        .status,
    ).toBe(401);
    await login(h.app, email, 'a brand new passphrase');
    const [row] = await h.dataSource.query(`SELECT password_hash FROM members WHERE email = $1`, [email]);
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('never writes a password into the logs', () => {
    const text = h.logs.text();
    expect(h.logs.lines.length).toBeGreaterThan(10);
    expect(text).toContain('login failed');
    for (const secret of [
      PASSWORD,
      org.boot.owner.password,
      'a brand new passphrase',
      'wrong password!!',
      'wrong-3-password',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain(org.adminKey);
  });
});
