/**
 * Benchmarks of Mandate's Rego compiler (prints figures; no assertions):
 * - compile time (warm p50/p90) of bench/mcp-governance.rego (376 lines, ~100 rules);
 * - evaluation latency p50/p99 and throughput of the same policy's `mandate/decision` through
 *   @open-policy-agent/opa-wasm, input passed as JSON text (ArrayBuffer), as the decision API does.
 *
 *   npm run bench:rego [-- --compiles N --evals N --level L]   (L = binaryen level of the generated code)
 */
import opa from '@open-policy-agent/opa-wasm';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compile } from '../src/index';
import { runBuiltinsBench } from './bench-rego-builtins';

const REPO = resolve(__dirname, '..', '..', '..', '..');
const POLICY_FILE = join(REPO, 'libs', 'rego', 'bench', 'mcp-governance.rego');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const INPUTS = [
  {
    phase: 'call',
    agent: { id: 'a1', name: 'coder', labels: { env: 'dev', kind: 'assistant' }, trust: 3, owner: 'u1' },
    principal: { id: 'u1', email: 'ann@example.com', groups: ['dev'] },
    server: { id: 's1', name: 'filesystem', url: 'stdio://fs' },
    tool: {
      name: 'read_file',
      digest: 'sha256:ab',
      pinned: true,
      changed: false,
      risk: 'read',
      annotations: {},
    },
    arguments: { path: '/workspace/src/main.ts' },
    findings: [],
    grants: [],
    context: { hour: 10, ip: '10.0.0.5', gateway: 'gw1', session: 's', request_id: 'r1' },
  },
  {
    phase: 'call',
    agent: { id: 'a2', name: 'ops-bot', labels: { env: 'prod', kind: 'ci' }, trust: 2, owner: 'u2' },
    principal: null,
    server: { id: 's2', name: 'github', url: 'https://mcp.github' },
    tool: { name: 'force_push', digest: 'sha256:cd', pinned: true, changed: false, annotations: {} },
    arguments: { repo: 'corp/infra', branch: 'main' },
    findings: [{ detector: 'shell', path: 'arguments.branch', severity: 'medium', detail: ';' }],
    grants: [{ tool: 'force_push', server: 's2', uses: 1, max_uses: 3 }],
    context: { hour: 22, ip: '10.0.0.9', gateway: 'gw1', session: 's', request_id: 'r2' },
  },
  {
    phase: 'call',
    agent: { id: 'a3', name: 'payer', labels: { env: 'prod' }, trust: 4, owner: 'u3' },
    principal: { id: 'u3', email: 'bo@example.com', groups: ['finance'] },
    server: { id: 's3', name: 'web', url: 'https://pay' },
    tool: {
      name: 'http_post',
      digest: 'sha256:ef',
      pinned: true,
      changed: false,
      risk: 'external',
      annotations: {},
    },
    arguments: { url: 'https://api.github.com/repos', amount: 250 },
    findings: [],
    grants: [{ tool: 'http_post', server: 's3', uses: 0, max_uses: 10, remaining_budget: 1000 }],
    context: { hour: 14, ip: '10.0.0.7', gateway: 'gw2', session: 's', request_id: 'r3' },
  },
];

async function main(): Promise<void> {
  const source = readFileSync(POLICY_FILE, 'utf8');
  const lines = source.split('\n').length;
  const modules = { 'mcp-governance.rego': source };
  const entrypoints = ['mandate/decision'];
  const optimizeLevel = process.argv.includes('--level') ? arg('--level', 0) : undefined;

  // Compile time.
  const compiles = arg('--compiles', 20);
  for (let i = 0; i < 3; i++) await compile({ modules, entrypoints, optimizeLevel });
  const compileMs: number[] = [];
  for (let i = 0; i < compiles; i++) {
    const t0 = performance.now();
    await compile({ modules, entrypoints, optimizeLevel });
    compileMs.push(performance.now() - t0);
  }
  compileMs.sort((a, b) => a - b);
  const out = await compile({ modules, entrypoints, optimizeLevel });
  process.stdout.write(
    `compile ${lines}-line policy: p50 ${percentile(compileMs, 50).toFixed(1)} ms, p90 ${percentile(compileMs, 90).toFixed(1)} ms ` +
      `(${compiles} warm runs; module ${out.wasm.length} bytes)\n`,
  );

  // Evaluation.
  const policy = await opa.loadPolicy(out.wasm, undefined, out.builtins);
  policy.setData({});
  const texts = INPUTS.map((input) => new TextEncoder().encode(JSON.stringify(input)).buffer);
  for (const [i, text] of texts.entries()) {
    const rs = policy.evaluate(text, 'mandate/decision') as { result: { allow: boolean; deny: string[] } }[];
    process.stdout.write(
      `  input ${i}: allow=${String(rs[0]?.result.allow)} deny=${JSON.stringify(rs[0]?.result.deny)}\n`,
    );
  }
  const evals = arg('--evals', 30000);
  for (let i = 0; i < 3000; i++) policy.evaluate(texts[i % texts.length], 'mandate/decision');
  const lat = new Float64Array(evals);
  const started = process.hrtime.bigint();
  for (let i = 0; i < evals; i++) {
    const t0 = process.hrtime.bigint();
    policy.evaluate(texts[i % texts.length], 'mandate/decision');
    lat[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const totalS = Number(process.hrtime.bigint() - started) / 1e9;
  const sorted = Array.from(lat).sort((a, b) => a - b);
  process.stdout.write(
    `evaluate mandate/decision (${evals} evaluations, 3 inputs): p50 ${percentile(sorted, 50).toFixed(1)} µs, ` +
      `p99 ${percentile(sorted, 99).toFixed(1)} µs, throughput ${(evals / totalS).toFixed(0)} evals/s\n`,
  );
}

// Then the builtins benchmark: regex/JWT policy vs the same policy without them (bench-rego-builtins.ts).
main()
  .then(() => runBuiltinsBench(process.argv))
  .catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
