import opa from '@open-policy-agent/opa-wasm';
import { describe, expect, it } from 'vitest';
import { HOST_BUILTINS, hostImportName } from '../host/host-builtins';
import type { Block, Operand, Policy, Stmt } from '../ir/ir';
import { CodegenError } from './codegen.error';
import { runtimeWasm } from './runtime.loader';
import { aliceAllowPolicy } from './testing/ir-policies.fixture';
import { generateWasm, type GenerateOptions } from './wasm.generator';

const local = (n: number): Operand => ({ kind: 'local', local: n });
const str = (index: number): Operand => ({ kind: 'string', index });

/** A host builtin of the fixture: `test.greet(format, [value])`. */
const greet = (format: unknown, values: unknown): unknown =>
  typeof format === 'string' && Array.isArray(values) ? format.replace('%s', String(values[0])) : undefined;

function options(extra: Partial<GenerateOptions> = {}): GenerateOptions {
  return {
    runtime: runtimeWasm(),
    hostImplemented: new Set([...Object.keys(HOST_BUILTINS), 'test.greet']),
    hostImportName,
    ...extra,
  };
}

function customBuiltins(names: Record<string, string>): Record<string, (...args: unknown[]) => unknown> {
  return Object.fromEntries(
    Object.entries(names).map(([rego, imported]) => [
      imported,
      rego === 'test.greet' ? greet : HOST_BUILTINS[rego],
    ]),
  );
}

/** A policy with one func `g0.data.t.<name>` per entry and one entrypoint `t/<name>` calling it. */
function rulesPolicy(
  strings: string[],
  rules: Record<string, Block[]>,
  builtins: Policy['builtins'] = [],
): Policy {
  const all = ['result', ...strings];
  const names = Object.keys(rules);
  return {
    strings: all,
    files: ['t.rego'],
    builtins,
    funcs: names.map((name) => ({
      name: `g0.data.t.${name}`,
      params: [0, 1],
      ret: 2,
      path: ['data', 't', name],
      blocks: rules[name],
    })),
    plans: names.map((name) => ({
      name: `t/${name}`,
      blocks: [
        {
          stmts: [
            {
              op: 'call',
              target: { kind: 'func', name: `g0.data.t.${name}` },
              args: [local(0), local(1)],
              result: 2,
            },
            { op: 'makeObject', target: 3 },
            { op: 'objectInsert', key: str(0), value: local(2), object: 3 },
            { op: 'resultSetAdd', value: 3 },
          ],
        },
      ],
    })),
  };
}

const ret: Block = { stmts: [{ op: 'returnLocal', source: 2 }] };
const setTrue: Stmt = { op: 'assignVarOnce', source: { kind: 'bool', value: true }, target: 2 };

