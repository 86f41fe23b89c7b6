import { describe, expect, it } from 'vitest';
import { goSprintf, sprintfBuiltin } from './sprintf.builtin';

describe('goSprintf (Go fmt semantics as OPA applies them)', () => {
  it.each([
    ['%d items', [3], '3 items'],
    ['%5d|%-5d|%05d', [42, 42, 42], '   42|42   |00042'],
    ['%+d % d', [5, 5], '+5  5'],
    ['%s and %v', ['x', 'y'], 'x and y'],
    ['%v', [[1, 'a']], '[1, "a"]'],
    ['%v', [{ b: 1, a: true }], '{"a": true, "b": 1}'],
    ['%v', [null], 'null'],
    ['%.2f', [3.14159], '3.14'],
    ['%8.3f|', [3.14159], '   3.142|'],
    ['%f', [1.5], '1.500000'],
    ['%e', [123456.789], '1.234568e+05'],
    ['%E', [0.5], '5.000000E-01'],
    ['%g', [0.00001234], '1.234e-05'],
    ['%g', [100000.5], '100000.5'],
    ['%.3g', [1234.5678], '1.23e+03'],
    ['%v', [1.5], '1.5'],
    ['%v', [1000000.5], '1.0000005e+06'],
    ['%x %X %#x %o %b', [255, 255, 255, 8, 5], 'ff FF 0xff 10 101'],
    ['%x', ['hi'], '6869'],
    ['%q', ['a"b\n'], '"a\\"b\\n"'],
    ['%t', [true], '%!t(string=true)'],
    ['100%%', [], '100%'],
    ['%d %d', [1], '1 %!d(MISSING)'],
    ['%d', [1, 'two'], '1%!(EXTRA string=two)'],
    ['%d', ['x'], '%!d(string=x)'],
    ['%d', [1.5], '%!d(float64=1.5)'],
    ['%s', [7], '%!s(int=7)'],
    ['%.2s|%5s|%-5s|', ['abc', 'ab', 'ab'], 'ab|   ab|ab   |'],
    ['%*d', [4, 7], '   7'],
    ['%[2]d %[1]d', [1, 2], '2 1'],
    ['end %', [], 'end %!(NOVERB)'],
  ])('sprintf(%j, %j) = %j', (format, args, want) => {
    expect(goSprintf(format, args)).toBe(want);
  });

  it('is undefined for ill-typed arguments', () => {
    expect(sprintfBuiltin(1, [])).toBeUndefined();
    expect(sprintfBuiltin('%d', 'x')).toBeUndefined();
    expect(sprintfBuiltin('%d', [2])).toBe('2');
  });
});
