import { describe, expect, it } from 'vitest';
import type { Rule } from '../ast/ast';
import { compileModules } from './compile-modules';
import type { CompiledProgram, RuleTreeNode } from './compiled-program';
import { bodyToString, ruleToString } from './program.printer';
import { RegoCompileError, type RegoErrorDetail } from './rego-compile.error';

function compile(modules: Record<string, string>, query?: string): CompiledProgram {
  return compileModules({ modules, query });
}

/** Renames generated vars `__local<N>__` to `$0`, `$1`, … in order of first appearance. */
function norm(text: string): string {
  const names = new Map<string, string>();
  return text.replace(/__local\d+__/g, (m) => {
    if (!names.has(m)) names.set(m, `$${names.size}`);
    return names.get(m) as string;
  });
}

function rules(src: string): string[] {
  return compile({ 'p.rego': src }).modules[0].rules.map((r) => norm(ruleToString(r)));
}

function errors(modules: Record<string, string>, query?: string): RegoErrorDetail[] {
  try {
    compileModules({ modules, query });
  } catch (e) {
    if (e instanceof RegoCompileError) return e.errors;
    throw e;
  }
  throw new Error('expected compile errors');
}

function node(p: CompiledProgram, path: string): RuleTreeNode | undefined {
  let n: RuleTreeNode | undefined = p.ruleTree;
  for (const k of path.split('.').slice(1)) n = n?.children.get(k);
  return n;
}

describe('reference resolution', () => {
  it('qualifies rule refs, imports and cross-module rules of the same package', () => {
    const p = compile({
      'a.rego': `package app
import data.lib.util as u
import input.request
allow if { ok; request.method == "GET"; u.safe }
`,
      'b.rego': 'package app\nok if input.user\n',
      'lib.rego': 'package lib.util\nsafe := true\n',
    });
    const allow = p.modules[0].rules[0];
    expect(ruleToString(allow)).toBe(
      'data.app.allow := true if { data.app.ok; equal(input.request.method, "GET"); data.lib.util.safe }',
    );
    expect(allow.packagePath).toEqual(['data', 'app']);
  });

  it('lets locals shadow rule names and resolves function calls in the package', () => {
    expect(rules('package p\nf(x) := x\nq := 1\nr := y if { q := 2; y := f(q) }\n')[2]).toBe(
      'data.p.r := $0 if { eq($1, 2); data.p.f($1, $0) }',
    );
  });

  it('builds the rule tree with ref heads at their ground prefix', () => {
    const p = compile({
      'x.rego':
        'package x\na.b[k] contains v if { some k, v in input.m }\nc.d := 1\ne[k] := 1 if some k in input.ks\n',
      'y.rego': 'package y.z\n',
    });
    expect(node(p, 'data.x.a.b')?.rules).toHaveLength(1);
    expect(node(p, 'data.x.c.d')?.rules).toHaveLength(1);
    expect(node(p, 'data.x.e')?.rules[0].head.kind).toBe('single');
    expect(node(p, 'data.y.z')?.rules).toEqual([]);
  });
});

