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
});
