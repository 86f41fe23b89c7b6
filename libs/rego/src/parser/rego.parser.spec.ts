import { describe, expect, it } from 'vitest';
import type { CallExpr, Module, Term } from '../ast/ast';
import { RegoCompileError } from '../compiler/rego-compile.error';
import { bodyToString, exprToString, termToString } from '../compiler/term-utils';
import { parseModule, parseQuery } from './rego.parser';

function mod(text: string): Module {
  return parseModule('m.rego', text);
}

function parseError(fn: () => unknown): {
  row: number;
  col: number;
  message: string;
  code: string;
  file: string;
} {
  try {
    fn();
  } catch (e) {
    if (e instanceof RegoCompileError) return e.errors[0];
    throw e;
  }
  throw new Error('expected a parse error');
}

function q(text: string): string {
  return bodyToString(parseQuery(text));
}

function valueOf(text: string): Term {
  const m = mod(`package p\nx := ${text}\n`);
  const v = m.rules[0].head.value;
  if (!v) throw new Error('no value');
  return v;
}

describe('parseModule: module structure', () => {
  it('reads package, imports with aliases, and rule kinds', () => {
    const m = mod(`package a.b["c-d"]

import rego.v1
import data.lib.x as y
import input.req

default allow := false

allow if input.ok

deny contains msg if {
  msg := "no"
}

f(x, _) := x + 1 if x > 0

obj[k] := v if { some k, v in input.m }

a.b.c := 1
`);
    expect(m.package.path.map(termToString)).toEqual(['data', '"a"', '"b"', '"c-d"']);
    expect(m.imports.map((i) => [termToString(i.path), i.alias])).toEqual([
      ['rego.v1', undefined],
      ['data.lib.x', 'y'],
      ['input.req', undefined],
    ]);
    expect(m.rules.map((r) => [r.head.ref.map(termToString).join('/'), r.head.kind, r.default])).toEqual([
      ['allow', 'single', true],
      ['allow', 'single', false],
      ['deny', 'multi', false],
      ['f', 'function', false],
      ['obj/k', 'single', false],
      ['a/"b"/"c"', 'single', false],
    ]);
    const [def, allow, deny, f, obj] = m.rules;
    expect(termToString(def.head.value as Term)).toBe('false');
    expect(def.head.assign).toBe(true);
    expect(termToString(allow.head.value as Term)).toBe('true');
    expect(bodyToString(allow.body)).toBe('input.ok');
    expect(deny.head.value).toBeUndefined();
    expect(termToString(deny.head.key as Term)).toBe('msg');
    expect(f.head.args?.map(termToString)).toEqual(['x', '_']);
    expect(termToString(f.head.value as Term)).toBe('plus(x, 1)');
    expect(bodyToString(obj.body)).toBe('some k, v in input.m');
  });

  it('reads else chains on rules and functions', () => {
    const m = mod(`package p
r := 1 if { input.a } else := 2 if { input.b } else := 3
g(x) := "pos" if x > 0
  else := "neg"
`);
    const [r, g] = m.rules;
    expect(termToString(r.head.value as Term)).toBe('1');
    expect(termToString(r.else?.head.value as Term)).toBe('2');
    expect(bodyToString(r.else?.body ?? [])).toBe('input.b');
    expect(termToString(r.else?.else?.head.value as Term)).toBe('3');
    expect(bodyToString(r.else?.else?.body ?? [])).toBe('true');
    expect(g.else?.head.args?.map(termToString)).toEqual(['x']);
    expect(termToString(g.else?.head.value as Term)).toBe('"neg"');
  });

  it('records 1-based locations on rules, heads, expressions and terms', () => {
    const m = mod('package p\n\nallow if {\n  input.x == 1\n}\n');
    const rule = m.rules[0];
    expect(rule.loc).toEqual({ file: 'm.rego', row: 3, col: 1 });
    const e = rule.body[0] as CallExpr;
    expect(e.loc).toEqual({ file: 'm.rego', row: 4, col: 3 });
    expect(e.args[1].loc).toEqual({ file: 'm.rego', row: 4, col: 14 });
  });
});

