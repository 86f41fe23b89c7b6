import { randomBytes, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { ROLES, type Role } from '@mandate/identity';
import { compile } from '@mandate/rego';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessTokenService } from '../../libs/identity/src/auth/access-token.service';
import { describeWithPostgres } from '../support';
import {
  call,
  login,
  PASSWORD,
  seedOrg,
  startIdentityApp,
  type Call,
  type IdentityHarness,
  type Reply,
  type SeededOrg,
} from './identity/identity-harness';
import { DECISION_REGO, PASSING_TESTS_REGO } from './policies/policy-fixtures';

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
/** policies:read — everyone with the policy store in view; approvers have no access. */
const POLICY_READERS: readonly Cred[] = [
  'owner',
  'admin',
  'policy_author',
  'auditor',
  'key:admin',
  'key:auditor',
];
/** policies:write and policies:activate — auditors only read. */
const POLICY_WRITERS: readonly Cred[] = ['owner', 'admin', 'policy_author', 'key:admin'];
/** decisions:evaluate — gateways (and owners/admins); no other role, no read-only key. */
const EVALUATORS: readonly Cred[] = ['owner', 'admin', 'key:admin', 'key:gateway'];
/** audit:read and audit:export — the auditor's job; policy authors and approvers do not see the log. */
const AUDIT_READERS: readonly Cred[] = ['owner', 'admin', 'auditor', 'key:admin', 'key:auditor'];

interface Ctx {
  h: IdentityHarness;
  own: SeededOrg;
  other: SeededOrg;
  cred: Cred;
  n: number;
}

type Where = 'own' | 'other';

interface Endpoint {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Route as registered, `:id` for the path parameter. */
  route: string;
  allowed: readonly Cred[];
  ok: number;
  /** Members only (API keys get 403 even when their role would allow). */
  membersOnly?: boolean;
  /**
   * Creates (or picks) the resource the request names, in the given organisation: what `:id` points to,
   * or an id / agent name carried in the query or the body.
   */
  target?: (ctx: Ctx, org: SeededOrg) => Promise<string>;
  /** Prepares the caller's organisation so a permitted caller can succeed. */
  setup?: (ctx: Ctx) => Promise<void>;
  /** Query string (without `?`); `org` is the organisation the target was made in. */
  query?: (ctx: Ctx, org: SeededOrg, target: string | undefined) => Promise<string> | string;
  body?: (ctx: Ctx, target: string | undefined) => unknown;
  /** Content type of a Buffer body (default: JSON). */
  contentType?: string;
  /**
   * Status a permitted caller gets when the target is in another organisation. Default 404: another
   * organisation's resource is indistinguishable from one that does not exist.
   */
  otherOk?: number;
  /** Extra assertions on the answer of a permitted caller (own target, or `otherOk`). */
  check?: (res: Reply, where: Where, target: string | undefined, ctx: Ctx) => void;
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

/** A draft that compiles, with tests that pass (so activating its versions succeeds). */
function policyFiles(n: number): Record<string, string> {
  return {
    'decision.rego': `${DECISION_REGO}\n# matrix ${n}\n`,
    'decision_test.rego': PASSING_TESTS_REGO,
  };
}

const drafted = new Set<string>();
async function ensureDraft(ctx: Ctx, org: SeededOrg): Promise<void> {
  if (drafted.has(org.orgId)) return;
  const res = await call(ctx.h.app, {
    method: 'PUT',
    url: '/v1/policies/draft',
    token: org.ownerToken,
    body: { files: policyFiles(ctx.n) },
  });
  expect(res.status, res.raw).toBe(200);
  expect(res.body.valid, res.raw).toBe(true);
  drafted.add(org.orgId);
}

async function freshVersion(ctx: Ctx, org: SeededOrg): Promise<string> {
  await ensureDraft(ctx, org);
  const res = await call(ctx.h.app, {
    method: 'POST',
    url: '/v1/policies/versions',
    token: org.ownerToken,
    body: { message: `matrix target ${ctx.n}` },
  });
  expect(res.status, res.raw).toBe(201);
  return res.body.id;
}

async function activate(ctx: Ctx, org: SeededOrg, versionId: string): Promise<void> {
  const res = await call(ctx.h.app, {
    method: 'POST',
    url: `/v1/policies/versions/${versionId}/activate`,
    token: org.ownerToken,
    body: {},
  });
  expect(res.status, res.raw).toBe(200);
}

/** Two versions of the organisation that were both active once; the one that is not active now. */
const everActive = new Map<string, [string, string]>();
async function rollbackCandidate(ctx: Ctx, org: SeededOrg): Promise<string> {
  let pair = everActive.get(org.orgId);
  if (!pair) {
    const first = await freshVersion(ctx, org);
    await activate(ctx, org, first);
    const second = await freshVersion(ctx, org);
    await activate(ctx, org, second);
    pair = [first, second];
    everActive.set(org.orgId, pair);
  }
  const active = await call(ctx.h.app, { method: 'GET', url: '/v1/policies/active', token: org.ownerToken });
  expect(active.status, active.raw).toBe(200);
  return active.body.version?.id === pair[0] ? pair[1] : pair[0];
}

async function freshAgentName(ctx: Ctx, org: SeededOrg): Promise<string> {
  const name = `matrix-agent-${randomUUID().slice(0, 8)}`;
  const res = await call(ctx.h.app, {
    method: 'POST',
    url: '/v1/agents',
    token: org.ownerToken,
    body: { name },
  });
  expect(res.status, res.raw).toBe(201);
  return name;
}

const toolCall = (agent: string | undefined) => ({
  agent,
  server: { name: 'payments' },
  tool: { name: 'refund' },
  arguments: { orderId: 'A-1', amount: 120 },
  phase: 'call',
});

const authzenSubject = (agent: string | undefined) => ({
  subject: { type: 'agent', id: agent },
  action: { name: 'tools/call' },
});
const authzenResource = (tool: string) => ({
  type: 'mcp_tool',
  id: `payments/${tool}`,
  properties: { arguments: { orderId: 'A-1' } },
});

interface Verdict {
  decision: string;
  reasons: Array<{ code: string }>;
}

/**
 * Another organisation's agent is unknown to the caller: a deny with `unknown_agent`, never an allow.
 * The caller's own agent is found (whatever the policy then decides).
 */
function expectVerdicts(verdicts: Verdict[], where: Where): void {
  expect(verdicts.length).toBeGreaterThan(0);
  for (const v of verdicts) {
    const codes = v.reasons.map((r) => r.code);
    if (where === 'other') {
      expect(v.decision).toBe('deny');
      expect(codes).toContain('unknown_agent');
    } else {
      expect(['allow', 'deny', 'pending_approval']).toContain(v.decision);
      expect(codes).not.toContain('unknown_agent');
    }
  }
}

interface AuthzenAnswer {
  decision: boolean;
  context: Verdict;
}
function authzenVerdict(answer: AuthzenAnswer): Verdict {
  expect(answer.decision).toBe(answer.context.decision === 'allow');
  return answer.context;
}

async function tarGz(files: Record<string, Buffer | string>): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => tar.on('end', resolve));
  for (const [name, content] of Object.entries(files)) tar.entry({ name, mode: 0o644 }, content);
  tar.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

