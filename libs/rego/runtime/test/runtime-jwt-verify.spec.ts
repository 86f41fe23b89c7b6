import opa from '@open-policy-agent/opa-wasm';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/index';
import { CRYPTO_BUILTINS } from '../../src/host/crypto.builtins';
import { RuntimeHarness } from './runtime.harness';

// Native io.jwt.verify_hs256 / hs384 / hs512 (runtime/assembly/jwt.ts), checked against the JS host builtins
// (src/host/crypto.builtins.ts) on random tokens and secrets, against an independent reference written with
// node:crypto for OPA's exact semantics, and through a compiled policy under @open-policy-agent/opa-wasm.

const rt = new RuntimeHarness();

type Alg = 'HS256' | 'HS384' | 'HS512';
const ALGS: readonly Alg[] = ['HS256', 'HS384', 'HS512'];
const NODE_HASH: Record<Alg, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };
const BUILTIN: Record<Alg, string> = {
  HS256: 'io.jwt.verify_hs256',
  HS384: 'io.jwt.verify_hs384',
  HS512: 'io.jwt.verify_hs512',
};

/** Calls the native builtin with raw JS strings (UTF-8 in memory); true / false / undefined. */
function native(alg: Alg, token: unknown, secret: unknown): boolean | undefined {
  const fn = rt.exports[`opa_bi_${BUILTIN[alg].replace(/\./g, '_')}`];
  const heap = rt.exports.opa_heap_ptr_get();
  try {
    const arg = (x: unknown): number => (typeof x === 'string' ? rt.str(x) : rt.v(JSON.stringify(x)));
    const r = fn(arg(token), arg(secret));
    if (r === 0) return undefined;
    const text = rt.dump(r);
    if (text !== 'true' && text !== 'false') throw new Error(`not a boolean: ${text}`);
    return text === 'true';
  } finally {
    rt.exports.opa_heap_ptr_set(heap);
  }
}

function host(alg: Alg, token: unknown, secret: unknown): boolean | undefined {
  return CRYPTO_BUILTINS[BUILTIN[alg]](token, secret) as boolean | undefined;
}

/**
 * OPA's topdown semantics, independently: three parts or undefined; the signature decoded as OPA's
 * base64url.decode does (padding added when missing, Go's URL alphabet, CR/LF ignored) or undefined; HMAC of
 * the text before the second dot; equal bytes → true.
 */
function reference(alg: Alg, token: string, secret: string): boolean | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  let sig = parts[2].replace(/[\r\n]/g, '');
  if (!sig.endsWith('=')) {
    if (sig.length % 4 === 1) return undefined;
    sig += '='.repeat((4 - (sig.length % 4)) % 4);
  }
  if (!/^[A-Za-z0-9_-]*(={0,2})$/.test(sig) || sig.length % 4 !== 0) return undefined;
  const want = Buffer.from(sig, 'base64url');
  const mac = createHmac(NODE_HASH[alg], Buffer.from(secret, 'utf8'))
    .update(`${parts[0]}.${parts[1]}`, 'utf8')
    .digest();
  return want.length === mac.length && timingSafeEqual(want, mac);
}

/** Deterministic PRNG (mulberry32), so a failure reproduces. */
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

const ALPHABETS = [
  'abcdefghijklmnopqrstuvwxyz0123456789',
  'ABCXYZ !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
  'éèçàüößøåñ',
  '日本語の秘密鍵',
  '😀🔑🛡️👩‍💻',
  '\u0000\u0001\u007f\u0080\u00ff\uffff',
];

