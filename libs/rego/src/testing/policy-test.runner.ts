import opa from '@open-policy-agent/opa-wasm';
import type { Location } from '../ast/ast';
import type { HostBuiltin } from '../host/host-builtins';
import { compileWithCoverage, PROBE_BUILTIN, PROBE_MARKER, type CoverageProbe } from './coverage.compiler';
import { findTestRules, type TestRule } from './test-rule.finder';

export interface PolicyTestOptions {
  /** Rego sources (tests and the policy under test) by file name. */
  modules: Record<string, string>;
  /** Base document `data` for the tests (default `{}`). */
  data?: unknown;
  /** Runs only tests whose full name (`data.pkg.test_x`) matches (a string is a regular expression). */
  run?: RegExp | string;
  /** Measures rule coverage (see PolicyCoverage); compiles an instrumented module. */
  coverage?: boolean;
}

export interface PolicyTestResult {
  /** `data.<package>.<rule>`. */
  name: string;
  location: Location;
  /** True when the rule evaluated to `true`. */
  pass: boolean;
  /** Why a test without an error failed: its value was undefined or not `true`. */
  failReason?: string;
  /** Evaluation error (conflict, runtime error), with file:row:col when the runtime reports one. */
  error?: string;
  durationMs: number;
}

/** Rule coverage of one file (rows are 1-based; each row is the head row of a rule definition). */
export interface FileCoverage {
  /** Rows of rules whose body succeeded at least once while the tests ran. */
  covered: number[];
  /** Rows of rules whose body never succeeded while the tests ran. */
  notCovered: number[];
}

/**
 * Rule coverage: every rule definition (each `else` branch and each function definition counts on its own;
 * `test_` rules and rules of files named `*_test.rego` are left out) is "covered" when its body succeeded for
 * at least one binding during at least one test, i.e. the definition produced a value. This is rule-level,
 * not expression-level coverage: a covered rule may still contain expressions no test exercised.
 */
export interface PolicyCoverage {
  files: Record<string, FileCoverage>;
  coveredRules: number;
  totalRules: number;
  /** coveredRules / totalRules × 100 (100 when there are no rules). */
  percent: number;
}

export interface PolicyTestReport {
  results: PolicyTestResult[];
  coverage?: PolicyCoverage;
}

type LoadedPolicy = Awaited<ReturnType<typeof opa.loadPolicy>>;

function matcher(run: RegExp | string | undefined): (name: string) => boolean {
  if (run === undefined) return () => true;
  const re = typeof run === 'string' ? new RegExp(run) : run;
  return (name) => {
    re.lastIndex = 0;
    return re.test(name);
  };
}

function describeValue(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : describeValue(error);
}

function runOne(policy: LoadedPolicy, test: TestRule): PolicyTestResult {
  const started = performance.now();
  const base = { name: test.name, location: test.location };
  try {
    const rs = policy.evaluate(undefined, test.entrypoint) as { result?: unknown }[];
    const durationMs = performance.now() - started;
    if (rs.length === 0) return { ...base, pass: false, failReason: 'undefined', durationMs };
    const value = rs[0].result;
    if (value === true) return { ...base, pass: true, durationMs };
    return { ...base, pass: false, failReason: `value ${describeValue(value)}, want true`, durationMs };
  } catch (error) {
    return { ...base, pass: false, error: errorText(error), durationMs: performance.now() - started };
  }
}

function summarise(probes: CoverageProbe[], hits: Set<number>): PolicyCoverage {
  const files: Record<string, FileCoverage> = {};
  let covered = 0;
  for (const probe of probes) {
    const file = (files[probe.location.file] ??= { covered: [], notCovered: [] });
    if (hits.has(probe.id)) {
      covered += 1;
      file.covered.push(probe.location.row);
    } else {
      file.notCovered.push(probe.location.row);
    }
  }
  for (const file of Object.values(files)) {
    file.covered = [...new Set(file.covered)].sort((a, b) => a - b);
    // A row with several definitions (e.g. one-line else branches) is "not covered" only if none ran.
    file.notCovered = [...new Set(file.notCovered)]
      .filter((r) => !file.covered.includes(r))
      .sort((a, b) => a - b);
  }
  const total = probes.length;
  return {
    files,
    coveredRules: covered,
    totalRules: total,
    percent: total === 0 ? 100 : Math.round((covered / total) * 1000) / 10,
  };
}

/**
 * Runs the `test_` rules of the modules like `opa test`: every single-value rule whose name starts with
 * `test_`, in any package, is a test; it passes when its value is `true` (undefined or any other value fails;
 * an evaluation error is reported as the test's error). All tests are compiled once, as entrypoints of one
 * module, and evaluated one by one with no input. Throws RegoCompileError when the modules do not compile.
 */
export async function runPolicyTests(options: PolicyTestOptions): Promise<PolicyTestReport> {
  const selected = findTestRules(options.modules).filter((t) => matcher(options.run)(t.name));
  if (selected.length === 0) return { results: [] };
  const entrypoints = selected.map((t) => t.entrypoint);
  const compiled = await compileWithCoverage({
    modules: options.modules,
    entrypoints,
    instrument: options.coverage === true,
  });
  const hits = new Set<number>();
  const builtins: Record<string, HostBuiltin> = { ...compiled.builtins };
  if (compiled.probes) {
    builtins[PROBE_BUILTIN] = (message: unknown) => {
      if (typeof message === 'string' && message.startsWith(PROBE_MARKER)) {
        hits.add(Number(message.slice(PROBE_MARKER.length)));
      }
      return true;
    };
  }
  const policy = await opa.loadPolicy(compiled.wasm, undefined, builtins);
  policy.setData(options.data ?? {});
  const results = selected.map((test) => runOne(policy, test));
  return compiled.probes ? { results, coverage: summarise(compiled.probes, hits) } : { results };
}
