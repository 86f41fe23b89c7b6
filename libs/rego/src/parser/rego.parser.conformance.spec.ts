import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RegoCompileError } from '../compiler/rego-compile.error';
import { parseModule, parseQuery } from './rego.parser';

/** OPA's cases, kept beside the repository (../shared/conformance/opa), never inside it. */
const ROOT = resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'conformance', 'opa');

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

function describeError(e: unknown): string {
  return e instanceof RegoCompileError ? e.message : String(e);
}

const files = yamlFiles(ROOT);

describe('parser on OPA conformance cases', () => {
  it('finds the conformance files', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it('parses every module and query', () => {
    const failures: string[] = [];
    let parsed = 0;
    for (const f of files) {
      const doc = parse(readFileSync(f, 'utf8')) as { cases?: Case[] };
      for (const c of doc.cases ?? []) {
        const expectsCompileError = (c.want_error_code ?? '').startsWith('rego_');
        (c.modules ?? []).forEach((m, i) => {
          try {
            parseModule(`module${i}.rego`, m);
            parsed++;
          } catch (e) {
            if (!expectsCompileError) failures.push(`${f} ${c.note} module${i}: ${describeError(e)}`);
          }
        });
        if (c.query !== undefined) {
          try {
            parseQuery(c.query);
            parsed++;
          } catch (e) {
            if (!expectsCompileError) failures.push(`${f} ${c.note} query: ${describeError(e)}`);
          }
        }
      }
    }
    expect(failures.slice(0, 20)).toEqual([]);
    expect(parsed).toBeGreaterThan(1000);
  });
});