/** An OPA bundle (policy.wasm of DECISION_REGO), built once in beforeAll. */
let bundle: Buffer | undefined;
async function buildBundle(): Promise<Buffer> {
  const { wasm } = await compile({
    modules: { 'decision.rego': DECISION_REGO },
    entrypoints: ['mandate/decision'],
  });
  return tarGz({ 'policy.wasm': Buffer.from(wasm) });
}

/** `call`, or a raw upload when the body is a Buffer (bundles). */
async function send(h: IdentityHarness, c: Call & { contentType?: string }): Promise<Reply> {
  if (!Buffer.isBuffer(c.body)) return call(h.app, c);
  const headers: Record<string, string> = { 'content-type': c.contentType ?? 'application/octet-stream' };
  if (c.token) headers.authorization = `Bearer ${c.token}`;
  const res = await h.app.inject({ method: c.method, url: c.url, headers, payload: c.body });
  let body: unknown;
  try {
    body = res.body.length > 0 ? JSON.parse(res.body) : undefined;
  } catch {
    body = res.body;
  }
  return { status: res.statusCode, body, raw: res.body };
}

const shared = new Map<string, string>();
const sharedTarget = (
  kind: 'member' | 'agent' | 'key' | 'version' | 'version2' | 'agent-name',
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

  // The policy store (libs/policies).
  {
    method: 'GET',
    route: '/v1/policies/draft',
    allowed: POLICY_READERS,
    ok: 200,
    check: (res) => expect(res.body.files).toEqual(expect.any(Object)),
  },
  {
    method: 'PUT',
    route: '/v1/policies/draft',
    allowed: POLICY_WRITERS,
    ok: 200,
    body: (c) => ({ files: policyFiles(c.n) }),
    check: (res) => expect(res.body.valid, res.raw).toBe(true),
  },
  {
    method: 'GET',
    route: '/v1/policies/versions',
    allowed: POLICY_READERS,
    ok: 200,
    check: (res) => expect(res.body.items).toEqual(expect.any(Array)),
  },
  {
    method: 'POST',
    route: '/v1/policies/versions',
    allowed: POLICY_WRITERS,
    ok: 201,
    setup: (c) => ensureDraft(c, c.own),
    body: (c) => ({ message: `matrix ${c.n}` }),
    check: (res) => expect(res.body.source).toBe('rego'),
  },
  {
    method: 'GET',
    route: '/v1/policies/versions/:id',
    allowed: POLICY_READERS,
    ok: 200,
    target: sharedTarget('version', freshVersion),
    check: (res, _where, id) => expect(res.body.id).toBe(id),
  },
  {
    method: 'GET',
    route: '/v1/policies/versions/:id/diff',
    allowed: POLICY_READERS,
    ok: 200,
    target: sharedTarget('version', freshVersion),
    // `against` is in the same organisation as `:id`: the other-organisation case names only its data.
    query: async (c, org) => `against=${await sharedTarget('version2', freshVersion)(c, org)}`,
    check: (res) => expect(res.body.files ?? res.body).toBeDefined(),
  },
  {
    method: 'POST',
    route: '/v1/policies/versions/:id/activate',
    allowed: POLICY_WRITERS,
    ok: 200,
    target: freshVersion,
    body: () => ({}),
    check: (res, _where, id) => expect(res.body).toMatchObject({ kind: 'activate', versionId: id }),
  },
  {
    method: 'POST',
    route: '/v1/policies/rollback',
    allowed: POLICY_WRITERS,
    ok: 200,
    target: rollbackCandidate,
    body: (c, id) => ({ versionId: id, reason: `matrix ${c.n}` }),
    check: (res, _where, id) => expect(res.body).toMatchObject({ kind: 'rollback', versionId: id }),
  },
  {
    method: 'GET',
    route: '/v1/policies/active',
    allowed: POLICY_READERS,
    ok: 200,
    check: (res) => expect(res.body.revision).toEqual(expect.any(Number)),
  },
  {
    method: 'GET',
    route: '/v1/policies/activations',
    allowed: POLICY_READERS,
    ok: 200,
    check: (res) => expect(res.body.items).toEqual(expect.any(Array)),
  },
  {
    method: 'POST',
    route: '/v1/policies/bundles',
    allowed: POLICY_WRITERS,
    ok: 201,
    query: () => 'message=matrix',
    contentType: 'application/gzip',
    body: () => bundle,
    check: (res) => expect(res.body.source).toBe('bundle'),
  },

  // The decision API (libs/decisions): a decision about another organisation's agent is a deny.
  {
    method: 'POST',
    route: '/v1/decisions',
    allowed: EVALUATORS,
    ok: 200,
    otherOk: 200,
    target: sharedTarget('agent-name', freshAgentName),
    body: (_c, agent) => toolCall(agent),
    check: (res, where) => expectVerdicts([res.body], where),
  },
  {
    method: 'POST',
    route: '/v1/decisions/batch',
    allowed: EVALUATORS,
    ok: 200,
    otherOk: 200,
    target: sharedTarget('agent-name', freshAgentName),
    body: (_c, agent) => ({ items: [toolCall(agent), { ...toolCall(agent), phase: 'list' }] }),
    check: (res, where) => {
      expect(res.body.items).toHaveLength(2);
      expectVerdicts(res.body.items, where);
    },
  },
  {
    method: 'POST',
    route: '/access/v1/evaluation',
    allowed: EVALUATORS,
    ok: 200,
    otherOk: 200,
    target: sharedTarget('agent-name', freshAgentName),
    body: (_c, agent) => ({ ...authzenSubject(agent), resource: authzenResource('refund') }),
    check: (res, where) => expectVerdicts([authzenVerdict(res.body)], where),
  },
  {
    method: 'POST',
    route: '/access/v1/evaluations',
    allowed: EVALUATORS,
    ok: 200,
    otherOk: 200,
    target: sharedTarget('agent-name', freshAgentName),
    body: (_c, agent) => ({
      ...authzenSubject(agent),
      evaluations: [{ resource: authzenResource('refund') }, { resource: authzenResource('status') }],
    }),
    check: (res, where) => {
      expect(res.body.evaluations).toHaveLength(2);
      expectVerdicts(res.body.evaluations.map(authzenVerdict), where);
    },
  },

  // The audit log (libs/audit): always the caller's own organisation's chain.
  {
    method: 'GET',
    route: '/v1/audit/events',
    allowed: AUDIT_READERS,
    ok: 200,
    check: (res) => expect(res.body.items.length).toBeGreaterThan(0),
  },
  {
    method: 'GET',
    route: '/v1/audit/keys',
    allowed: AUDIT_READERS,
    ok: 200,
    check: (res) => expect(res.body.keys.length).toBeGreaterThan(0),
  },
  {
    method: 'GET',
    route: '/v1/audit/checkpoints',
    allowed: AUDIT_READERS,
    ok: 200,
    check: (res, _where, _id, c) =>
      expect(res.body.items.filter((i: { org: string }) => i.org !== c.own.orgId)).toEqual([]),
  },
  {
    method: 'GET',
    route: '/v1/audit/proofs/inclusion',
    allowed: AUDIT_READERS,
    ok: 200,
    query: () => 'seq=1&treeSize=2',
    check: (res) => expect(res.body).toMatchObject({ seq: 1, treeSize: 2, proof: [expect.any(String)] }),
  },
  {
    method: 'GET',
    route: '/v1/audit/proofs/consistency',
    allowed: AUDIT_READERS,
    ok: 200,
    query: () => 'from=1&to=2',
    check: (res) => expect(res.body).toMatchObject({ fromSize: 1, toSize: 2 }),
  },
  {
    method: 'GET',
    route: '/v1/audit/export',
    allowed: AUDIT_READERS,
    ok: 200,
    query: () => 'format=jsonl&fromSeq=1&toSeq=2',
    check: (res) => expect(res.raw.trim().split('\n')).toHaveLength(2),
  },
  {
    method: 'GET',
    route: '/v1/audit/export/manifest',
    allowed: AUDIT_READERS,
    ok: 200,
    query: () => 'format=jsonl&fromSeq=1&toSeq=2',
    check: (res, _where, _id, c) => {
      expect(res.raw).toContain(c.own.orgId);
      expect(res.raw).not.toContain(c.other.orgId);
    },
  },
];

