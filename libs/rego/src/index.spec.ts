import opa from '@open-policy-agent/opa-wasm';
import { describe, expect, it } from 'vitest';
import { compile, RegoCompileError } from './index';

const POLICY = `package mandate

default allow := false

allow if {
  input.tool == "read_file"
  not startswith(input.path, "/etc")
}

reason := sprintf("tool %s by %s", [input.tool, input.user])
`;

describe('compile()', () => {
  it('compiles Rego to a module that @open-policy-agent/opa-wasm evaluates', async () => {
    const out = await compile({
      modules: { 'mandate.rego': POLICY },
      entrypoints: ['mandate/allow', 'mandate/reason'],
    });
    expect(out.entrypoints).toEqual({ 'mandate/allow': 0, 'mandate/reason': 1 });
    const policy = await opa.loadPolicy(out.wasm, undefined, out.builtins);
    expect(policy.evaluate({ tool: 'read_file', path: '/tmp/x' }, 'mandate/allow')).toEqual([
      { result: true },
    ]);
    expect(policy.evaluate({ tool: 'read_file', path: '/etc/passwd' }, 'mandate/allow')).toEqual([
      { result: false },
    ]);
    expect(policy.evaluate({ tool: 'exec', user: 'ann' }, 'mandate/reason')).toEqual([
      { result: 'tool exec by ann' },
    ]);
  });

  it('reads time.now_ns once per evaluation (every call in one evaluation sees the same instant)', async () => {
    const out = await compile({
      modules: {
        'p.rego': [
          'package p',
          'a := time.now_ns()',
          'b := x if { x := time.now_ns() + 0 }',
          'c := time.now_ns() if { true } else := 0',
          'w := v if { v := q with input.k as 1 }',
          'q := time.now_ns() if input.k == 1',
          'pair := [a, b, c, w]',
        ].join('\n'),
      },
      entrypoints: ['p/pair'],
    });
    // A host clock that advances on every read makes a second read visible.
    const clocks = Object.keys(out.builtins).filter((k) => k.endsWith('time.now_ns'));
    expect(clocks).toHaveLength(1);
    let tick = 1_000;
    const builtins = { ...out.builtins, [clocks[0]]: () => ++tick };
    const policy = await opa.loadPolicy(out.wasm, undefined, builtins);
    const first = policy.evaluate({}, 'p/pair') as Array<{ result: number[] }>;
    expect(first[0].result).toEqual([1_001, 1_001, 1_001, 1_001]);
    const second = policy.evaluate({}, 'p/pair') as Array<{ result: number[] }>;
    expect(second[0].result).toEqual([1_002, 1_002, 1_002, 1_002]);
  });

  it('compiles a query into the eval entrypoint', async () => {
    const out = await compile({
      modules: { 'p.rego': 'package p\nxs := [1, 2, 3]\n' },
      query: 'data.p.xs[i] = x; x > 1',
    });
    const policy = await opa.loadPolicy(out.wasm, undefined, out.builtins);
    expect(policy.evaluate(undefined, 'eval')).toEqual([
      { i: 1, x: 2 },
      { i: 2, x: 3 },
    ]);
  });

  it('reports compile errors with file, row, col and code', async () => {
    const err = await compile({
      modules: { 'bad.rego': 'package p\nallow if {' },
      entrypoints: ['p/allow'],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegoCompileError);
    expect((err as RegoCompileError).errors[0]).toMatchObject({ file: 'bad.rego', code: 'rego_parse_error' });
  });

  it('reports unsupported builtins as compile errors', async () => {
    const err = await compile({
      modules: { 'p.rego': 'package p\nr := http.send({"url": "x"})\n' },
      entrypoints: ['p/r'],
    }).catch((e: unknown) => e);
    expect((err as RegoCompileError).errors[0]).toMatchObject({ code: 'rego_unsupported_builtin' });
  });

  it('compiles calls of custom builtins as host imports the caller implements', async () => {
    const out = await compile({
      modules: { 'p.rego': 'package p\nr := acme.score(input.user, 2)\nok if acme.flag(input.user)\n' },
      entrypoints: ['p/r', 'p/ok'],
      customBuiltins: { 'acme.score': 2, 'acme.flag': 1 },
    });
    expect(Object.keys(out.builtins)).not.toContain('acme.score');
    const policy = await opa.loadPolicy(out.wasm, undefined, {
      ...out.builtins,
      'acme.score': (user: unknown, k: unknown) => `${String(user)}:${Number(k) * 10}`,
      'acme.flag': (user: unknown) => user === 'ann',
    });
    expect(policy.evaluate({ user: 'ann' }, 'p/r')).toEqual([{ result: 'ann:20' }]);
    expect(policy.evaluate({ user: 'ann' }, 'p/ok')).toEqual([{ result: true }]);
    expect(policy.evaluate({ user: 'bob' }, 'p/ok')).toEqual([]);

    const wrongArity = await compile({
      modules: { 'p.rego': 'package p\nr := acme.score(1)\n' },
      entrypoints: ['p/r'],
      customBuiltins: { 'acme.score': 2 },
    }).catch((e: unknown) => e);
    expect(wrongArity).toBeInstanceOf(RegoCompileError);
  });

  it('reports a rule reading all of data from inside its package as rego_recursion_error, located once', async () => {
    const err = await compile({
      modules: { 'm.rego': 'package mandate\n\ndecision := object.get(data, ["x"], 1)\n' },
      entrypoints: ['mandate/decision'],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegoCompileError);
    expect((err as RegoCompileError).errors).toEqual([
      {
        file: 'm.rego',
        row: 3,
        col: 1,
        code: 'rego_recursion_error',
        message: 'rule data.mandate.decision is recursive: data.mandate.decision -> data.mandate.decision',
      },
    ]);
    expect((err as RegoCompileError).message).toBe(
      'm.rego:3:1: rego_recursion_error: rule data.mandate.decision is recursive: ' +
        'data.mandate.decision -> data.mandate.decision',
    );
    // Reading another package's documents is not recursive.
    await expect(
      compile({
        modules: { 'm.rego': 'package mandate\n\ndecision := object.get(data.other, ["x"], 1)\n' },
        entrypoints: ['mandate/decision'],
      }),
    ).resolves.toBeDefined();
  });

  it('runs the instrument hook on the compiled program before planning', async () => {
    let rules = 0;
    await compile({
      modules: { 'p.rego': 'package p\na := 1\nb := 2\n' },
      entrypoints: ['p/a'],
      instrument: (program) => {
        for (const child of program.ruleTree.children.values()) rules += countRules(child);
      },
    });
    expect(rules).toBe(2);
  });
});

interface TreeNode {
  rules: unknown[];
  children: Map<string, TreeNode>;
}

function countRules(node: TreeNode): number {
  let n = node.rules.length;
  for (const child of node.children.values()) n += countRules(child);
  return n;
}