function randomText(rand: () => number, maxLen: number): string {
  const len = Math.floor(rand() * (maxLen + 1));
  const alphabet = [...ALPHABETS[Math.floor(rand() * ALPHABETS.length)]];
  let s = '';
  for (let i = 0; i < len; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
  return s;
}

/** Secrets: empty, short, exactly one block, longer than the block (hashed first), unicode. */
function randomSecret(rand: () => number): string {
  const pick = rand();
  if (pick < 0.1) return '';
  if (pick < 0.2) return 'k'.repeat(64);
  if (pick < 0.3) return 's'.repeat(128);
  if (pick < 0.4) return randomText(rand, 300);
  return randomText(rand, 40);
}

const b64 = (v: string | Buffer): string => Buffer.from(v).toString('base64url');

function sign(alg: Alg, signingInput: string, secret: string, padded: boolean): string {
  const mac = createHmac(NODE_HASH[alg], Buffer.from(secret, 'utf8')).update(signingInput, 'utf8').digest();
  return padded ? mac.toString('base64').replace(/\+/g, '-').replace(/\//g, '_') : b64(mac);
}

/** A token with a JSON-object header and payload (what the host can decode), signed with `secret`. */
function randomToken(rand: () => number, alg: Alg, secret: string, padded: boolean): string {
  const header = { alg, typ: 'JWT', kid: randomText(rand, 8) };
  const payload: Record<string, unknown> = { sub: randomText(rand, 20), n: Math.floor(rand() * 1e9) };
  if (rand() < 0.5) payload.scope = randomText(rand, 60);
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`;
  return `${input}.${sign(alg, input, secret, padded)}`;
}

describe('native io.jwt.verify_hs*: OPA conformance vectors', () => {
  it('verifies OPA test tokens and rejects a bad signature or a two-part token', () => {
    const hs256Bad =
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyIjoiYWxpY2UiLCJhenAiOiJhbGljZSIsInN1Ym9yZGluYXRlcyI6W10sImhyIjpmYWxzZX0.R0NDxM1gHTucWQKwayMDre2PbMNR9K9efmOfygDZWcE';
    const hs384 =
      'eyJhbGciOiJIUzM4NCJ9.eyJTY29wZXMiOlsiZm9vIiwiYmFyIl0sIm5iZiI6MTQ1MTYwNjQwMH0.g98lHYzuqINVppLMoEZT7jlpX0IBSo9zKGoN9DhQg7Ua3YjLXbJMjzESjIHXOGLB';
    const hs512 =
      'eyJhbGciOiJIUzUxMiJ9.eyJTY29wZXMiOlsiZm9vIiwiYmFyIl0sIm5iZiI6MTQ1MTYwNjQwMH0.F6-xviRhK2OLcJJHFivhQqMN_dgX5boDrwbVKkdo9flQQNk-AaKpH3uYycFvBEd_erVefcsri_PkL4fjLSZ7ZA';
    expect(native('HS256', hs256Bad, 'secret')).toBe(false);
    expect(native('HS384', hs384, 'secret')).toBe(true);
    expect(native('HS512', hs512, 'secret')).toBe(true);
    expect(native('HS384', hs384, 'Secret')).toBe(false);
    // the right signature under another algorithm: wrong length, false
    expect(native('HS256', hs384, 'secret')).toBe(false);
    expect(native('HS512', hs384, 'secret')).toBe(false);
    // OPA: "encoded JWT must have 3 sections" (a builtin error: undefined in non-strict evaluation)
    expect(native('HS512', hs512.slice(0, hs512.lastIndexOf('.')), 'secret')).toBeUndefined();
    expect(native('HS512', `${hs512}.x`, 'secret')).toBeUndefined();
    expect(native('HS256', 'no-dots', 'secret')).toBeUndefined();
  });

  it('is undefined for non-string arguments and an invalid base64url signature', () => {
    const token = randomToken(prng(1), 'HS256', 'k', false);
    expect(native('HS256', 42, 'k')).toBeUndefined();
    expect(native('HS256', token, 7)).toBeUndefined();
    expect(native('HS256', token, null)).toBeUndefined();
    expect(native('HS256', `${token.slice(0, token.lastIndexOf('.'))}.abc*`, 'k')).toBeUndefined();
    expect(native('HS256', `${token.slice(0, token.lastIndexOf('.'))}.abcde`, 'k')).toBeUndefined(); // 5 chars
    expect(native('HS256', token, 'k')).toBe(true);
  });
});

describe('native io.jwt.verify_hs* against the JS host builtins', () => {
  it('agrees on random tokens and secrets (valid, wrong secret, tampered payload, cut signature)', () => {
    const rand = prng(0x5eed);
    let trues = 0;
    let falses = 0;
    let undefs = 0;
    let badPadding = 0;
    for (let i = 0; i < 600; i++) {
      const alg = ALGS[i % 3];
      const secret = randomSecret(rand);
      const padded = rand() < 0.5;
      const token = randomToken(rand, alg, secret, padded);
      const [h, p, s] = token.split('.');
      const other = randomSecret(rand);
      const otherPayload = b64(JSON.stringify({ sub: randomText(rand, 20), admin: true }));
      const cut = 1 + Math.floor(rand() * 6);
      const cases: [string, string][] = [
        [token, secret],
        [token, other],
        [`${h}.${otherPayload}.${s}`, secret], // tampered payload, original signature
        [`${h}.${p}.${s.slice(0, s.length - cut)}`, secret], // cut signature
        [`${h}.${p}.`, secret], // no signature
      ];
      for (const [tok, key] of cases) {
        const got = native(alg, tok, key);
        const label = `${alg} ${JSON.stringify(tok)} / ${JSON.stringify(key)}`;
        expect(got, label).toBe(reference(alg, tok, key));
        const sig = tok.slice(tok.lastIndexOf('.') + 1);
        if (sig.endsWith('=') && sig.length % 4 !== 0) {
          // a cut padded signature ("…=" of a bad length): Go's decoder (OPA) rejects it (undefined); the host's
          // lenient decoder accepts it (a HS512 signature missing one of its two "=" even verifies there)
          expect(got, label).toBeUndefined();
          badPadding++;
          continue;
        }
        const want = host(alg, tok, key);
        expect(got, label).toBe(want);
        if (want === true) trues++;
        else if (want === false) falses++;
        else undefs++;
      }
      // every other algorithm rejects this token's signature
      for (const a of ALGS) if (a !== alg) expect(native(a, token, secret)).toBe(host(a, token, secret));
    }
    // the sample exercises every outcome
    expect(trues).toBeGreaterThan(550);
    expect(falses).toBeGreaterThan(1500);
    expect(undefs).toBeGreaterThan(50);
    expect(badPadding).toBeGreaterThan(10);
  });

  it('agrees with an independent reference on arbitrary header and payload text (OPA does not decode them)', () => {
    const rand = prng(42);
    for (let i = 0; i < 400; i++) {
      const alg = ALGS[i % 3];
      const secret = randomSecret(rand);
      // any text without dots, e.g. a payload tampered character by character
      const input = `${randomText(rand, 30).replace(/\./g, '')}.${randomText(rand, 80).replace(/\./g, '')}`;
      const good = sign(alg, input, secret, rand() < 0.5);
      expect(native(alg, `${input}.${good}`, secret)).toBe(true);
      expect(native(alg, `${input}.${good}`, secret)).toBe(reference(alg, `${input}.${good}`, secret));
      const [hd, pl] = input.split('.');
      const tampered = `${hd}.${pl.slice(0, -1)}${pl.endsWith('x') ? 'y' : 'x'}.${good}`;
      expect(native(alg, tampered, secret)).toBe(false);
      const junk = `${input}.${randomText(rand, 90).replace(/\./g, '')}`;
      expect(native(alg, junk, secret), JSON.stringify(junk)).toBe(reference(alg, junk, secret));
    }
  });

  it('verifies tokens signed under unicode and empty secrets by byte, not by code unit', () => {
    const input = `${b64('{"alg":"HS256"}')}.${b64('{"sub":"ünï"}')}`;
    for (const secret of ['', 'ключ', '🔑', 'e\u0301', '\u00e9']) {
      const token = `${input}.${sign('HS256', input, secret, false)}`;
      expect(native('HS256', token, secret)).toBe(true);
      expect(host('HS256', token, secret)).toBe(true);
    }
    // "é" precomposed and decomposed are different bytes: different MACs
    const token = `${input}.${sign('HS256', input, '\u00e9', false)}`;
    expect(native('HS256', token, 'e\u0301')).toBe(false);
  });
});

describe('native io.jwt.verify_hs*: the cache of recent verifications', () => {
  it('keys results by algorithm, secret and every byte of the token', () => {
    const rand = prng(99);
    const secret = 'cache-secret';
    const token = randomToken(rand, 'HS256', secret, false);
    const [h, p, s] = token.split('.');
    expect(native('HS256', token, secret)).toBe(true);
    expect(native('HS256', token, secret)).toBe(true); // from the cache
    expect(native('HS256', token, 'cache-secreT')).toBe(false); // same length, other secret
    expect(native('HS256', token, secret)).toBe(true);
    expect(native('HS384', token, secret)).toBe(false);
    expect(native('HS256', token, secret)).toBe(true);
    // one payload character changed: same length and same last bytes (the same slots), another token
    const i = Math.floor(p.length / 2);
    const forged = `${h}.${p.slice(0, i)}${p[i] === 'A' ? 'B' : 'A'}${p.slice(i + 1)}.${s}`;
    expect(forged.length).toBe(token.length);
    expect(native('HS256', forged, secret)).toBe(false);
    expect(native('HS256', token, secret)).toBe(true);
    expect(native('HS256', forged, secret)).toBe(false);
    // an invalid signature is never cached as a result
    const badSig = `${h}.${p}.${s.slice(0, -1)}*`;
    expect(native('HS256', badSig, secret)).toBeUndefined();
    expect(native('HS256', badSig, secret)).toBeUndefined();
  });

  it('stays correct while many tokens evict each other, and for tokens too long to cache', () => {
    const rand = prng(2024);
    const pool = Array.from({ length: 40 }, (_, k) => {
      const alg = ALGS[k % 3];
      const secret = randomSecret(rand);
      return { alg, secret, token: randomToken(rand, alg, secret, k % 2 === 0) };
    });
    const long = `${b64('{"alg":"HS256"}')}.${b64(JSON.stringify({ pad: 'x'.repeat(3000) }))}`;
    pool.push({ alg: 'HS256', secret: 'k', token: `${long}.${sign('HS256', long, 'k', false)}` });
    for (let round = 0; round < 2000; round++) {
      const a = pool[Math.floor(rand() * pool.length)];
      const b = pool[Math.floor(rand() * pool.length)];
      const secret = rand() < 0.8 ? a.secret : b.secret;
      expect(native(a.alg, a.token, secret)).toBe(reference(a.alg, a.token, secret));
    }
  });
});

describe('native io.jwt.verify_hs* in a compiled policy under @open-policy-agent/opa-wasm', () => {
  it('is called natively (no host import) and agrees with the host builtins', async () => {
    const out = await compile({
      modules: {
        'jwt.rego': `package jwtv

hs256 := io.jwt.verify_hs256(input.token, input.secret)
hs384 := io.jwt.verify_hs384(input.token, input.secret)
hs512 := io.jwt.verify_hs512(input.token, input.secret)
`,
      },
      entrypoints: ['jwtv/hs256', 'jwtv/hs384', 'jwtv/hs512'],
    });
    expect(Object.keys(out.builtins ?? {})).toEqual([]);
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(out.wasm)).map(
      (i) => `${i.module}.${i.name}`,
    );
    expect(imports.filter((i) => i.startsWith('env.opa_builtin'))).toEqual([]);
    const policy = await opa.loadPolicy(out.wasm, undefined, out.builtins);
    policy.setData({});
    const rand = prng(7);
    for (let i = 0; i < 60; i++) {
      const alg = ALGS[i % 3];
      const secret = randomSecret(rand);
      const token = randomToken(rand, alg, secret, rand() < 0.5);
      const [h, , s] = token.split('.');
      const tampered = `${h}.${b64('{"sub":"mallory"}')}.${s}`;
      for (const [tok, key] of [
        [token, secret],
        [token, `${secret}x`],
        [tampered, secret],
        [token.slice(0, token.lastIndexOf('.')), secret],
      ]) {
        const input = new TextEncoder().encode(JSON.stringify({ token: tok, secret: key })).buffer;
        for (const a of ALGS) {
          const want = host(a, tok, key);
          const got = policy.evaluate(input, `jwtv/${a.toLowerCase()}`) as { result: unknown }[];
          expect(got, `${a} ${tok}`).toEqual(want === undefined ? [] : [{ result: want }]);
        }
      }
    }
  });
});
