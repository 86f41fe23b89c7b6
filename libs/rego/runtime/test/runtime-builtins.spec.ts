import { describe, expect, it } from 'vitest';
import { RuntimeHarness } from './runtime.harness';

const rt = new RuntimeHarness();
const call = (name: string, ...args: string[]): string | undefined => rt.call(name, ...args);

describe('native builtins: operators', () => {
  it('compares with the total order', () => {
    expect(call('equal', '1', '1.0')).toBe('true');
    expect(call('equal', '[1, {"a": 2}]', '[1, {"a": 2.0}]')).toBe('true');
    expect(call('neq', '"a"', '"b"')).toBe('true');
    expect(call('lt', '1', '"a"')).toBe('true');
    expect(call('lt', '2', '10')).toBe('true');
    expect(call('lte', '2', '2.0')).toBe('true');
    expect(call('gt', '{1}', '[1]')).toBe('true');
    expect(call('gte', '"b"', '"ab"')).toBe('true');
    expect(call('lt', '-0.5', '0')).toBe('true');
  });

  it('does arithmetic exactly on integers and in floating point otherwise', () => {
    expect(call('plus', '1', '2')).toBe('3');
    // decimal semantics like OPA (big decimals), not binary floating point
    expect(call('plus', '0.1', '0.2')).toBe('0.3');
    expect(call('minus', '0.3', '0.1')).toBe('0.2');
    expect(call('mul', '1.1', '1.1')).toBe('1.21');
    expect(call('div', '0.3', '0.1')).toBe('3');
    expect(call('plus', '0.5', '0.5')).toBe('1');
    expect(call('mul', '0.1', '3')).toBe('0.3');
    expect(call('sum', '[0.1, 0.2, 0.3]')).toBe('0.6');
    expect(call('plus', '1e300', '1e300')).toBe('2e+300');
    expect(call('mul', '1e200', '1e200')).toBe('1e+400'); // exact big integers (runtime-numbers.spec.ts)
    expect(call('plus', '0.30000000000000004', '1')).toBe('1.3');
    // OPA's jsonbuiltins/marshal large integers
    expect(call('div', '1e109', '1e100')).toBe('1000000000');
    expect(call('mul', '1e6', '2')).toBe('2000000');
    expect(call('plus', '9223372036854775807', '1')).toBe('9223372036854775808');
    expect(call('minus', '5', '7')).toBe('-2');
    expect(call('mul', '6', '7')).toBe('42');
    expect(call('mul', '1.5', '2')).toBe('3');
    expect(call('mul', '1.5', '-2.5')).toBe('-3.75');
    expect(call('div', '-7.5', '2.5')).toBe('-3');
    expect(call('minus', '-0.1', '0.2')).toBe('-0.3');
    expect(call('mul', '4294967296', '4294967296')).toBe('18446744073709551616');
    expect(call('div', '4', '2')).toBe('2');
    expect(call('div', '1', '2')).toBe('0.5');
    expect(call('div', '1', '3')).toBe('0.3333333333333333');
    expect(call('div', '1', '0')).toBeUndefined();
    expect(call('div', '1.5', '0.0')).toBeUndefined();
    expect(call('rem', '7', '3')).toBe('1');
    expect(call('rem', '-7', '3')).toBe('-1');
    expect(call('rem', '7', '0')).toBeUndefined();
    expect(call('rem', '7.5', '2')).toBeUndefined();
    expect(call('rem', '8.0', '3')).toBe('2');
    expect(call('plus', '1', '"a"')).toBeUndefined();
    expect(call('mul', 'null', '2')).toBeUndefined();
  });

  it('implements set operators', () => {
    expect(call('minus', '{1, 2, 3}', '{2}')).toBe('{1,3}');
    expect(call('and', '{1, 2, 3}', '{2, 3, 4}')).toBe('{2,3}');
    expect(call('or', '{1}', '{2}')).toBe('{1,2}');
    expect(call('and', '{1}', '[1]')).toBeUndefined();
    expect(call('minus', '{1}', '1')).toBeUndefined();
  });
});

