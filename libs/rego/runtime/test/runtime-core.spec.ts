import { describe, expect, it } from 'vitest';
import { RuntimeHarness } from './runtime.harness';

describe('runtime core: JSON round trip', () => {
  const rt = new RuntimeHarness();
  const roundTrip = (text: string): string => {
    const v = rt.parse(text);
    expect(v, text).not.toBe(0);
    return rt.dump(v);
  };

  it('round-trips scalars and nested documents', () => {
    expect(roundTrip('null')).toBe('null');
    expect(roundTrip('true')).toBe('true');
    expect(roundTrip(' false ')).toBe('false');
    expect(roundTrip('"a\\"b\\\\c\\n"')).toBe('"a\\"b\\\\c\\n"');
    expect(roundTrip('[1, [2, {"x": null}], []]')).toBe('[1,[2,{"x":null}],[]]');
    expect(roundTrip('{"b": 1, "a": 2, "c": {"z": [], "y": {}}}')).toBe('{"a":2,"b":1,"c":{"y":{},"z":[]}}');
  });

  it('keeps the last duplicate key', () => {
    expect(roundTrip('{"a": 1, "a": 2}')).toBe('{"a":2}');
  });

  it('formats numbers as valid JSON that round-trips exactly', () => {
    const cases = [
      '0',
      '-0',
      '1',
      '-17',
      '9007199254740993',
      '9223372036854775807',
      '-9223372036854775808',
      '0.5',
      '0.1',
      '-2.5e-7',
      '1e21',
      '1.7976931348623157e308',
      '5e-324',
      '2.2250738585072014e-308',
      '0.30000000000000004',
      '123456.789',
      '1e100',
      '3.141592653589793',
      '100',
      '1.0',
      '1e2',
      '2.5E3',
    ];
    for (const c of cases) {
      const out = roundTrip(c);
      expect(() => JSON.parse(out), `${c} -> ${out}`).not.toThrow();
      expect(Number(out), `${c} -> ${out}`).toBe(Number(c) === 0 ? 0 : Number(c));
    }
    expect(roundTrip('9223372036854775807')).toBe('9223372036854775807');
    expect(roundTrip('1.0')).toBe('1');
    expect(roundTrip('1e2')).toBe('100');
    expect(roundTrip('0.1')).toBe('0.1');
    expect(roundTrip('5e-324')).toBe('5e-324');
    expect(roundTrip('0.30000000000000004')).toBe('0.30000000000000004');
  });

  it('keeps the literal text of numbers that do not fit', () => {
    expect(roundTrip('123456789012345678901234567890')).toBe('123456789012345678901234567890');
    expect(roundTrip('1e400')).toBe('1e400');
  });

  it('shortest formatting agrees with JavaScript for random doubles', () => {
    let seed = 12345;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const buf = new DataView(new ArrayBuffer(8));
    for (let i = 0; i < 300; i++) {
      buf.setUint32(0, Math.floor(rnd() * 0x7fefffff));
      buf.setUint32(4, Math.floor(rnd() * 0xffffffff));
      const x = buf.getFloat64(0);
      if (!Number.isFinite(x) || Number.isInteger(x)) continue;
      const text = JSON.stringify(x);
      const out = roundTrip(text);
      expect(Number(out), text).toBe(x);
      expect(out.replace('e+', 'e').length, text).toBeLessThanOrEqual(text.replace('e+', 'e').length);
    }
  });

  it('decodes \\u escapes and surrogate pairs to UTF-8', () => {
    expect(JSON.parse(roundTrip('"\\u00e9\\ud83d\\ude00"'))).toBe('é😀');
    expect(JSON.parse(roundTrip('"é😀"'))).toBe('é😀');
    expect(JSON.parse(roundTrip('"\\u0001"'))).toBe('\u0001');
    expect(JSON.parse(roundTrip('"\\ud800x"'))).toBe('\ufffdx');
  });

  it('rejects invalid JSON with 0', () => {
    for (const bad of [
      '',
      ' ',
      '{',
      '[1,]',
      '{"a":1,}',
      '01',
      '1.',
      '.5',
      '+1',
      'nul',
      '"abc',
      '"\\x"',
      '{1:2}',
      '[1] 2',
      'set()',
      '{1,2}',
      '"a\nb"',
      "'a'",
      'NaN',
      '-',
      '1e',
      '{"a" 1}',
    ]) {
      expect(rt.parse(bad), JSON.stringify(bad)).toBe(0);
    }
    expect(rt.parse(new Uint8Array([0x22, 0xff, 0x22]))).toBe(0);
  });

  it('limits nesting depth', () => {
    const nested = (n: number): string => '['.repeat(n) + ']'.repeat(n);
    expect(roundTrip(nested(1500))).toBe(nested(1500));
    expect(rt.parse(nested(3000))).toBe(0);
  });

  it('parses Rego set literals with opa_value_parse and dumps Rego syntax', () => {
    expect(rt.dumpRego(rt.v('{3, 1, 2, 1}'))).toBe('{1,2,3}');
    expect(rt.dumpRego(rt.v('set()'))).toBe('set()');
    expect(rt.dumpRego(rt.v('{"b": 1, "a": 2, "b": 3}'))).toBe('{"a":2,"b":3}');
    expect(rt.dump(rt.v('{3, 1}'))).toBe('[1,3]');
    expect(rt.dumpRego(rt.v('{[1]: {"a"}}'))).toBe('{[1]:{"a"}}');
    expect(rt.dump(rt.v('{1: "a", [1, 2]: "b"}'))).toBe('{"1":"a","[1,2]":"b"}');
  });
});

