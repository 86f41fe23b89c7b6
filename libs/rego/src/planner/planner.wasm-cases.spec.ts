import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compileModules } from '../compiler/compile-modules';
import { plan } from './planner';
import { IrInterpreter, TEST_BUILTINS } from './testing/ir-interpreter';

/**
 * OPA's Wasm suite run through front end + planner + the reference IR interpreter (no code generator).
 * Cases needing builtins the test interpreter lacks, or expecting errors, are skipped here; the full
 * pipeline's conformance runner covers them.
 */
// The shared conformance data sits next to the repository (as for `npm run conformance`).
const DIR = resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'conformance', 'opa', 'wasm');

interface Case {
  note: string;
  query: string;
  modules?: string[];
  data?: unknown;
  input?: unknown;
  want_result?: Record<string, unknown>[];
  want_defined?: boolean;
  want_error?: string;
  want_error_code?: string;
  input_term?: string;
  sort_bindings?: boolean;
}

function canon(v: unknown, sortArrays: boolean): string {
  if (Array.isArray(v)) {
    const items = v.map((x) => canon(x, sortArrays));
    if (sortArrays) items.sort();
    return `[${items.join(',')}]`;
  }
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canon((v as Record<string, unknown>)[k], sortArrays)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

interface CaseOutcome {
  status: 'pass' | 'fail' | 'skip';
  detail?: string;
}

function runCase(tc: Case): CaseOutcome {
  if (tc.want_error_code !== undefined && tc.want_error === undefined) tc.want_error = tc.want_error_code;
  if (tc.input_term !== undefined) {
    try {
      tc.input = JSON.parse(tc.input_term);
    } catch {
      return { status: 'skip', detail: 'input_term' };
    }
  }
  const modules: Record<string, string> = {};
  (tc.modules ?? []).forEach((m, i) => (modules[`mod${i}.rego`] = m));
  let policy;
  try {
    policy = plan(compileModules({ modules, query: tc.query }));
  } catch (e) {
    if (tc.want_error !== undefined) return { status: 'pass' };
    // Custom builtins exist only in OPA's test host.
    if (String(e).includes('undefined function custom_')) return { status: 'skip', detail: 'custom builtin' };
    return { status: 'fail', detail: `compile/plan: ${String(e)}` };
  }
  const missing = policy.builtins.filter((b) => TEST_BUILTINS[b.name] === undefined);
  if (missing.length > 0) return { status: 'skip', detail: missing.map((b) => b.name).join(',') };
  let rs: unknown[];
  try {
    rs = new IrInterpreter(policy).run('eval', tc.input, tc.data ?? {});
  } catch (e) {
    if (tc.want_error !== undefined) return { status: 'pass' };
    return { status: 'fail', detail: `eval: ${String(e)}` };
  }
  if (tc.want_error !== undefined)
    return { status: 'fail', detail: `expected error, got ${JSON.stringify(rs)}` };
  if (tc.want_defined !== undefined) {
    return rs.length > 0 === tc.want_defined
      ? { status: 'pass' }
      : { status: 'fail', detail: JSON.stringify(rs) };
  }
  const want = (tc.want_result ?? []).map((r) => canon(r, tc.sort_bindings === true)).sort();
  const got = rs.map((r) => canon(r, tc.sort_bindings === true)).sort();
  return JSON.stringify(want) === JSON.stringify(got)
    ? { status: 'pass' }
    : { status: 'fail', detail: `want ${want.join(' ')} got ${got.join(' ')}` };
}

describe.skipIf(!existsSync(DIR))(
  "OPA's Wasm cases through the planner and the reference IR interpreter",
  () => {
    const files = existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith('.yaml')) : [];
    let passed = 0;
    for (const file of files) {
      const cases = (parse(readFileSync(join(DIR, file), 'utf8')) as { cases: Case[] }).cases;
      it(file, () => {
        const failures: string[] = [];
        for (const tc of cases) {
          const r = runCase(tc);
          if (r.status === 'fail') failures.push(`${tc.note}: ${r.detail ?? ''}`);
          if (r.status === 'pass') passed++;
        }
        expect(failures).toEqual([]);
      });
    }
    it('runs most of the suite (only cases needing builtins the interpreter lacks are skipped)', () => {
      expect(passed).toBeGreaterThan(260);
    });
  },
);
