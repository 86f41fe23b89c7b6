import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compileModules } from './compile-modules';
import { checkInvariants } from './program.invariants';
import { RegoCompileError } from './rego-compile.error';

/** OPA's cases, kept beside the repository (../shared/conformance/opa), never inside it. */
const ROOT = resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'conformance', 'opa');
/** Host builtins that OPA's Wasm test suite registers. */
const CUSTOM_BUILTINS = {
  custom_builtin_test: 1,
  custom_builtin_test_impure: 0,
  custom_builtin_test_memoization: 0,
};

interface Case {
  note: string;
  query?: string;
  modules?: string[];
  want_error_code?: string;
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...yamlFiles(p));
    else if (name.endsWith('.yaml')) out.push(p);
  }
  return out.sort();
}

describe('compiler on OPA conformance cases', () => {
  it('compiles every case and the output keeps the README guarantees', () => {
    const failures: string[] = [];
    const violations: string[] = [];
    let compiled = 0;
    for (const f of yamlFiles(ROOT)) {
      const doc = parse(readFileSync(f, 'utf8')) as { cases?: Case[] };
      for (const c of doc.cases ?? []) {
        if ((c.want_error_code ?? '').startsWith('rego_')) continue;
        const modules: Record<string, string> = {};
        (c.modules ?? []).forEach((m, i) => (modules[`module${i}.rego`] = m));
        try {
          const program = compileModules({ modules, query: c.query, builtins: CUSTOM_BUILTINS });
          compiled++;
          for (const p of checkInvariants(program, CUSTOM_BUILTINS)) violations.push(`${c.note}: ${p}`);
        } catch (e) {
          failures.push(
            `${f.slice(ROOT.length + 1)} | ${c.note}: ${e instanceof RegoCompileError ? e.message : String(e)}`,
          );
        }
      }
    }
    expect(failures).toEqual([]);
    expect(violations.slice(0, 30)).toEqual([]);
    expect(compiled).toBeGreaterThan(1500);
  });
});
