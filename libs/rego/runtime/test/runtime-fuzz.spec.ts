import { describe, expect, it } from 'vitest';
import { RuntimeHarness } from './runtime.harness';

/** Deterministic pseudo-random generator (LCG). */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

function randomString(r: () => number): string {
  const pool = [
    'a',
    'b',
    'Z',
    ' ',
    '"',
    '\\',
    '\n',
    '\t',
    '\u0001',
    '\u007f',
    'é',
    'ß',
    '€',
    '😀',
    '\u2028',
    '/',
  ];
  let out = '';
  const n = Math.floor(r() * 6);
  for (let i = 0; i < n; i++) out += pool[Math.floor(r() * pool.length)];
  return out;
}

function randomNumber(r: () => number): number {
  switch (Math.floor(r() * 5)) {
    case 0:
      return Math.floor(r() * 200) - 100;
    case 1:
      return (r() - 0.5) * 1e6;
    case 2:
      return r() * Math.pow(10, Math.floor(r() * 600) - 300);
    case 3:
      return Math.floor((r() - 0.5) * Number.MAX_SAFE_INTEGER);
    default:
      return Math.round(r() * 1000) / 8;
  }
}

function randomJSON(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 3 ? 4 : 6));
  switch (k) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return randomNumber(r);
    case 3:
      return randomString(r);
    case 4:
      return Array.from({ length: Math.floor(r() * 5) }, () => randomJSON(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      const n = Math.floor(r() * 5);
      for (let i = 0; i < n; i++) o[randomString(r)] = randomJSON(r, depth + 1);
      return o;
    }
  }
}

/** Rego's total order on JSON values (no sets), as a reference. */
function regoCompare(a: unknown, b: unknown): number {
  const rank = (v: unknown): number =>
    v === null
      ? 0
      : typeof v === 'boolean'
        ? 1
        : typeof v === 'number'
          ? 2
          : typeof v === 'string'
            ? 3
            : Array.isArray(v)
              ? 4
              : 5;
  const ra = rank(a),
    rb = rank(b);
  if (ra !== rb) return Math.sign(ra - rb);
  if (typeof a === 'boolean' || typeof a === 'number')
    return a === b ? 0 : (a as number) < (b as number) ? -1 : 1;
  if (typeof a === 'string') {
    const x = Buffer.from(a),
      y = Buffer.from(b as string);
    return Math.sign(Buffer.compare(x, y));
  }
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    for (let i = 0; i < Math.min(a.length, bb.length); i++) {
      const c = regoCompare(a[i], bb[i]);
      if (c !== 0) return c;
    }
    return Math.sign(a.length - bb.length);
  }
  if (a === null) return 0;
  const ka = Object.keys(a as object).sort((x, y) => regoCompare(x, y));
  const kb = Object.keys(b as object).sort((x, y) => regoCompare(x, y));
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    let c = regoCompare(ka[i], kb[i]);
    if (c !== 0) return c;
    c = regoCompare((a as Record<string, unknown>)[ka[i]], (b as Record<string, unknown>)[kb[i]]);
    if (c !== 0) return c;
  }
  return Math.sign(ka.length - kb.length);
}