describe('local variables', () => {
  it('renames := and some declarations and gives every wildcard its own name', () => {
    expect(
      rules('package p\nr if { x := input.a; some y; input.b[y] == x; input.c[_] == input.d[_] }\n'),
    ).toEqual([
      'data.p.r := true if { eq($0, input.a); equal(input.b[$1], $0); equal(input.c[$2], input.d[$3]) }',
    ]);
  });

  it('rejects re-assignment and assignment of a var used above', () => {
    const errs = errors({
      'p.rego': 'package p\nr if {\n  x := 1\n  x := 2\n}\ns if {\n  y = 1\n  y := 2\n}\n',
    });
    expect(errs).toEqual([
      { file: 'p.rego', row: 4, col: 3, code: 'rego_compile_error', message: 'var x assigned above' },
      { file: 'p.rego', row: 8, col: 3, code: 'rego_compile_error', message: 'var y referenced above' },
    ]);
  });

  it('allows shadowing in nested bodies and keeps closure vars', () => {
    const [r] = rules(
      'package p\nr := ys if {\n  x := 1\n  ys := [x | x := 2]\n  zs := [y | y := x + 1]\n  count(zs) > 0\n}\n',
    );
    expect(r).toBe(
      'data.p.r := $0 if { eq($1, 1); eq($2, [$3 | eq($3, 2)]); eq($0, $2); eq($4, [$5 | plus($1, 1, $5)]); eq($6, $4); count($6, $7); gt($7, 0) }',
    );
  });

  it('reports query bindings with the names the user wrote', () => {
    const p = compile({ 'p.rego': 'package p\nq := 1\n' }, 'x := data.p.q; y = x; z := [w | w := 1]');
    const bindings = p.query?.bindings ?? [];
    expect(bindings.map((b) => b.name)).toEqual(['x', 'y', 'z']);
    expect(bindings[0].var).toMatch(/^__local\d+__$/);
    expect(bindings[1].var).toBe('y');
    expect(bindings[2].var).toMatch(/^__local\d+__$/);
    expect(bodyToString(p.query?.body ?? [])).toContain(`eq(${bindings[0].var}, data.p.q)`);
  });

  it('never generates a name the user wrote', () => {
    const p = compile({ 'p.rego': 'package p\np := __local0__ if { __local0__ = [x | x := input.a[_]] }\n' });
    const text = ruleToString(p.modules[0].rules[0]);
    expect(text.match(/__local0__/g)).toHaveLength(2);
    expect(text).toMatch(/\[(__local[1-9]\d*__) \| eq\(\1, input\.a\[__local[1-9]\d*__\]\)\]/);
  });
});

describe('expression rewriting', () => {
  it('hoists nested calls, rewrites some-in and member, and moves head values into the body', () => {
    expect(
      rules('package p\nr contains n if { some i, t in input.tools; n := lower(t.name); not n in {"x"} }\n'),
    ).toEqual([
      'data.p.r contains $0 if { eq(input.tools[$1], $2); lower($2.name, $0); not { internal.member_2($0, {"x"}) } }',
    ]);
    expect(rules('package p\ns := count(input.a) + 1\n')).toEqual([
      'data.p.s := $0 if { true; count(input.a, $1); plus($1, 1, $0) }',
    ]);
  });

  it('hoists calls in ref operands and ref heads', () => {
    expect(rules('package p\nr if { input.a[lower(input.k)] == split(input.s, ".")[0] }\n')).toEqual([
      'data.p.r := true if { lower(input.k, $0); split(input.s, ".", $1); equal(input.a[$0], $1[0]) }',
    ]);
  });

  it('copies with modifiers onto split-off expressions, values computed outside', () => {
    expect(rules('package p\nr if { count(input.xs) > 1 with input as {"xs": [count([1])]} }\n')).toEqual([
      'data.p.r := true if { count([1], $0); count(input.xs, $1) with input as {"xs": [$0]}; gt($1, 1) with input as {"xs": [$0]} }',
    ]);
  });

  it('makes every call output a var not bound before the call', () => {
    expect(
      rules('package p\nr if { x := 2; count(input.a, x); split(input.s, ".", [a, b]); a == b }\n'),
    ).toEqual([
      'data.p.r := true if { eq($0, 2); count(input.a, $1); eq($0, $1); split(input.s, ".", $2); eq([a, b], $2); equal(a, b) }',
    ]);
  });
});

