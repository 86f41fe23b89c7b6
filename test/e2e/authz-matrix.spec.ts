import { randomUUID } from 'node:crypto';
import { ROLES, type Role } from '@mandate/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessTokenService } from '../../libs/identity/src/auth/access-token.service';
import { describeWithPostgres } from '../support';
import {
  call,
  login,
  PASSWORD,
  seedOrg,
  startIdentityApp,
  type IdentityHarness,
  type SeededOrg,
} from './identity/identity-harness';

/**
 * Authorization matrix: EVERY admin endpoint × every kind of credential × own / other organisation.
 * The table below is the specification (written independently of the role → permission table in code):
 * `allowed` lists who may call the endpoint.
 */
type Cred =
  | Role
  | 'key:admin'
  | 'key:auditor'
  | 'key:gateway'
  | 'none'
  | 'garbage'
  | 'jwt:expired'
  | 'jwt:disabled-member'
  | 'key:revoked'
  | 'key:expired';

const VALID_MEMBERS: readonly Cred[] = ROLES;
const VALID_KEYS: readonly Cred[] = ['key:admin', 'key:auditor', 'key:gateway'];
const INVALID: readonly Cred[] = [
  'none',
  'garbage',
  'jwt:expired',
  'jwt:disabled-member',
  'key:revoked',
  'key:expired',
];
const ALL_CREDS: readonly Cred[] = [...VALID_MEMBERS, ...VALID_KEYS, ...INVALID];

const EVERYONE: readonly Cred[] = [...ROLES, 'key:admin', 'key:auditor'];
const MANAGERS: readonly Cred[] = ['owner', 'admin', 'key:admin'];
const READERS: readonly Cred[] = ['owner', 'admin', 'auditor', 'key:admin', 'key:auditor'];
const AGENT_READERS: readonly Cred[] = [
  'owner',
  'admin',
  'policy_author',
  'approver',
  'auditor',
  'key:admin',
  'key:auditor',
];

interface Ctx {
  h: IdentityHarness;
  own: SeededOrg;
  other: SeededOrg;
  cred: Cred;
  n: number;
}

interface Endpoint {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Route as registered, `:id` for the path parameter. */
  route: string;
  allowed: readonly Cred[];
  ok: number;
  /** Members only (API keys get 403 even when their role would allow). */
  membersOnly?: boolean;
  /** Creates (or picks) the resource `:id` points to, in the given organisation. */
  target?: (ctx: Ctx, org: SeededOrg) => Promise<string>;
  body?: (ctx: Ctx) => unknown;
}