describe('native builtins: aggregates and numbers', () => {
  it('counts, sums, multiplies, picks and sorts', () => {
    expect(call('count', '[1, 2, 3]')).toBe('3');
    expect(call('count', '{"a": 1}')).toBe('1');
    expect(call('count', '{1, 2}')).toBe('2');
    expect(call('count', '"héllo"')).toBe('5');
    expect(call('count', '1')).toBeUndefined();
    expect(call('sum', '[1, 2, 3.5]')).toBe('6.5');
    expect(call('sum', 'set()')).toBe('0');
    expect(call('sum', '[1, "a"]')).toBeUndefined();
    expect(call('product', '[2, 3, 4]')).toBe('24');
    expect(call('product', '[]')).toBe('1');
    expect(call('max', '[3, 1, "a", 2]')).toBe('"a"');
    expect(call('min', '{3, 1, 2}')).toBe('1');
    expect(call('max', '[]')).toBeUndefined();
    expect(call('sort', '[3, "b", 1, null, "a"]')).toBe('[null,1,3,"a","b"]');
    expect(call('sort', '{3, 1, 2}')).toBe('[1,2,3]');
    expect(call('sort', '"abc"')).toBeUndefined();
    expect(call('any', '[false, true]')).toBe('true');
    expect(call('any', 'set()')).toBe('false');
    expect(call('all', '[true, true]')).toBe('true');
    expect(call('all', '[true, 1]')).toBe('false');
    expect(call('all', '[]')).toBe('true');
  });

  it('rounds, truncates and takes absolute values', () => {
    expect(call('abs', '-5')).toBe('5');
    expect(call('abs', '-2.5')).toBe('2.5');
    expect(call('round', '2.5')).toBe('3');
    expect(call('round', '-2.5')).toBe('-3');
    expect(call('round', '2.4')).toBe('2');
    expect(call('round', '0.49999999999999994')).toBe('0');
    expect(call('ceil', '1.2')).toBe('2');
    expect(call('ceil', '-1.2')).toBe('-1');
    expect(call('floor', '-1.2')).toBe('-2');
    expect(call('floor', '7')).toBe('7');
    expect(call('abs', '"x"')).toBeUndefined();
  });

  it('builds number ranges', () => {
    expect(call('numbers.range', '1', '4')).toBe('[1,2,3,4]');
    expect(call('numbers.range', '2', '-1')).toBe('[2,1,0,-1]');
    expect(call('numbers.range', '3', '3')).toBe('[3]');
    expect(call('numbers.range', '1.5', '3')).toBeUndefined();
  });

  it('does bitwise arithmetic on integers', () => {
    expect(call('bits.and', '12', '10')).toBe('8');
    expect(call('bits.or', '12', '10')).toBe('14');
    expect(call('bits.xor', '12', '10')).toBe('6');
    expect(call('bits.negate', '5')).toBe('-6');
    expect(call('bits.lsh', '1', '10')).toBe('1024');
    expect(call('bits.rsh', '1024', '3')).toBe('128');
    expect(call('bits.rsh', '-8', '1')).toBe('-4');
    expect(call('bits.lsh', '1', '-1')).toBeUndefined();
    expect(call('bits.and', '1.5', '1')).toBeUndefined();
  });
});

describe('native builtins: types', () => {
  it('tests and names types', () => {
    expect(call('is_number', '1.5')).toBe('true');
    expect(call('is_number', '"1"')).toBe('false');
    expect(call('is_string', '"x"')).toBe('true');
    expect(call('is_boolean', 'false')).toBe('true');
    expect(call('is_array', '[]')).toBe('true');
    expect(call('is_set', 'set()')).toBe('true');
    expect(call('is_set', '{}')).toBe('false');
    expect(call('is_object', '{}')).toBe('true');
    expect(call('is_null', 'null')).toBe('true');
    const names = ['null', 'true', '1', '"s"', '[]', '{}', 'set()'].map((v) => call('type_name', v));
    expect(names).toEqual(['"null"', '"boolean"', '"number"', '"string"', '"array"', '"object"', '"set"']);
  });

  it('converts to numbers', () => {
    expect(call('to_number', '"42"')).toBe('42');
    expect(call('to_number', '"-1.5e3"')).toBe('-1500');
    expect(call('to_number', '"+7"')).toBe('7');
    expect(call('to_number', '".5"')).toBe('0.5');
    expect(call('to_number', '"007"')).toBe('7');
    expect(call('to_number', 'true')).toBe('1');
    expect(call('to_number', 'null')).toBe('0');
    expect(call('to_number', '3.25')).toBe('3.25');
    expect(call('to_number', '"abc"')).toBeUndefined();
    expect(call('to_number', '""')).toBeUndefined();
    expect(call('to_number', '[]')).toBeUndefined();
  });
});

