import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../support';
import {
  call,
  PASSWORD,
  seedOrg,
  startIdentityApp,
  type IdentityHarness,
  type SeededOrg,
} from './identity/identity-harness';

const SQLISH = [
  "' OR '1'='1",
  "x'; DROP TABLE members; --",
  'robert"); DELETE FROM agents WHERE ("1"="1',
  '1 UNION SELECT password_hash FROM members',
];

/** Row counts of every identity table, to prove a rejected request changed nothing. */
async function snapshot(h: IdentityHarness): Promise<Record<string, unknown>> {
  const [row] = await h.dataSource.query(`
    SELECT (SELECT count(*) FROM organisations)::int AS organisations,
           (SELECT count(*) FROM members)::int AS members,
           (SELECT count(*) FROM agents)::int AS agents,
           (SELECT count(*) FROM api_keys)::int AS api_keys,
           (SELECT string_agg(name || slug, ',' ORDER BY id) FROM organisations) AS org_names,
           (SELECT string_agg(email || array_to_string(roles, '+') || disabled::text || coalesce(display_name, ''), ',' ORDER BY id) FROM members) AS member_state,
           (SELECT string_agg(name || labels::text || trust_level::text, ',' ORDER BY id) FROM agents) AS agent_state`);
  return row;
}

describeWithPostgres('bad input never crashes the API nor changes anything', () => {
  let h: IdentityHarness;
  let org: SeededOrg;
  let agentId: string;
  let memberId: string;

  beforeAll(async () => {
    h = await startIdentityApp({ BODY_LIMIT_BYTES: '16384' });
    org = await seedOrg(h.app, 'badinput');
    const agent = await call(h.app, {
      method: 'POST',
      url: '/v1/agents',
      token: org.ownerToken,
      body: { name: 'steady-agent', labels: { a: 'b' } },
    });
    agentId = agent.body.id;
    memberId = org.members.auditor.id;
  });
  afterAll(async () => {
    await h?.close();
  });

  async function expectRejected(
    request: Parameters<typeof call>[1],
    status: number | number[],
    message?: RegExp,
  ): Promise<void> {
    const before = await snapshot(h);
    const res = await call(h.app, { token: org.ownerToken, ...request });
    const statuses = Array.isArray(status) ? status : [status];
    expect(statuses, `${request.method} ${request.url} → ${res.status} ${res.raw}`).toContain(res.status);
    expect(res.body).toMatchObject({
      code: expect.any(String),
      message: expect.any(String),
      requestId: expect.any(String),
    });
    if (message) expect(JSON.stringify(res.body)).toMatch(message);
    expect(await snapshot(h)).toEqual(before);
  }

  it('rejects malformed JSON with 400', async () => {
    for (const payload of [
      '{"email":',
      '{email: "x"}',
      '[1,2',
      '\u0000',
      '{"__proto__": {"admin": true}, "name": "x"}',
    ]) {
      await expectRejected({ method: 'POST', url: '/v1/agents', body: payload }, 400);
    }
    await expectRejected(
      { method: 'POST', url: '/v1/auth/login', body: '{"email":"a@b.c","password":', token: null },
      400,
    );
    // The decision route is served outside Nest's router: the same error shape, nothing recorded.
    for (const payload of ['{"agent":', '{"__proto__": {"admin": true}, "agent": "a"}', '[]', '"x"']) {
      await expectRejected({ method: 'POST', url: '/v1/decisions', body: payload }, 400);
    }
  });

  it('rejects wrong types with 400 naming the field', async () => {
    await expectRejected({ method: 'POST', url: '/v1/agents', body: { name: 123 } }, 400, /name/);
    await expectRejected(
      { method: 'POST', url: '/v1/agents', body: { name: 'ok-name', trustLevel: '3' } },
      400,
      /trustLevel/,
    );
    await expectRejected(
      { method: 'POST', url: '/v1/agents', body: { name: 'ok-name', trustLevel: 7 } },
      400,
      /trustLevel/,
    );
    await expectRejected(
      { method: 'POST', url: '/v1/agents', body: { name: 'ok-name', labels: ['x'] } },
      400,
      /labels/,
    );
    await expectRejected(
      { method: 'POST', url: '/v1/agents', body: { name: 'ok-name', labels: { team: 5 } } },
      400,
      /labels|team/,
    );
    await expectRejected(
      { method: 'POST', url: '/v1/agents', body: { name: 'ok-name', enabled: 'yes' } },
      400,
      /enabled/,
    );
    await expectRejected(
      {
        method: 'POST',
        url: '/v1/members',
        body: { email: 'x@y.example', password: PASSWORD, roles: 'owner' },
      },
      400,
      /roles/,
    );
    await expectRejected(
      {
        method: 'POST',
        url: '/v1/members',
        body: { email: 'x@y.example', password: PASSWORD, roles: ['root'] },
      },
      400,
      /roles/,
    );
    await expectRejected(
      { method: 'POST', url: '/v1/members', body: { email: ['x@y.example'], password: PASSWORD, roles: [] } },
      400,
      /email/,
    );
    await expectRejected(
      { method: 'POST', url: '/v1/members', body: { email: 'x@y.example', password: 'short', roles: [] } },
      400,
      /password/,
    );
    await expectRejected(
      { method: 'PATCH', url: `/v1/members/${memberId}`, body: { disabled: 'true' } },
      400,
      /disabled/,
    );
    await expectRejected(
      { method: 'POST', url: '/v1/api-keys', body: { name: 'k', scopes: ['root'] } },
      400,
      /scopes/,
    );
    await expectRejected(
      { method: 'POST', url: '/v1/api-keys', body: { name: 'k', scopes: [] } },
      400,
      /scopes/,
    );
    await expectRejected(
      { method: 'POST', url: '/v1/api-keys', body: { name: 'k', scopes: ['admin'] } },
      400,
      /role/,
    );
    await expectRejected(
      {
        method: 'POST',
        url: '/v1/api-keys',
        body: { name: 'k', scopes: ['decisions:evaluate'], expiresAt: 'tomorrow' },
      },
      400,
      /expiresAt/,
    );
    await expectRejected(
      {
        method: 'POST',
        url: '/v1/api-keys',
        body: { name: 'k', scopes: ['decisions:evaluate'], expiresAt: '2001-01-01T00:00:00Z' },
      },
      400,
      /expiresAt/,
    );
    await expectRejected({ method: 'PATCH', url: '/v1/org', body: { name: '' } }, 400, /name/);
    await expectRejected({ method: 'PATCH', url: '/v1/org', body: { slug: 'Not A Slug' } }, 400, /slug/);
    await expectRejected(
      { method: 'POST', url: '/v1/auth/login', body: { email: 'a@b.example', password: 42 }, token: null },
      400,
      /password/,
    );
  });

  it('rejects unknown fields with 400 (no mass assignment of orgId, roles, hashes…)', async () => {
    await expectRejected(
      { method: 'POST', url: '/v1/agents', body: { name: 'sneaky', orgId: org.orgId } },
      400,
      /orgId/,
    );
    await expectRejected(
      { method: 'PATCH', url: `/v1/agents/${agentId}`, body: { id: '00000000-0000-0000-0000-000000000000' } },
      400,
      /id/,
    );
    await expectRejected(
      { method: 'PATCH', url: `/v1/members/${memberId}`, body: { passwordHash: 'x' } },
      400,
      /passwordHash/,
    );
    await expectRejected(
      {
        method: 'POST',
        url: '/v1/api-keys',
        body: { name: 'k', scopes: ['decisions:evaluate'], keyHash: 'x' },
      },
      400,
      /keyHash/,
    );
    await expectRejected({ method: 'PATCH', url: '/v1/org', body: { id: org.orgId } }, 400, /id/);
  });

  it('rejects oversized bodies with 413', async () => {
    await expectRejected(
      {
        method: 'POST',
        url: '/v1/decisions',
        body: {
          agent: 'a',
          server: { name: 's' },
          tool: { name: 't' },
          arguments: { x: 'x'.repeat(20_000) },
        },
      },
      413,
    );
    await expectRejected(
      { method: 'POST', url: '/v1/agents', body: { name: 'big', description: 'x'.repeat(20_000) } },
      413,
    );
    await expectRejected(
      {
        method: 'POST',
        url: '/v1/auth/login',
        body: { email: 'a@b.example', password: 'x'.repeat(20_000) },
        token: null,
      },
      413,
    );
    // Under the body limit but over a field limit: 400.
    await expectRejected(
      { method: 'POST', url: '/v1/agents', body: { name: 'big', description: 'x'.repeat(5000) } },
      400,
      /description/,
    );
    await expectRejected(
      {
        method: 'POST',
        url: '/v1/agents',
        body: {
          name: 'big',
          labels: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])),
        },
      },
      400,
      /labels/,
    );
  });

  it('rejects SQL-looking strings where a format is required, and stores them inertly elsewhere', async () => {
    for (const s of SQLISH) {
      await expectRejected({ method: 'POST', url: '/v1/agents', body: { name: s } }, 400, /name/);
      await expectRejected(
        { method: 'POST', url: '/v1/members', body: { email: s, password: PASSWORD, roles: [] } },
        400,
        /email/,
      );
      await expectRejected({ method: 'GET', url: `/v1/agents/${encodeURIComponent(s)}` }, 400, /UUID/);
      await expectRejected(
        { method: 'GET', url: `/v1/agents?cursor=${encodeURIComponent(s)}` },
        400,
        /cursor/,
      );
      await expectRejected(
        { method: 'GET', url: `/v1/members?limit=${encodeURIComponent(s)}` },
        400,
        /limit/,
      );
      await expectRejected(
        {
          method: 'POST',
          url: '/v1/auth/login',
          body: { email: 'owner@badinput.example', password: s },
          token: null,
        },
        401,
      );
      await expectRejected(
        { method: 'POST', url: '/v1/auth/login', body: { email: s, password: s }, token: null },
        400,
      );
      await expectRejected({ method: 'GET', url: '/v1/org', token: s }, 401);
    }
    // Free text is data, never SQL: stored and returned verbatim, tables intact.
    const text = SQLISH.join(' | ');
    const res = await call(h.app, {
      method: 'PATCH',
      url: `/v1/agents/${agentId}`,
      token: org.ownerToken,
      body: { description: text, labels: { note: SQLISH[1] } },
    });
    expect(res.status).toBe(200);
    expect(res.body.description).toBe(text);
    expect(res.body.labels.note).toBe(SQLISH[1]);
    const [{ n }] = await h.dataSource.query(`SELECT count(*)::int AS n FROM members`);
    expect(n).toBeGreaterThanOrEqual(5);
  });

  it('rejects a forged cursor and out-of-range limits', async () => {
    const forged = Buffer.from(JSON.stringify({ t: "2020-01-01'; --", i: 'x' })).toString('base64url');
    await expectRejected({ method: 'GET', url: `/v1/members?cursor=${forged}` }, 400, /cursor/);
    await expectRejected({ method: 'GET', url: '/v1/members?limit=0' }, 400, /limit/);
    await expectRejected({ method: 'GET', url: '/v1/members?limit=100000' }, 400, /limit/);
    await expectRejected({ method: 'GET', url: '/v1/members?limit=10&extra=1' }, 400, /extra/);
  });
});
