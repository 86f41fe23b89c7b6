import { describe, expect, it } from 'vitest';
import { RUNTIME_WASM_BASE64 } from '../../src/codegen/runtime-wasm';

// A tiny hand-written "policy" linked onto the runtime with binaryen (as the code generator does), run under the
// unmodified @open-policy-agent/opa-wasm host. The policy computes {"sum": input.x + data.y, "is": <set of x>}.

type Binaryen = typeof import('binaryen').default;

async function linkPolicy(minor: number): Promise<Uint8Array> {
  const binaryen: Binaryen = (await import('binaryen')).default;
  const m = binaryen.readBinary(Buffer.from(RUNTIME_WASM_BASE64, 'base64'));
  const F = binaryen.Features;
  m.setFeatures(F.MVP | F.MutableGlobals | F.SignExt | F.BulkMemory | F.BulkMemoryOpt | F.NontrappingFPToInt);
  const fn = (exp: string): string => binaryen.getExportInfo(m.getExport(exp)).value;
  const { i32, none } = binaryen;
  const call = (exp: string, args: number[], ret = i32): number => m.call(fn(exp), args, ret);
  const heapBaseGlobal = binaryen.getExportInfo(m.getExport('opa_runtime_heap_base')).value;
  const words = ['x', 'y', 'sum', 'test/p', 'xs'];
  // start: opa_runtime_init(heap base), then place the strings with opa_malloc + stores
  const startBody: number[] = [m.call(fn('opa_runtime_init'), [m.global.get(heapBaseGlobal, i32)], none)];
  words.forEach((w, i) => {
    m.addGlobal(`str${i}`, i32, true, m.i32.const(0));
    startBody.push(m.global.set(`str${i}`, call('opa_malloc', [m.i32.const(w.length)])));
    [...Buffer.from(w)].forEach((b, j) =>
      startBody.push(m.i32.store8(j, 0, m.global.get(`str${i}`, i32), m.i32.const(b))),
    );
  });
  m.addFunction('start', none, none, [], m.block(null, startBody));
  m.setStart(m.getFunction('start'));
  const str = (i: number): number =>
    call('opa_string', [m.global.get(`str${i}`, i32), m.i32.const(words[i].length)]);

  // replace the placeholders
  for (const name of ['policy.eval', 'policy.builtins', 'policy.entrypoints']) {
    const imported = [...Array(m.getNumFunctions()).keys()]
      .map((k) => binaryen.getFunctionInfo(m.getFunctionByIndex(k)))
      .find((f) => f.module === 'policy' && f.base === name.split('.')[1]);
    if (!imported) throw new Error(`no placeholder ${name}`);
    m.removeFunction(imported.name);
    if (name === 'policy.eval') {
      // locals: 0 ctx, 1 rs, 2 obj, 3 xs
      m.addFunction(
        imported.name,
        i32,
        i32,
        [i32, i32, i32],
        m.block(
          null,
          [
            m.local.set(1, call('opa_set', [])),
            m.local.set(2, call('opa_object', [])),
            m.local.set(3, call('opa_set', [])),
            call(
              'opa_set_add',
              [m.local.get(3, i32), call('opa_value_get', [m.i32.load(0, 0, m.local.get(0, i32)), str(0)])],
              none,
            ),
            call(
              'opa_object_insert',
              [
                m.local.get(2, i32),
                str(2),
                call('opa_bi_plus', [
                  call('opa_value_get', [m.i32.load(0, 0, m.local.get(0, i32)), str(0)]),
                  call('opa_value_get', [m.i32.load(4, 0, m.local.get(0, i32)), str(1)]),
                ]),
              ],
              none,
            ),
            call('opa_object_insert', [m.local.get(2, i32), str(4), m.local.get(3, i32)], none),
            call('opa_set_add', [m.local.get(1, i32), m.local.get(2, i32)], none),
            m.i32.store(8, 0, m.local.get(0, i32), m.local.get(1, i32)),
            m.return(m.i32.const(0)),
          ],
          i32,
        ),
      );
    } else if (name === 'policy.builtins') {
      m.addFunction(imported.name, none, i32, [], call('opa_object', []));
    } else {
      m.addFunction(
        imported.name,
        none,
        i32,
        [i32],
        m.block(
          null,
          [
            m.local.set(0, call('opa_object', [])),
            call(
              'opa_object_insert',
              [m.local.get(0, i32), str(3), call('opa_number_int', [m.i32.const(0)])],
              none,
            ),
            m.return(m.local.get(0, i32)),
          ],
          i32,
        ),
      );
    }
    m.addFunctionExport(imported.name, name.split('.')[1]);
  }
  m.addGlobal('abi', i32, false, m.i32.const(1));
  m.addGlobal('abi_minor', i32, false, m.i32.const(minor));
  m.addGlobalExport('abi', 'opa_wasm_abi_version');
  m.addGlobalExport('abi_minor', 'opa_wasm_abi_minor_version');
  if (!m.validate()) throw new Error('invalid module');
  const out = m.emitBinary();
  m.dispose();
  return out;
}

describe('runtime under @open-policy-agent/opa-wasm', () => {
  for (const minor of [3, 1]) {
    it(`evaluates through the ${minor >= 2 ? 'opa_eval fast path' : 'eval context slow path'}`, async () => {
      const { loadPolicy } = await import('@open-policy-agent/opa-wasm');
      const policy = await loadPolicy(await linkPolicy(minor));
      expect(policy.entrypoints).toEqual({ 'test/p': 0 });
      policy.setData({ y: 0.5 });
      expect(policy.evaluate({ x: 2 })).toEqual([{ sum: 2.5, xs: [2] }]);
      expect(policy.evaluate({ x: 1e300 })).toEqual([{ sum: 1e300, xs: [1e300] }]);
      expect(policy.evaluate({ x: -3, s: 'é\u0000"' }, 'test/p')).toEqual([{ sum: -2.5, xs: [-3] }]);
      // many evaluations reuse the heap (it is reset by the host between evaluations)
      for (let i = 0; i < 2000; i++)
        expect(policy.evaluate({ x: i, pad: 'x'.repeat(500) })[0].sum).toBe(i + 0.5);
      policy.setData({ y: 10 });
      expect(policy.evaluate({ x: 5 })).toEqual([{ sum: 15, xs: [5] }]);
    });
  }

  it('reports allocation failure as opa_malloc: failed', async () => {
    const { loadPolicy } = await import('@open-policy-agent/opa-wasm');
    const policy = await loadPolicy(await linkPolicy(3), { initial: 2, maximum: 3 });
    expect(() => policy.setData({ big: 'x'.repeat(200_000) })).toThrow();
  });
});