describe('native builtins: arrays, objects, sets', () => {
  it('concatenates, slices and reverses arrays', () => {
    expect(call('array.concat', '[1]', '[2, 3]')).toBe('[1,2,3]');
    expect(call('array.slice', '[1, 2, 3, 4]', '1', '3')).toBe('[2,3]');
    expect(call('array.slice', '[1, 2, 3, 4]', '-5', '10')).toBe('[1,2,3,4]');
    expect(call('array.slice', '[1, 2, 3, 4]', '3', '1')).toBe('[]');
    expect(call('array.reverse', '[1, 2, 3]')).toBe('[3,2,1]');
    expect(call('array.concat', '[1]', '{2}')).toBeUndefined();
  });

  it('gets object keys and paths with defaults', () => {
    expect(call('object.get', '{"a": 1}', '"a"', '0')).toBe('1');
    expect(call('object.get', '{"a": 1}', '"b"', '0')).toBe('0');
    expect(call('object.get', '{"a": {"b": [5, 6]}}', '["a", "b", 1]', '0')).toBe('6');
    expect(call('object.get', '{"a": {"b": 1}}', '["a", "x"]', '"d"')).toBe('"d"');
    expect(call('object.get', '{"a": 1}', '[]', '0')).toBe('{"a":1}');
    expect(call('object.get', '[1]', '0', '0')).toBeUndefined();
    expect(call('object.keys', '{"b": 1, "a": 2}')).toBe('{"a","b"}');
  });

  it('removes, filters and unions objects', () => {
    expect(call('object.remove', '{"a": 1, "b": 2, "c": 3}', '["a", "c"]')).toBe('{"b":2}');
    expect(call('object.remove', '{"a": 1, "b": 2}', '{"b": 0}')).toBe('{"a":1}');
    expect(call('object.filter', '{"a": 1, "b": 2, "c": 3}', '{"a", "c"}')).toBe('{"a":1,"c":3}');
    expect(call('object.union', '{"a": {"x": 1}, "b": 2}', '{"a": {"y": 2}, "b": 3}')).toBe(
      '{"a":{"x":1,"y":2},"b":3}',
    );
    expect(call('object.union_n', '[{"a": 1}, {"b": 2}, {"a": 3}]')).toBe('{"a":3,"b":2}');
    expect(call('object.union_n', '[]')).toBe('{}');
    expect(call('object.remove', '{"a": 1}', '1')).toBeUndefined();
  });

  it('combines sets', () => {
    expect(call('intersection', '{{1, 2, 3}, {2, 3}, {3, 4, 2}}')).toBe('{2,3}');
    expect(call('intersection', 'set()')).toBe('set()');
    expect(call('union', '{{1}, {2, 3}}')).toBe('{1,2,3}');
    expect(call('set_diff', '{1, 2}', '{2}')).toBe('{1}');
    expect(call('union', '{[1]}')).toBeUndefined();
  });

  it('implements `in` membership', () => {
    expect(call('internal.member_2', '2', '[1, 2]')).toBe('true');
    expect(call('internal.member_2', '2.0', '{1, 2}')).toBe('true');
    expect(call('internal.member_2', '1', '{"a": 1}')).toBe('true');
    expect(call('internal.member_2', '"a"', '{"a": 1}')).toBe('false');
    expect(call('internal.member_2', '"a"', '"abc"')).toBe('false');
    expect(call('internal.member_3', '1', '"y"', '["x", "y"]')).toBe('true');
    expect(call('internal.member_3', '0', '"y"', '["x", "y"]')).toBe('false');
    expect(call('internal.member_3', '"k"', '1', '{"k": 1}')).toBe('true');
    expect(call('internal.member_3', '"k"', '2', '{"k": 1}')).toBe('false');
  });

  it('walks documents in pre-order', () => {
    expect(call('walk', '{"a": [1, {"b": 2}], "c": {3}}')).toBe(
      '[[[],{"a":[1,{"b":2}],"c":{3}}],[["a"],[1,{"b":2}]],[["a",0],1],[["a",1],{"b":2}],[["a",1,"b"],2],' +
        '[["c"],{3}],[["c",3],3]]',
    );
    expect(call('walk', '1')).toBe('[[[],1]]');
  });

  it('computes graph reachability', () => {
    expect(call('graph.reachable', '{"a": ["b"], "b": ["c"], "c": [], "d": ["a"]}', '["a"]')).toBe(
      '{"a","b","c"}',
    );
    expect(call('graph.reachable', '{"a": {"b"}, "b": set()}', '{"b"}')).toBe('{"b"}');
  });
});

