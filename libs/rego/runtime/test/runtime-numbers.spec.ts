import { describe, expect, it } from 'vitest';
import { RuntimeHarness } from './runtime.harness';

const rt = new RuntimeHarness();
const call = (name: string, ...args: string[]): string | undefined => rt.call(name, ...args);
const range = (op: string): string => `${op}: number out of the supported range`;

describe('numbers beyond i64 and binary64', () => {
  it('adds, subtracts and multiplies integers at and beyond 2^63 exactly', () => {
    expect(call('plus', '9223372036854775807', '1')).toBe('9223372036854775808');
    expect(call('minus', '-9223372036854775808', '1')).toBe('-9223372036854775809');
    expect(call('minus', '9223372036854775808', '1')).toBe('9223372036854775807');
    expect(call('plus', '18446744073709551616', '-18446744073709551616')).toBe('0');
    expect(call('mul', '9223372036854775807', '9223372036854775807')).toBe(
      '85070591730234615847396907784232501249',
    );
    expect(call('mul', '-4294967296', '4294967296')).toBe('-18446744073709551616');
    expect(call('mul', '-3037000500', '3037000500')).toBe('-9223372037000250000');
    expect(call('minus', '123456789012345678901234567890', '123456789012345678901234567889')).toBe('1');
    expect(call('sum', '[9223372036854775807, 9223372036854775807, 2]')).toBe('18446744073709551616');
    expect(call('product', '[4294967296, 4294967296, 4294967296]')).toBe('79228162514264337593543950336');
    // i64 results stay ordinary integers
    expect(call('minus', '9223372036854775808', '9223372036854775808')).toBe('0');
    expect(call('plus', '-9223372036854775809', '1')).toBe('-9223372036854775808');
    expect(call('is_number', '99999999999999999999999')).toBe('true');
  });

  it('keeps big literals exact through the round trip and the total order', () => {
    const big = '123456789012345678901234567890123456789';
    expect(rt.dump(rt.parse(big))).toBe(big);
    expect(rt.dump(rt.parse(`-${big}`))).toBe(`-${big}`);
    expect(rt.dump(rt.parse('1e400'))).toBe('1e400');
    expect(call('lt', '-9223372036854775809', '-9223372036854775808')).toBe('true');
    expect(call('gt', '9223372036854775808', '9223372036854775807')).toBe('true');
    expect(call('equal', '1e30', '1000000000000000000000000000000')).toBe('true');
    expect(call('lt', '1e30', '1000000000000000000000000000001')).toBe('true');
    expect(call('lt', '1e400', '1e401')).toBe('true');
    expect(call('gt', '1e400', '1.7976931348623157e308')).toBe('true');
    expect(call('lt', '0', '1e-400')).toBe('true');
    expect(call('lt', '1e-401', '1e-400')).toBe('true');
    expect(call('lt', '10000000000000000000', '10000000000000000000.5')).toBe('true');
    // an integral double equals the big literal with the same value
    expect(call('equal', '18446744073709551616', '18446744073709551616.0')).toBe('true');
    expect(call('count', '{1e30, 1000000000000000000000000000000, 1e30}')).toBe('1');
    expect(call('sort', '[1e30, 9223372036854775808, -1e30, 1]')).toBe('[-1e30,1,9223372036854775808,1e30]');
  });

  it('computes with big literals such as 1e400 exactly', () => {
    expect(call('mul', '1e400', '10')).toBe('1e+401');
    expect(call('plus', '1e400', '1')).toBe(`1${'0'.repeat(399)}1`);
    expect(call('minus', '1e400', '1e400')).toBe('0');
    expect(call('div', '1e400', '1e399')).toBe('10');
    expect(call('div', '1e30', '1e10')).toBe('100000000000000000000');
    expect(call('abs', '-1e400')).toBe('1e400');
    expect(call('round', '1e400')).toBe('1e400');
    expect(call('plus', '1.5e30', '0')).toBe('1.5e+30');
  });

  it('rounds non-integer arithmetic to binary64 as documented', () => {
    // short decimals are exact, also when the result is an integer beyond i64
    expect(call('equal', '2e30', call('div', '1e30', '0.5')!)).toBe('true');
    expect(call('mul', '2.5', '4e30')).toBe('1e+31');
    expect(call('mul', '-1.25', '4e30')).toBe('-5e+30');
    expect(call('mul', '1e308', '10.5')).toBe('1.05e+309');
    expect(call('div', '1.5e308', '0.001')).toBe('1.5e+311');
    expect(call('plus', '0.5', '1.5e19')).toBe('15000000000000000000'); // rounded: a fraction
    expect(call('plus', '1e300', '0.5')).toBe('1e+300');
    expect(call('mul', '1.5', '1e-5')).toBe('0.000015');
    expect(call('div', '1', '3')).toBe('0.3333333333333333');
  });

  it('raises an error instead of a wrong or undefined answer when a result cannot be represented', () => {
    // floats overflowing binary64
    expect(() => call('mul', '1.2345678901234567e308', '2.2345678901234567')).toThrow(range('mul'));
    expect(() => call('plus', '1.7976931348623157e308', '0.12345678901234567')).not.toThrow(); // rounded
    expect(() => call('mul', '-1.7976931348623157e308', '1.2345678901234567')).toThrow(range('mul'));
    // ... but integral literals beyond the doubles are exact integers
    expect(call('plus', '1.7976931348623157e308', '1.7976931348623157e308')).toBe('3.5953862697246314e+308');
    expect(() => call('div', '1.2345678901234567e308', '0.0012345678901234')).toThrow(range('div'));
    // literals without a usable double next to a fraction
    expect(() => call('plus', '1e400', '0.5')).toThrow(range('plus'));
    expect(() => call('mul', '1e-400', '2')).toThrow(range('mul'));
    // integers beyond 1000 digits
    expect(() => call('mul', '1e999', '10')).toThrow(range('mul'));
    expect(() => call('product', '[1e500, 1e500, 10]')).toThrow(range('product'));
    expect(() => call('sum', `[1e1000, 1]`)).toThrow(range('sum'));
    expect(call('mul', '1e998', '10')).toBe('1e+999');
    // division and remainder of big integers: exact when the divisor fits 32 bits
    expect(call('rem', '18446744073709551617', '10')).toBe('7');
    expect(call('rem', '-18446744073709551617', '10')).toBe('-7');
    expect(call('div', '18446744073709551616', '-4')).toBe('-4611686018427387904');
    expect(call('rem', '5', '18446744073709551616')).toBe('5');
    // quotients with a fraction are rounded to a double (like every fraction), not an error
    expect(call('div', '18446744073709551616', '3')).toBe('6148914691236516864'); // the double nearest 6148914691236517205.33
    expect(call('div', '1670006453141828752', '1000000000')).toBe('1670006453.1418288');
    expect(call('div', '1e30', '2e31')).toBe('0.05');
    expect(call('div', '1e30', '3e29')).toBe('3.3333333333333335');
    expect(call('div', '-1e400', '-1e399')).toBe('10');
    expect(call('div', '36893488147419103232', '18446744073709551616')).toBe('2');
    expect(call('div', '1', '36893488147419103233')).toBe(String(1 / 36893488147419103233));
    expect(() => call('div', '1e-400', '7')).toThrow(range('div'));
    expect(() => call('rem', '36893488147419103233', '18446744073709551616')).toThrow(range('rem'));
  });

  it('agrees with BigInt on random integers of up to 60 digits (+, -, *, order, rem by small divisors)', () => {
    let seed = 0x2545f491;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const bigint = (): bigint => {
      const digits = 1 + rnd(60);
      let s = String(1 + rnd(9));
      for (let i = 1; i < digits; i++) s += String(rnd(10));
      return rnd(2) ? -BigInt(s) : BigInt(s);
    };
    // numbers as Rego text: plain, or with trailing zeros in exponent form
    const text = (x: bigint): string => {
      const s = x.toString();
      const m = /^(-?\d*?[1-9])(0+)$/.exec(s);
      return m && rnd(2) ? `${m[1]}e${m[2].length}` : s;
    };
    const norm = (out: string | undefined): bigint => {
      if (out === undefined) throw new Error('undefined result');
      const m = /^(-?)(\d)(?:\.(\d+))?e\+?(\d+)$/.exec(out);
      if (!m) return BigInt(out);
      const frac = m[3] ?? '';
      return BigInt(`${m[1]}${m[2]}${frac}${'0'.repeat(Number(m[4]) - frac.length)}`);
    };
    for (let i = 0; i < 300; i++) {
      const a = bigint() * 10n ** BigInt(rnd(3) === 0 ? rnd(30) : 0);
      const b = bigint();
      const ta = text(a),
        tb = text(b);
      expect(norm(call('plus', ta, tb)), `${ta} + ${tb}`).toBe(a + b);
      expect(norm(call('minus', ta, tb)), `${ta} - ${tb}`).toBe(a - b);
      expect(norm(call('mul', ta, tb)), `${ta} * ${tb}`).toBe(a * b);
      expect(call('lt', ta, tb), `${ta} < ${tb}`).toBe(String(a < b));
      expect(call('equal', ta, text(a)), `${ta} == ${ta}`).toBe('true');
      const d = BigInt(1 + rnd(4_000_000_000));
      expect(norm(call('rem', ta, d.toString())), `${ta} % ${d}`).toBe(a % d);
      if (a % d === 0n) expect(norm(call('div', ta, d.toString())), `${ta} / ${d}`).toBe(a / d);
    }
  });

  it('keeps division by zero undefined (OPA non-strict mode)', () => {
    expect(call('div', '1', '0')).toBeUndefined();
    expect(call('div', '1.5', '0.0')).toBeUndefined();
    expect(call('div', '1e400', '0')).toBeUndefined();
    expect(call('rem', '1', '0')).toBeUndefined();
    expect(call('rem', '18446744073709551616', '0')).toBeUndefined();
    expect(call('rem', '1.5', '1')).toBeUndefined();
  });
});
