/**
 * Benchmark of grant look-up on the decision path (prints figures; no assertions):
 *   npm run bench:grants [-- --seconds 8 --connections 32 --matching 10]
 *
 * A child process runs the real, built server (dist/apps/server/src/main.js) on a fresh database of the machine's PostgreSQL
 * (BENCH_DATABASE_URL or TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres). This
 * process creates two organisations with `mandate init` (one keeps no grants), an agent in each, activates a policy that allows every call without consuming grants (so only
 * the look-up is measured, not consumption), drives `POST /v1/decisions` with autocannon with NO grants in
 * the organisation, then inserts 10,000 live grants (`--matching` of them, 1 or 10 (default), covering the measured call, with argument
 * constraints; the rest for 1,000 other agents, label selectors and patterns) and drives it again. It also
 * times the in-memory look-up itself (index + constraint validation). The database is dropped at the end.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { Client } from 'pg';
import type { ActiveGrant } from '../src/matching/active-grant';
import { GrantIndex } from '../src/matching/grant-index';
import { constraintsKey, constraintsValidator } from '../src/shared/grant-spec';

// A benchmark script, not the service: it picks its scratch database the way the test suite does.
// eslint-disable-next-line no-restricted-syntax
const BENCH_URL = process.env.BENCH_DATABASE_URL;
const ADMIN_URL =
  BENCH_URL ??
  // eslint-disable-next-line no-restricted-syntax
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';
const TOTAL_GRANTS = 10_000;
const CONSTRAINTS = {
  properties: { repo: { const: 'acme/web' }, amount: { maximum: 100 } },
  required: ['amount'],
};

interface Ready {
  port: number;
  /** Two organisations: the first keeps 0 grants, the second gets 10,000. */
  orgs: Array<{ orgId: string; adminKey: string; ownerId: string }>;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The repository root (this file runs from dist/libs/grants/bench). */
const REPO = resolve(__dirname, '..', '..', '..', '..');
const SERVER_MAIN = join(REPO, 'dist', 'apps', 'server', 'src', 'main.js');
const CLI_MAIN = join(REPO, 'dist', 'apps', 'cli', 'src', 'main.js');

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

async function waitForReady(port: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the server did not become ready');
}

/** `mandate init --json` on the bench database: a new organisation with its owner and admin key. */
async function initOrg(dbUrl: string, label: string): Promise<Ready['orgs'][number]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      CLI_MAIN,
      'init',
      '--org',
      `Grants Bench ${label}`,
      '--owner-email',
      `bench-${label}@example.com`,
      '--json',
    ],
    { env: { ...childEnv(), DATABASE_URL: dbUrl, LOG_LEVEL: 'warn' } },
  );
  const out = JSON.parse(stdout.trim().split('\n').pop()!) as {
    org: { id: string };
    owner: { id: string };
    apiKey: string;
  };
  return { orgId: out.org.id, adminKey: out.apiKey, ownerId: out.owner.id };
}

/** The environment children inherit (PATH and the like; the bench sets the database and port). */
function childEnv(): Record<string, string> {
  // eslint-disable-next-line no-restricted-syntax -- passing the environment through to child processes
  return { ...process.env } as Record<string, string>;
}

async function http<T = Record<string, unknown>>(
  port: number,
  method: string,
  path: string,
  key: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text.length > 0 ? JSON.parse(text) : undefined) as T;
}

const POLICY = `package mandate

decision := {
	"allow": input.phase == "call",
	"deny": [],
	"require_approval": null,
	"obligations": {"consume_grants": [], "grants_seen": count(input.grants)},
}
`;

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  non2xx: number;
}