async function freshMember(ctx: Ctx, org: SeededOrg): Promise<string> {
  const res = await call(ctx.h.app, {
    method: 'POST',
    url: '/v1/members',
    token: org.ownerToken,
    body: {
      email: `target-${ctx.n}-${randomUUID().slice(0, 8)}@matrix.example`,
      password: PASSWORD,
      roles: ['auditor'],
    },
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function freshAgent(ctx: Ctx, org: SeededOrg): Promise<string> {
  const res = await call(ctx.h.app, {
    method: 'POST',
    url: '/v1/agents',
    token: org.ownerToken,
    body: { name: `agent-${randomUUID()}` },
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function freshKey(ctx: Ctx, org: SeededOrg): Promise<string> {
  const res = await call(ctx.h.app, {
    method: 'POST',
    url: '/v1/api-keys',
    token: org.ownerToken,
    body: { name: 'matrix target', scopes: ['decisions:evaluate'] },
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

const shared = new Map<string, string>();
const sharedTarget = (
  kind: 'member' | 'agent' | 'key',
  make: (ctx: Ctx, org: SeededOrg) => Promise<string>,
) => {
  return async (ctx: Ctx, org: SeededOrg) => {
    const key = `${kind}:${org.orgId}`;
    if (!shared.has(key)) shared.set(key, await make(ctx, org));
    return shared.get(key)!;
  };
};

const ENDPOINTS: readonly Endpoint[] = [
  { method: 'GET', route: '/v1/auth/me', allowed: [...EVERYONE, 'key:gateway'], ok: 200 },
  { method: 'GET', route: '/v1/org', allowed: EVERYONE, ok: 200 },
  {
    method: 'PATCH',
    route: '/v1/org',
    allowed: MANAGERS,
    ok: 200,
    body: (c) => ({ name: `Renamed ${c.n} ${randomUUID()}` }),
  },
  { method: 'GET', route: '/v1/members', allowed: READERS, ok: 200 },
  {
    method: 'POST',
    route: '/v1/members',
    allowed: MANAGERS,
    ok: 201,
    body: (c) => ({
      email: `new-${c.n}-${randomUUID().slice(0, 8)}@matrix.example`,
      password: PASSWORD,
      roles: [],
    }),
  },
  {
    method: 'POST',
    route: '/v1/members/me/password',
    allowed: ROLES,
    membersOnly: true,
    ok: 204,
    body: (c) => ({ currentPassword: passwordOf(c), newPassword: `${PASSWORD} v${c.n}` }),
  },
  {
    method: 'GET',
    route: '/v1/members/:id',
    allowed: READERS,
    ok: 200,
    target: sharedTarget('member', freshMember),
  },
  {
    method: 'PATCH',
    route: '/v1/members/:id',
    allowed: MANAGERS,
    ok: 200,
    target: sharedTarget('member', freshMember),
    body: (c) => ({ displayName: `n${c.n}` }),
  },
  { method: 'DELETE', route: '/v1/members/:id', allowed: MANAGERS, ok: 204, target: freshMember },
  { method: 'GET', route: '/v1/agents', allowed: AGENT_READERS, ok: 200 },
  {
    method: 'POST',
    route: '/v1/agents',
    allowed: MANAGERS,
    ok: 201,
    body: (c) => ({
      name: `agent-${c.n}-${randomUUID().slice(0, 8)}`,
      ownerId: c.own.members.owner.id,
      labels: { team: 'matrix' },
    }),
  },
  {
    method: 'GET',
    route: '/v1/agents/:id',
    allowed: AGENT_READERS,
    ok: 200,
    target: sharedTarget('agent', freshAgent),
  },
  {
    method: 'PATCH',
    route: '/v1/agents/:id',
    allowed: MANAGERS,
    ok: 200,
    target: sharedTarget('agent', freshAgent),
    body: (c) => ({ trustLevel: c.n % 4 }),
  },
  { method: 'DELETE', route: '/v1/agents/:id', allowed: MANAGERS, ok: 204, target: freshAgent },
  { method: 'GET', route: '/v1/api-keys', allowed: READERS, ok: 200 },
  {
    method: 'POST',
    route: '/v1/api-keys',
    allowed: MANAGERS,
    ok: 201,
    body: (c) => ({ name: `key ${c.n}`, scopes: ['decisions:evaluate'] }),
  },
  {
    method: 'GET',
    route: '/v1/api-keys/:id',
    allowed: READERS,
    ok: 200,
    target: sharedTarget('key', freshKey),
  },
  { method: 'POST', route: '/v1/api-keys/:id/revoke', allowed: MANAGERS, ok: 200, target: freshKey },
];

/** Reachable without credentials. `/metrics` is public by default (METRICS_PUBLIC) — see the second suite. */
const PUBLIC_ROUTES: ReadonlyArray<{ method: string; route: RegExp }> = [
  { method: 'GET', route: /^\/healthz$/ },
  { method: 'GET', route: /^\/readyz$/ },
  { method: 'GET', route: /^\/metrics$/ },
  { method: 'GET', route: /^\/docs(\/.*)?$/ },
  { method: 'POST', route: /^\/v1\/auth\/login$/ },
];

const passwords = new Map<Cred, string>();
function passwordOf(c: Ctx): string {
  const role = ROLES.find((r) => r === c.cred);
  return passwords.get(c.cred) ?? (role ? c.own.members[role].password : 'not a member password');
}

function expectedStatus(e: Endpoint, cred: Cred, where: 'own' | 'other'): number {
  if (INVALID.includes(cred)) return 401;
  if (!e.allowed.includes(cred)) return 403;
  if (e.membersOnly && cred.startsWith('key:')) return 403;
  if (where === 'other') return 404;
  return e.ok;
}

/** Every (method, path) the Fastify router knows, from its own route listing (HEAD omitted). */
export function registeredRoutes(printed: string): Array<{ method: string; route: string }> {
  const routes: Array<{ method: string; route: string }> = [];
  const stack: string[] = [];
  for (const line of printed.split('\n')) {
    const start = line.search(/[^│├└─\s]/u);
    if (start < 0) continue;
    const depth = Math.floor(start / 4);
    const match = /^(\S+)(?: \(([^)]*)\))?$/.exec(line.slice(start).trim());
    if (!match) continue;
    stack.length = depth;
    stack[depth] = match[1]!;
    const path = stack.join('').replace(/\/+/g, '/');
    for (const method of (match[2] ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean)) {
      if (method !== 'HEAD') routes.push({ method, route: path.length > 1 ? path.replace(/\/$/, '') : path });
    }
  }
  return routes;
}

describeWithPostgres('authorization matrix (every admin endpoint × credential × organisation)', () => {
  let h: IdentityHarness;
  let own: SeededOrg;
  let other: SeededOrg;
  const tokens = new Map<Cred, string | null>();
  let n = 0;

  beforeAll(async () => {
    h = await startIdentityApp();
    own = await seedOrg(h.app, 'own');
    other = await seedOrg(h.app, 'other');
    for (const role of ROLES) tokens.set(role, own.tokens[role]);
    const key = async (body: Record<string, unknown>) => {
      const res = await call(h.app, { method: 'POST', url: '/v1/api-keys', token: own.ownerToken, body });
      expect(res.status).toBe(201);
      return res.body as { id: string; key: string };
    };
    tokens.set('key:admin', (await key({ name: 'admin', scopes: ['admin'], role: 'admin' })).key);
    tokens.set('key:auditor', (await key({ name: 'auditor', scopes: ['admin'], role: 'auditor' })).key);
    tokens.set('key:gateway', (await key({ name: 'gateway', scopes: ['decisions:evaluate'] })).key);
    const revoked = await key({ name: 'revoked', scopes: ['admin'], role: 'owner' });
    expect(
      (await call(h.app, { method: 'POST', url: `/v1/api-keys/${revoked.id}/revoke`, token: own.ownerToken }))
        .status,
    ).toBe(200);
    tokens.set('key:revoked', revoked.key);
    const expired = await key({
      name: 'expired',
      scopes: ['admin'],
      role: 'owner',
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    await h.dataSource.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      expired.id,
    ]);
    tokens.set('key:expired', expired.key);
    const issued = await h.app
      .get(AccessTokenService)
      .issue(
        { memberId: own.members.owner.id, orgId: own.orgId, version: 0 },
        new Date(Date.now() - 3600_000),
      );
    tokens.set('jwt:expired', issued.token);
    const disabledEmail = 'disabled@matrix.example';
    const disabled = await call(h.app, {
      method: 'POST',
      url: '/v1/members',
      token: own.ownerToken,
      body: { email: disabledEmail, password: PASSWORD, roles: ['admin'] },
    });
    const disabledToken = await login(h.app, disabledEmail, PASSWORD, own.slug);
    expect(
      (
        await call(h.app, {
          method: 'PATCH',
          url: `/v1/members/${disabled.body.id}`,
          token: own.ownerToken,
          body: { disabled: true },
        })
      ).status,
    ).toBe(200);
    tokens.set('jwt:disabled-member', disabledToken);
    tokens.set('none', null);
    tokens.set('garbage', 'not-a-token');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('lists every registered route either in the matrix or as public — none is forgotten', () => {
    const printed = h.app.getHttpAdapter().getInstance().printRoutes({ commonPrefix: false });
    const routes = registeredRoutes(printed);
    expect(routes.length).toBeGreaterThan(ENDPOINTS.length);
    const known = (r: { method: string; route: string }) =>
      ENDPOINTS.some((e) => e.method === r.method && e.route === r.route) ||
      PUBLIC_ROUTES.some((p) => p.method === r.method && p.route.test(r.route));
    expect(routes.filter((r) => !known(r))).toEqual([]);
    for (const e of ENDPOINTS)
      expect(routes, `${e.method} ${e.route}`).toContainEqual({ method: e.method, route: e.route });
  });

  it('answers 401 without credentials on every route except health, readiness, metrics, docs and login', async () => {
    const printed = h.app.getHttpAdapter().getInstance().printRoutes({ commonPrefix: false });
    for (const r of registeredRoutes(printed)) {
      const url = r.route.replace(/:[A-Za-z]+/g, randomUUID());
      const res = await call(h.app, {
        method: r.method as 'GET',
        url,
        body: r.method === 'GET' || r.method === 'DELETE' ? undefined : {},
      });
      const isPublic = PUBLIC_ROUTES.some((p) => p.method === r.method && p.route.test(r.route));
      if (isPublic) expect(res.status, `${r.method} ${r.route}`).not.toBe(401);
      else expect(res.status, `${r.method} ${r.route}`).toBe(401);
    }
  });

  for (const endpoint of ENDPOINTS) {
    describe(`${endpoint.method} ${endpoint.route}`, () => {
      const places: Array<'own' | 'other'> = endpoint.target ? ['own', 'other'] : ['own'];
      for (const where of places) {
        for (const cred of ALL_CREDS) {
          const expected = expectedStatus(endpoint, cred, where);
          it(`${cred} on ${where} organisation → ${expected}`, async () => {
            n += 1;
            const ctx: Ctx = { h, own, other, cred, n };
            const org = where === 'own' ? own : other;
            const id = endpoint.target ? await endpoint.target(ctx, org) : undefined;
            const url = id ? endpoint.route.replace(':id', id) : endpoint.route;
            const res = await call(h.app, {
              method: endpoint.method,
              url,
              token: tokens.get(cred) ?? null,
              body: endpoint.body?.(ctx),
            });
            expect(res.status, res.raw).toBe(expected);
            if (expected >= 400)
              expect(res.body).toMatchObject({ code: expect.any(String), message: expect.any(String) });
            if (res.status === 204 && endpoint.route === '/v1/members/me/password') {
              // A password change ends the member's sessions: log in again with the new password.
              const role = ROLES.find((r) => r === cred)!;
              const password = `${PASSWORD} v${ctx.n}`;
              passwords.set(cred, password);
              expect(
                (await call(h.app, { method: 'GET', url: '/v1/auth/me', token: tokens.get(cred)! })).status,
              ).toBe(401);
              const fresh = await login(h.app, own.members[role].email, password, own.slug);
              tokens.set(cred, fresh);
              own.tokens[role] = fresh;
              if (role === 'owner') own.ownerToken = fresh;
            }
          });
        }
      }
    });
  }

  it('documents every admin endpoint in the OpenAPI document, with bearer auth and typed responses', async () => {
    const doc = (await call(h.app, { method: 'GET', url: '/docs/json' })).body;
    for (const e of ENDPOINTS) {
      const path = e.route.replace(/:([A-Za-z]+)/g, '{$1}');
      const op = doc.paths?.[path]?.[e.method.toLowerCase()];
      expect(op, `${e.method} ${path}`).toBeDefined();
      expect(op.security ?? doc.security, `${e.method} ${path}`).toEqual(
        expect.arrayContaining([{ bearer: [] }]),
      );
      expect(Object.keys(op.responses), `${e.method} ${path}`).toContain(String(e.ok));
    }
    expect(doc.paths['/v1/auth/login'].post.requestBody).toBeDefined();
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        'CreateMemberRequestDto',
        'MemberResponseDto',
        'CreatedApiKeyResponseDto',
        'AgentPageResponseDto',
      ]),
    );
  });

  it('never lets a list show another organisation’s rows', async () => {
    for (const route of ['/v1/members', '/v1/agents', '/v1/api-keys']) {
      const mine = await call(h.app, { method: 'GET', url: `${route}?limit=200`, token: own.ownerToken });
      const theirs = await call(h.app, { method: 'GET', url: `${route}?limit=200`, token: other.ownerToken });
      const mineIds = new Set(mine.body.items.map((i: { id: string }) => i.id));
      expect(mine.body.items.length).toBeGreaterThan(0);
      expect(theirs.body.items.some((i: { id: string }) => mineIds.has(i.id))).toBe(false);
    }
  });
});

/** METRICS_PUBLIC=false: /metrics needs a credential with `metrics:read` (the server's METRICS_AUTHORIZER). */
describeWithPostgres('private metrics (METRICS_PUBLIC=false)', () => {
  let h: IdentityHarness;
  let org: SeededOrg;

  beforeAll(async () => {
    h = await startIdentityApp({ METRICS_PUBLIC: 'false' });
    org = await seedOrg(h.app, 'metrics');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses anonymous scrapes and callers without metrics:read, and serves owners and auditors', async () => {
    expect((await call(h.app, { method: 'GET', url: '/metrics' })).status).toBe(401);
    expect(
      (await call(h.app, { method: 'GET', url: '/metrics', token: org.tokens.policy_author })).status,
    ).toBe(401);
    for (const token of [org.ownerToken, org.tokens.auditor, org.adminKey]) {
      const res = await call(h.app, { method: 'GET', url: '/metrics', token });
      expect(res.status).toBe(200);
      expect(res.raw).toContain('process_cpu_user_seconds_total');
    }
  });
});