describe('parse: expressions and terms', () => {
  it('maps operators to builtin calls with the usual precedence', () => {
    expect(q('x := 1 + 2 * 3 - 4 / 5 % 6')).toBe('assign(x, minus(plus(1, mul(2, 3)), rem(div(4, 5), 6)))');
    expect(q('a == b; a != b; a < b; a <= b; a > b; a >= b')).toBe(
      'equal(a, b); neq(a, b); lt(a, b); lte(a, b); gt(a, b); gte(a, b)',
    );
    expect(q('x = a | b & c')).toBe('eq(x, or(a, and(b, c)))');
    expect(q('x in xs; k, v in obj')).toBe('internal.member_2(x, xs); internal.member_3(k, v, obj)');
    expect(q('y := (1 + 2) * 3')).toBe('assign(y, mul(plus(1, 2), 3))');
    expect(q('y := -x; z := -1.5')).toBe('assign(y, minus(0, x)); assign(z, -1.5)');
    expect(q('x := a + b == c')).toBe('assign(x, equal(plus(a, b), c))');
  });

  it('keeps number literal text and decodes strings', () => {
    expect(q('x := [1, 2.50, 1e3, 1.5E-7, 123456789012345678901234567890]')).toBe(
      'assign(x, [1, 2.50, 1e3, 1.5E-7, 123456789012345678901234567890])',
    );
    const s = valueOf('"a\\"b\\\\c\\/\\n\\t\\u00e9\\ud83d\\ude00"');
    expect(s).toMatchObject({ type: 'string', value: 'a"b\\c/\n\té😀' });
    const raw = valueOf('`C:\\path\n"x"`');
    expect(raw).toMatchObject({ type: 'string', value: 'C:\\path\n"x"' });
  });

  it('parses refs, calls, collections and comprehensions', () => {
    expect(q('input.a["b"][x].c')).toBe('input.a.b[x].c');
    expect(q('x := split(s, ".")[0]')).toBe('assign(x, split(s, ".")[0])');
    expect(q('object.get(o, "k", null, v)')).toBe('object.get(o, "k", null, v)');
    expect(q('x := {"a": 1, "b": [1, 2,], "c": {1, 2}, "d": set(), "e": {}}')).toBe(
      'assign(x, {"a": 1, "b": [1, 2], "c": {1, 2}, "d": set(), "e": {}})',
    );
    expect(q('x := [y | y := input.a[_]; y > 1]')).toBe('assign(x, [y | assign(y, input.a[_]); gt(y, 1)])');
    expect(q('x := {y | some y in input.a}')).toBe('assign(x, {y | some y in input.a})');
    expect(q('x := {k: v | some k, v in input.o}')).toBe('assign(x, {k: v | some k, v in input.o})');
    expect(q('x := [1, 2][0]')).toBe('assign(x, [1, 2][0])');
    expect(q('contains("abc", "b")')).toBe('contains("abc", "b")');
  });

  it('parses some, every, not and with', () => {
    expect(q('some x, y')).toBe('some x, y');
    expect(q('some x in xs; some k, v in obj')).toBe('some x in xs; some k, v in obj');
    expect(q('every k, v in obj { v > 0; k != "a" }')).toBe('every k, v in obj { gt(v, 0); neq(k, "a") }');
    expect(q('not input.x == 1')).toBe('not { equal(input.x, 1) }');
    expect(q('data.p.allow with input as {"a": 1} with data.q as 2')).toBe(
      'data.p.allow with input as {"a": 1} with data.q as 2',
    );
    expect(q('not data.p.allow with input.user as "x"')).toBe('not { data.p.allow } with input.user as "x"');
  });

  it('separates body expressions by newlines or semicolons but continues inside brackets', () => {
    const m = mod(`package p
allow if {
  x := [1,
    2]
  y := x[0] +
    1; z := {
      "a": y,
    }
  test_it with input as {"a": 1}
    with data.q as 2
}
`);
    const body = m.rules[0].body.map(exprToString);
    expect(body).toEqual([
      'assign(x, [1, 2])',
      'assign(y, plus(x[0], 1))',
      'assign(z, {"a": y})',
      'test_it with input as {"a": 1} with data.q as 2',
    ]);
  });

  it('reads `if {` as a body, or as one set/object term when it is not a body', () => {
    const m = mod('package p\na if { x }\nf(x) := 1 if {k: i | k := ["a"][i]}\n');
    expect(bodyToString(m.rules[0].body)).toBe('x');
    expect(bodyToString(m.rules[1].body)).toBe('{k: i | assign(k, ["a"][i])}');
  });

  it('keeps every part of a single-expression if body', () => {
    const m = mod('package p\nallow if input.role in {"admin", "ops"}\nother := 1\n');
    expect(m.rules).toHaveLength(2);
    expect(exprToString(m.rules[0].body[0])).toBe('internal.member_2(input.role, {"admin", "ops"})');
  });
});

