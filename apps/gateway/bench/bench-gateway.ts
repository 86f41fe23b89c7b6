/**
 * Gateway overhead per allowed call (prints figures; no assertions):
 *   npm run bench:gateway [-- --calls 500 --warmup 50]
 *
 * Mandate runs as its own process (`dist/apps/server/src/main.js`) on a fresh database of the machine's
 * PostgreSQL (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres), set up with
 * `mandate init` and the admin API: an agent, a gateway key and a policy that allows `echo`. Then, one call
 * at a time from a real MCP SDK client over stdio:
 *   1. direct:  client → server-everything (stdio)                    — the upstream's own cost;
 *   2. gateway: client → mandate-gateway (a child process, stdio) → server-everything (stdio), with a
 *      `phase: call` decision before and a `phase: result` decision after each call (loopback HTTP),
 *      once with `resultDecision: gate` (the client waits for the result decision) and once with
 *      `background` (it does not).
 * It prints p50/p90/p99/mean of each, the overhead (gateway − direct), and the decision API alone
 * (`POST /v1/decisions`, the same request) for the breakdown. The database is dropped at the end.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { gatewayEnvironment, testEnvironment } from '@mandate/config';
import { Client as PgClient } from 'pg';

const root = resolve(__dirname, '..', '..', '..', '..');
const EVERYTHING = join(root, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const GATEWAY_MAIN = join(root, 'dist/apps/gateway/src/main.js');
const SERVER_MAIN = join(root, 'dist/apps/server/src/main.js');
const CLI_MAIN = join(root, 'dist/apps/cli/src/main.js');

const POLICY = `package mandate

default allow := false

allow if input.phase in {"list", "result"}

allow if {
	input.phase == "call"
	input.tool.name == "echo"
}

decision := {"allow": allow, "deny": [], "require_approval": null, "obligations": {}}
`;

interface Ready {
  port: number;
  adminKey: string;
  ownerId: string;
}

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/* ----------------------------------------------------------------- Mandate in its own process */

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolveListen) => probe.listen(0, '127.0.0.1', () => resolveListen()));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolveClose) => probe.close(resolveClose));
  return port;
}

/** `mandate init` (migrates, creates the organisation, an owner and an admin key), then the server. */
async function startMandate(dbUrl: string): Promise<{ ready: Ready; child: ChildProcess }> {
  const parent = gatewayEnvironment();
  const env: Record<string, string> = {
    PATH: parent.variable('PATH') ?? '',
    DATABASE_URL: dbUrl,
    LOG_LEVEL: 'warn',
  };
  const init = await promisify(execFile)(
    process.execPath,
    [CLI_MAIN, 'init', '--org', 'Gateway Bench', '--owner-email', 'gw@example.com', '--json'],
    { env },
  );
  const boot = JSON.parse(init.stdout) as { owner: { id: string }; apiKey: string };
  const port = await freePort();
  const child = spawn(process.execPath, [SERVER_MAIN], {
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; ; i += 1) {
    if (child.exitCode !== null) throw new Error(`the Mandate server exited (${child.exitCode})`);
    const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (i > 600) throw new Error('the Mandate server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { ready: { port, adminKey: boot.apiKey, ownerId: boot.owner.id }, child };
}

/* ----------------------------------------------------------------- parent: the driver */

async function api(
  base: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function stats(samples: number[]): { p50: number; p90: number; p99: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return {
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
  };
}

const ms = (v: number) => `${v.toFixed(2)} ms`;

async function timeCalls(n: number, warmup: number, once: () => Promise<void>): Promise<number[]> {
  for (let i = 0; i < warmup; i += 1) await once();
  const out: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const started = performance.now();
    await once();
    out.push(performance.now() - started);
  }
  return out;
}

async function mcpClient(command: string, args: string[], env?: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command, args, env, stderr: 'ignore' }));
  return client;
}

function print(label: string, s: ReturnType<typeof stats>): void {
  console.log(
    `${label.padEnd(44)} p50 ${ms(s.p50).padStart(10)}  p90 ${ms(s.p90).padStart(10)}  p99 ${ms(s.p99).padStart(10)}  mean ${ms(s.mean).padStart(10)}`,
  );
}

