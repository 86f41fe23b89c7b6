import { describe, expect, it } from 'vitest';
import type { Block, Policy, Stmt } from '../ir/ir';
import { compileModules } from '../compiler/compile-modules';
import { PlanError } from './plan.error';
import { plan } from './planner';
import { IrInterpreter } from './testing/ir-interpreter';

function build(modules: string[], query?: string, entrypoints?: string[]): Policy {
  const files: Record<string, string> = {};
  modules.forEach((m, i) => (files[`m${i}.rego`] = m));
  return plan(compileModules({ modules: files, query }), { entrypoints });
}

function evalQuery(modules: string[], query: string, input?: unknown, data?: unknown): unknown[] {
  return new IrInterpreter(build(modules, query)).run('eval', input, data ?? {});
}

function stmts(blocks: Block[]): Stmt[] {
  const out: Stmt[] = [];
  const visit = (b: Block): void => {
    for (const s of b.stmts) {
      out.push(s);
      if (s.op === 'block') s.blocks.forEach(visit);
      if (s.op === 'scan' || s.op === 'not' || s.op === 'with') visit(s.block);
    }
  };
  blocks.forEach(visit);
  return out;
}

const sortRs = (rs: unknown[]): unknown[] =>
  [...rs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

describe('plan: entrypoints and queries', () => {
  it('names each entrypoint plan after its path and returns {result}', () => {
    const policy = build(['package a.b\nc := 1\nd := 2 if false'], undefined, ['a/b/c', 'a/b/d', 'a/b']);
    expect(policy.plans.map((p) => p.name)).toEqual(['a/b/c', 'a/b/d', 'a/b']);
    const ir = new IrInterpreter(policy);
    expect(ir.run('a/b/c')).toEqual([{ result: 1 }]);
    expect(ir.run('a/b/d')).toEqual([]);
    expect(ir.run('a/b')).toEqual([{ result: { c: 1 } }]);
  });

  it('binds only the user variables of a query', () => {
    expect(evalQuery([], 'x := 1; y := x + 1')).toEqual([{ x: 1, y: 2 }]);
    expect(sortRs(evalQuery([], 'input.xs[i] = v; v > 1', { xs: [1, 2, 3] }))).toEqual([
      { i: 1, v: 2 },
      { i: 2, v: 3 },
    ]);
    expect(evalQuery([], 'input.xs[_] = 1', { xs: [1, 1] })).toEqual([{}]);
  });
});

describe('plan: rules', () => {
  it('turns conflicting complete rule values into a located runtime error', () => {
    const policy = build(['package t\np := x if { x := [1, 2][_] }'], 'data.t.p = y');
    const fn = policy.funcs.find((f) => f.name === 'g0.data.t.p');
    expect(fn?.params).toEqual([0, 1]);
    const once = stmts(fn?.blocks ?? []).filter((s) => s.op === 'assignVarOnce');
    expect(once.length).toBeGreaterThan(0);
    expect(once.every((s) => s.op === 'assignVarOnce' && s.loc !== undefined)).toBe(true);
    expect(() => new IrInterpreter(policy).run('eval')).toThrow(/m0\.rego:2:\d+: var assignment conflict/);
  });

  it('evaluates default and else chains', () => {
    const mod =
      'package t\ndefault p := 0\np := 1 if input.a\nq := 1 if input.a else := 2 if input.b else := 3';
    expect(evalQuery([mod], 'x := data.t.p', {})).toEqual([{ x: 0 }]);
    expect(evalQuery([mod], 'x := data.t.p', { a: true })).toEqual([{ x: 1 }]);
    expect(evalQuery([mod], 'x := data.t.q', { b: true })).toEqual([{ x: 2 }]);
    expect(evalQuery([mod], 'x := data.t.q', {})).toEqual([{ x: 3 }]);
  });

  it('builds partial sets and partial objects, with insert conflicts as errors', () => {
    const mod =
      'package t\ns contains x if some x in input.xs\no[k] := v if some k, v in input.m\nbad[k] := v if some v in input.xs; k := "a"';
    expect(evalQuery([mod], 'x := data.t.s', { xs: [2, 1, 2] })).toEqual([{ x: [1, 2] }]);
    expect(evalQuery([mod], 'x := data.t.o', { m: { a: 1 } })).toEqual([{ x: { a: 1 } }]);
    const policy = build([mod], 'x := data.t.bad');
    const insert = stmts(policy.funcs.flatMap((f) => f.blocks)).find((s) => s.op === 'objectInsertOnce');
    expect(insert).toMatchObject({ loc: { row: 4 } });
    expect(() => new IrInterpreter(policy).run('eval', { xs: [1, 2] })).toThrow(/object insert conflict/);
  });

  it('builds ref heads with variables at several levels', () => {
    const mod =
      'package t\na.b[x].c[y] := z if { some x, y; z := input[x][y] }\nm[x] contains y if { some x, y; input[x][y] }';
    const input = { k: { u: 1, v: 2 }, l: { w: true } };
    expect(evalQuery([mod], 'r := data.t.a', input)).toEqual([
      { r: { b: { k: { c: { u: 1, v: 2 } }, l: { c: { w: true } } } } },
    ]);
    expect(evalQuery([mod], 'r := data.t.m', input)).toEqual([{ r: { k: ['u', 'v'], l: ['w'] } }]);
  });

  it('adds rules and defaults below a node with variable refs to the same object', () => {
    const mod =
      'package t\np[k] := 1 if k := input.k\ndefault p.b := 0\np.c := 2\np.d := 3 if false else := 4';
    expect(evalQuery([mod], 'x := data.t.p', { k: 'a' })).toEqual([{ x: { a: 1, b: 0, c: 2, d: 4 } }]);
    expect(evalQuery([mod], 'x := data.t.p', { k: 'b' })).toEqual([{ x: { b: 1, c: 2, d: 4 } }]);
    expect(() => evalQuery([mod], 'x := data.t.p', { k: 'c' })).toThrow(/object insert conflict/);
  });

  it('calls functions with several definitions and reports conflicting outputs', () => {
    const mod = 'package t\nf(x) := 1 if x > 0\nf(x) := 2 if x < 10\ng([a, b]) := a + b';
    const policy = build([mod], 'y := data.t.f(input)');
    const fn = policy.funcs.find((f) => f.name === 'g0.data.t.f');
    expect(fn?.params).toEqual([0, 1, 2]);
    const ir = new IrInterpreter(policy);
    expect(ir.run('eval', -1)).toEqual([{ y: 2 }]);
    expect(ir.run('eval', 11)).toEqual([{ y: 1 }]);
    expect(() => ir.run('eval', 5)).toThrow(/var assignment conflict/);
    expect(evalQuery([mod], 'y := data.t.g([3, 4])')).toEqual([{ y: 7 }]);
  });
});

describe('plan: virtual documents', () => {
  const mods = ['package a.b\np := 1\nq := 2 if false\nf(x) := x', 'package a.c'];

  it('materialises a package merged with base data, skipping functions and undefined rules', () => {
    expect(evalQuery(mods, 'x := data.a', undefined, { a: { z: 9 } })).toEqual([
      { x: { b: { p: 1 }, c: {}, z: 9 } },
    ]);
  });

  it('lets the base document win when it conflicts with rules (as in OPA Wasm)', () => {
    const policy = build(['package t\nk := "bar"'], 'x := data.t');
    expect(new IrInterpreter(policy).run('eval', undefined, { t: { k: 'foo' } })).toEqual([
      { x: { k: 'foo' } },
    ]);
    expect(new IrInterpreter(policy).run('eval', undefined, { t: { j: 1 } })).toEqual([
      { x: { j: 1, k: 'bar' } },
    ]);
    expect(new IrInterpreter(policy).run('eval', undefined, {})).toEqual([{ x: { k: 'bar' } }]);
  });

  it('iterates over rule tree children and base documents without duplicates', () => {
    const rs = evalQuery(mods, 'data.a[k] = v', undefined, { a: { z: 9, b: { w: 1 } } });
    expect(sortRs(rs)).toEqual(
      sortRs([
        { k: 'b', v: { p: 1, w: 1 } },
        { k: 'c', v: {} },
        { k: 'z', v: 9 },
      ]),
    );
  });

  it('finds number keys of base documents as strings too (JSON object keys)', () => {
    expect(
      evalQuery([], 'x := data.a[2]; y := data.b[1]', undefined, { a: { '2': 'bar' }, b: [0, 'one'] }),
    ).toEqual([{ x: 'bar', y: 'one' }]);
    expect(evalQuery(['package t\np := data[2]'], 'x := data.t.p', undefined, { '2': 'top' })).toEqual([
      { x: 'top' },
    ]);
  });

  it('dots into a rule value after calling its func', () => {
    const policy = build(['package a\np := {"x": [1, 2]}'], 'v := data.a.p.x[1]');
    const plan0 = policy.plans[0];
    const calls = stmts(plan0?.blocks ?? []).filter((s) => s.op === 'call');
    expect(calls).toMatchObject([{ target: { kind: 'func', name: 'g0.data.a.p' } }]);
    expect(new IrInterpreter(policy).run('eval')).toEqual([{ v: 2 }]);
  });
});

describe('plan: expressions', () => {
  it('unifies composite patterns with vars on both sides', () => {
    expect(evalQuery([], '[x, {"k": y}] = [1, {"k": 2}]')).toEqual([{ x: 1, y: 2 }]);
    expect(evalQuery([], 'input = [a, 2]', [1, 2])).toEqual([{ a: 1 }]);
    expect(evalQuery([], '[1, 2] = [1]')).toEqual([]);
    expect(evalQuery([], 'not [1, 2] = [1]')).toEqual([{}]);
  });

  it('plans comprehensions, every, not and walk', () => {
    expect(evalQuery([], 'x := {k: v | some k, v in input; v > 1}', { a: 1, b: 2 })).toEqual([
      { x: { b: 2 } },
    ]);
    expect(evalQuery([], 'x := [v | some v in input]; y := {v | some v in input}', [2, 1, 2])).toEqual([
      { x: [2, 1, 2], y: [1, 2] },
    ]);
    expect(evalQuery([], 'every v in input { v > 0 }', [1, 2])).toEqual([{}]);
    expect(evalQuery([], 'every v in input { v > 1 }', [1, 2])).toEqual([]);
    expect(evalQuery([], 'not input.x', {})).toEqual([{}]);
    expect(sortRs(evalQuery([], 'walk(input, [p, 2])', { a: [2] }))).toEqual([{ p: ['a', 0] }]);
    expect(() => evalQuery([], 'x := {k: 1 | some k in ["a"]} ; y := {"a": v | some v in [1, 2]}')).toThrow(
      /object insert conflict/,
    );
  });

  it('negates bodies that iterate: not and every fail when some iteration succeeds', () => {
    // A bound var key enumerates the rule tree's children: the negated body branches.
    const rules = 'package t\np := false\nq := true';
    expect(evalQuery([rules], 'x := "p"; not data.t[x]')).toEqual([{ x: 'p' }]);
    expect(evalQuery([rules], 'x := "q"; not data.t[x]')).toEqual([]);
    const mod = 'package t\nok := {"a/", "b/"}\np if every c in input { some r in ok; startswith(c, r) }';
    expect(evalQuery([mod], 'x := data.t.p', ['a/1', 'b/2'])).toEqual([{ x: true }]);
    expect(evalQuery([mod], 'x := data.t.p', ['a/1', 'c/2'])).toEqual([]);
    expect(evalQuery([mod], 'x := data.t.p', 42)).toEqual([]);
  });

  it('applies with to input and data and re-evaluates shadowed rules', () => {
    const mod = 'package t\nr := 1\nq := [r]\np := input.v';
    expect(evalQuery([mod], 'x := data.t.q with data.t.r as 2; y := data.t.q')).toEqual([{ x: [2], y: [1] }]);
    expect(evalQuery([mod], 'x := data.t.p with input.v as 3; y := data.t.p', { v: 4 })).toEqual([
      { x: 3, y: 4 },
    ]);
    const policy = build([mod], 'x := data.t.q with data.t.r as 2');
    expect(policy.funcs.map((f) => f.name)).toContain('g1.data.t.q');
  });

  it('replaces functions and builtins with other functions or values', () => {
    const mod = [
      'package t',
      'f(x) := x + 1',
      'g(x) := x * 10',
      'h(x) := f(x)',
      'p := y if y := h(2) with f as g',
      'q := y if y := count([1, 2]) with count as g',
      'r := y if y := f(2) with f as 7',
      's := [f(2), h(2)]',
    ].join('\n');
    expect(evalQuery([mod], 'p := data.t.p; r := data.t.r; s := data.t.s')).toEqual([
      { p: 20, r: 7, s: [3, 3] },
    ]);
    expect(evalQuery([mod], 'q := data.t.q')).toEqual([]);
  });
});

describe('plan: IR shape', () => {
  const funcOf = (policy: Policy, name: string) => {
    const fn = policy.funcs.find((f) => f.name === name);
    if (fn === undefined) throw new Error(`no func ${name} in ${policy.funcs.map((f) => f.name).join(', ')}`);
    return fn;
  };

  it('starts partial sets with makeSet and partial objects with makeObject + objectInsertOnce', () => {
    const policy = build(['package t\ns contains 1\no[k] := 2 if k := "k"'], 'x := data.t.s; y := data.t.o');
    const set = funcOf(policy, 'g0.data.t.s');
    expect(set.blocks[0]?.stmts).toEqual([{ op: 'makeSet', target: set.ret }]);
    expect(stmts(set.blocks).some((st) => st.op === 'setAdd' && st.set === set.ret)).toBe(true);
    const obj = funcOf(policy, 'g0.data.t.o');
    expect(obj.blocks[0]?.stmts).toEqual([{ op: 'makeObject', target: obj.ret }]);
    expect(stmts(obj.blocks).filter((st) => st.op === 'objectInsertOnce')).toHaveLength(1);
    expect(obj.blocks[obj.blocks.length - 1]?.stmts).toEqual([{ op: 'returnLocal', source: obj.ret }]);
  });

  it('lists called builtins with their arity and locates their calls', () => {
    const policy = build([], 'x := count(input) + 1; walk(input, [p, v])');
    expect(policy.builtins).toEqual([
      { name: 'count', arity: 1 },
      { name: 'plus', arity: 2 },
      { name: 'walk', arity: 1 },
    ]);
    const calls = stmts(policy.plans[0]?.blocks ?? []).filter((st) => st.op === 'call');
    expect(calls.every((c) => c.op === 'call' && c.loc?.file === policy.files.indexOf('<query>'))).toBe(true);
    // walk is a relation: its result (an array of [path, value]) is scanned.
    const all = stmts(policy.plans[0]?.blocks ?? []);
    const walkCall = all.find((st) => st.op === 'call' && st.target.name === 'walk');
    expect(
      all.some((st) => st.op === 'scan' && walkCall?.op === 'call' && st.source === walkCall.result),
    ).toBe(true);
  });

  it('emits with statements for input and data paths and restores them for the rest of the query', () => {
    const policy = build(
      ['package t\nr := 1\nq := r'],
      'x := data.t.q with input.a.b as 1 with data.t.r as 2; y := 1',
    );
    const withs = stmts(policy.plans[0]?.blocks ?? []).filter((st) => st.op === 'with');
    const paths = withs.map((w) =>
      w.op === 'with' ? [w.local, w.path.map((i) => policy.strings[i]).join('.')] : [],
    );
    expect(paths).toEqual([
      [0, 'a.b'],
      [1, 't.r'],
      [0, ''],
      [1, ''],
    ]);
    // The shadowed rule is re-planned in a new generation that reads data.t.r from the (replaced) base document.
    const q1 = funcOf(policy, 'g1.data.t.q');
    expect(stmts(q1.blocks).some((st) => st.op === 'call')).toBe(false);
    expect(
      stmts(q1.blocks).some((st) => st.op === 'dot' && st.source.kind === 'local' && st.source.local === 1),
    ).toBe(true);
  });

  it('plans functions with input, data and one param per argument', () => {
    const policy = build(['package t\nf(a, b) := a + b'], 'x := data.t.f(1, 2)');
    const f = funcOf(policy, 'g0.data.t.f');
    expect(f.params).toEqual([0, 1, 2, 3]);
    expect(f.path).toEqual(['data', 't', 'f']);
    const call = stmts(policy.plans[0]?.blocks ?? []).find((st) => st.op === 'call');
    expect(call).toMatchObject({ target: { kind: 'func', name: 'g0.data.t.f' } });
    expect(call?.op === 'call' ? call.args.slice(0, 2) : []).toEqual([
      { kind: 'local', local: 0 },
      { kind: 'local', local: 1 },
    ]);
  });

  it('plans the rest of a body once when iterating over a package', () => {
    const mods = ['package lib.a\np := 1\nq := 2', 'package lib.b\nr := 3'];
    const policy = build(mods, 'data.lib[k][j] = v; data.lib[k2][j2] = v2');
    const results = stmts(policy.plans[0]?.blocks ?? []).filter((st) => st.op === 'resultSetAdd');
    expect(results).toHaveLength(1);
    expect(new IrInterpreter(policy).run('eval')).toHaveLength(9);
  });
});

describe('plan: custom builtins and recursion through data', () => {
  it('plans calls of custom builtins as builtin calls and lists them in the policy', () => {
    const program = compileModules({
      modules: { 'p.rego': 'package p\nr := acme.score(input.x, 1)\n' },
      builtins: { 'acme.score': 2 },
    });
    expect(() => plan(program, { entrypoints: ['p/r'] })).toThrow(/unknown function acme\.score/);
    const policy = plan(program, { entrypoints: ['p/r'], customBuiltins: { 'acme.score': 2 } });
    expect(policy.builtins).toEqual([{ name: 'acme.score', arity: 2 }]);
    const calls = policy.funcs.flatMap((f) => stmts(f.blocks)).filter((s) => s.op === 'call');
    expect(calls.map((s) => (s.op === 'call' ? s.target : undefined))).toContainEqual({
      kind: 'builtin',
      name: 'acme.score',
    });
  });

  it('reports a rule that reads all of data from its own package as rego_recursion_error with the cycle', () => {
    const program = compileModules({
      modules: { 'p.rego': 'package p\n\na := b\n\nb := count(object.keys(data))\n' },
    });
    let error: unknown;
    try {
      plan(program, { entrypoints: ['p/a'] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlanError);
    const err = error as PlanError;
    expect(err.code).toBe('rego_recursion_error');
    expect(err.detail).toBe('rule data.p.a is recursive: data.p.a -> data.p.b -> data.p.a');
    expect(err.loc).toMatchObject({ file: 'p.rego', row: 3, col: 1 });
    expect(err.message).toBe(`p.rego:3:1: ${err.detail}`);
  });
});