describe('native builtins: strings', () => {
  it('joins, searches and tests strings', () => {
    expect(call('concat', '", "', '["a", "b", "c"]')).toBe('"a, b, c"');
    expect(call('concat', '"-"', '{"b", "a"}')).toBe('"a-b"');
    expect(call('concat', '"-"', '["a", 1]')).toBeUndefined();
    expect(call('contains', '"hello"', '"ell"')).toBe('true');
    expect(call('contains', '"hello"', '""')).toBe('true');
    expect(call('contains', '"hello"', '"xyz"')).toBe('false');
    expect(call('startswith', '"hello"', '"he"')).toBe('true');
    expect(call('endswith', '"hello"', '"lo"')).toBe('true');
    expect(call('endswith', '"lo"', '"hello"')).toBe('false');
    expect(call('indexof', '"héllo"', '"l"')).toBe('2');
    expect(call('indexof', '"hello"', '"z"')).toBe('-1');
    expect(call('indexof', '"hello"', '""')).toBeUndefined();
    expect(call('indexof_n', '"ababa"', '"aba"')).toBe('[0,2]');
    expect(call('strings.count', '"cheese"', '"e"')).toBe('3');
  });

  it('maps case, splits and replaces', () => {
    expect(call('lower', '"HeLLo ÀÉ"')).toBe('"hello àé"');
    expect(call('upper', '"straße é"')).toBe('"STRASSE É"'.replace('SS', 'ß'));
    expect(call('split', '"a,b,,c"', '","')).toBe('["a","b","","c"]');
    expect(call('split', '""', '","')).toBe('[""]');
    expect(call('split', '"héy"', '""')).toBe('["h","é","y"]');
    expect(call('replace', '"aaa"', '"a"', '"bb"')).toBe('"bbbbbb"');
    expect(call('replace', '"ab"', '""', '"-"')).toBe('"-a-b-"');
    expect(call('strings.replace_n', '{"a": "1", "b": "2"}', '"abcab"')).toBe('"12c12"');
    expect(call('strings.reverse', '"héllo"')).toBe('"olléh"');
  });

  it('maps case for all of Unicode like simple (one-to-one) mappings', () => {
    const chars: string[] = [];
    for (let c = 0; c <= 0x1ffff; c++) if (c < 0xd800 || c > 0xdfff) chars.push(String.fromCodePoint(c));
    // JavaScript applies a few special (multi-code-point) mappings; Go uses the simple ones, listed here
    const simple = (ch: string, mapped: string): string => ([...mapped].length === 1 ? mapped : ch);
    const expectLower = chars.map((ch) => (ch === '\u0130' ? 'i' : simple(ch, ch.toLowerCase())));
    const expectUpper = chars.map((ch) => {
      const c = ch.codePointAt(0)!;
      if (c >= 0x1f80 && c <= 0x1faf && (c & 8) === 0) return String.fromCodePoint(c + 8);
      if (c === 0x1fb3 || c === 0x1fc3 || c === 0x1ff3) return String.fromCodePoint(c + 9);
      return simple(ch, ch.toUpperCase());
    });
    const text = JSON.stringify(chars.join(''));
    expect(JSON.parse(call('lower', text)!)).toBe(expectLower.join(''));
    expect(JSON.parse(call('upper', text)!)).toBe(expectUpper.join(''));
  });

  it('takes substrings by code point', () => {
    expect(call('substring', '"héllo"', '1', '3')).toBe('"éll"');
    expect(call('substring', '"hello"', '2', '-1')).toBe('"llo"');
    expect(call('substring', '"hello"', '10', '2')).toBe('""');
    expect(call('substring', '"hello"', '3', '100')).toBe('"lo"');
    expect(call('substring', '"hello"', '-1', '2')).toBeUndefined();
    expect(call('substring', '"hello"', '1.5', '2')).toBeUndefined();
  });

  it('trims', () => {
    expect(call('trim', '"xxhixx"', '"x"')).toBe('"hi"');
    expect(call('trim', '"  hi!! "', '" !"')).toBe('"hi"');
    expect(call('trim_left', '"xxhix"', '"x"')).toBe('"hix"');
    expect(call('trim_right', '"xxhix"', '"x"')).toBe('"xxhi"');
    expect(call('trim', '"ééaéé"', '"é"')).toBe('"a"');
    expect(call('trim_prefix', '"foobar"', '"foo"')).toBe('"bar"');
    expect(call('trim_prefix', '"foobar"', '"bar"')).toBe('"foobar"');
    expect(call('trim_suffix', '"foobar"', '"bar"')).toBe('"foo"');
    expect(call('trim_space', '" \\t hi there\\n "')).toBe('"hi there"');
  });

  it('formats integers', () => {
    expect(call('format_int', '255', '16')).toBe('"ff"');
    expect(call('format_int', '-5', '2')).toBe('"-101"');
    expect(call('format_int', '8', '8')).toBe('"10"');
    expect(call('format_int', '-3.9', '10')).toBe('"-3"');
    expect(call('format_int', '3', '7')).toBeUndefined();
  });
});

