import referenceCanonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { canonicalize } from './canonical-json';
import { seededRandom } from './testing/audit-fixtures';

/** Random JSON-ish values, including awkward keys (non-BMP, combining marks, controls) and numbers. */
function randomValue(random: () => number, depth: number): unknown {
  const pick = Math.floor(random() * (depth > 3 ? 5 : 8));
  const strings = [
    '',
    'a',
    'é',
    'e\u0301',
    '\u20ac',
    '\ud83d\ude00',
    '\u0000\u001f"\\/',
    '\u2028',
    'Z',
    '10',
    '1',
    '\ufb33',
  ];
  const numbers = [
    0,
    -0,
    1,
    -1,
    1e21,
    1e-7,
    123.456,
    2 ** 53,
    -(2 ** 31),
    5e-324,
    1.7976931348623157e308,
    0.1 + 0.2,
  ];
  switch (pick) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return numbers[Math.floor(random() * numbers.length)] * (random() < 0.5 ? 1 : random());
    case 3:
    case 4:
      return (
        strings[Math.floor(random() * strings.length)] + String.fromCharCode(Math.floor(random() * 0x3000))
      );
    case 5:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
    default: {
      const out: Record<string, unknown> = {};
      const n = Math.floor(random() * 6);
      for (let i = 0; i < n; i += 1) {
        const key =
          strings[Math.floor(random() * strings.length)] +
          String.fromCharCode(0x20 + Math.floor(random() * 0xfff0));
        out[key] = random() < 0.1 ? undefined : randomValue(random, depth + 1);
      }
      return out;
    }
  }
}

describe('canonicalize (RFC 8785)', () => {
  it('matches the RFC 8785 examples of member ordering and number formatting', () => {
    // RFC 8785 §3.2.3 sorting example (names compared as UTF-16 code units).
    const sorted = canonicalize({
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    });
    expect(sorted).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
    // RFC 8785 §3.2.2.3 number examples.
    expect(canonicalize([-0, 1e21, 1e-7, Number('333333333.33333329'), 4.5, 2e-3, 0.000001])).toBe(
      '[0,1e+21,1e-7,333333333.3333333,4.5,0.002,0.000001]',
    );
    expect(canonicalize({ b: [1, undefined, 'x'], a: { d: undefined, c: new Date(0) } })).toBe(
      '{"a":{"c":"1970-01-01T00:00:00.000Z"},"b":[1,null,"x"]}',
    );
  });

  it('rejects values JSON cannot represent', () => {
    expect(() => canonicalize(Number.NaN)).toThrow();
    expect(() => canonicalize({ a: Number.POSITIVE_INFINITY })).toThrow();
    expect(() => canonicalize(10n)).toThrow(TypeError);
  });

  it('property: produces exactly the text of the canonicalize package for random values', () => {
    const random = seededRandom(8785);
    for (let i = 0; i < 3000; i += 1) {
      const value = randomValue(random, 0);
      expect(canonicalize(value)).toBe(referenceCanonicalize(value));
    }
  });
});