describe('safety and reordering', () => {
  it('reorders expressions so vars are bound before use', () => {
    expect(rules('package p\nr := y if {\n  y = x + 1\n  x = input.n\n}\n')).toEqual([
      'data.p.r := y if { eq(x, input.n); plus(x, 1, y) }',
    ]);
    expect(rules('package p\nr if { not input.deny[u]; u = input.user }\n')).toEqual([
      'data.p.r := true if { eq(u, input.user); not { input.deny[u] } }',
    ]);
    expect(rules('package p\nr if { y > 1; [x, y] = [1, input.a] }\n')).toEqual([
      'data.p.r := true if { eq([x, y], [1, input.a]); gt(y, 1) }',
    ]);
  });

  it('orders comprehension bodies and requires closure vars to be bound first', () => {
    expect(rules('package p\nr := s if { s := {v | v > 0; v = input.a[_] + n}; n = 1 }\n')).toEqual([
      'data.p.r := $0 if { eq(n, 1); eq($1, {$2 | plus(input.a[$3], n, $2); gt($2, 0)}); eq($0, $1) }',
    ]);
  });

  it('reports unsafe vars at the expression that uses them', () => {
    expect(errors({ 'p.rego': 'package p\nr if {\n  x > 1\n}\n' })).toEqual([
      { file: 'p.rego', row: 3, col: 3, code: 'rego_unsafe_var_error', message: 'var x is unsafe' },
    ]);
    expect(errors({ 'p.rego': 'package p\nr if {\n  input.a == 1\n  not input.b[z]\n}\n' })).toEqual([
      { file: 'p.rego', row: 4, col: 3, code: 'rego_unsafe_var_error', message: 'var z is unsafe' },
    ]);
    // As in OPA, a wildcard inside `not` is unsafe too.
    expect(errors({ 'p.rego': 'package p\nr if {\n  not input.b[_]\n}\n' })).toMatchObject([
      { row: 3, col: 3, code: 'rego_unsafe_var_error', message: 'var _ is unsafe' },
    ]);
    expect(errors({ 'p.rego': 'package p\nr contains x if {\n  input.a\n}\n' })).toEqual([
      { file: 'p.rego', row: 2, col: 1, code: 'rego_unsafe_var_error', message: 'var x is unsafe' },
    ]);
    expect(errors({}, 'x = y')).toMatchObject([
      { file: '', row: 1, col: 1, code: 'rego_unsafe_var_error', message: 'var x is unsafe' },
      { message: 'var y is unsafe' },
    ]);
  });

  it('accepts iteration, output args and function args as binders', () => {
    expect(() =>
      compile({
        'p.rego':
          'package p\nf(x) := y if y := x * 2\nr contains k if { input.m[k]; f(k) > 1 }\nt if every x in input.xs { x > 0 }\n',
      }),
    ).not.toThrow();
  });
});

