/**
 * OPA conformance runner for Mandate's Rego → Wasm compiler.
 *
 *   npm run conformance -- [--dir DIR] [--json FILE] [--filter S] [--timeout MS] [--update-floor] [--verbose]
 *
 * Loads every YAML case under DIR (default ../shared/conformance/opa next to the repo), skips the cases
 * scope.json marks out of scope, compiles each case's modules with its query as the plan, loads the module
 * with @open-policy-agent/opa-wasm, sets data, evaluates input and compares with the expectations. Cases run in
 * a worker thread with a time limit. Exits 1 when a suite's pass count drops below floor.json.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { parse as parseYaml } from 'yaml';
import type { CaseOutcome, ConformanceCase } from './conformance-case';
import { judge, type CaseStatus } from './result-judge';

interface Args {
  dir: string;
  /** The default directory: only then are suites compared with (or written to) floor.json. */
  defaultDir: boolean;
  json?: string;
  filter?: string;
  timeoutMs: number;
  updateFloor: boolean;
  verbose: boolean;
}

interface CaseResult {
  suite: string;
  category: string;
  file: string;
  note: string;
  status: CaseStatus | 'skip';
  stage?: string;
  code?: string;
  reason?: string;
  ms?: number;
}

const REPO = resolve(__dirname, '..', '..', '..', '..');
const FLOOR_FILE = join(REPO, 'libs', 'rego', 'conformance', 'floor.json');

function parseArgs(argv: string[]): Args {
  const args: Args = {
    dir: resolve(REPO, '..', 'shared', 'conformance', 'opa'),
    defaultDir: true,
    timeoutMs: 10_000,
    updateFloor: false,
    verbose: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--dir') {
      args.dir = resolve(value());
      args.defaultDir = false;
    } else if (a === '--json') args.json = resolve(value());
    else if (a === '--filter') args.filter = value();
    else if (a === '--timeout') args.timeoutMs = Number(value());
    else if (a === '--update-floor') args.updateFloor = true;
    else if (a === '--verbose') args.verbose = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (/\.ya?ml$/.test(name)) out.push(path);
  }
  return out;
}

function loadScope(dir: string): Map<string, boolean> {
  const scope = new Map<string, boolean>();
  const path = join(dir, 'scope.json');
  if (!existsSync(path)) return scope;
  const rows = JSON.parse(readFileSync(path, 'utf8')) as { file: string; note: string; in_scope: boolean }[];
  for (const row of rows) scope.set(`${row.file}\u0000${row.note}`, row.in_scope);
  return scope;
}

/** Runs cases one at a time in a worker; a case over the time limit terminates the worker (a new one follows). */
class CaseRunner {
  private worker: Worker | undefined;
  private nextId = 0;

  constructor(private readonly timeoutMs: number) {}

  private spawn(): Worker {
    this.worker ??= new Worker(join(__dirname, 'case.worker.js'));
    return this.worker;
  }

  run(tc: ConformanceCase): Promise<CaseOutcome> {
    const worker = this.spawn();
    const id = this.nextId++;
    return new Promise((resolvePromise) => {
      const done = (outcome: CaseOutcome): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        resolvePromise(outcome);
      };
      const onMessage = (msg: { id: number; outcome: CaseOutcome }): void => {
        if (msg.id === id) done(msg.outcome);
      };
      const onError = (err: Error): void => {
        this.worker = undefined;
        done({ ok: false, stage: 'crash', message: err.message });
      };
      const onExit = (): void => {
        this.worker = undefined;
        done({ ok: false, stage: 'crash', message: 'worker exited' });
      };
      const timer = setTimeout(() => {
        this.worker = undefined;
        worker.off('exit', onExit);
        void worker.terminate();
        done({ ok: false, stage: 'timeout', message: `no answer within ${this.timeoutMs} ms` });
      }, this.timeoutMs);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage({ id, tc });
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
  }
}

interface Tally {
  pass: number;
  fail: number;
  error: number;
  skip: number;
}

const emptyTally = (): Tally => ({ pass: 0, fail: 0, error: 0, skip: 0 });

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const scope = loadScope(args.dir);
  const runner = new CaseRunner(args.timeoutMs);
  const results: CaseResult[] = [];
  try {
    for (const path of yamlFiles(args.dir)) {
      const file = relative(args.dir, path).split('\\').join('/');
      const parts = file.split('/');
      const suite = parts[0];
      const category = parts.length > 2 ? parts[1] : parts[parts.length - 1].replace(/\.ya?ml$/, '');
      const doc = parseYaml(readFileSync(path, 'utf8'), { intAsBigInt: false }) as {
        cases?: ConformanceCase[];
      } | null;
      for (const tc of doc?.cases ?? []) {
        const key = `${file}\u0000${tc.note}`;
        if (args.filter && !`${file} ${tc.note}`.includes(args.filter)) continue;
        if (scope.get(key) === false) {
          results.push({ suite, category, file, note: tc.note, status: 'skip' });
          continue;
        }
        const started = Date.now();
        const outcome = await runner.run(tc);
        const verdict = judge(tc, outcome);
        const result: CaseResult = {
          suite,
          category,
          file,
          note: tc.note,
          status: verdict.status,
          reason: verdict.reason,
          ms: Date.now() - started,
        };
        if (!outcome.ok) {
          result.stage = outcome.stage;
          result.code = outcome.code;
        }
        results.push(result);
        if (args.verbose && verdict.status !== 'pass') {
          process.stdout.write(
            `${verdict.status.toUpperCase()} ${file} :: ${tc.note}\n  ${verdict.reason ?? ''}\n`,
          );
        }
      }
    }
  } finally {
    await runner.close();
  }

