/**
 * Benchmark of the decision API over HTTP (prints figures; no assertions):
 *   npm run bench:decisions [-- --seconds 10 --connections 50]
 *
 * A child process runs the real server (createApp) on a fresh database of the machine's PostgreSQL
 * (BENCH_DATABASE_URL or TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres) and, on a
 * second port, a bare Fastify endpoint answering a constant. This process creates an organisation, a
 * gateway key and an agent, activates libs/rego/bench/mcp-governance.rego (a ~100-rule policy) through the
 * admin API, drives `POST /v1/decisions` with autocannon, then the bare endpoint, and checks that every 2xx
 * decision is in the `decisions` table. The database is dropped at the end.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OrganisationService } from '@mandate/identity';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { Client } from 'pg';
import { createApp } from '../apps/server/src/create-app';

const REPO = resolve(__dirname, '..', '..');
const ADMIN_URL =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';

interface Ready {
  apiPort: number;
  barePort: number;
  orgId: string;
  adminKey: string;
  ownerId: string;
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

/* ----------------------------------------------------------------- child: the servers under test */

async function serve(dbUrl: string): Promise<void> {
  const app = await createApp({ env: { DATABASE_URL: dbUrl, LOG_LEVEL: 'warn' } });
  await app.listen(0, '127.0.0.1');
  const boot = await app
    .get(OrganisationService)
    .bootstrap({ name: 'Bench Org', ownerEmail: 'bench@example.com' });
  const bare = Fastify({ logger: false });
  bare.post('/bare', () => ({ decision: 'allow', reasons: [] }));
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const apiAddress = app.getHttpServer().address() as { port: number };
  const bareAddress = bare.server.address() as { port: number };
  const ready: Ready = {
    apiPort: apiAddress.port,
    barePort: bareAddress.port,
    orgId: boot.org.id,
    adminKey: boot.apiKey.key,
    ownerId: boot.owner.id,
  };
  process.send?.(ready);
  process.on('message', (message) => {
    if (message === 'stop') {
      void Promise.all([app.close(), bare.close()]).then(() => process.exit(0));
    }
  });
}

/* ----------------------------------------------------------------- parent: the driver */

async function http(
  port: number,
  method: string,
  path: string,
  key: string,
  body?: unknown,
): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text.length > 0 ? JSON.parse(text) : undefined;
}

const TOOLS = [
  { name: 'read_file', args: { path: '/workspace/src/main.ts' } },
  {
    name: 'write_file',
    args: { path: '/workspace/out/report.md', content: 'Quarterly report\n'.repeat(20) },
  },
  {
    name: 'run_command',
    args: { command: 'npm', args: ['test', '--', '--reporter=dot'], cwd: '/workspace' },
  },
  { name: 'fetch_url', args: { url: 'https://api.example.com/v1/orders?limit=50', method: 'GET' } },
  { name: 'query_db', args: { sql: 'SELECT id, total FROM orders WHERE customer_id = $1', params: [42] } },
];

function bodies(): string[] {
  return TOOLS.map((tool, i) =>
    JSON.stringify({
      agent: 'bench-agent',
      principal: { id: 'user-1', email: 'ann@example.com', groups: ['dev', 'payments'] },
      server: { name: i % 2 === 0 ? 'filesystem' : 'platform', url: 'https://mcp.example.com/mcp' },
      tool: {
        name: tool.name,
        definition: {
          name: tool.name,
          description: `The ${tool.name} tool`,
          inputSchema: { type: 'object', properties: { path: { type: 'string' } } },
          annotations: { readOnlyHint: tool.name === 'read_file' },
        },
      },
      arguments: tool.args,
      phase: 'call',
      context: { session: `session-${i}` },
    }),
  );
}

function summary(label: string, result: autocannon.Result): void {
  console.log(
    `${label.padEnd(22)} ${result.requests.average.toFixed(0).padStart(7)} req/s   ` +
      `p50 ${result.latency.p50.toFixed(2)} ms   p99 ${result.latency.p99.toFixed(2)} ms   ` +
      `2xx ${result['2xx']}  non-2xx ${result.non2xx}  errors ${result.errors}  timeouts ${result.timeouts}`,
  );
}