describe('conflicts, recursion and types', () => {
  it('rejects complete and partial rules at the same path, and several defaults', () => {
    expect(errors({ 'p.rego': 'package p\nr := 1\nr contains 2\n' })).toMatchObject([
      { code: 'rego_type_error', message: 'conflicting rules data.p.r found', row: 2, col: 1 },
    ]);
    expect(errors({ 'p.rego': 'package p\ndefault r := 1\ndefault r := 2\n' })).toMatchObject([
      { code: 'rego_type_error', message: 'multiple default rules data.p.r found', row: 3 },
    ]);
    expect(errors({ 'p.rego': 'package p\nr := 1\nr.q := 2\n' })).toMatchObject([
      { code: 'rego_type_error', message: 'rule data.p.r conflicts with [data.p.r.q]' },
    ]);
  });

  it('rejects functions with different arities', () => {
    expect(errors({ 'p.rego': 'package p\nf(x) := 1\nf(x, y) := 2\n' })[0]).toMatchObject({
      code: 'rego_type_error',
      message: expect.stringContaining('conflicting rules data.p.f found') as string,
    });
  });

  it('detects recursion through rules and functions', () => {
    const errs = errors({ 'p.rego': 'package p\na if b\nb if f(1)\nf(x) if { a; x }\n' });
    expect(errs).toHaveLength(1);
    expect(errs[0].code).toBe('rego_recursion_error');
    expect(errs[0].message).toMatch(/^rule data\.p\.\w+ is recursive: /);
    expect(errors({ 'p.rego': 'package p\np contains x if { some x in data.p.p }\n' })[0].message).toBe(
      'rule data.p.p is recursive: data.p.p -> data.p.p',
    );
  });

  it('rejects unknown functions and wrong arities', () => {
    expect(
      errors({ 'p.rego': 'package p\nr if {\n  nope(1)\n}\ns if count(1, 2, 3)\nt := upper()\n' }),
    ).toEqual([
      { file: 'p.rego', row: 3, col: 3, code: 'rego_type_error', message: 'undefined function nope' },
      {
        file: 'p.rego',
        row: 5,
        col: 6,
        code: 'rego_type_error',
        message: 'count: arity mismatch: have 3 arguments, want 1',
      },
      {
        file: 'p.rego',
        row: 6,
        col: 6,
        code: 'rego_type_error',
        message: 'upper: arity mismatch: have 0 arguments, want 1',
      },
    ]);
  });

  it('accepts extra host builtins and rejects calling a non-function rule', () => {
    const p = compileModules({
      modules: { 'p.rego': 'package p\nr := y if y := my_host.fn(1, 2)\n' },
      builtins: { 'my_host.fn': 2 },
    });
    expect(ruleToString(p.modules[0].rules[0])).toMatch(/my_host\.fn\(1, 2, (__local\d+__)\)/);
    expect(errors({ 'p.rego': 'package p\nq := 1\nr if q(1)\n' })).toMatchObject([
      { code: 'rego_type_error', message: 'data.p.q is not a function' },
    ]);
  });

  it('keeps builtin names used as with values (function mocks) as names, not reads', () => {
    expect(
      rules(
        'package p\nf(_) := 2\nr := y if { y = f([1]) with f as count }\ns := x if { x = time.now_ns() with time.now_ns as opa.runtime }\n',
      ).slice(1),
    ).toEqual([
      'data.p.r := y if { data.p.f([1], y) with data.p.f as count }',
      'data.p.s := x if { time.now_ns(x) with time.now_ns as opa.runtime }',
    ]);
  });

  it('checks with targets', () => {
    expect(() =>
      compile({ 'p.rego': 'package p\nr if input.x with input.x as 1 with count as 2\n' }),
    ).not.toThrow();
    expect(errors({ 'p.rego': 'package p\nr if {\n  input.x with foo as 1\n}\n' })).toMatchObject([
      {
        row: 3,
        col: 11,
        code: 'rego_type_error',
        message: expect.stringContaining('with keyword target') as string,
      },
    ]);
  });

  it('collects errors from several files, sorted, and caps them', () => {
    const errs = errors({
      'b.rego': 'package b\nr if x\n',
      'a.rego': 'package a\nr if {\n',
    });
    expect(errs.map((e) => [e.file, e.code])).toEqual([['a.rego', 'rego_parse_error']]);
    const many = Array.from({ length: 30 }, (_, i) => `r${i} if v${i}`).join('\n');
    expect(errors({ 'm.rego': `package m\n${many}\n` })).toHaveLength(10);
  });
});

describe('performance', () => {
  it('compiles a 300-line policy', () => {
    const lines = ['package perf', 'import rego.v1', ''];
    for (let i = 0; lines.length < 300; i++) {
      lines.push(
        `r${i} contains msg if {`,
        `  some j, t in input.tools`,
        `  t.name == "tool${i}"`,
        `  n := count([x | some x in t.args; x != null])`,
        `  n > ${i % 5}`,
        `  msg := sprintf("%s %d", [t.name, j])`,
        `}`,
        `f${i}(x) := y if { y := x + ${i} }`,
        `ok${i} if { every v in input.xs { f${i}(v) > 0 } }`,
      );
    }
    const src = lines.join('\n');
    const start = performance.now();
    const p = compile({ 'perf.rego': src });
    const ms = performance.now() - start;
    console.log(`300-line policy compiled in ${ms.toFixed(1)} ms`);
    const rs: Rule[] = p.modules[0].rules;
    expect(rs.length).toBeGreaterThan(90);
    expect(bodyToString(rs[0].body)).toContain('sprintf(');
  });
});
