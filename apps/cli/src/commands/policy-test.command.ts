import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { RegoCompileError, runPolicyTests, type PolicyCoverage, type PolicyTestResult } from '@mandate/rego';
import { CliUsageError, type CliCommand, type CliContext, type CliIo } from '../cli-command';

/** The Rego sources and data of a policy directory. */
export interface PolicyDir {
  /** Rego text by path (the directory joined with the file's path below it). */
  modules: Record<string, string>;
  /** Each module's path relative to the directory, `/`-separated (its name inside a bundle). */
  relativeNames: Record<string, string>;
  /** Every `data.json` under the directory, merged at its directory's path (as OPA loads data files). */
  data: Record<string, unknown>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeInto(target: Record<string, unknown>, value: Record<string, unknown>, where: string): void {
  for (const [key, v] of Object.entries(value)) {
    const existing = target[key];
    if (existing === undefined) target[key] = v;
    else if (isObject(existing) && isObject(v)) mergeInto(existing, v, `${where}.${key}`);
    else throw new Error(`data conflict at ${where}.${key}: defined by more than one data.json`);
  }
}

async function walk(dir: string, found: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path, found);
    else if (entry.isFile() && (entry.name.endsWith('.rego') || entry.name === 'data.json')) found.push(path);
  }
}

/** Loads every `.rego` file and every `data.json` under `dir` (recursively, in name order). */
export async function loadPolicyDir(dir: string): Promise<PolicyDir> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new CliUsageError(`${dir} is not a directory`);
  const files: string[] = [];
  await walk(dir, files);
  const result: PolicyDir = { modules: {}, relativeNames: {}, data: {} };
  for (const file of files) {
    const rel = relative(dir, file).split(sep).join('/');
    const text = await readFile(file, 'utf8');
    if (file.endsWith('.rego')) {
      result.modules[file] = text;
      result.relativeNames[file] = rel;
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new Error(`${file}: invalid JSON: ${(error as Error).message}`);
    }
    const prefix = rel.split('/').slice(0, -1);
    if (prefix.length === 0 && !isObject(value))
      throw new Error(`${file}: the root data.json must hold an object`);
    const wrapped = prefix.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
    mergeInto(result.data, wrapped as Record<string, unknown>, 'data');
  }
  return result;
}

/** Prints compile errors as `file:row:col: code: message`. */
export function printCompileErrors(io: CliIo, error: RegoCompileError): void {
  for (const e of error.errors) io.err(`${e.file}:${e.row}:${e.col}: ${e.code}: ${e.message}`);
}

function location(r: PolicyTestResult): string {
  return `${r.location.file}:${r.location.row}`;
}

function formatMs(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(0)}µs` : `${ms.toFixed(1)}ms`;
}

function printCoverage(io: CliIo, coverage: PolicyCoverage): void {
  io.out('');
  io.out('Rule coverage (a rule is covered when its body produced a value in at least one test):');
  for (const [file, c] of Object.entries(coverage.files).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const total = c.covered.length + c.notCovered.length;
    const missing = c.notCovered.length > 0 ? `; not covered: rows ${c.notCovered.join(', ')}` : '';
    io.out(`  ${file}: ${c.covered.length}/${total} rule rows covered${missing}`);
  }
  io.out(`  total: ${coverage.coveredRules}/${coverage.totalRules} rule definitions (${coverage.percent}%)`);
}

/**
 * `mandate policy test <dir> [--run REGEX] [--json] [--coverage]`: runs the `test_` rules of every `.rego`
 * file under dir (with its `data.json` files as data) like `opa test`.
 */
export class PolicyTestCommand implements CliCommand {
  readonly name = 'test';
  readonly summary = 'Run the test_ rules of the Rego files under a directory';
  readonly usage = [
    'Usage: mandate policy test <dir> [--run REGEX] [--json] [--coverage]',
    '',
    'Compiles every .rego file under <dir> (recursively; data.json files are loaded as data) and evaluates',
    'each rule whose name starts with test_: it passes when its value is true. Exit code 1 when a test',
    'fails or errs, when no test is found, or when the policy does not compile.',
    '',
    '  --run REGEX   run only tests whose full name (data.<package>.<rule>) matches REGEX',
    '  --json        print the results (and coverage) as JSON',
    '  --coverage    report which rule definitions produced a value during the tests',
  ].join('\n');

  async run(args: string[], context: CliContext): Promise<number> {
    const { values, positionals } = parse(args);
    if (positionals.length !== 1) throw new CliUsageError('expected exactly one directory');
    let run: RegExp | undefined;
    if (values.run !== undefined) {
      try {
        run = new RegExp(values.run);
      } catch (error) {
        throw new CliUsageError(`--run: ${(error as Error).message}`);
      }
    }
    const { io } = context;
    const dir = await loadPolicyDir(positionals[0]);
    if (Object.keys(dir.modules).length === 0) {
      io.err(`no .rego files under ${positionals[0]}`);
      return 1;
    }
    let report;
    try {
      report = await runPolicyTests({ modules: dir.modules, data: dir.data, run, coverage: values.coverage });
    } catch (error) {
      if (!(error instanceof RegoCompileError)) throw error;
      if (values.json) io.out(JSON.stringify({ errors: error.errors }, null, 2));
      else printCompileErrors(io, error);
      return 1;
    }
    const { results } = report;
    const failed = results.filter((r) => !r.pass && r.error === undefined).length;
    const errored = results.filter((r) => r.error !== undefined).length;
    if (values.json) {
      io.out(JSON.stringify(report, null, 2));
    } else {
      for (const r of results) {
        if (r.pass) io.out(`PASS ${r.name} (${formatMs(r.durationMs)})  ${location(r)}`);
        else if (r.error !== undefined) io.out(`ERROR ${r.name}  ${location(r)}: ${r.error}`);
        else io.out(`FAIL ${r.name}  ${location(r)}: ${r.failReason ?? 'failed'}`);
      }
      io.out('-'.repeat(80));
      if (results.length === 0) io.out('no tests found');
      else {
        io.out(`PASS: ${results.length - failed - errored}/${results.length}`);
        if (failed > 0) io.out(`FAIL: ${failed}/${results.length}`);
        if (errored > 0) io.out(`ERROR: ${errored}/${results.length}`);
      }
      if (report.coverage) printCoverage(io, report.coverage);
    }
    return results.length > 0 && failed === 0 && errored === 0 ? 0 : 1;
  }
}

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        run: { type: 'string' },
        json: { type: 'boolean', default: false },
        coverage: { type: 'boolean', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
}