describe('runtime fuzzing against JavaScript', () => {
  it('round-trips random JSON documents exactly', () => {
    const rt = new RuntimeHarness();
    const r = rng(42);
    for (let i = 0; i < 400; i++) {
      const mark = rt.exports.opa_heap_ptr_get();
      const doc = randomJSON(r, 0);
      const text = JSON.stringify(doc);
      const v = rt.parse(text);
      expect(v, text).not.toBe(0);
      const out = rt.dump(v);
      expect(JSON.parse(out), text).toEqual(doc);
      // Rego syntax output of JSON documents is JSON as well
      expect(JSON.parse(rt.dumpRego(v))).toEqual(doc);
      rt.exports.opa_heap_ptr_set(mark);
    }
  });

  it('sorts random values like the reference total order', () => {
    const rt = new RuntimeHarness();
    const r = rng(7);
    for (let i = 0; i < 60; i++) {
      const values = Array.from({ length: 12 }, () => randomJSON(r, 2));
      const sorted = JSON.parse(rt.dump(rt.exports.opa_bi_sort(rt.parse(JSON.stringify(values)))));
      const expected = [...values].sort(regoCompare);
      expect(sorted).toEqual(expected);
      for (let j = 0; j + 1 < values.length; j++) {
        const a = rt.parse(JSON.stringify(values[j])),
          b = rt.parse(JSON.stringify(values[j + 1]));
        expect(rt.exports.opa_value_compare(a, b)).toBe(regoCompare(values[j], values[j + 1]));
        if (rt.exports.opa_value_compare(a, b) === 0) {
          expect(rt.exports.opa_value_hash(a)).toBe(rt.exports.opa_value_hash(b));
        }
      }
    }
  });

  it('handles large documents', () => {
    const rt = new RuntimeHarness();
    const big: Record<string, unknown> = {};
    for (let i = 0; i < 20000; i++) big[`key${(i * 7919) % 20000}`] = { i, s: 'x'.repeat(20), f: i / 3 };
    const text = JSON.stringify(big);
    const v = rt.parse(text);
    expect(v).not.toBe(0);
    expect(rt.exports.opa_value_length(v)).toBe(20000);
    const out = rt.dump(v);
    expect(JSON.parse(out)).toEqual(big);
  });

  it('rejects or accepts exactly what JSON.parse does on mutated inputs', () => {
    const rt = new RuntimeHarness();
    const r = rng(99);
    const alphabet = [
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '"',
      '\\',
      '1',
      '-',
      '.',
      'e',
      ' ',
      'n',
      't',
      'u',
      '0',
      'a',
    ];
    for (let i = 0; i < 400; i++) {
      const base = JSON.stringify(randomJSON(r, 1));
      const pos = Math.floor(r() * (base.length + 1));
      const mutated =
        base.slice(0, pos) +
        alphabet[Math.floor(r() * alphabet.length)] +
        base.slice(pos + (r() < 0.5 ? 1 : 0));
      let valid = true;
      try {
        JSON.parse(mutated);
      } catch {
        valid = false;
      }
      const mark = rt.exports.opa_heap_ptr_get();
      expect(rt.parse(mutated) !== 0, mutated).toBe(valid);
      rt.exports.opa_heap_ptr_set(mark);
    }
  });

  it('finds the same first match and groups as JavaScript on random regular expressions', () => {
    // leftmost-first semantics agree between RE2 and JavaScript on this subset (no backreferences, lookaround or
    // quantified groups)
    const rt = new RuntimeHarness();
    const r = rng(5);
    const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)];
    const atom = (d: number): string => {
      switch (Math.floor(r() * (d > 2 ? 5 : 8))) {
        case 0:
        case 1:
          return pick(['a', 'b', 'c', '1', ' ']);
        case 2:
          return '.';
        case 3:
          return pick(['[ab]', '[^a]', '[a-c]', '\\d', '\\w', '\\s', '[^ ]']);
        case 4:
          return pick(['^', '$', '\\b']);
        case 5:
          return '(' + alt(d + 1) + ')';
        case 6:
          return '(?:' + alt(d + 1) + ')';
        default:
          return pick(['a', 'b']);
      }
    };
    // quantified groups that can match empty differ between RE2 and JavaScript (JS rejects empty iterations),
    // so only single-character atoms get quantifiers
    const quant = (s: string): string =>
      ['^', '$', '\\b'].includes(s) || s.startsWith('(')
        ? s
        : s + pick(['', '', '', '', '*', '+', '?', '{1,2}', '{2}', '*?', '+?', '??']);
    const seq = (d: number): string =>
      Array.from({ length: 1 + Math.floor(r() * 3) }, () => quant(atom(d))).join('');
    const alt = (d: number): string => (r() < 0.3 ? seq(d) + '|' + seq(d) : seq(d));
    for (let i = 0; i < 2000; i++) {
      const pattern = alt(0);
      const input = Array.from({ length: Math.floor(r() * 8) }, () => pick(['a', 'b', 'c', '1', ' '])).join(
        '',
      );
      const js = new RegExp(pattern).exec(input);
      const mark = rt.exports.opa_heap_ptr_get();
      const got = rt.call(
        'regex.find_all_string_submatch_n',
        JSON.stringify(pattern),
        JSON.stringify(input),
        '1',
      );
      rt.exports.opa_heap_ptr_set(mark);
      expect(got, pattern).toBeDefined();
      expect(JSON.parse(got!), `${pattern} on ${JSON.stringify(input)}`).toEqual(
        js ? [[...js].map((g) => g ?? '')] : [],
      );
    }
  });
});
