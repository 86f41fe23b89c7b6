// Developer tool: runs OPA's own v1 test cases that only call builtins on constants / data against the runtime's
// native builtins, without the compiler. It prints a summary and the failures.
//
//   node libs/rego/runtime/check-opa-cases.mjs [casesDir] [--verbose]
//
// Handled rule bodies are sequences of `v = term`, `v := term` and `builtin(args..., out)` lines (OPA's formatted
// test modules); other cases are skipped. A case expecting an error passes when the builtin is undefined (the Wasm
// runtime has no strict builtin errors).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const casesDir =
  process.argv.slice(2).find((a) => !a.startsWith('--')) ??
  join(here, '..', '..', '..', '..', 'shared', 'conformance', 'opa', 'v1');
const verbose = process.argv.includes('--verbose');
const b64 = /'([A-Za-z0-9+/=]+)'/.exec(
  readFileSync(join(here, '..', 'src', 'codegen', 'runtime-wasm.ts'), 'utf8'),
)[1];
const module = new WebAssembly.Module(Buffer.from(b64, 'base64'));

function instantiate() {
  const memory = new WebAssembly.Memory({ initial: 4 });
  const cstr = (addr) => {
    const u8 = new Uint8Array(memory.buffer);
    let end = addr;
    while (u8[end] !== 0) end++;
    return new TextDecoder().decode(u8.subarray(addr, end));
  };
  const inst = new WebAssembly.Instance(module, {
    env: {
      memory,
      opa_abort: (a) => {
        throw new Error(cstr(a));
      },
      opa_println: () => {},
    },
    policy: { eval: () => 0, builtins: () => 0, entrypoints: () => 0 },
  });
  const e = inst.exports;
  const write = (text) => {
    const bytes = new TextEncoder().encode(text);
    const p = e.opa_malloc(bytes.length);
    new Uint8Array(memory.buffer).set(bytes, p);
    return [p, bytes.length];
  };
  return {
    e,
    parse: (text) => e.opa_value_parse(...write(text)),
    json: (v) => JSON.parse(cstr(e.opa_json_dump(v))),
    rego: (v) => cstr(e.opa_value_dump(v)),
  };
}