describe('native builtins: JSON', () => {
  it('marshals and unmarshals', () => {
    expect(call('json.marshal', '{"b": [1, 2.5], "a": {1, 2}}')).toBe('"{\\"a\\":[1,2],\\"b\\":[1,2.5]}"');
    expect(call('json.unmarshal', '"{\\"x\\": [true, null]}"')).toBe('{"x":[true,null]}');
    // Go's json.Marshal escapes HTML characters and the JS line separators
    expect(JSON.parse(call('json.marshal', JSON.stringify('<a href="x">&</a>\u2028\b'))!)).toBe(
      '"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e\\u2028\\b"',
    );
    expect(call('json.unmarshal', '"{bad"')).toBeUndefined();
    expect(call('json.is_valid', '"[1, 2]"')).toBe('true');
    expect(call('json.is_valid', '"[1, 2"')).toBe('false');
    expect(call('json.is_valid', '1')).toBe('false');
  });

  it('filters and removes paths', () => {
    const doc = '{"a": {"b": 1, "c": 2}, "d": [{"e": 1, "f": 2}, 5], "g": 3}';
    expect(call('json.filter', doc, '["a/b", "g"]')).toBe('{"a":{"b":1},"g":3}');
    expect(call('json.filter', doc, '[["a", "c"], "d/0/f"]')).toBe('{"a":{"c":2},"d":[{"f":2}]}');
    expect(call('json.filter', doc, '{"a"}')).toBe('{"a":{"b":1,"c":2}}');
    expect(call('json.remove', doc, '["a/b", "d/0"]')).toBe('{"a":{"c":2},"d":[5],"g":3}');
    expect(call('json.remove', '{"a/b": 1, "c": 2}', '["a~1b"]')).toBe('{"c":2}');
    expect(call('json.remove', doc, '"a"')).toBeUndefined();
  });
});

