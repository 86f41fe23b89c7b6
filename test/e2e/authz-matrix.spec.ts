import { randomBytes, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { AuditExportJobService } from '@mandate/audit';
import { CatalogService } from '@mandate/catalog';
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

/** catalog:read — like policies:read: admins, policy authors and auditors (approvers do not see it). */
const CATALOG_READERS: readonly Cred[] = [
  'owner',
  'admin',
  'policy_author',
  'auditor',
  'key:admin',
  'key:auditor',
];

/** Digest of each catalog tool made by catalogTool (what an approval names). */
const catalogDigests = new Map<string, string>();
const catalogTools = new Map<string, { id: string; serverId: string }>();
/** A pending catalog tool of `org` (shared per organisation, or a fresh one each call). */
async function catalogTool(
  ctx: Ctx,
  org: SeededOrg,
  fresh = false,
): Promise<{ id: string; serverId: string }> {
  const known = catalogTools.get(org.orgId);
  if (known && !fresh) return known;
  const out = await ctx.h.app
    .get(CatalogService)
    .report({ orgId: org.orgId, actor: { type: 'system', id: 'matrix' } }, { name: 'matrix' }, [
      { name: `tool_${randomUUID().slice(0, 8)}`, inputSchema: { type: 'object' } },
    ]);
  const tool = { id: out.tools[0].id, serverId: out.serverId };
  catalogDigests.set(tool.id, out.tools[0].digest);
  if (!fresh) catalogTools.set(org.orgId, tool);
  return tool;
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

/** A finished background audit export (events 1–2) of `org`, made once per organisation. */
const auditExports = new Map<string, string>();
async function finishedAuditExport(ctx: Ctx, org: SeededOrg): Promise<string> {
  const known = auditExports.get(org.orgId);
  if (known) return known;
  const jobs = ctx.h.app.get(AuditExportJobService);
  const actor = { type: 'system', id: 'matrix' } as const;
  const job = await jobs.create(org.orgId, actor, { format: 'jsonl', fromSeq: 1, toSeq: 2 });
  await jobs.run(org.orgId, job.id);
  for (let i = 0; i < 200 && (await jobs.get(org.orgId, job.id)).status !== 'done'; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  auditExports.set(org.orgId, job.id);
  return job.id;
}

/** A sandbox profile of the organisation (libs/sandbox rows). */
async function freshSandboxProfile(ctx: Ctx, org: SeededOrg): Promise<string> {
  const res = await call(ctx.h.app, {
    method: 'POST',
    url: '/v1/sandbox/profiles',
    token: org.ownerToken,
    body: { name: `target-${ctx.n}-${randomUUID().slice(0, 8)}`, spec: {} },
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

/** A server quarantined in the organisation (a quarantining profile and one reported violation). */
async function quarantinedServer(ctx: Ctx, org: SeededOrg): Promise<string> {
  const server = `hostile-${ctx.n}-${randomUUID().slice(0, 8)}`;
  const profile = await call(ctx.h.app, {
    method: 'POST',
    url: '/v1/sandbox/profiles',
    token: org.ownerToken,
    body: { name: `q-${server}`, spec: {}, servers: [server], onViolation: 'quarantine' },
  });
  expect(profile.status).toBe(201);
  const report = await call(ctx.h.app, {
    method: 'POST',
    url: '/v1/sandbox/violations',
    token: org.ownerToken,
    body: { server, kind: 'filesystem', source: 'stderr', detail: 'EACCES' },
  });
  expect(report.body.quarantined).toBe(true);
  return server;
}

/** grants:read — approvers and auditors see grants; policy authors do not. */
const GRANT_READERS: readonly Cred[] = ['owner', 'admin', 'approver', 'auditor', 'key:admin', 'key:auditor'];
const grantShared = new Map<string, string>();
async function grantMemo(key: string, make: () => Promise<string>): Promise<string> {
  if (!grantShared.has(key)) grantShared.set(key, await make());
  return grantShared.get(key)!;
}

/** A grant of `org` for one of its agents (libs/grants). */
async function freshGrant(ctx: Ctx, org: SeededOrg): Promise<string> {
  const agent = await grantMemo(`grantee:${org.orgId}`, () => freshAgentName(ctx, org));
  const res = await call(ctx.h.app, {
    method: 'POST',
    url: '/v1/grants',
    token: org.ownerToken,
    body: { agent, server: 'payments', tool: 'refund', reason: `matrix ${ctx.n}` },
  });
  expect(res.status, res.raw).toBe(201);
  return res.body.id;
}

/** A token of a fresh grant of `org` (what a gateway presents to delegate). */
async function freshGrantToken(ctx: Ctx, org: SeededOrg): Promise<string> {
  const id = await freshGrant(ctx, org);
  const res = await call(ctx.h.app, { method: 'POST', url: `/v1/grants/${id}/token`, token: org.ownerToken });
  expect(res.status, res.raw).toBe(201);
  return res.body.token;
}

async function freshGrantTemplate(ctx: Ctx, org: SeededOrg): Promise<string> {
  const res = await call(ctx.h.app, {
    method: 'POST',
    url: '/v1/grant-templates',
    token: org.ownerToken,
    body: { name: `matrix-${randomUUID().slice(0, 8)}`, tool: 'refund', reason: 'matrix' },
  });
  expect(res.status, res.raw).toBe(201);
  return res.body.id;
}

/** Approvals (libs/approvals): approvals:read / approvals:decide; gateways long-poll a request's status. */
const APPROVAL_READERS: readonly Cred[] = [
  'owner',
  'admin',
  'approver',
  'auditor',
  'key:admin',
  'key:auditor',
];
const APPROVAL_DECIDERS: readonly Cred[] = ['owner', 'admin', 'approver', 'key:admin'];
const approvalShared = new Map<string, string>();
async function approvalMemo(key: string, make: () => Promise<string>): Promise<string> {
  if (!approvalShared.has(key)) approvalShared.set(key, await make());
  return approvalShared.get(key)!;
}

/** A pending approval request of the organisation, reviewable by its owner, admin and approver. */
async function freshApproval(ctx: Ctx, org: SeededOrg): Promise<string> {
  await approvalMemo(`approver-group:${org.orgId}`, async () => {
    const res = await call(ctx.h.app, {
      method: 'POST',
      url: '/v1/approver-groups',
      token: org.ownerToken,
      body: {
        name: 'matrix-reviewers',
        memberIds: [org.members.owner.id, org.members.admin.id, org.members.approver.id],
      },
    });
    expect(res.status, res.raw).toBe(201);
    return res.body.id as string;
  });
  const id = randomUUID();
  const hash = `sha256:${randomBytes(32).toString('hex')}`;
  await ctx.h.dataSource.query(
    `INSERT INTO approval_requests (id, org_id, agent_id, agent_name, server, tool, args_hash, arguments,
       requirement, reasons, groups, quorum, mode, decision_id, state, expires_at)
     VALUES ($1, $2, $3, 'matrix-agent', 'payments', 'refund', $4, '{}', '{}', '[]', '{matrix-reviewers}', 1,
       'once', $5, 'pending', now() + interval '1 hour')`,
    [id, org.orgId, randomUUID(), hash, randomUUID()],
  );
  return id;
}

async function freshApproverGroup(ctx: Ctx, org: SeededOrg): Promise<string> {
  const res = await call(ctx.h.app, {
    method: 'POST',
    url: '/v1/approver-groups',
    token: org.ownerToken,
    body: { name: `matrix-group-${randomUUID().slice(0, 8)}` },
  });
  expect(res.status, res.raw).toBe(201);
  return res.body.id as string;
}

async function freshApprovalWebhook(ctx: Ctx, org: SeededOrg): Promise<string> {
  const res = await call(ctx.h.app, {
    method: 'POST',
    url: '/v1/approval-webhooks',
    token: org.ownerToken,
    body: { url: 'http://127.0.0.1:9/matrix-hook' },
  });
  expect(res.status, res.raw).toBe(201);
  return res.body.id as string;
}

/** A dead-lettered webhook delivery (made directly in the database). */
async function freshDeadLetter(ctx: Ctx, org: SeededOrg): Promise<string> {
  const subscription = await approvalMemo(`webhook:${org.orgId}`, () => freshApprovalWebhook(ctx, org));
  const request = await freshApproval(ctx, org);
  const id = randomUUID();
  await ctx.h.dataSource.query(
    `INSERT INTO approval_webhook_deliveries (id, org_id, subscription_id, request_id, event_type, payload, state,
       attempts, finished_at)
     VALUES ($1, $2, $3, $4, 'approval.requested', '{}', 'dead', 8, now())`,
    [id, org.orgId, subscription, request],
  );
  return id;
}

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
  {
    method: 'POST',
    route: '/v1/policies/:id/replay',
    allowed: POLICY_WRITERS,
    ok: 200,
    target: sharedTarget('version', freshVersion),
    body: () => ({ limit: 100 }),
    check: (res, _where, id) => expect(res.body.policy).toMatchObject({ kind: 'version', versionId: id }),
  },
  // The bundle API (libs/policies/src/bundles): `:id` is the organisation; another one's id answers 404.
  {
    method: 'GET',
    route: '/v1/bundles/:id',
    allowed: EVALUATORS,
    ok: 200,
    target: (_c, org) => Promise.resolve(org.orgId),
    check: (res) => expect(res.raw.length).toBeGreaterThan(0),
  },
  {
    method: 'GET',
    route: '/v1/bundles/:id/keys',
    allowed: EVALUATORS,
    ok: 200,
    target: (_c, org) => Promise.resolve(org.orgId),
    check: (res) => expect(res.body.keys[0]).toMatchObject({ kty: 'EC', alg: 'ES256', retiredAt: null }),
  },
  {
    method: 'POST',
    route: '/v1/bundles/:id/keys/rotate',
    allowed: MANAGERS,
    ok: 200,
    target: (_c, org) => Promise.resolve(org.orgId),
    check: (res) => expect(res.body.kid).toEqual(expect.any(String)),
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
  {
    // ToolHive httpv1 compatibility: `:id` is the agent's name.
    method: 'POST',
    route: '/v1/compat/toolhive/agents/:id/decision',
    allowed: EVALUATORS,
    ok: 200,
    otherOk: 200,
    target: sharedTarget('agent-name', freshAgentName),
    body: () => ({
      principal: { sub: 'u-1' },
      operation: 'mcp:tool:call',
      resource: 'mrn:mcp:payments:tool:refund',
      context: { mcp: { args: { orderId: 'A-1' } } },
    }),
    check: (res, where) => {
      expect(res.body.allow).toBe(res.body.decision === 'allow');
      expectVerdicts([res.body], where);
    },
  },

  // The MCP tool catalog (libs/catalog): gateways report; admins approve, block and classify.
  {
    method: 'POST',
    route: '/v1/catalog/report',
    allowed: EVALUATORS,
    ok: 200,
    body: (c) => ({
      server: { name: 'matrix-reported' },
      tools: [{ name: `reported_${c.n}`, inputSchema: { type: 'object' } }],
    }),
    check: (res) => expect(res.body.tools[0]).toMatchObject({ status: 'pending', risk: 'unknown' }),
  },
  { method: 'GET', route: '/v1/catalog/servers', allowed: CATALOG_READERS, ok: 200 },
  {
    method: 'PATCH',
    route: '/v1/catalog/servers/:id',
    allowed: MANAGERS,
    ok: 200,
    target: async (c, org) => (await catalogTool(c, org)).serverId,
    body: () => ({ trustOnFirstUse: false }),
  },
  { method: 'GET', route: '/v1/catalog/tools', allowed: CATALOG_READERS, ok: 200 },
  {
    method: 'GET',
    route: '/v1/catalog/tools/:id',
    allowed: CATALOG_READERS,
    ok: 200,
    target: async (c, org) => (await catalogTool(c, org)).id,
  },
  {
    method: 'POST',
    route: '/v1/catalog/tools/:id/approve',
    allowed: MANAGERS,
    ok: 200,
    target: async (c, org) => (await catalogTool(c, org, true)).id,
    body: (_c, id) => ({ digest: catalogDigests.get(id ?? '') }),
    check: (res) => expect(res.body.status).toBe('approved'),
  },
  {
    method: 'POST',
    route: '/v1/catalog/tools/:id/block',
    allowed: MANAGERS,
    ok: 200,
    target: async (c, org) => (await catalogTool(c, org)).id,
    body: () => ({ reason: 'matrix' }),
  },
  {
    method: 'PUT',
    route: '/v1/catalog/tools/:id/risk',
    allowed: MANAGERS,
    ok: 200,
    target: async (c, org) => (await catalogTool(c, org)).id,
    body: () => ({ risk: 'write' }),
    check: (res) => expect(res.body.risk).toBe('write'),
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
  { method: 'GET', route: '/v1/audit/settings', allowed: AUDIT_READERS, ok: 200 },
  {
    method: 'PATCH',
    route: '/v1/audit/settings',
    allowed: MANAGERS,
    ok: 200,
    body: () => ({ retentionDays: 400 }),
    check: (res) => expect(res.body).toMatchObject({ retentionDays: 400, legalHold: false }),
  },
  {
    method: 'POST',
    route: '/v1/audit/exports',
    allowed: AUDIT_READERS,
    ok: 202,
    body: () => ({ format: 'jsonl', fromSeq: 1, toSeq: 2 }),
    check: (res) => expect(res.body).toMatchObject({ fromSeq: 1, toSeq: 2, total: 2 }),
  },
  {
    method: 'GET',
    route: '/v1/audit/exports/:id',
    allowed: AUDIT_READERS,
    ok: 200,
    target: (c, org) => finishedAuditExport(c, org),
    check: (res) => expect(res.body).toMatchObject({ status: 'done', exported: 2 }),
  },
  {
    method: 'GET',
    route: '/v1/audit/exports/:id/download',
    allowed: AUDIT_READERS,
    ok: 200,
    target: (c, org) => finishedAuditExport(c, org),
    check: (res) => expect(res.raw.trim().split('\n')).toHaveLength(2),
  },
  {
    method: 'GET',
    route: '/v1/audit/exports/:id/manifest',
    allowed: AUDIT_READERS,
    ok: 200,
    target: (c, org) => finishedAuditExport(c, org),
    check: (res, _where, _id, c) => expect(res.body).toMatchObject({ org: c.own.orgId, count: 2 }),
  },
  // Sandbox profiles (libs/sandbox): catalog:read / catalog:write; gateways resolve and report violations.
  {
    method: 'GET',
    route: '/v1/sandbox/profiles',
    allowed: ['owner', 'admin', 'policy_author', 'auditor', 'key:admin', 'key:auditor'],
    ok: 200,
  },
  {
    method: 'POST',
    route: '/v1/sandbox/profiles',
    allowed: MANAGERS,
    ok: 201,
    body: (c) => ({ name: `matrix-${c.n}`, spec: {} }),
  },
  {
    method: 'GET',
    route: '/v1/sandbox/profiles/resolve',
    allowed: EVALUATORS,
    ok: 200,
    query: () => 'server=matrix-server',
  },
  {
    method: 'GET',
    route: '/v1/sandbox/profiles/:id',
    allowed: ['owner', 'admin', 'policy_author', 'auditor', 'key:admin', 'key:auditor'],
    ok: 200,
    target: (c, org) => freshSandboxProfile(c, org),
  },
  {
    method: 'PATCH',
    route: '/v1/sandbox/profiles/:id',
    allowed: MANAGERS,
    ok: 200,
    target: (c, org) => freshSandboxProfile(c, org),
    body: () => ({ description: 'changed' }),
  },
  {
    method: 'DELETE',
    route: '/v1/sandbox/profiles/:id',
    allowed: MANAGERS,
    ok: 204,
    target: (c, org) => freshSandboxProfile(c, org),
  },
  {
    method: 'POST',
    route: '/v1/sandbox/violations',
    allowed: EVALUATORS,
    ok: 201,
    body: () => ({
      server: 'matrix-server',
      kind: 'network',
      source: 'stderr',
      detail: 'connect ECONNREFUSED',
    }),
  },
  {
    method: 'GET',
    route: '/v1/sandbox/quarantines',
    allowed: ['owner', 'admin', 'policy_author', 'auditor', 'key:admin', 'key:auditor'],
    ok: 200,
  },
  {
    method: 'POST',
    route: '/v1/sandbox/quarantines/release',
    allowed: MANAGERS,
    ok: 204,
    target: (c, org) => quarantinedServer(c, org),
    body: (_c, server) => ({ server }),
  },
  // Capability grants (libs/grants): grants:read / grants:write; gateways delegate (decisions:evaluate).
  {
    method: 'POST',
    route: '/v1/grants',
    allowed: MANAGERS,
    ok: 201,
    target: (c, org) => grantMemo(`grantee:${org.orgId}`, () => freshAgentName(c, org)),
    otherOk: 400,
    body: (_c, agent) => ({ agent, server: 'payments', tool: 'refund', reason: 'matrix' }),
  },
  { method: 'GET', route: '/v1/grants', allowed: GRANT_READERS, ok: 200 },
  {
    method: 'GET',
    route: '/v1/grants/:id',
    allowed: GRANT_READERS,
    ok: 200,
    target: (c, org) => grantMemo(`grant:${org.orgId}`, () => freshGrant(c, org)),
    check: (res, _where, id) => expect(res.body).toMatchObject({ id, decisions: [] }),
  },
  {
    method: 'POST',
    route: '/v1/grants/:id/revoke',
    allowed: MANAGERS,
    ok: 200,
    target: freshGrant,
    body: () => ({ reason: 'matrix' }),
    check: (res) => expect(res.body.status).toBe('revoked'),
  },
  {
    method: 'POST',
    route: '/v1/grants/:id/token',
    allowed: MANAGERS,
    ok: 201,
    target: (c, org) => grantMemo(`grant:${org.orgId}`, () => freshGrant(c, org)),
    check: (res) => expect(res.body.token).toEqual(expect.any(String)),
  },
  {
    method: 'POST',
    route: '/v1/grants/delegate',
    allowed: EVALUATORS,
    ok: 201,
    target: freshGrantToken,
    otherOk: 400,
    setup: async (c) => {
      await grantMemo(`delegate:${c.own.orgId}`, () => freshAgentName(c, c.own));
    },
    body: (c, token) => ({
      parentToken: token,
      agent: grantShared.get(`delegate:${c.own.orgId}`),
      reason: 'matrix',
    }),
    check: (res, where) => {
      if (where === 'other') expect(res.body.details.reason).toBe('grant_token_invalid');
      else expect(res.body.grant.parentId).toEqual(expect.any(String));
    },
  },
  {
    method: 'POST',
    route: '/v1/grants/keys/rotate',
    allowed: MANAGERS,
    ok: 200,
    check: (res) => expect(res.body.kid).toEqual(expect.any(String)),
  },
  {
    method: 'POST',
    route: '/v1/grant-templates',
    allowed: MANAGERS,
    ok: 201,
    body: (c) => ({ name: `matrix-template-${c.n}`, tool: 'refund', reason: 'matrix' }),
  },
  { method: 'GET', route: '/v1/grant-templates', allowed: GRANT_READERS, ok: 200 },
  {
    method: 'GET',
    route: '/v1/grant-templates/:id',
    allowed: GRANT_READERS,
    ok: 200,
    target: (c, org) => grantMemo(`template:${org.orgId}`, () => freshGrantTemplate(c, org)),
  },
  {
    method: 'PATCH',
    route: '/v1/grant-templates/:id',
    allowed: MANAGERS,
    ok: 200,
    target: (c, org) => grantMemo(`template:${org.orgId}`, () => freshGrantTemplate(c, org)),
    body: (c) => ({ maxUses: c.n }),
  },
  {
    method: 'POST',
    route: '/v1/grant-templates/:id/instantiate',
    allowed: MANAGERS,
    ok: 201,
    target: (c, org) => grantMemo(`template:${org.orgId}`, () => freshGrantTemplate(c, org)),
    setup: async (c) => {
      await grantMemo(`grantee:${c.own.orgId}`, () => freshAgentName(c, c.own));
    },
    body: (c) => ({ agents: [grantShared.get(`grantee:${c.own.orgId}`)] }),
    check: (res) => expect(res.body.grants).toHaveLength(1),
  },
  // Approvals (libs/approvals).
  { method: 'GET', route: '/v1/approvals', allowed: APPROVAL_READERS, ok: 200 },
  {
    method: 'GET',
    route: '/v1/approvals/:id',
    allowed: APPROVAL_READERS,
    ok: 200,
    target: (c, org) => approvalMemo(`approval:${org.orgId}`, () => freshApproval(c, org)),
    check: (res, _where, id) => expect(res.body).toMatchObject({ id, state: 'pending', votes: [] }),
  },
  {
    method: 'GET',
    route: '/v1/approvals/:id/status',
    allowed: EVALUATORS,
    ok: 200,
    target: (c, org) => approvalMemo(`approval:${org.orgId}`, () => freshApproval(c, org)),
    check: (res, _where, id) => expect(res.body).toMatchObject({ id, state: 'pending' }),
  },
  {
    method: 'POST',
    route: '/v1/approvals/:id/approve',
    allowed: APPROVAL_DECIDERS,
    membersOnly: true,
    ok: 200,
    target: freshApproval,
    body: () => ({ reason: 'matrix' }),
    check: (res) => expect(res.body.state).toBe('approved'),
  },
  {
    method: 'POST',
    route: '/v1/approvals/:id/deny',
    allowed: APPROVAL_DECIDERS,
    membersOnly: true,
    ok: 200,
    target: freshApproval,
    body: () => ({ reason: 'matrix' }),
    check: (res) => expect(res.body.state).toBe('denied'),
  },
  {
    method: 'POST',
    route: '/v1/approvals/:id/cancel',
    allowed: APPROVAL_DECIDERS,
    ok: 200,
    target: freshApproval,
    body: () => ({}),
    check: (res) => expect(res.body.state).toBe('cancelled'),
  },
  {
    method: 'POST',
    route: '/v1/approvals/batch',
    allowed: APPROVAL_DECIDERS,
    ok: 200,
    body: () => ({ ids: [randomUUID()], vote: 'deny' }),
    check: (res) =>
      expect(res.body.results).toMatchObject([{ ok: false, error: { code: expect.any(String) } }]),
  },
  { method: 'GET', route: '/v1/approver-groups', allowed: APPROVAL_READERS, ok: 200 },
  {
    method: 'POST',
    route: '/v1/approver-groups',
    allowed: MANAGERS,
    ok: 201,
    body: (c) => ({ name: `matrix-${c.n}-${randomUUID().slice(0, 8)}` }),
  },
  {
    method: 'PUT',
    route: '/v1/approver-groups/:id/members',
    allowed: MANAGERS,
    ok: 200,
    target: (c, org) => approvalMemo(`group:${org.orgId}`, () => freshApproverGroup(c, org)),
    body: (c) => ({ memberIds: [c.own.members.approver.id] }),
  },
  {
    method: 'DELETE',
    route: '/v1/approver-groups/:id',
    allowed: MANAGERS,
    ok: 204,
    target: freshApproverGroup,
  },
  { method: 'GET', route: '/v1/approval-webhooks', allowed: MANAGERS, ok: 200 },
  {
    method: 'POST',
    route: '/v1/approval-webhooks',
    allowed: MANAGERS,
    ok: 201,
    body: () => ({ url: 'http://127.0.0.1:9/matrix', format: 'slack' }),
    check: (res) => expect(res.body.secret).toMatch(/^whsec_/),
  },
  {
    method: 'DELETE',
    route: '/v1/approval-webhooks/:id',
    allowed: MANAGERS,
    ok: 204,
    target: freshApprovalWebhook,
  },
  { method: 'GET', route: '/v1/approval-webhooks/dead-letters', allowed: MANAGERS, ok: 200 },
  {
    method: 'POST',
    route: '/v1/approval-webhooks/dead-letters/:id/replay',
    allowed: MANAGERS,
    ok: 200,
    target: freshDeadLetter,
    check: (res) => expect(res.body.state).toBe('pending'),
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
  { method: 'GET', route: /^\/\.well-known\/jwks\.json$/ },
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