describe('parse errors', () => {
  it('requires `if` before a rule body (Rego v1)', () => {
    const e = parseError(() => mod('package p\n\nallow {\n  true\n}\n'));
    expect(e).toMatchObject({ file: 'm.rego', row: 3, col: 7, code: 'rego_parse_error' });
    expect(e.message).toContain('`if` keyword is required');
  });

  it('reports unterminated strings, bad escapes and stray characters with their position', () => {
    expect(parseError(() => mod('package p\nx := "abc\n'))).toMatchObject({ row: 2, col: 6 });
    expect(parseError(() => mod('package p\nx := "a\\qb"\n')).message).toContain('illegal escape');
    expect(parseError(() => mod('package p\nx := 1 ! 2\n'))).toMatchObject({ row: 2, col: 8 });
  });

  it('rejects a missing package, empty bodies, and keywords as names', () => {
    expect(parseError(() => mod('allow if true')).message).toContain('expected package');
    expect(parseError(() => mod('package p\nallow if {}\n')).message).toContain('empty body');
    expect(parseError(() => mod('package p\nx := if\n'))).toMatchObject({ row: 2, col: 6 });
    expect(parseError(() => mod('package p\np contains x := 1\n')).message).toContain('cannot have a value');
  });

  it('reports unbalanced brackets at the offending token', () => {
    const e = parseError(() => mod('package p\nallow if {\n  x := [1, 2\n}\n'));
    expect(e).toMatchObject({ row: 4, col: 1 });
  });

  it('rejects two statements on one line without a separator', () => {
    expect(parseError(() => parseQuery('x = 1 y = 2'))).toMatchObject({ file: '', row: 1, col: 7 });
  });
});

describe('parse error recovery', () => {
  it('reports an error for each broken rule and goes on with the next one', () => {
    let errs: { row: number; col: number; message: string }[] = [];
    try {
      mod('package p\n\na if {\n  x := [1,\n}\n\nb := 1\n\nc {\n  true\n}\n\nd := )\n');
    } catch (e) {
      if (e instanceof RegoCompileError) errs = e.errors;
    }
    expect(errs.map((e) => [e.row, e.col])).toEqual([
      [5, 1],
      [9, 3],
      [13, 6],
    ]);
    expect(errs[1].message).toContain('`if` keyword is required');
  });
});

describe('hostile input', () => {
  it('rejects very deep nesting with a parse error instead of overflowing the stack', () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    expect(parseError(() => mod(`package p\nx := ${deep}\n`)).message).toContain('nesting too deep');
    expect(parseError(() => mod(`package p\nx := ${'-'.repeat(5000)}y\n`)).message).toContain(
      'nesting too deep',
    );
    expect(parseError(() => parseQuery(`x := ${'1 + '.repeat(5000)}1`)).message).toContain(
      'expression too long',
    );
  });
});
