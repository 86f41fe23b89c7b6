/**
 * Benchmark of impact replay (prints figures; no assertions):
 *   npm run bench:replay [-- --decisions 100000]
 *
 * On a fresh, migrated database of the machine's PostgreSQL (BENCH_DATABASE_URL or TEST_DATABASE_URL,
 * default postgres://postgres@127.0.0.1:5432/postgres): compiles libs/rego/bench/mcp-governance.rego (a
 * ~100-rule policy) as the live policy, records 32 decisions (4 agents × 8 tools, full input documents,
 * answered by that policy), multiplies them with SQL into N recorded decisions (agents and times varied),
 * saves a changed draft and times PolicyReplayService.replay('draft', {limit: N}) — the work behind
 * `POST /v1/policies/draft/replay`. The database is dropped at the end.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { migrateDatabase } from '@mandate/db';
import type { Principal } from '@mandate/identity';
import { PolicyCompiler, PolicyModuleReader } from '@mandate/policies';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../../migrations';
import { outcomeOf } from '../src/evaluation/decision-outcome';
import { WasmPolicy } from '../src/policy/wasm-policy';
import { PolicyReplayService } from '../src/replay/policy-replay.service';

const REPO = resolve(__dirname, '..', '..', '..', '..');
// A benchmark script, not the app: it picks its scratch database like the test suite does.
// eslint-disable-next-line no-restricted-syntax
const BENCH_ENV = process.env;
const ADMIN_URL =
  BENCH_ENV.BENCH_DATABASE_URL ??
  BENCH_ENV.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

const TOOLS: Array<[string, string, Record<string, unknown>]> = [
  ['filesystem', 'read_file', { path: '/workspace/src/main.ts' }],
  [
    'filesystem',
    'write_file',
    { path: '/workspace/out/report.md', content: 'Quarterly report\n'.repeat(20) },
  ],
  ['filesystem', 'delete_file', { path: '/workspace/tmp/cache.bin' }],
  ['github', 'create_issue', { repo: 'acme/api', title: 'Flaky test', body: 'It fails on CI'.repeat(5) }],
  ['github', 'list_issues', { repo: 'acme/api', state: 'open' }],
  ['web', 'http_get', { url: 'https://api.example.com/v1/orders?limit=50' }],
  ['web', 'send_email', { to: 'ops@example.com', subject: 'Report', body: 'See attached' }],
  ['postgres', 'drop_table', { table: 'orders_archive' }],
];

/** An input document as the decision pipeline builds it (the brief's contract). */
function inputDocument(
  agent: number,
  server: string,
  tool: string,
  args: Record<string, unknown>,
  n: number,
) {
  return {
    phase: 'call',
    agent: {
      id: randomUUID(),
      name: `agent-${agent}`,
      labels: { env: agent % 2 === 0 ? 'prod' : 'dev', team: 'platform' },
      trust: agent,
      owner: randomUUID(),
      enabled: true,
    },
    principal: { id: 'u-1', email: 'ann@example.com', groups: agent === 3 ? ['sre'] : ['dev'] },
    server: { id: randomUUID(), name: server, url: 'https://mcp.example.com/mcp' },
    tool: {
      name: tool,
      digest: `sha256:${randomBytes(32).toString('hex')}`,
      pinned: agent !== 0,
      changed: false,
      risk: 'unknown',
      annotations: { readOnlyHint: tool.startsWith('read') || tool.startsWith('list') },
    },
    arguments: args,
    findings: [],
    grants: [],
    approval: null,
    context: {
      time: new Date().toISOString(),
      ip: '10.0.0.7',
      gateway: randomUUID(),
      session: `session-${n}`,
      request_id: randomUUID(),
      trace_id: null,
    },
  };
}