async function drive(): Promise<void> {
  const seconds = arg('--seconds', 10);
  const connections = arg('--connections', 50);
  const dbName = `mandate_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  let child: ChildProcess | undefined;
  try {
    child = fork(__filename, ['--serve', databaseUrl(dbName)], { stdio: 'inherit' });
    const ready = await new Promise<Ready>((resolveReady, reject) => {
      child?.once('message', (m) => resolveReady(m as Ready));
      child?.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const { apiPort, barePort, adminKey, ownerId, orgId } = ready;
    const gateway = (await http(apiPort, 'POST', '/v1/api-keys', adminKey, {
      name: 'bench-gateway',
      scopes: ['decisions:evaluate'],
    })) as { key: string };
    await http(apiPort, 'POST', '/v1/agents', adminKey, { name: 'bench-agent', ownerId, trustLevel: 2 });
    const policy = readFileSync(join(REPO, 'libs', 'rego', 'bench', 'mcp-governance.rego'), 'utf8');
    await http(apiPort, 'PUT', '/v1/policies/draft', adminKey, { files: { 'policy.rego': policy } });
    const version = (await http(apiPort, 'POST', '/v1/policies/versions', adminKey, {})) as { id: string };
    await http(apiPort, 'POST', `/v1/policies/versions/${version.id}/activate`, adminKey, {
      force: true,
      reason: 'benchmark',
    });

    const payloads = bodies();
    const headers = { authorization: `Bearer ${gateway.key}`, 'content-type': 'application/json' };
    const sample = (await http(apiPort, 'POST', '/v1/decisions', gateway.key, JSON.parse(payloads[0]))) as {
      decision: string;
      policyRevision: number;
    };
    console.log(`policy revision ${sample.policyRevision}; sample decision: ${sample.decision}`);
    // Warm-up (JIT, pools, policy cache).
    await autocannon({
      url: `http://127.0.0.1:${apiPort}`,
      connections: 10,
      duration: 2,
      requests: payloads.map((body) => ({ method: 'POST', path: '/v1/decisions', headers, body })),
    });
    const before = await countDecisions(dbName, orgId);
    const decisions = await autocannon({
      url: `http://127.0.0.1:${apiPort}`,
      connections,
      duration: seconds,
      requests: payloads.map((body) => ({ method: 'POST', path: '/v1/decisions', headers, body })),
    });
    const recorded = (await countDecisions(dbName, orgId)) - before;
    const bare = await autocannon({
      url: `http://127.0.0.1:${barePort}`,
      connections,
      duration: seconds,
      requests: [{ method: 'POST', path: '/bare', headers, body: payloads[0] }],
    });
    console.log(
      `\n${connections} connections, ${seconds} s each, loopback, client and server on this machine`,
    );
    summary('POST /v1/decisions', decisions);
    summary('bare Fastify POST', bare);
    console.log(`ratio decisions/bare: ${(decisions.requests.average / bare.requests.average).toFixed(3)}`);
    console.log(
      `recorded: ${recorded} rows for ${decisions['2xx']} 2xx decisions` +
        (recorded >= decisions['2xx'] ? ' (every 2xx decision is recorded)' : ' — MISSING ROWS'),
    );
  } finally {
    child?.send('stop');
    await new Promise((r) => setTimeout(r, 1000));
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

async function countDecisions(dbName: string, orgId: string): Promise<number> {
  const client = new Client({ connectionString: databaseUrl(dbName) });
  await client.connect();
  try {
    const rows = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM decisions WHERE org_id = $1 AND reasons::text NOT LIKE '%record_failed%'`,
      [orgId],
    );
    return Number(rows.rows[0].n);
  } finally {
    await client.end();
  }
}

if (process.argv[2] === '--serve') {
  serve(process.argv[3]).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  drive().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