/** Reachable without credentials. `/metrics` is public by default (METRICS_PUBLIC) — see the second suite. */
const PUBLIC_ROUTES: ReadonlyArray<{ method: string; route: RegExp }> = [
  { method: 'GET', route: /^\/healthz$/ },
  { method: 'GET', route: /^\/readyz$/ },
  { method: 'GET', route: /^\/metrics$/ },
  { method: 'GET', route: /^\/docs(\/.*)?$/ },
  { method: 'POST', route: /^\/v1\/auth\/login$/ },
  { method: 'GET', route: /^\/\.well-known\/authzen-configuration$/ },
];

const passwords = new Map<Cred, string>();
function passwordOf(c: Ctx): string {
  const role = ROLES.find((r) => r === c.cred);
  return passwords.get(c.cred) ?? (role ? c.own.members[role].password : 'not a member password');
}

function expectedStatus(e: Endpoint, cred: Cred, where: Where): number {
  if (INVALID.includes(cred)) return 401;
  if (!e.allowed.includes(cred)) return 403;
  if (e.membersOnly && cred.startsWith('key:')) return 403;
  if (where === 'other') return e.otherOk ?? 404;
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
    // A master key, as in production: audit checkpoints, export manifests and signing keys need one.
    h = await startIdentityApp({ MANDATE_MASTER_KEY: randomBytes(32).toString('base64') });
    bundle = await buildBundle();
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

  it('serves the AuthZEN metadata without credentials', async () => {
    const res = await call(h.app, { method: 'GET', url: '/.well-known/authzen-configuration' });
    expect(res.status).toBe(200);
    expect(res.body.access_evaluation_endpoint).toMatch(/\/access\/v1\/evaluation$/);
    expect(res.body.access_evaluations_endpoint).toMatch(/\/access\/v1\/evaluations$/);
  });

  it('answers 401 without credentials on every route except health, readiness, metrics, docs, login and AuthZEN metadata', async () => {
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
      const places: Where[] = endpoint.target ? ['own', 'other'] : ['own'];
      for (const where of places) {
        for (const cred of ALL_CREDS) {
          const expected = expectedStatus(endpoint, cred, where);
          it(`${cred} on ${where} organisation → ${expected}`, async () => {
            n += 1;
            const ctx: Ctx = { h, own, other, cred, n };
            const org = where === 'own' ? own : other;
            const id = endpoint.target ? await endpoint.target(ctx, org) : undefined;
            await endpoint.setup?.(ctx);
            const path = id ? endpoint.route.replace(':id', id) : endpoint.route;
            const query = endpoint.query ? await endpoint.query(ctx, org, id) : '';
            const res = await send(h, {
              method: endpoint.method,
              url: query ? `${path}?${query}` : path,
              token: tokens.get(cred) ?? null,
              body: endpoint.body?.(ctx, id),
              contentType: endpoint.contentType,
            });
            expect(res.status, res.raw).toBe(expected);
            if (expected >= 400)
              expect(res.body).toMatchObject({ code: expect.any(String), message: expect.any(String) });
            else endpoint.check?.(res, where, id, ctx);
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
    // Every gap is listed at once (not only the first), so one run tells what to fix.
    const gaps: string[] = [];
    for (const e of ENDPOINTS) {
      const path = e.route.replace(/:([A-Za-z]+)/g, '{$1}');
      const name = `${e.method} ${path}`;
      const op = doc.paths?.[path]?.[e.method.toLowerCase()];
      if (op === undefined) {
        gaps.push(`${name}: not documented`);
        continue;
      }
      const security: unknown[] = op.security ?? doc.security ?? [];
      if (!security.some((s) => JSON.stringify(s) === JSON.stringify({ bearer: [] })))
        gaps.push(`${name}: no bearer security`);
      if (!Object.keys(op.responses ?? {}).includes(String(e.ok))) gaps.push(`${name}: no ${e.ok} response`);
    }
    expect(gaps).toEqual([]);
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
    const lists: Array<[string, (item: Record<string, unknown>) => unknown]> = [
      ['/v1/members', (i) => i.id],
      ['/v1/agents', (i) => i.id],
      ['/v1/api-keys', (i) => i.id],
      ['/v1/policies/versions', (i) => i.id],
      ['/v1/policies/activations', (i) => i.versionId],
      ['/v1/audit/events', (i) => i.id],
    ];
    for (const [route, keyOf] of lists) {
      const mine = await call(h.app, { method: 'GET', url: `${route}?limit=200`, token: own.ownerToken });
      const theirs = await call(h.app, { method: 'GET', url: `${route}?limit=200`, token: other.ownerToken });
      expect(mine.status, `${route} ${mine.raw}`).toBe(200);
      expect(theirs.status, `${route} ${theirs.raw}`).toBe(200);
      const mineKeys = new Set(mine.body.items.map(keyOf));
      expect(mine.body.items.length, route).toBeGreaterThan(0);
      expect(
        theirs.body.items.filter((i: Record<string, unknown>) => mineKeys.has(keyOf(i))),
        route,
      ).toEqual([]);
    }
  });

  it('never diffs against another organisation’s version (its sources stay hidden)', async () => {
    const ctx: Ctx = { h, own, other, cred: 'owner', n: (n += 1) };
    const mine = await sharedTarget('version', freshVersion)(ctx, own);
    const theirs = await sharedTarget('version', freshVersion)(ctx, other);
    for (const [id, against] of [
      [mine, theirs],
      [theirs, mine],
    ]) {
      const res = await call(h.app, {
        method: 'GET',
        url: `/v1/policies/versions/${id}/diff?against=${against}`,
        token: own.ownerToken,
      });
      expect(res.status, res.raw).toBe(404);
      expect(res.raw).not.toContain('package mandate');
    }
  });

  it('computes audit proofs over the caller’s own chain only', async () => {
    const leaves: string[] = [];
    for (const org of [own, other]) {
      const events = await call(h.app, {
        method: 'GET',
        url: '/v1/audit/events?limit=2',
        token: org.ownerToken,
      });
      const inclusion = await call(h.app, {
        method: 'GET',
        url: '/v1/audit/proofs/inclusion?seq=1&treeSize=2',
        token: org.ownerToken,
      });
      const consistency = await call(h.app, {
        method: 'GET',
        url: '/v1/audit/proofs/consistency?from=1&to=2',
        token: org.ownerToken,
      });
      expect([events.status, inclusion.status, consistency.status]).toEqual([200, 200, 200]);
      expect(events.body.items[0].seq).toBe(1);
      expect(inclusion.body.leafHash).toBe(events.body.items[0].leaf);
      expect(consistency.body.toRoot).toBe(inclusion.body.rootHash);
      leaves.push(inclusion.body.leafHash as string);
    }
    expect(leaves[0]).not.toBe(leaves[1]);
  });

  it('exports only the caller’s own organisation’s audit chain', async () => {
    for (const org of [own, other]) {
      const res = await call(h.app, {
        method: 'GET',
        url: '/v1/audit/export?format=jsonl',
        token: org.ownerToken,
      });
      expect(res.status, res.raw).toBe(200);
      const lines = res.raw
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.map((l) => l.org ?? (l.event as Record<string, unknown> | undefined)?.org)).toEqual(
        lines.map(() => org.orgId),
      );
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
