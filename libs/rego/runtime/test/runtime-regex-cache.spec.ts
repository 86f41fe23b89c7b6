import { describe, expect, it } from 'vitest';
import { RuntimeHarness } from './runtime.harness';

// The cache of compiled regular expressions (runtime/assembly/regex.ts) keeps programs in static memory across
// evaluations. Every call here resets the heap and then scribbles over it, as a new evaluation would, so a
// cached program that still pointed into the heap would match wrongly.

const rt = new RuntimeHarness();

function scribble(): void {
  const heap = rt.exports.opa_heap_ptr_get();
  const n = 32 * 1024;
  const p = rt.exports.opa_malloc(n);
  new Uint8Array(rt.memory.buffer, p, n).fill(0xab);
  rt.exports.opa_heap_ptr_set(heap);
}

function match(pattern: string, text: string): boolean | undefined {
  const heap = rt.exports.opa_heap_ptr_get();
  try {
    const r = rt.exports.opa_bi_regex_match(rt.str(pattern), rt.str(text));
    return r === 0 ? undefined : rt.dump(r) === 'true';
  } finally {
    rt.exports.opa_heap_ptr_set(heap);
    scribble();
  }
}

// patterns whose JavaScript meaning equals RE2's, with character classes (relocated when cached)
const PATTERNS = [
  '^/workspace/[A-Za-z0-9_./-]+$',
  '(^|/)\\.\\.(/|$)',
  '^(main|master|release/[0-9]+\\.[0-9]+)$',
  '^https://([a-z0-9-]+\\.)*corp\\.example(/.*)?$',
  '^[a-z0-9._%+-]+@example\\.com$',
  '[^aeiou]{3}',
  '^[0-9a-f]{8}-[0-9a-f]{4}$',
  'x+y*z?',
  '(ab|cd)+e',
  '^[A-Z][a-z]+ [A-Z][a-z]+$',
  '[\\s,;]+',
  '\\d{2,3}',
  `^(?:${Array.from({ length: 60 }, (_, i) => `w${i}[a-z]`).join('|')})$`, // too big for a slot
];

const TEXTS = [
  '/workspace/src/main.ts',
  '/workspace/../etc',
  'release/2.4',
  'main',
  'https://api.corp.example/v1',
  'https://evil.example',
  'user0@example.com',
  'USER@example.org',
  'deadbeef-cafe',
  'xyz abc',
  'Ada Lovelace',
  'a, b; c',
  '12345',
  'w42q',
  '',
];

describe('native regex: the compiled-program cache', () => {
  it('gives the same answers as JavaScript while patterns evict each other', () => {
    let seed = 11;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let round = 0; round < 3000; round++) {
      const pattern = PATTERNS[Math.floor(rand() * PATTERNS.length)];
      const text = TEXTS[Math.floor(rand() * TEXTS.length)];
      expect(match(pattern, text), `${pattern} ~ ${JSON.stringify(text)}`).toBe(
        new RegExp(pattern).test(text),
      );
    }
  });

  it('never caches an invalid pattern, and tells patterns of equal length apart', () => {
    for (let i = 0; i < 3; i++) {
      expect(match('a(b', 'ab')).toBeUndefined();
      expect(match('a[b', 'ab')).toBeUndefined();
      expect(match('a(b)', 'ab')).toBe(true);
      expect(match('a[b]', 'ab')).toBe(true);
      expect(match('^[a-c]$', 'b')).toBe(true);
      expect(match('^[x-z]$', 'b')).toBe(false);
    }
  });
});