describe('runtime core: order, equality, access', () => {
  const rt = new RuntimeHarness();
  const cmp = (a: string, b: string): number => rt.exports.opa_value_compare(rt.v(a), rt.v(b));

  it('orders values by type, then naturally', () => {
    const sorted = [
      'null',
      'false',
      'true',
      '-1.5',
      '0',
      '1',
      '2.5',
      '10',
      '""',
      '"a"',
      '"ab"',
      '"b"',
      '[]',
      '[1]',
      '[1,2]',
      '[2]',
      '{}',
      '{"a":1}',
      '{"a":2}',
      '{"b":0}',
      'set()',
      '{1}',
      '{1,2}',
      '{2}',
    ];
    for (let i = 0; i < sorted.length; i++) {
      for (let j = 0; j < sorted.length; j++) {
        expect(cmp(sorted[i], sorted[j]), `${sorted[i]} vs ${sorted[j]}`).toBe(Math.sign(i - j));
      }
    }
  });

  it('treats 1 and 1.0 as equal with equal hashes', () => {
    const a = rt.v('1');
    const b = rt.v('1.0');
    expect(rt.exports.opa_value_equal(a, b)).toBe(1);
    expect(rt.exports.opa_value_hash(a)).toBe(rt.exports.opa_value_hash(b));
    expect(rt.exports.opa_value_equal(rt.v('[1, {"a": 2}]'), rt.v('[1.0, {"a": 2.0}]'))).toBe(1);
    expect(rt.exports.opa_value_equal(rt.v('1'), rt.v('"1"'))).toBe(0);
    expect(rt.exports.opa_value_hash(rt.v('{"x": [1, 2]}'))).toBe(
      rt.exports.opa_value_hash(rt.v('{"x": [1.0, 2]}')),
    );
    expect(rt.exports.opa_value_hash(rt.v('"a"'))).not.toBe(rt.exports.opa_value_hash(rt.v('"b"')));
  });

  it('gets and iterates collections in the contract order', () => {
    const iterKeys = (coll: number): string[] => {
      const keys: string[] = [];
      for (let k = rt.exports.opa_value_iter(coll, 0); k !== 0; k = rt.exports.opa_value_iter(coll, k)) {
        keys.push(rt.dump(k));
      }
      return keys;
    };
    expect(iterKeys(rt.v('["x", "y", "z"]'))).toEqual(['0', '1', '2']);
    expect(iterKeys(rt.v('{"b": 1, "a": 2, "c": 3}'))).toEqual(['"a"', '"b"', '"c"']);
    expect(iterKeys(rt.v('{3, 1, 2}'))).toEqual(['1', '2', '3']);
    expect(iterKeys(rt.v('7'))).toEqual([]);
    const arr = rt.v('["x", "y"]');
    expect(rt.dump(rt.exports.opa_value_get(arr, rt.v('1')))).toBe('"y"');
    expect(rt.dump(rt.exports.opa_value_get(arr, rt.v('1.0')))).toBe('"y"');
    expect(rt.exports.opa_value_get(arr, rt.v('2'))).toBe(0);
    expect(rt.exports.opa_value_get(arr, rt.v('"0"'))).toBe(0);
    const obj = rt.v('{"a": {"b": true}}');
    expect(rt.dump(rt.exports.opa_value_get(obj, rt.str('a')))).toBe('{"b":true}');
    expect(rt.exports.opa_value_get(obj, rt.str('z'))).toBe(0);
    const set = rt.v('{1, "a"}');
    expect(rt.dump(rt.exports.opa_value_get(set, rt.v('"a"')))).toBe('"a"');
    expect(rt.exports.opa_value_get(set, rt.v('2'))).toBe(0);
    expect(rt.exports.opa_value_length(rt.v('"héllo"'))).toBe(5);
    expect(rt.exports.opa_value_length(rt.v('{1,2}'))).toBe(2);
    expect(rt.exports.opa_value_type(rt.v('{1,2}'))).toBe(7);
  });

  it('builds values through the constructor API', () => {
    const e = rt.exports;
    const obj = e.opa_object();
    e.opa_object_insert(obj, rt.str('z'), e.opa_number_int(1));
    e.opa_object_insert(obj, rt.str('a'), e.opa_boolean(1));
    e.opa_object_insert(obj, rt.str('z'), e.opa_null());
    const arr = e.opa_array_with_cap(0);
    for (let i = 0; i < 20; i++) e.opa_array_append(arr, e.opa_number_int(i % 3));
    e.opa_object_insert(obj, rt.str('arr'), arr);
    const set = e.opa_set();
    for (let i = 0; i < 20; i++) e.opa_set_add(set, e.opa_number_int(i % 3));
    e.opa_object_insert(obj, rt.str('set'), set);
    const [p, n] = rt.write('12.50');
    e.opa_object_insert(obj, rt.str('num'), e.opa_number_ref(p, n));
    expect(JSON.parse(rt.dump(obj))).toEqual({
      a: true,
      z: null,
      arr: Array.from({ length: 20 }, (_, i) => i % 3),
      set: [0, 1, 2],
      num: 12.5,
    });
  });

  it('merges objects deeply and upserts paths copy-on-write', () => {
    const e = rt.exports;
    const m = e.opa_value_merge(rt.v('{"a": {"b": 1}, "c": 2}'), rt.v('{"a": {"d": 3}, "e": 4}'));
    expect(rt.dump(m)).toBe('{"a":{"b":1,"d":3},"c":2,"e":4}');
    expect(e.opa_value_merge(rt.v('{"a": 1}'), rt.v('{"a": 2}'))).toBe(0);
    const base = rt.v('{"x": {"y": 1, "k": 0}}');
    const up = e.opa_value_upsert_path(base, rt.v('["x", "y"]'), rt.v('2'));
    expect(rt.dump(up)).toBe('{"x":{"k":0,"y":2}}');
    expect(rt.dump(base)).toBe('{"x":{"k":0,"y":1}}');
    expect(rt.dump(e.opa_value_upsert_path(rt.v('{}'), rt.v('["p", "q"]'), rt.v('true')))).toBe(
      '{"p":{"q":true}}',
    );
    const doc = rt.v('{"a": {}}');
    expect(e.opa_value_add_path(doc, rt.v('["a", "b", "c"]'), rt.v('1'))).toBe(0);
    expect(rt.dump(doc)).toBe('{"a":{"b":{"c":1}}}');
    expect(e.opa_value_remove_path(doc, rt.v('["a", "b"]'))).toBe(0);
    expect(rt.dump(doc)).toBe('{"a":{}}');
    expect(e.opa_value_remove_path(doc, rt.v('["zz"]'))).toBe(3);
  });
});

