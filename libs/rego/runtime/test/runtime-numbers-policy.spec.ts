import opa from '@open-policy-agent/opa-wasm';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/index';

const POLICY = `package nums

big := 9223372036854775807 + 1
product := 4294967296 * 4294967296 * 4294967296
literal := 123456789012345678901234567890
ordered if 9223372036854775808 > 9223372036854775807
sum_in := input.a + input.b
quotient := input.a / input.b
overflow := input.x * 2.2345678901234567
jwt := io.jwt.decode(input.token)
matches := net.cidr_contains_matches({"10.0.0.0/8", "192.168.0.0/16"}, {"10.1.2.3", "8.8.8.8"})
`;

/** Evaluates with the input given as JSON text (big integers stay exact, as the npm host allows). */
function evaluate(policy: opa.LoadedPolicy, entrypoint: string, inputJson = '{}'): unknown {
  const buf = new TextEncoder().encode(inputJson);
  return policy.evaluate(buf.buffer, entrypoint);
}

describe('numbers and natives in a compiled policy under @open-policy-agent/opa-wasm', () => {
  it('computes with integers beyond 2^63, fails out of range, and runs the new natives', async () => {
    const entrypoints = [
      'nums/big',
      'nums/product',
      'nums/literal',
      'nums/ordered',
      'nums/sum_in',
      'nums/quotient',
    ];
    const out = await compile({
      modules: { 'nums.rego': POLICY },
      entrypoints: [...entrypoints, 'nums/overflow', 'nums/jwt', 'nums/matches'],
    });
    // io.jwt.decode and net.cidr_contains_matches are native: no host import for them
    expect(Object.keys(out.builtins ?? {})).not.toContain('io.jwt.decode');
    expect(Object.keys(out.builtins ?? {})).not.toContain('net.cidr_contains_matches');
    const policy = await opa.loadPolicy(out.wasm, undefined, out.builtins);
    policy.setData({});
    expect(evaluate(policy, 'nums/ordered')).toEqual([{ result: true }]);
    expect(evaluate(policy, 'nums/big')).toEqual([{ result: 9223372036854775808 }]);
    expect(evaluate(policy, 'nums/sum_in', '{"a": 18446744073709551615, "b": 18446744073709551615}')).toEqual(
      [{ result: 36893488147419103230 }],
    );
    expect(evaluate(policy, 'nums/quotient', '{"a": 1e400, "b": 1e398}')).toEqual([{ result: 100 }]);
    expect(evaluate(policy, 'nums/quotient', '{"a": 1, "b": 0}')).toEqual([]);
    expect(() => evaluate(policy, 'nums/overflow', '{"x": 1.2345678901234567e308}')).toThrow(
      'mul: number out of the supported range',
    );
    expect(() => evaluate(policy, 'nums/sum_in', '{"a": 1e1000, "b": 1}')).toThrow(
      'plus: number out of the supported range',
    );
    expect(evaluate(policy, 'nums/matches')).toEqual([{ result: [['10.0.0.0/8', '10.1.2.3']] }]);
    const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
    const token = `${b64({ alg: 'HS256' })}.${b64({ sub: 'bob' })}.AAEC`;
    expect(evaluate(policy, 'nums/jwt', JSON.stringify({ token }))).toEqual([
      { result: [{ alg: 'HS256' }, { sub: 'bob' }, '000102'] },
    ]);
  });

  it('keeps big integers exact in the JSON the module produces', async () => {
    const out = await compile({
      modules: { 'nums.rego': POLICY },
      entrypoints: ['nums/product', 'nums/literal'],
    });
    const policy = await opa.loadPolicy(out.wasm, undefined, out.builtins);
    policy.setData({});
    // read the result JSON text straight from the module's memory to see the exact digits
    const exports = (policy as unknown as { wasmInstance: WebAssembly.Instance }).wasmInstance
      .exports as Record<string, (...a: number[]) => number>;
    const mem = (policy as unknown as { mem: WebAssembly.Memory }).mem;
    const dumpOf = (ep: number): string => {
      const ctx = exports.opa_eval_ctx_new();
      exports.opa_eval_ctx_set_entrypoint(ctx, ep);
      exports.eval(ctx);
      const p = exports.opa_json_dump(exports.opa_eval_ctx_get_result(ctx));
      const u8 = new Uint8Array(mem.buffer);
      let e = p;
      while (u8[e] !== 0) e++;
      return new TextDecoder().decode(u8.subarray(p, e));
    };
    expect(dumpOf(out.entrypoints['nums/product'])).toBe('[{"result":79228162514264337593543950336}]');
    expect(dumpOf(out.entrypoints['nums/literal'])).toBe('[{"result":123456789012345678901234567890}]');
  });
});