/** Splits a comma-separated argument list at the top level. */
function splitArgs(s) {
  const out = [];
  let depth = 0,
    cur = '',
    str = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (str) {
      cur += c;
      if (c === '\\' && str === '"') {
        cur += s[++i];
        continue;
      }
      if (c === str) str = null;
      continue;
    }
    if (c === '"' || c === '`') {
      str = c;
      cur += c;
      continue;
    }
    if ('([{'.includes(c)) depth++;
    if (')]}'.includes(c)) depth--;
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** Replaces variables outside string literals with their Rego text; converts raw strings to JSON strings. */
function substitute(term, env, rt) {
  let out = '';
  for (let i = 0; i < term.length;) {
    const c = term[i];
    if (c === '"') {
      let j = i + 1;
      while (j < term.length && term[j] !== '"') j += term[j] === '\\' ? 2 : 1;
      out += term.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '`') {
      const j = term.indexOf('`', i + 1);
      out += JSON.stringify(term.slice(i + 1, j));
      i = j + 1;
      continue;
    }
    const num = /^\d+(\.\d+)?([eE][+-]?\d+)?/.exec(term.slice(i));
    if (num && (i === 0 || !/[A-Za-z0-9_]/.test(term[i - 1]))) {
      out += num[0];
      i += num[0].length;
      continue;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(term.slice(i));
    if (m) {
      const name = m[0];
      if (['true', 'false', 'null', 'set'].includes(name)) out += name;
      else if (name.startsWith('data.') || name === 'data' || name.startsWith('input.') || name === 'input') {
        let v = name.startsWith('input') ? env.input : env.data;
        for (const k of name.split('.').slice(1)) v = v?.[k];
        // literal index segments: data.a[3], input.x["k"]
        let j = i + name.length;
        let seg;
        while ((seg = /^\[(\d+|"[^"\\]*")\]/.exec(term.slice(j)))) {
          v = v?.[JSON.parse(seg[1])];
          j += seg[0].length;
        }
        if (v === undefined) throw new Error('undefined data ref');
        out += JSON.stringify(v);
        i = j;
        continue;
      } else if (env.vars.has(name)) out += rt.rego(env.vars.get(name));
      else throw new Error(`unknown name ${name}`);
      i += name.length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

const INFIX = [
  [' == ', 'equal'],
  [' != ', 'neq'],
  [' <= ', 'lte'],
  [' >= ', 'gte'],
  [' < ', 'lt'],
  [' > ', 'gt'],
  [' + ', 'plus'],
  [' - ', 'minus'],
  [' | ', 'or'],
  [' * ', 'mul'],
  [' / ', 'div'],
  [' % ', 'rem'],
  [' & ', 'and'],
];

/** Index of the last top-level occurrence of op (outside strings and brackets), or -1. */
function topLevel(term, op) {
  let depth = 0,
    str = null,
    found = -1;
  for (let i = 0; i < term.length; i++) {
    const c = term[i];
    if (str) {
      if (c === '\\' && str === '"') i++;
      else if (c === str) str = null;
      continue;
    }
    if (c === '"' || c === '`') {
      str = c;
      continue;
    }
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (depth === 0 && term.startsWith(op, i)) found = i;
  }
  return found;
}

function splitInfix(term) {
  // lowest precedence first: comparisons, then additive, then multiplicative
  for (const group of [INFIX.slice(0, 6), INFIX.slice(6, 9), INFIX.slice(9)]) {
    let best = -1,
      bestOp = null;
    for (const [op, name] of group) {
      const at = topLevel(term, op);
      if (at > best) {
        best = at;
        bestOp = [op, name];
      }
    }
    if (best >= 0) return [term.slice(0, best).trim(), bestOp[1], term.slice(best + bestOp[0].length).trim()];
  }
  return null;
}

function evalTerm(term, env, rt) {
  const infix = splitInfix(term);
  if (infix) {
    const a = evalTerm(infix[0], env, rt),
      b = evalTerm(infix[2], env, rt);
    if (a === 0 || b === 0) return 0;
    return rt.e[`opa_bi_${infix[1]}`](a, b);
  }
  const call = /^([a-z_][a-z0-9_.]*)\((.*)\)$/s.exec(term);
  if (call && !['set'].includes(call[1])) return callBuiltin(call[1], splitArgs(call[2]), env, rt);
  const v = rt.parse(substitute(term, env, rt));
  if (v === 0) throw new Error(`unparsable term ${term}`);
  return v;
}

function callBuiltin(name, args, env, rt) {
  const fn = rt.e[`opa_bi_${name.replace(/\./g, '_')}`];
  if (!fn) throw new Error(`no native ${name}`);
  if (fn.length !== args.length) throw new Error(`arity ${name}`);
  return fn(...args.map((a) => evalTerm(a, env, rt)));
}

/** Evaluates one rule body; returns the head variable's value or 0 (undefined). */
/** Evaluates one body line against env; returns false when the line is undefined / false. */
function evalLine(line, env, rt) {
  let m;
  if (line.startsWith('not ')) {
    const sub = { vars: new Map(env.vars), data: env.data, input: env.input };
    return !evalLine(line.slice(4).trim(), sub, rt);
  }
  const infix = splitInfix(line);
  if (infix && ['equal', 'neq', 'lt', 'lte', 'gt', 'gte'].includes(infix[1])) {
    const v = evalTerm(line, env, rt);
    return v !== 0 && rt.rego(v) !== 'false';
  }
  if (
    (m = /^([A-Za-z_][A-Za-z0-9_]*)\s*:?=\s*(.+)$/s.exec(line)) &&
    !['true', 'false', 'null'].includes(m[1])
  ) {
    const [, name, term] = m;
    const v = evalTerm(term.trim(), env, rt);
    if (v === 0) return false;
    if (env.vars.has(name)) return rt.e.opa_value_equal(env.vars.get(name), v) === 1;
    env.vars.set(name, v);
    return true;
  }
  if ((m = /^([a-z_][a-z0-9_.]*)\((.*)\)$/s.exec(line))) {
    const args = splitArgs(m[2]);
    const fn = rt.e[`opa_bi_${m[1].replace(/\./g, '_')}`];
    if (fn && fn.length === args.length - 1 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(args.at(-1))) {
      const out = args.pop();
      const v = callBuiltin(m[1], args, env, rt);
      if (v === 0) return false;
      if (env.vars.has(out)) return rt.e.opa_value_equal(env.vars.get(out), v) === 1;
      env.vars.set(out, v);
      return true;
    }
    const v = callBuiltin(m[1], args, env, rt);
    return v !== 0 && rt.rego(v) !== 'false';
  }
  const eq = topLevel(line, ' = ');
  if (eq >= 0) {
    const a = evalTerm(line.slice(0, eq).trim(), env, rt),
      b = evalTerm(line.slice(eq + 3).trim(), env, rt);
    return a !== 0 && b !== 0 && rt.e.opa_value_equal(a, b) === 1;
  }
  throw new Error(`unsupported line ${line}`);
}

/** Evaluates one rule body; returns the head variable's values (none when undefined). */
function evalBody(lines, headVar, data, input, rt) {
  const env = { vars: new Map(), data, input };
  for (const [idx, line] of lines.entries()) {
    const w = /^walk\((.*), ([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(line);
    if (w && w[2] === headVar && idx === lines.length - 1) {
      // walk is a relation: each [path, value] pair is a result
      const all = callBuiltin('walk', [w[1]], env, rt);
      if (all === 0) return [];
      return Array.from({ length: rt.e.opa_value_length(all) }, (_, i) =>
        rt.e.opa_value_get(all, rt.e.opa_number_int(i)),
      );
    }
    if (!evalLine(line, env, rt)) return [];
  }
  if (headVar === null) return [rt.parse('true')];
  if (!env.vars.has(headVar)) throw new Error('head var unbound');
  return [env.vars.get(headVar)];
}

function runCase(tc, rt) {
  if (!tc.modules || tc.modules.length !== 1 || tc.input_term !== undefined) throw new Error('skip');
  const q = /^data\.([a-z_]+)\.p = x$/.exec(tc.query ?? '');
  if (!q) throw new Error('skip query');
  const src = tc.modules[0];
  const rules = [];
  const re = /^p(?: (contains|:=|=) ([A-Za-z_][A-Za-z0-9_]*))? if \{\n([\s\S]*?)\n\}|^p := (.+)$/gm;
  let rest = src;
  for (const m of src.matchAll(re)) {
    rest = rest.replace(m[0], '');
    if (m[4] !== undefined) rules.push({ kind: ':=', head: '__value', lines: [`__value := ${m[4]}`] });
    else
      rules.push({
        kind: m[1] ?? 'bool',
        head: m[2] ?? null,
        lines: m[3]
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean),
      });
  }
  rest = rest.replace(/^package .*$/m, '').trim();
  if (rules.length === 0 || rest !== '') throw new Error('skip shape');
  const isSet = rules[0].kind === 'contains';
  const results = [];
  for (const r of rules) {
    for (const v of evalBody(r.lines, r.head, tc.data ?? {}, tc.input, rt)) results.push(rt.json(v));
  }
  if (isSet) return [{ x: results }];
  return results.length ? [{ x: results[0] }] : [];
}

const norm = (v) =>
  Array.isArray(v)
    ? v.map(norm).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))
    : v && typeof v === 'object'
      ? Object.fromEntries(
          Object.entries(v)
            .map(([k, x]) => [k, norm(x)])
            .sort(),
        )
      : v;

let pass = 0,
  fail = 0,
  skip = 0;
const failures = [];
for (const dir of readdirSync(casesDir).sort()) {
  const full = join(casesDir, dir);
  if (!statSync(full).isDirectory()) continue;
  for (const file of readdirSync(full)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const doc = YAML.parse(readFileSync(join(full, file), 'utf8'));
    for (const tc of doc.cases ?? []) {
      const rt = instantiate();
      let got;
      try {
        got = runCase(tc, rt);
      } catch (err) {
        if (
          /^(skip|no native|unsupported|unknown name|arity|unparsable|undefined data|head var)/.test(
            err.message,
          )
        ) {
          skip++;
          if (verbose) console.log(`SKIP ${dir}/${tc.note}: ${err.message}`);
          continue;
        }
        got = { error: err.message };
      }
      const wantsError = tc.want_error !== undefined || tc.want_error_code !== undefined;
      let expected;
      if (wantsError) expected = [];
      else if (tc.want_result !== undefined) expected = tc.want_result;
      else if (tc.want_defined !== undefined) expected = tc.want_defined ? 'defined' : [];
      else {
        skip++;
        continue;
      }
      let ok;
      if (expected === 'defined') ok = Array.isArray(got) && got.length > 0;
      else if (wantsError)
        ok = Array.isArray(got) && (got.length === 0 || (Array.isArray(got[0].x) && got[0].x.length === 0));
      else ok = JSON.stringify(norm(got)) === JSON.stringify(norm(expected));
      if (ok) pass++;
      else {
        fail++;
        failures.push(
          `${dir}/${tc.note}\n    want ${JSON.stringify(expected)}\n    got  ${JSON.stringify(got)}`,
        );
      }
    }
  }
}
for (const f of failures) console.log(`FAIL ${f}`);
console.log(`\npassed ${pass}, failed ${fail}, skipped ${skip}`);