describe("native builtins: extras beyond OPA's Wasm list", () => {
  it('steps number ranges', () => {
    expect(call('numbers.range_step', '0', '10', '3')).toBe('[0,3,6,9]');
    expect(call('numbers.range_step', '10', '0', '5')).toBe('[10,5,0]');
    expect(call('numbers.range_step', '0', '1', '0')).toBeUndefined();
    expect(call('numbers.range_step', '0', '1', '0.5')).toBeUndefined();
  });

  it('checks object subsets', () => {
    expect(
      call(
        'object.subset',
        '{"a": "b", "c": {"x": {10, 15, 20, 25}, "y": "z"}}',
        '{"c": {"x": {10, 15, 20}}}',
      ),
    ).toBe('true');
    expect(call('object.subset', '{"a": 1}', '{"a": 2}')).toBe('false');
    expect(call('object.subset', '{"a": 1}', '{"b": 1}')).toBe('false');
    expect(call('object.subset', '{1, 2, 3}', '{1, 3}')).toBe('true');
    expect(call('object.subset', '[1, 2, 3, 4]', '[2, 3]')).toBe('true');
    expect(call('object.subset', '[1, 2, 3, 4]', '[2, 4]')).toBe('false');
    expect(call('object.subset', '[1, 2, 3]', '{3, 1}')).toBe('true');
    expect(call('object.subset', '{1}', '[1]')).toBeUndefined();
  });

  it('matches any prefix or suffix', () => {
    expect(call('strings.any_prefix_match', '"hello"', '["he", "x"]')).toBe('true');
    expect(call('strings.any_prefix_match', '{"a/b", "c/d"}', '"c/"')).toBe('true');
    expect(call('strings.any_prefix_match', '["abc"]', '["b"]')).toBe('false');
    expect(call('strings.any_suffix_match', '"file.rego"', '{".rego", ".json"}')).toBe('true');
    expect(call('strings.any_suffix_match', '"file.rego"', '[1]')).toBeUndefined();
  });
});

describe('native builtins: sprintf (Go fmt semantics, OPA argument conversion)', () => {
  const sprintf = (format: string, args: string): string | undefined => {
    const r = call('sprintf', JSON.stringify(format), args);
    return r === undefined ? undefined : (JSON.parse(r) as string);
  };

  it('formats strings, integers and composite values', () => {
    expect(sprintf('tool %s is not allowed', '["fs.write"]')).toBe('tool fs.write is not allowed');
    expect(sprintf('%d items', '[5]')).toBe('5 items');
    expect(sprintf('%v', '[[1, "a"]]')).toBe('[1, "a"]');
    expect(sprintf('%v', '[{"b": [1], "a": 1}]')).toBe('{"a": 1, "b": [1]}');
    expect(sprintf('%v %v', '[{2, 1}, set()]')).toBe('{1, 2} set()');
    expect(sprintf('%v %v %s', '[true, null, false]')).toBe('true null false');
    expect(sprintf('%d', '[12345678901234567890]')).toBe('12345678901234567890');
    expect(sprintf('%v', '["é\\n"]')).toBe('é\n');
    expect(sprintf('%q', '["a\\"b\\n"]')).toBe('"a\\"b\\n"');
    expect(sprintf('%x %X %o %b %#x %c', '[255, 255, 8, 5, 255, 65]')).toBe('ff FF 10 101 0xff A');
    expect(sprintf('%x', '["hi"]')).toBe('6869');
    expect(sprintf('%.3s|%5s|%-5s|', '["abcdef", "ab", "ab"]')).toBe('abc|   ab|ab   |');
    expect(sprintf('%5d|%-5d|%05d|%+d|%d%%', '[42, 42, 42, 5, 50]')).toBe('   42|42   |00042|+5|50%');
    expect(sprintf('%d', '[-7]')).toBe('-7');
    expect(sprintf('%05d', '[-42]')).toBe('-0042');
  });

  it('formats floats like Go', () => {
    expect(sprintf('%.2f', '[3.14159]')).toBe('3.14');
    expect(sprintf('%f', '[1.5]')).toBe('1.500000');
    expect(sprintf('%8.3f|%-8.2f|', '[3.14159, -3.14159]')).toBe('   3.142|-3.14   |');
    expect(sprintf('%e', '[123456.789]')).toBe('1.234568e+05');
    expect(sprintf('%E', '[0.000123]')).toBe('1.230000E-04');
    expect(sprintf('%v %v %v', '[1.5, 2.5e-7, 0.1]')).toBe('1.5 2.5e-07 0.1');
    expect(sprintf('%g %g', '[0.0001, 0.00001]')).toBe('0.0001 1e-05');
    expect(sprintf('%v', '[1234567.5]')).toBe('1.2345675e+06');
    expect(sprintf('%.0f %.0f', '[2.5, 3.5]')).toBe('2 4');
    expect(sprintf('%.1f %.2f', '[0.05, 1.005]')).toBe('0.1 1.00');
    expect(sprintf('%.3g', '[3.14159]')).toBe('3.14');
    expect(sprintf('%.2f', '[1e-10]')).toBe('0.00');
    expect(sprintf('%.1f', '[0.06]')).toBe('0.1');
    expect(sprintf('%.3f', '[1e20]')).toBe('100000000000000000000.000');
  });

  it('reports bad verbs, missing and extra arguments like Go', () => {
    expect(sprintf('%d', '["x"]')).toBe('%!d(string=x)');
    expect(sprintf('%s', '[1]')).toBe('%!s(int=1)');
    expect(sprintf('%d', '[1.5]')).toBe('%!d(float64=1.5)');
    expect(sprintf('%t', '[true]')).toBe('%!t(string=true)');
    expect(sprintf('%s %s', '["a"]')).toBe('a %!s(MISSING)');
    expect(sprintf('%s', '["a", 2]')).toBe('a%!(EXTRA int=2)');
    expect(sprintf('100%', '[]')).toBe('100%!(NOVERB)');
    expect(sprintf('%s', '"a"')).toBeUndefined();
  });
});