async function main(): Promise<void> {
  const total = arg('--decisions', 100_000);
  const dbName = `mandate_bench_replay_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const url = databaseUrl(dbName);
  const dataSource = new DataSource({ type: 'postgres', url, poolSize: 4 });
  try {
    await migrateDatabase(url, MIGRATIONS);
    await dataSource.initialize();
    const orgId = randomUUID();
    await dataSource.query(`INSERT INTO organisations (id, name, slug) VALUES ($1, 'Bench Org', $2)`, [
      orgId,
      `bench-${randomBytes(3).toString('hex')}`,
    ]);
    const compiler = new PolicyCompiler();
    const policy = readFileSync(join(REPO, 'libs', 'rego', 'bench', 'mcp-governance.rego'), 'utf8');
    const live = await compiler.compile({ 'policy.rego': policy });
    if (!live.ok) throw new Error(`the live policy does not compile: ${JSON.stringify(live.errors)}`);
    const livePolicy = await WasmPolicy.load(live.wasm, 'mandate/decision');

    // The recorded templates: what the live policy answered for each (agent, tool).
    let n = 0;
    for (let agent = 0; agent < 4; agent += 1) {
      for (const [server, tool, args] of TOOLS) {
        n += 1;
        const input = JSON.stringify(inputDocument(agent, server, tool, args, n));
        const outcome = outcomeOf(livePolicy.evaluate(input));
        await dataSource.query(
          `INSERT INTO decisions (id, org_id, decided_at, agent_id, agent_name, server, tool, phase, decision,
                                  reasons, obligations, input, policy_revision, latency_us, api_key_id, request_id)
           VALUES ($1, $2, now(), NULL, $3, $4, $5, 'call', $6, $7::jsonb, $8::jsonb, $9::jsonb, 1, 50, NULL, $10)`,
          [
            randomUUID(),
            orgId,
            `agent-${agent}`,
            server,
            tool,
            outcome.decision,
            JSON.stringify(outcome.reasons),
            JSON.stringify(outcome.obligations),
            input,
            `template-${n}`,
          ],
        );
      }
    }
    const seedStarted = Date.now();
    // Each template copied ceil(total / templates) times, half a second apart, agent names varied.
    await dataSource.query(
      `INSERT INTO decisions (id, org_id, decided_at, agent_id, agent_name, server, tool, phase, decision, reasons,
                              obligations, input, policy_revision, latency_us, api_key_id, request_id, facts)
       SELECT gen_random_uuid(), d.org_id, now() - make_interval(secs => g * 0.5 + d.seq), d.agent_id,
              d.agent_name || '-' || (g % 50), d.server, d.tool, d.phase, d.decision, d.reasons, d.obligations,
              jsonb_set(d.input, '{agent,name}', to_jsonb(d.agent_name || '-' || (g % 50))),
              d.policy_revision, d.latency_us, d.api_key_id, 'bench-' || g, d.facts
         FROM (SELECT *, row_number() OVER () AS seq FROM decisions) d
        CROSS JOIN generate_series(1, $1::int) g
        LIMIT $2`,
      [Math.ceil(total / n), total - n],
    );
    await dataSource.query('ANALYZE decisions');
    const [{ count }] = await dataSource.query<Array<{ count: string }>>(
      'SELECT count(*) AS count FROM decisions',
    );
    console.log(`seeded ${count} decisions (${n} templates) in ${Date.now() - seedStarted} ms`);

    // The draft: unpinned definitions are tolerated, the web server is no longer known, and trust 2
    // counts as trusted (was ≥ 3).
    const draftSource = policy
      .replace('deny contains "tool definition is not pinned" if not input.tool.pinned', '')
      .replace('"web": true', '"web": false')
      .replace('trusted_agent if input.agent.trust >= 3', 'trusted_agent if input.agent.trust >= 2');
    const draft = await compiler.compile({ 'policy.rego': draftSource });
    if (!draft.ok) throw new Error(`the draft does not compile: ${JSON.stringify(draft.errors)}`);
    await dataSource.query(
      `INSERT INTO policy_drafts (org_id, files, valid, errors, wasm, updated_by_type, updated_by_id)
       VALUES ($1, $2::jsonb, true, '[]', $3, 'system', 'bench')`,
      [orgId, JSON.stringify({ 'policy.rego': draftSource }), Buffer.from(draft.wasm)],
    );
    const replays = new PolicyReplayService(dataSource, new PolicyModuleReader(dataSource));
    const principal: Principal = {
      kind: 'member',
      orgId,
      memberId: null,
      apiKeyId: null,
      email: null,
      roles: [],
      permissions: new Set(),
    };
    for (const label of ['first run', 'second run']) {
      const started = process.hrtime.bigint();
      const report = await replays.replay(principal, 'draft', {
        limit: Math.min(total, 100_000),
        since: new Date(Date.now() - 30 * 86_400_000),
      });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const read = report.evaluated + report.skipped;
      console.log(
        `replay (${label}): ${report.evaluated} evaluated + ${report.skipped} skipped in ${ms.toFixed(0)} ms ` +
          `(${Math.round((read / ms) * 1000)} decisions/s); ${report.changed} changed ` +
          `${JSON.stringify(report.transitions)}; truncated ${report.truncated}`,
      );
    }
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