async function drive(
  port: number,
  key: string,
  body: string,
  seconds: number,
  connections: number,
): Promise<Figures> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/v1/decisions`,
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body,
    connections,
    duration: seconds,
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    mean: result.latency.average,
    non2xx: result.non2xx,
  };
}

async function insertGrants(dbUrl: string, orgId: string, agentId: string, matching: number): Promise<void> {
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  try {
    const rows: unknown[][] = [];
    const add = (
      agent: string | null,
      selector: unknown,
      tool: string | null,
      pattern: string | null,
      constraints: unknown,
    ) =>
      rows.push([
        randomUUID(),
        orgId,
        agent,
        selector === null ? null : JSON.stringify(selector),
        'payments',
        tool,
        pattern,
        constraints === null ? null : JSON.stringify(constraints),
      ]);
    // The grants covering the measured call: 10 = 6 exact (with constraints), 2 patterns, 2 label
    // selectors; 1 = one exact grant with constraints.
    const many = matching >= 10;
    for (let i = 0; i < (many ? 6 : 1); i++) add(agentId, null, 'refund', null, CONSTRAINTS);
    for (let i = 0; i < (many ? 2 : 0); i++) add(agentId, null, null, 'ref*', null);
    for (let i = 0; i < (many ? 2 : 0); i++)
      add(null, { team: 'bench' }, 'refund', null, { properties: { amount: { maximum: 1000 + i } } });
    // Everything else: 1,000 other agents with ~9 grants each, other tools, and selectors for other teams.
    const others = Array.from({ length: 1000 }, () => randomUUID());
    let n = 0;
    while (rows.length < TOTAL_GRANTS) {
      n += 1;
      if (n % 50 === 0) add(null, { team: `team-${n}` }, 'refund', null, null);
      else if (n % 7 === 0) add(agentId, null, `tool_${n}`, null, null);
      else
        add(
          others[n % others.length],
          null,
          n % 3 ? 'refund' : `tool_${n}`,
          n % 11 ? null : 'ref*',
          n % 2 ? CONSTRAINTS : null,
        );
    }
    for (let i = 0; i < rows.length; i += 1000) {
      const chunk = rows.slice(i, i + 1000);
      const cols = (k: number) => chunk.map((r) => r[k]);
      await client.query(
        `INSERT INTO grants (id, org_id, agent_id, agent_selector, server, tool, tool_pattern, constraints, reason,
                             issuer_type, issuer_id)
         SELECT id, org_id, agent_id, agent_selector, server,
                CASE WHEN tool_pattern IS NULL THEN tool END, tool_pattern, constraints, 'bench', 'system', 'bench'
           FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::jsonb[], $5::text[], $6::text[], $7::text[], $8::jsonb[])
             AS t(id, org_id, agent_id, agent_selector, server, tool, tool_pattern, constraints)`,
        [cols(0), cols(1), cols(2), cols(3), cols(4), cols(5), cols(6), cols(7)],
      );
    }
    await client.query(
      `INSERT INTO grant_heads (org_id, version) VALUES ($1, 1)
       ON CONFLICT (org_id) DO UPDATE SET version = grant_heads.version + 1`,
      [orgId],
    );
    await client.query(`SELECT pg_notify('mandate_grants_changed', $1)`, [JSON.stringify({ orgId })]);
  } finally {
    await client.end();
  }
}

/** The in-memory look-up alone: index probe + constraint validation, over a 10,000-grant index. */
function microLookup(): { usPerLookup: number; matched: number } {
  const agent = randomUUID();
  const grants: ActiveGrant[] = [];
  const base = (over: Partial<ActiveGrant>): ActiveGrant => ({
    id: randomUUID(),
    agentId: null,
    agentSelector: null,
    server: 'payments',
    tool: 'refund',
    toolPattern: null,
    constraints: null,
    constraintsKey: null,
    notBefore: null,
    expiresAt: null,
    maxUses: 10,
    uses: 0,
    budget: null,
    ancestorIds: [],
    ...over,
  });
  for (let i = 0; i < 6; i++)
    grants.push(
      base({ agentId: agent, constraints: CONSTRAINTS, constraintsKey: constraintsKey(CONSTRAINTS) }),
    );
  for (let i = 0; i < 2; i++) grants.push(base({ agentId: agent, tool: null, toolPattern: 'ref*' }));
  for (let i = 0; i < 2; i++) grants.push(base({ agentSelector: { team: 'bench' } }));
  while (grants.length < TOTAL_GRANTS) grants.push(base({ agentId: randomUUID() }));
  const index = new GrantIndex(grants);
  const args = { repo: 'acme/web', amount: 10 };
  let matched = 0;
  const lookup = () => {
    const found = index.match(
      { agentId: agent, labels: { team: 'bench' } },
      'payments',
      'refund',
      Date.now(),
    );
    matched = 0;
    for (const g of found) {
      if (
        g.constraints &&
        !(
          constraintsValidator(g.constraints, g.constraintsKey!) as { validate: (a: unknown) => boolean }
        ).validate(args)
      )
        continue;
      matched += 1;
    }
  };
  for (let i = 0; i < 10_000; i++) lookup();
  const n = 200_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) lookup();
  return { usPerLookup: Number(process.hrtime.bigint() - start) / 1000 / n, matched };
}

async function main(): Promise<void> {
  const seconds = arg('--seconds', 5);
  const matching = arg('--matching', 10) >= 10 ? 10 : 1;
  const connections = arg('--connections', 32);
  const name = `mandate_bench_grants_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const dbUrl = databaseUrl(name);
  const port = await freePort();
  const child = spawn(process.execPath, [SERVER_MAIN], {
    env: { ...childEnv(), DATABASE_URL: dbUrl, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitForReady(port);
    const ready: Ready = { port, orgs: [await initOrg(dbUrl, 'none'), await initOrg(dbUrl, 'many')] };
    const body = JSON.stringify({
      agent: 'bench-agent',
      server: { name: 'payments' },
      tool: { name: 'refund' },
      arguments: { repo: 'acme/web', amount: 10 },
      phase: 'call',
    });
    const agentIds: string[] = [];
    for (const org of ready.orgs) {
      const key = org.adminKey;
      const agent = await http<{ id: string }>(port, 'POST', '/v1/agents', key, {
        name: 'bench-agent',
        ownerId: org.ownerId,
        labels: { team: 'bench' },
      });
      agentIds.push(agent.id);
      await http(port, 'PUT', '/v1/policies/draft', key, { files: { 'policy.rego': POLICY } });
      const version = await http<{ id: string }>(port, 'POST', '/v1/policies/versions', key, {
        message: 'bench',
      });
      await http(port, 'POST', `/v1/policies/versions/${version.id}/activate`, key, {
        force: true,
        reason: 'bench policy has no tests',
      });
    }
    const [none, many] = ready.orgs as [Ready['orgs'][number], Ready['orgs'][number]];
    await insertGrants(dbUrl, many.orgId, agentIds[1], matching);
    await new Promise((r) => setTimeout(r, 1500));
    const check = async (key: string, expected: number) => {
      const out = await http<{ decision: string; obligations: { grants_seen?: number } }>(
        port,
        'POST',
        '/v1/decisions',
        key,
        JSON.parse(body),
      );
      if (out.decision !== 'allow' || out.obligations.grants_seen !== expected)
        throw new Error(`unexpected decision: ${JSON.stringify(out)}`);
    };
    await check(none.adminKey, 0);
    await check(many.adminKey, matching);
    await drive(port, none.adminKey, body, 2, connections); // warm-up
    await drive(port, many.adminKey, body, 2, connections);
    // Alternate the two organisations so drifting load on a shared machine hits both alike.
    const rounds = arg('--rounds', 3);
    const results: Array<{ without: Figures; withGrants: Figures }> = [];
    for (let i = 0; i < rounds; i++) {
      const without = await drive(port, none.adminKey, body, seconds, connections);
      const withGrants = await drive(port, many.adminKey, body, seconds, connections);
      results.push({ without, withGrants });
    }
    const micro = microLookup();
    const pct = (a: number, b: number) => ((b - a) / a) * 100;
    const fmt = (f: Figures) =>
      `${f.rps.toFixed(0)} decisions/s, p50 ${f.p50} ms, p99 ${f.p99} ms, mean ${f.mean.toFixed(2)} ms, non-2xx ${f.non2xx}`;
    console.log(
      `grant look-up benchmark (${rounds} rounds × ${seconds} s per organisation, ${connections} connections, ${matching} of ${TOTAL_GRANTS} grants covering the call)`,
    );
    results.forEach((r, i) => {
      console.log(`  round ${i + 1}  0 grants:      ${fmt(r.without)}`);
      console.log(`  round ${i + 1}  ${TOTAL_GRANTS} grants: ${fmt(r.withGrants)}`);
    });
    const overheads = results.map((r) => pct(r.without.mean, r.withGrants.mean)).sort((a, b) => a - b);
    const median = overheads[Math.floor(overheads.length / 2)];
    console.log(
      `  mean-latency overhead of 10,000 grants per round: ${overheads.map((o) => `${o.toFixed(1)} %`).join(', ')} (median ${median.toFixed(1)} %)`,
    );
    const meanLatencyUs = (results.reduce((sum, r) => sum + r.without.mean, 0) / results.length) * 1000;
    console.log(
      `  in-memory look-up (index + constraints, ${micro.matched} of ${TOTAL_GRANTS} match): ${micro.usPerLookup.toFixed(2)} µs per decision = ${((micro.usPerLookup / meanLatencyUs) * 100).toFixed(3)} % of the mean decision latency measured here`,
    );
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