describe('runtime core: ABI', () => {
  it('opa_eval parses input, calls policy.eval with the context and dumps the result', () => {
    const rt = new RuntimeHarness();
    const e = rt.exports;
    const data = rt.parse('{"limit": 10}');
    const heap = e.opa_heap_ptr_get();
    const input = new TextEncoder().encode('{"amount": 7}');
    new Uint8Array(rt.memory.buffer).set(input, heap);
    let seenEntrypoint = -1;
    rt.evalImpl = (ctx) => {
      const view = new DataView(rt.memory.buffer);
      const inputV = view.getInt32(ctx, true);
      const dataV = view.getInt32(ctx + 4, true);
      seenEntrypoint = view.getInt32(ctx + 12, true);
      const amount = e.opa_value_get(inputV, rt.str('amount'));
      const limit = e.opa_value_get(dataV, rt.str('limit'));
      const result = e.opa_set();
      const binding = e.opa_object();
      e.opa_object_insert(binding, rt.str('result'), e.opa_bi_lt(amount, limit));
      e.opa_set_add(result, binding);
      e.opa_set_add(result, binding);
      view.setInt32(ctx + 8, result, true);
      return 0;
    };
    const out = e.opa_eval(0, 3, data, heap, input.length, heap + input.length, 0);
    expect(seenEntrypoint).toBe(3);
    expect(JSON.parse(rt.cstr(out))).toEqual([{ result: true }]);
    expect(() => e.opa_eval(1, 0, data, 0, 0, heap, 0)).toThrow();
  });

  it('resets the heap and never goes below the runtime base', () => {
    const rt = new RuntimeHarness({ initial: 2, maximum: 16 });
    const e = rt.exports;
    e.opa_runtime_init(70000);
    const base = e.opa_heap_ptr_get();
    expect(base).toBeGreaterThanOrEqual(70000);
    const a = e.opa_malloc(100);
    expect(a).toBeGreaterThanOrEqual(base);
    e.opa_heap_ptr_set(0);
    expect(e.opa_heap_ptr_get()).toBe(base);
    const big = e.opa_malloc(3 * 65536);
    expect(rt.memory.buffer.byteLength).toBeGreaterThanOrEqual(big + 3 * 65536);
    expect(() => e.opa_malloc(16 * 65536)).toThrow('opa_malloc: failed');
  });

  it('memoizes per frame', () => {
    const rt = new RuntimeHarness();
    const e = rt.exports;
    e.opa_memoize_init();
    const v = e.opa_number_int(5);
    e.opa_memoize_insert(40, v);
    expect(e.opa_memoize_get(40)).toBe(v);
    expect(e.opa_memoize_get(3)).toBe(0);
    e.opa_memoize_push();
    expect(e.opa_memoize_get(40)).toBe(0);
    e.opa_memoize_pop();
    expect(e.opa_memoize_get(40)).toBe(v);
  });

  it('forgets memo tables that a heap reset discarded', () => {
    const rt = new RuntimeHarness();
    const e = rt.exports;
    const mark = e.opa_heap_ptr_get();
    e.opa_memoize_init();
    e.opa_memoize_insert(1, e.opa_number_int(5));
    e.opa_heap_ptr_set(mark);
    expect(e.opa_memoize_get(1)).toBe(0);
  });

  it('reports runtime errors through opa_abort', () => {
    const rt = new RuntimeHarness();
    const [f, fl] = rt.write('policy.rego');
    const [m, ml] = rt.write('var assignment conflict');
    expect(() => rt.exports.opa_runtime_error(f, fl, 3, 7, m, ml)).toThrow(
      'policy.rego:3:7: var assignment conflict',
    );
  });
});