describe('native builtins: units', () => {
  it('parses byte amounts exactly', () => {
    expect(call('units.parse_bytes', '"10KB"')).toBe('10000');
    expect(call('units.parse_bytes', '"10KiB"')).toBe('10240');
    expect(call('units.parse_bytes', '"1.5Mi"')).toBe('1572864');
    expect(call('units.parse_bytes', '"2e2GiB"')).toBe('214748364800');
    expect(call('units.parse_bytes', '"100"')).toBe('100');
    expect(call('units.parse_bytes', '"8EiB"')).toBe('9223372036854775808');
    expect(call('units.parse_bytes', '"0.5b"')).toBeUndefined();
    expect(call('units.parse_bytes', '"1.9"')).toBe('1');
    expect(call('units.parse_bytes', '"10 KB"')).toBeUndefined();
    expect(call('units.parse_bytes', '"KB"')).toBeUndefined();
    expect(call('units.parse_bytes', '"5E"')).toBe('5000000000000000000');
  });

  it('parses SI and binary units (case-sensitive m / M)', () => {
    expect(call('units.parse', '"500m"')).toBe('0.5');
    expect(call('units.parse', '"0.0005K"')).toBe('0.5');
    expect(call('units.parse', '"2M"')).toBe('2000000');
    expect(call('units.parse', '"2Mi"')).toBe('2097152');
    expect(call('units.parse', '"1Ki"')).toBe('1024');
    expect(call('units.parse', '"1.5"')).toBe('1.5');
    expect(call('units.parse', '"1x"')).toBeUndefined();
    expect(call('units.parse', '"1m"')).toBe('0.001');
  });
});

describe('native builtins: crypto', () => {
  const q = (s: string): string => JSON.stringify(s);
  const messages = [
    '',
    'abc',
    'hello world',
    'é😀',
    'x'.repeat(55),
    'y'.repeat(56),
    'z'.repeat(64),
    'w'.repeat(1000),
  ];

  it('computes digests like node:crypto', async () => {
    const { createHash } = await import('node:crypto');
    for (const m of messages) {
      for (const [name, alg] of [
        ['crypto.md5', 'md5'],
        ['crypto.sha1', 'sha1'],
        ['crypto.sha256', 'sha256'],
      ]) {
        expect(call(name, q(m)), `${name}(${m.slice(0, 10)})`).toBe(
          q(createHash(alg).update(m).digest('hex')),
        );
      }
    }
    expect(call('crypto.sha256', '1')).toBeUndefined();
  });

  it('computes HMACs like node:crypto and compares MACs', async () => {
    const { createHmac } = await import('node:crypto');
    const keys = ['', 'key', 'k'.repeat(64), 'K'.repeat(200)];
    for (const m of messages) {
      for (const k of keys) {
        for (const alg of ['md5', 'sha1', 'sha256', 'sha512']) {
          expect(call(`crypto.hmac.${alg}`, q(m), q(k)), `${alg}`).toBe(
            q(createHmac(alg, k).update(m).digest('hex')),
          );
        }
      }
    }
    expect(call('crypto.hmac.equal', q('abc'), q('abc'))).toBe('true');
    expect(call('crypto.hmac.equal', q('abc'), q('abd'))).toBe('false');
    expect(call('crypto.hmac.equal', q('abc'), q('ab'))).toBe('false');
  });
});

