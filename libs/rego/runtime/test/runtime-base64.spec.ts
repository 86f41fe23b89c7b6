import { describe, expect, it } from 'vitest';
import { RuntimeHarness } from './runtime.harness';

// base64.decode / base64url.decode (runtime/assembly/encoding.ts) with Go's semantics, as OPA: padding required
// for base64 (optional for base64url, RFC 7515 appendix C), CR/LF ignored, any other foreign character invalid.

const rt = new RuntimeHarness();

/** The decoded bytes (the string value's raw bytes), or undefined. */
function decode(name: 'base64.decode' | 'base64url.decode', text: string): Buffer | undefined {
  const heap = rt.exports.opa_heap_ptr_get();
  try {
    const r = rt.exports[`opa_bi_${name.replace('.', '_')}`](rt.str(text));
    if (r === 0) return undefined;
    // the raw bytes, through hex.encode (the value may not be valid UTF-8)
    return Buffer.from(JSON.parse(rt.dump(rt.exports.opa_bi_hex_encode(r))) as string, 'hex');
  } finally {
    rt.exports.opa_heap_ptr_set(heap);
  }
}

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('native base64 decoding', () => {
  it('round-trips random bytes, padded and unpadded, with CR/LF anywhere', () => {
    const rand = prng(3);
    for (let i = 0; i < 500; i++) {
      const bytes = Buffer.from(
        Array.from({ length: Math.floor(rand() * 70) }, () => Math.floor(rand() * 256)),
      );
      const std = bytes.toString('base64');
      const url = bytes.toString('base64url');
      const withNl = std.replace(/(.{1,7})/g, (m) => (rand() < 0.3 ? `${m}\r\n` : m));
      expect(decode('base64.decode', std)?.equals(bytes), std).toBe(true);
      expect(decode('base64.decode', withNl)?.equals(bytes), withNl).toBe(true);
      expect(decode('base64url.decode', url)?.equals(bytes), url).toBe(true);
      const urlPadded = std.replace(/\+/g, '-').replace(/\//g, '_');
      expect(decode('base64url.decode', urlPadded)?.equals(bytes), urlPadded).toBe(true);
    }
  });

  it('rejects bad lengths, foreign characters and misplaced padding', () => {
    for (const bad of ['a', 'abc', 'ab=c', 'a===', '=abc', 'ab==ab==', 'ab*d', 'YWJj\tZA==', 'YW-j']) {
      expect(decode('base64.decode', bad), bad).toBeUndefined();
    }
    for (const bad of ['a', 'abcde', 'ab=c', 'a===', 'ab+d', 'ab/d', 'abc==']) {
      expect(decode('base64url.decode', bad), bad).toBeUndefined();
    }
    expect(decode('base64.decode', '')?.length).toBe(0);
    // trailing bits are ignored, as Go's non-strict decoder does
    expect(decode('base64.decode', 'YR==')?.toString()).toBe('a');
    expect(decode('base64url.decode', 'YR')?.toString()).toBe('a');
  });
});