async function main(): Promise<void> {
  const calls = option('--calls', 500);
  const warmup = option('--warmup', 50);
  const adminUrl = testEnvironment().databaseUrl;
  const dbName = `bench_gateway_${randomBytes(4).toString('hex')}`;
  const admin = new PgClient({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-gateway-'));
  let child: ChildProcess | undefined;
  const clients: Client[] = [];
  try {
    const dbUrl = new URL(adminUrl);
    dbUrl.pathname = `/${dbName}`;
    const mandate = await startMandate(dbUrl.toString());
    child = mandate.child;
    const ready = mandate.ready;
    const base = `http://127.0.0.1:${ready.port}`;
    await api(base, ready.adminKey, 'POST', '/v1/agents', { name: 'bench-agent', ownerId: ready.ownerId });
    const key = (
      await api(base, ready.adminKey, 'POST', '/v1/api-keys', {
        name: 'bench-gw',
        scopes: ['decisions:evaluate'],
      })
    ).key as string;
    await api(base, ready.adminKey, 'PUT', '/v1/policies/draft', { files: { 'policy.rego': POLICY } });
    const version = await api(base, ready.adminKey, 'POST', '/v1/policies/versions', {});
    await api(base, ready.adminKey, 'POST', `/v1/policies/versions/${String(version.id)}/activate`, {});

    writeFileSync(join(dir, 'key'), key, { mode: 0o600 });
    for (const mode of ['gate', 'background']) {
      writeFileSync(
        join(dir, `gateway-${mode}.json`),
        JSON.stringify({
          mandate: { url: base, apiKeyFile: 'key' },
          agent: { name: 'bench-agent' },
          listen: { stdio: true },
          resultDecision: mode,
          upstreams: [
            {
              name: 'everything',
              transport: 'stdio',
              command: process.execPath,
              args: [EVERYTHING, 'stdio'],
            },
          ],
        }),
      );
    }

    const direct = await mcpClient(process.execPath, [EVERYTHING, 'stdio']);
    clients.push(direct);
    const viaGateway = await mcpClient(process.execPath, [
      GATEWAY_MAIN,
      '--config',
      join(dir, 'gateway-gate.json'),
    ]);
    clients.push(viaGateway);
    const viaBackground = await mcpClient(process.execPath, [
      GATEWAY_MAIN,
      '--config',
      join(dir, 'gateway-background.json'),
    ]);
    clients.push(viaBackground);
    await viaBackground.listTools();
    const listed = await viaGateway.listTools();
    if (!listed.tools.some((t) => t.name === 'everything__echo'))
      throw new Error('the gateway does not list everything__echo');

    const echo = (client: Client, name: string) => async () => {
      const result = await client.callTool({ name, arguments: { message: 'bench' } });
      if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
    };
    const decisionBody = {
      agent: 'bench-agent',
      server: { name: 'everything', url: 'stdio://everything' },
      // The upstream's own definition (the gateway shows it under the namespaced name).
      tool: {
        name: 'echo',
        definition: { ...listed.tools.find((t) => t.name === 'everything__echo'), name: 'echo' },
      },
      arguments: { message: 'bench' },
      phase: 'call',
    };
    const decide = async () => {
      const answer = await api(base, key, 'POST', '/v1/decisions', decisionBody);
      if (answer.decision !== 'allow') throw new Error(`the decision was ${String(answer.decision)}`);
    };

    console.log(
      `gateway overhead per allowed call: ${calls} sequential calls after ${warmup} warm-up calls each`,
    );
    console.log(
      `load average before: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    const d = stats(await timeCalls(calls, warmup, echo(direct, 'echo')));
    const g = stats(await timeCalls(calls, warmup, echo(viaGateway, 'everything__echo')));
    const b = stats(await timeCalls(calls, warmup, echo(viaBackground, 'everything__echo')));
    const api1 = stats(await timeCalls(calls, warmup, decide));
    print('direct: client → server-everything', d);
    print('gateway (resultDecision gate)', g);
    print('gateway (resultDecision background)', b);
    print('decision API alone (POST /v1/decisions)', api1);
    console.log(
      `overhead, gate (call + result decisions on the path): p50 ${ms(g.p50 - d.p50)}, p99 ${ms(g.p99 - d.p99)}, mean ${ms(g.mean - d.mean)}`,
    );
    console.log(
      `overhead, background (call decision on the path):    p50 ${ms(b.p50 - d.p50)}, p99 ${ms(b.p99 - d.p99)}, mean ${ms(b.mean - d.mean)}`,
    );
    console.log(
      `load average after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await Promise.allSettled(clients.map((c) => c.close()));
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