describe('native builtins: net.cidr_contains_matches and io.jwt.decode', () => {
  it('matches CIDRs and IPs over strings, arrays, objects and sets (keys as OPA: sets by element)', () => {
    expect(call('net.cidr_contains_matches', '"1.1.1.0/24"', '"1.1.1.1"')).toBe('{["1.1.1.0/24","1.1.1.1"]}');
    expect(call('net.cidr_contains_matches', '["1.1.2.0/24", "1.1.1.0/24"]', '["1.1.1.1", "1.1.2.1"]')).toBe(
      '{[0,1],[1,0]}',
    );
    expect(call('net.cidr_contains_matches', '{"1.1.1.0/24", "1.1.2.0/24"}', '{"1.1.1.1", "1.1.2.1", "2.2.2.2"}')).toBe(
      '{["1.1.1.0/24","1.1.1.1"],["1.1.2.0/24","1.1.2.1"]}',
    );
    expect(
      call('net.cidr_contains_matches', '{"net": ["10.0.0.0/8", "x"]}', '{["10.1.2.3", "host"], ["11.0.0.1", "y"]}'),
    ).toBe('{["net",["10.1.2.3","host"]]}');
    expect(call('net.cidr_contains_matches', '"10.0.0.0/8"', '"10.2.0.0/16"')).toBe('{["10.0.0.0/8","10.2.0.0/16"]}');
    expect(call('net.cidr_contains_matches', '"10.2.0.0/16"', '"10.0.0.0/8"')).toBe('set()');
    expect(call('net.cidr_contains_matches', '"2001:db8::/32"', '["2001:db8::1", "10.0.0.1"]')).toBe(
      '{["2001:db8::/32",0]}',
    );
    expect(call('net.cidr_contains_matches', '"1.1.1.0/24"', '["1.1.1.1", "nope"]')).toBeUndefined();
    expect(call('net.cidr_contains_matches', '"1.1.1.0/24"', '[1]')).toBeUndefined();
    expect(call('net.cidr_contains_matches', '1', '"1.1.1.1"')).toBeUndefined();
  });

  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const quote = (s: string): string => JSON.stringify(s);

  it('decodes JWTs into [header, payload, signature hex] like the host implementation', () => {
    const sig = Buffer.from([0, 1, 0xfe, 0xff, 0x80]);
    const token = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'alice', n: 1, groups: ['dev'] })}.${sig.toString('base64url')}`;
    expect(call('io.jwt.decode', quote(token))).toBe(
      '[{"alg":"HS256","typ":"JWT"},{"groups":["dev"],"n":1,"sub":"alice"},"0001feff80"]',
    );
    // padded base64url and an empty signature
    const padded = `${Buffer.from('{"alg":"none"}').toString('base64').replace(/\+/g, '-').replace(/\//g, '_')}.${b64({ a: 1 })}.`;
    expect(call('io.jwt.decode', quote(padded))).toBe('[{"alg":"none"},{"a":1},""]');
    // nested token (cty JWT), raw and as a JSON string
    const nested = `${b64({ alg: 'HS256', cty: 'JWT' })}.${Buffer.from(token).toString('base64url')}.c2ln`;
    expect(call('io.jwt.decode', quote(nested))).toBe(call('io.jwt.decode', quote(token)));
    const nestedQuoted = `${b64({ cty: 'JWT' })}.${b64(token)}.c2ln`;
    expect(call('io.jwt.decode', quote(nestedQuoted))).toBe(call('io.jwt.decode', quote(token)));
    // malformed tokens are undefined
    for (const bad of ['a.b', 'a.b.c.d', `${b64([1])}.${b64({ a: 1 })}.`, `${b64({})}.${b64('x')}.`, `${b64({})}.e30.%%`, `!.${b64({})}.`]) {
      expect(call('io.jwt.decode', quote(bad)), bad).toBeUndefined();
    }
    expect(call('io.jwt.decode', '1')).toBeUndefined();
  });
});