  const bySuite = new Map<string, Tally>();
  const byCategory = new Map<string, Tally>();
  for (const r of results) {
    const s = bySuite.get(r.suite) ?? emptyTally();
    s[r.status]++;
    bySuite.set(r.suite, s);
    const ck = `${r.suite}/${r.category}`;
    const c = byCategory.get(ck) ?? emptyTally();
    c[r.status]++;
    byCategory.set(ck, c);
  }
  const line = (name: string, t: Tally): string =>
    `${name.padEnd(48)} pass ${String(t.pass).padStart(4)}  fail ${String(t.fail).padStart(4)}  error ${String(t.error).padStart(4)}  skip ${String(t.skip).padStart(4)}`;
  for (const [name, t] of [...byCategory].sort(([a], [b]) => (a < b ? -1 : 1)))
    process.stdout.write(`${line(name, t)}\n`);
  process.stdout.write('\n');
  const total = emptyTally();
  for (const [name, t] of bySuite) {
    process.stdout.write(`${line(`TOTAL ${name}`, t)}\n`);
    total.pass += t.pass;
    total.fail += t.fail;
    total.error += t.error;
    total.skip += t.skip;
  }
  process.stdout.write(`${line('TOTAL', total)}\n`);

  const stages = new Map<string, number>();
  for (const r of results) {
    if (r.status !== 'error') continue;
    const k = `${r.stage ?? '?'}${r.code ? ` ${r.code}` : ''}`;
    stages.set(k, (stages.get(k) ?? 0) + 1);
  }
  if (stages.size > 0) {
    process.stdout.write(`\nerrors by stage: ${[...stages].map(([k, n]) => `${k}=${n}`).join(', ')}\n`);
  }

  // Every case that did not pass, with its reason (the first lines of it; --verbose prints them as they run).
  const notPassed = results.filter((r) => r.status === 'fail' || r.status === 'error');
  if (notPassed.length > 0) {
    process.stdout.write(`\ncases that did not pass (${notPassed.length}):\n`);
    for (const r of notPassed) {
      const reason = (r.reason ?? '').split('\n').slice(0, 3).join(' | ').slice(0, 300);
      process.stdout.write(`  ${r.status.toUpperCase()} ${r.file} :: ${r.note}\n      ${reason}\n`);
    }
  }

  if (args.json) writeFileSync(args.json, `${JSON.stringify(results, null, 1)}\n`);

  const floor = existsSync(FLOOR_FILE)
    ? (JSON.parse(readFileSync(FLOOR_FILE, 'utf8')) as Record<string, number>)
    : {};
  const floorApplies = args.defaultDir && !args.filter;
  if (args.updateFloor && floorApplies) {
    const next: Record<string, number> = {};
    for (const [name, t] of bySuite) next[name] = t.pass;
    writeFileSync(FLOOR_FILE, `${JSON.stringify(next, null, 2)}\n`);
    process.stdout.write(`floor updated: ${JSON.stringify(next)}\n`);
    return 0;
  }
  let below = false;
  if (floorApplies) {
    for (const [name, min] of Object.entries(floor)) {
      const got = bySuite.get(name)?.pass ?? 0;
      if (got < min) {
        process.stdout.write(`REGRESSION: suite ${name} passes ${got} cases, floor is ${min}\n`);
        below = true;
      }
    }
  }
  return below ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 2;
  },
);