describe('generateWasm with hand-written IR, run by @open-policy-agent/opa-wasm', () => {
  it('evaluates named and numeric entrypoints through loadPolicy (fast path)', async () => {
    const out = await generateWasm(aliceAllowPolicy(), options());
    expect(out.entrypoints).toEqual({
      'test/allow': 0,
      'test/greeting': 1,
      'test/users': 2,
      'test/total': 3,
    });
    expect(out.hostBuiltins).toEqual({ 'test.greet': 0 });
    const policy = await opa.loadPolicy(out.wasm, undefined, customBuiltins(out.hostNames));
    expect(policy.entrypoints).toEqual(out.entrypoints);
    policy.setData({ users: ['alice', 'bob', 'carol'] });
    expect(policy.evaluate({ user: 'alice' }, 'test/allow')).toEqual([{ result: true }]);
    expect(policy.evaluate({ user: 'bob' }, 'test/allow')).toEqual([]);
    expect(policy.evaluate({ user: 'alice' }, 0)).toEqual([{ result: true }]);
    expect(policy.evaluate({ user: 'bob' }, 1)).toEqual([{ result: 'hello bob' }]);
    expect(policy.evaluate({}, 'test/users')).toEqual([{ result: ['alice', 'carol'] }]);
    expect(policy.evaluate({}, 'test/total')).toEqual([{ result: 4 }]);
    // No input at all: input.user is undefined, not a crash.
    expect(policy.evaluate(undefined, 'test/allow')).toEqual([]);
  });

  it('accepts data as an ArrayBuffer and input as an ArrayBuffer', async () => {
    const out = await generateWasm(aliceAllowPolicy(), options());
    const policy = await opa.loadPolicy(out.wasm, undefined, customBuiltins(out.hostNames));
    const enc = new TextEncoder();
    policy.setData(enc.encode('{"users":["x","bob"]}').buffer);
    expect(policy.evaluate(enc.encode('{"user":"alice"}').buffer, 'test/allow')).toEqual([{ result: true }]);
    expect(policy.evaluate({}, 'test/users')).toEqual([{ result: ['x'] }]);
    expect(policy.evaluate({}, 'test/total')).toEqual([{ result: 3 }]);
  });

  it('works through loadPolicySync and the slow path (eval ctx, ABI minor 1)', async () => {
    const out = await generateWasm(aliceAllowPolicy(), options({ abiMinorVersion: 1 }));
    const policy = opa.loadPolicySync(out.wasm, undefined, customBuiltins(out.hostNames));
    expect(policy.minorVersion).toBe(1);
    policy.setData({ users: ['alice'] });
    expect(policy.evaluate({ user: 'alice' }, 'test/allow')).toEqual([{ result: true }]);
    expect(policy.evaluate({ user: 'eve' }, 'test/greeting')).toEqual([{ result: 'hello eve' }]);
    expect(policy.evaluate({}, 'test/total')).toEqual([{ result: 2 }]);
  });

  it('exports the OPA ABI', async () => {
    const out = await generateWasm(aliceAllowPolicy(), options());
    const mod = new WebAssembly.Module(out.wasm);
    const exports = WebAssembly.Module.exports(mod).map((e) => e.name);
    for (const name of [
      'opa_wasm_abi_version',
      'opa_wasm_abi_minor_version',
      'memory',
      'eval',
      'builtins',
      'entrypoints',
      'opa_eval',
      'opa_malloc',
      'opa_json_parse',
      'opa_json_dump',
      'opa_heap_ptr_get',
      'opa_heap_ptr_set',
      'opa_eval_ctx_new',
      'opa_eval_ctx_set_input',
      'opa_eval_ctx_set_data',
      'opa_eval_ctx_set_entrypoint',
      'opa_eval_ctx_get_result',
    ]) {
      expect(exports).toContain(name);
    }
    const imports = WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}`);
    expect(imports).toContain('env.memory');
    expect(imports).toContain('env.opa_builtin2');
    expect(imports.filter((i) => i.startsWith('policy.'))).toEqual([]);
  });

  it('raises var assignment conflict with file:row:col', async () => {
    const policy = rulesPolicy([], {
      p: [
        {
          stmts: [
            { op: 'makeNumberInt', value: 1, target: 3 },
            { op: 'assignVarOnce', source: local(3), target: 2 },
            { op: 'makeNumberInt', value: 2, target: 4 },
            { op: 'assignVarOnce', source: local(4), target: 2, loc: { file: 0, row: 7, col: 3 } },
          ],
        },
        ret,
      ],
    });
    const loaded = await opa.loadPolicy((await generateWasm(policy, options())).wasm);
    expect(() => loaded.evaluate({}, 't/p')).toThrow(/t\.rego:7:3: var assignment conflict/);
  });

  it('implements not, break, with (and memoisation around it), number refs and objectMerge', async () => {
    // strings: 1 "x", 2 "user", 3 "bob", 4 "12345678901234567890", 5 "a", 6 "b"
    const policy = rulesPolicy(['x', 'user', 'bob', '12345678901234567890', 'a', 'b'], {
      // notx if not input.x
      notx: [
        {
          stmts: [
            { op: 'not', block: { stmts: [{ op: 'dot', source: local(0), key: str(1), target: 3 }] } },
            setTrue,
          ],
        },
        ret,
      ],
      // breaks: the inner block leaves both blocks before the failing statement
      brk: [
        {
          stmts: [
            { op: 'block', blocks: [{ stmts: [{ op: 'break', index: 1 }] }] },
            { op: 'equal', a: { kind: 'bool', value: true }, b: { kind: 'bool', value: false } },
          ],
        },
        { stmts: [setTrue] },
        ret,
      ],
      // user := input.user
      user: [
        {
          stmts: [
            { op: 'dot', source: local(0), key: str(2), target: 3 },
            { op: 'assignVarOnce', source: local(3), target: 2 },
          ],
        },
        ret,
      ],
      // withuser := [data.t.user with input.user as "bob", data.t.user]
      withuser: [
        {
          stmts: [
            { op: 'makeArray', capacity: 2, target: 5 },
            {
              op: 'with',
              local: 0,
              path: [2],
              value: str(3),
              block: {
                stmts: [
                  {
                    op: 'call',
                    target: { kind: 'func', name: 'g0.data.t.user' },
                    args: [local(0), local(1)],
                    result: 3,
                  },
                  { op: 'arrayAppend', value: local(3), array: 5 },
                ],
              },
            },
            {
              op: 'call',
              target: { kind: 'func', name: 'g0.data.t.user' },
              args: [local(0), local(1)],
              result: 4,
            },
            { op: 'arrayAppend', value: local(4), array: 5 },
            { op: 'assignVarOnce', source: local(5), target: 2 },
          ],
        },
        ret,
      ],
      big: [
        {
          stmts: [
            { op: 'makeNumberRef', index: 4, target: 3 },
            { op: 'assignVarOnce', source: local(3), target: 2 },
          ],
        },
        ret,
      ],
      merged: [
        {
          stmts: [
            { op: 'makeObject', target: 3 },
            { op: 'objectInsert', key: str(5), value: { kind: 'bool', value: true }, object: 3 },
            { op: 'makeObject', target: 4 },
            { op: 'objectInsert', key: str(6), value: { kind: 'bool', value: false }, object: 4 },
            { op: 'objectMerge', a: 3, b: 4, target: 6 },
            { op: 'assignVarOnce', source: local(6), target: 2 },
          ],
        },
        ret,
      ],
    });
    const loaded = await opa.loadPolicy((await generateWasm(policy, options())).wasm);
    expect(loaded.evaluate({}, 't/notx')).toEqual([{ result: true }]);
    expect(loaded.evaluate({ x: 1 }, 't/notx')).toEqual([]);
    expect(loaded.evaluate({}, 't/brk')).toEqual([{ result: true }]);
    expect(loaded.evaluate({ user: 'alice' }, 't/withuser')).toEqual([{ result: ['bob', 'alice'] }]);
    expect(loaded.evaluate({}, 't/merged')).toEqual([{ result: { a: true, b: false } }]);
    const big = loaded.evaluate({}, 't/big') as { result: number }[];
    expect(big[0].result).toBeCloseTo(1.2345678901234567e19, -5);
  });

  it('rejects unsupported builtins at compile time', async () => {
    const policy = rulesPolicy(
      [],
      {
        p: [
          {
            stmts: [
              { op: 'call', target: { kind: 'builtin', name: 'http.send' }, args: [local(0)], result: 3 },
            ],
          },
        ],
      },
      [{ name: 'http.send', arity: 1 }],
    );
    const err = await generateWasm(policy, options()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodegenError);
    expect((err as CodegenError).errors[0].code).toBe('rego_unsupported_builtin');
  });

  it('rejects host builtins with more than 4 arguments', async () => {
    const policy = rulesPolicy([], {
      p: [
        {
          stmts: [
            {
              op: 'call',
              target: { kind: 'builtin', name: 'custom.five' },
              args: [local(0), local(0), local(0), local(0), local(0)],
              result: 3,
            },
          ],
        },
      ],
    });
    const err = await generateWasm(policy, options({ hostImplemented: new Set(['custom.five']) })).catch(
      (e: unknown) => e,
    );
    expect((err as CodegenError).errors[0].code).toBe('rego_unsupported_builtin');
    expect((err as CodegenError).message).toMatch(/at most 4/);
  });
});
