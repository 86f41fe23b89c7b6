/**
 * Hashing and JWT host builtins.
 *
 * Digests and HMACs use Node's `crypto` module when present (looked up once, at run time, with
 * `process.getBuiltinModule`, so bundles for browsers stay clean) and `@noble/hashes` (pure JS) otherwise.
 * Public-key JWT algorithms (RS*, PS*, ES*, EdDSA) need a synchronous signature API: Node only, undefined
 * elsewhere.
 *
 * Speed: JWT builtins run on every evaluation of a policy that checks a bearer token, and a gateway session
 * presents the same token call after call. Decoded tokens (by token text), signature checks (by algorithm, key
 * material and token) and parsed public keys (by key material) are kept in small bounded LRU caches; all three
 * are pure functions of those strings, and time-dependent checks (`exp`, `nbf`) are never cached. base64url is
 * decoded with a lookup table (no `atob`, no intermediate strings).
 */
import { hmac } from '@noble/hashes/hmac';
import { md5, sha1 } from '@noble/hashes/legacy';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import type { HostBuiltin } from './host-builtins';
import { LruCache } from './lru.cache';

type NodeCrypto = typeof import('node:crypto');
type KeyObject = import('node:crypto').KeyObject;

/** A hash function by its Node name and its pure-JS fallback. */
interface HashAlg {
  node: string;
  noble: typeof sha256;
}

const MD5: HashAlg = { node: 'md5', noble: md5 };
const SHA1: HashAlg = { node: 'sha1', noble: sha1 };
const SHA256: HashAlg = { node: 'sha256', noble: sha256 };
const SHA384: HashAlg = { node: 'sha384', noble: sha384 };
const SHA512: HashAlg = { node: 'sha512', noble: sha512 };

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();
const utf8 = (s: string): Uint8Array => ENCODER.encode(s);

/** Tokens and key material longer than these are verified but not cached (bounds the caches' memory). */
const MAX_CACHED_TOKEN = 16 * 1024;
const MAX_CACHED_MATERIAL = 64 * 1024;

let resolvedCrypto: NodeCrypto | null | undefined;

/** Node's crypto module, or undefined outside Node (resolved once). */
function nodeCrypto(): NodeCrypto | undefined {
  if (resolvedCrypto === undefined) {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    try {
      resolvedCrypto = (proc?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined) ?? null;
    } catch {
      resolvedCrypto = null;
    }
  }
  return resolvedCrypto ?? undefined;
}

function digestHex(alg: HashAlg, data: string): string {
  const crypto = nodeCrypto();
  if (crypto) {
    try {
      return crypto.createHash(alg.node).update(data, 'utf8').digest('hex');
    } catch {
      // e.g. MD5 disabled by a FIPS build: fall back to the pure-JS implementation
    }
  }
  return bytesToHex(alg.noble(utf8(data)));
}

function hmacBytes(alg: HashAlg, key: string | Uint8Array, data: string): Uint8Array {
  const crypto = nodeCrypto();
  if (crypto) {
    try {
      return crypto.createHmac(alg.node, key).update(data, 'utf8').digest();
    } catch {
      // fall back below
    }
  }
  return hmac(alg.noble, typeof key === 'string' ? utf8(key) : key, utf8(data));
}

function hexOf(alg: HashAlg, x: unknown): string | undefined {
  return typeof x === 'string' ? digestHex(alg, x) : undefined;
}

function hmacHex(alg: HashAlg, x: unknown, key: unknown): string | undefined {
  if (typeof x !== 'string' || typeof key !== 'string') return undefined;
  return bytesToHex(hmacBytes(alg, key, x));
}

/** Compares in time independent of where the bytes differ (only the lengths leak). */
function bytesEqual(x: Uint8Array, y: Uint8Array): boolean {
  let diff = x.length ^ y.length;
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

function constantTimeEqual(a: unknown, b: unknown): boolean | undefined {
  if (typeof a !== 'string' || typeof b !== 'string') return undefined;
  return bytesEqual(utf8(a), utf8(b));
}

// ---- base64url ------------------------------------------------------------------------------------------

const B64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64URL_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < B64URL_ALPHABET.length; i++) B64URL_VALUE[B64URL_ALPHABET.charCodeAt(i)] = i;

/**
 * Decodes base64url (padding optional, at most two `=`; trailing bits ignored, as `atob` does). Undefined for
 * any other character or an impossible length.
 */
export function b64urlDecode(s: string, from = 0, to = s.length): Uint8Array | undefined {
  let end = to;
  while (end > from && s.charCodeAt(end - 1) === 61 /* = */) end--;
  if (to - end > 2) return undefined;
  const len = end - from;
  if (len % 4 === 1) return undefined;
  const out = new Uint8Array((len * 3) >> 2);
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = from; i < end; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? B64URL_VALUE[c] : -1;
    if (v < 0) return undefined;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

function b64urlEncode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out +=
      B64URL_ALPHABET[n >> 18] +
      B64URL_ALPHABET[(n >> 12) & 63] +
      B64URL_ALPHABET[(n >> 6) & 63] +
      B64URL_ALPHABET[n & 63];
  }
  if (i + 1 === bytes.length) {
    const n = bytes[i] << 16;
    out += B64URL_ALPHABET[n >> 18] + B64URL_ALPHABET[(n >> 12) & 63];
  } else if (i + 2 === bytes.length) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += B64URL_ALPHABET[n >> 18] + B64URL_ALPHABET[(n >> 12) & 63] + B64URL_ALPHABET[(n >> 6) & 63];
  }
  return out;
}

// ---- JWT ------------------------------------------------------------------------------------------------

interface DecodedToken {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signature: Uint8Array;
  signingInput: string;
  /** `io.jwt.decode`'s result, built on first use (frozen, shared by every call with this token). */
  decoded?: readonly unknown[];
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Freezes a JSON value deeply: cached results are shared between calls and must not change. */
function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as object)) deepFreeze(x);
  }
  return v;
}

/** Decoded tokens by token text (`null`: not a valid token). */
const TOKENS = new LruCache<string, DecodedToken | null>(256);

function decodeToken(token: unknown): DecodedToken | undefined {
  if (typeof token !== 'string') return undefined;
  if (token.length > MAX_CACHED_TOKEN) return parseToken(token);
  const hit = TOKENS.get(token);
  if (hit !== undefined) return hit ?? undefined;
  const tok = parseToken(token);
  TOKENS.set(token, tok ?? null);
  return tok;
}

function parseToken(token: string): DecodedToken | undefined {
  const dot1 = token.indexOf('.');
  const dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
  if (dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) return undefined;
  const h = b64urlDecode(token, 0, dot1);
  const p = b64urlDecode(token, dot1 + 1, dot2);
  const s = b64urlDecode(token, dot2 + 1);
  if (!h || !p || !s) return undefined;
  try {
    const header: unknown = JSON.parse(DECODER.decode(h));
    if (!isObject(header)) return undefined;
    const payloadText = DECODER.decode(p);
    if (header.cty === 'JWT') {
      // Nested token: the payload is itself a JWT (raw or as a JSON string); its innermost token is the result.
      const inner: unknown = payloadText.startsWith('"') ? JSON.parse(payloadText) : payloadText;
      return typeof inner === 'string' ? parseToken(inner) : undefined;
    }
    const payload: unknown = JSON.parse(payloadText);
    if (!isObject(payload)) return undefined;
    return {
      header: deepFreeze(header),
      payload: deepFreeze(payload),
      signature: s,
      signingInput: token.slice(0, dot2),
    };
  } catch {
    return undefined;
  }
}

function decodedResult(tok: DecodedToken): readonly unknown[] {
  tok.decoded ??= Object.freeze([tok.header, tok.payload, bytesToHex(tok.signature)]);
  return tok.decoded;
}

const HMAC_HASH: Record<string, HashAlg> = { HS256: SHA256, HS384: SHA384, HS512: SHA512 };
const DIGEST: Record<string, string> = {
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  PS256: 'sha256',
  PS384: 'sha384',
  PS512: 'sha512',
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
};

/** Parsed public keys by key material (JWK, JWKS or PEM text). */
const PUBLIC_KEYS = new LruCache<string, readonly KeyObject[]>(32);

function publicKeys(crypto: NodeCrypto, material: string): readonly KeyObject[] {
  const cacheable = material.length <= MAX_CACHED_MATERIAL;
  const hit = cacheable ? PUBLIC_KEYS.get(material) : undefined;
  if (hit) return hit;
  const keys = parsePublicKeys(crypto, material);
  if (cacheable) PUBLIC_KEYS.set(material, keys);
  return keys;
}

function parsePublicKeys(crypto: NodeCrypto, material: string): KeyObject[] {
  const keys: KeyObject[] = [];
  try {
    const parsed: unknown = JSON.parse(material);
    const list = isObject(parsed) && Array.isArray(parsed.keys) ? parsed.keys : [parsed];
    for (const jwk of list) {
      try {
        keys.push(crypto.createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }));
      } catch {
        // skip keys Node cannot import
      }
    }
    return keys;
  } catch {
    // not JSON: PEM (certificate or public key)
  }
  try {
    keys.push(crypto.createPublicKey(material));
  } catch {
    // invalid PEM
  }
  return keys;
}

function verifyPublicKey(alg: string, tok: DecodedToken, cert: string): boolean {
  const crypto = nodeCrypto();
  const digest = DIGEST[alg];
  if (!crypto || (digest === undefined && alg !== 'EdDSA')) return false;
  const data = utf8(tok.signingInput);
  for (const pub of publicKeys(crypto, cert)) {
    try {
      let ok = false;
      if (alg === 'EdDSA') ok = crypto.verify(null, data, pub, tok.signature);
      else if (alg.startsWith('ES'))
        ok = crypto.verify(digest, data, { key: pub, dsaEncoding: 'ieee-p1363' }, tok.signature);
      else if (alg.startsWith('PS')) {
        ok = crypto.verify(
          digest,
          data,
          {
            key: pub,
            padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
            saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST,
          },
          tok.signature,
        );
      } else ok = crypto.verify(digest, data, pub, tok.signature);
      if (ok) return true;
    } catch {
      // try the next key
    }
  }
  return false;
}

/** Signature checks by `<alg>:<kind>:<material length>:<material><token>` (unambiguous). */
const VERIFIED = new LruCache<string, boolean>(512);

/**
 * Whether `tok` (the decoding of `token`) carries a valid `alg` signature under the secret (HS*) or the
 * certificate / public key(s) (other algorithms); cached per (alg, key material, token).
 */
function verifySignature(
  alg: string,
  token: string,
  tok: DecodedToken,
  kind: 'secret' | 'cert',
  material: string,
): boolean {
  const cacheable = token.length <= MAX_CACHED_TOKEN && material.length <= MAX_CACHED_MATERIAL;
  const key = cacheable ? `${alg}:${kind}:${material.length}:${material}${token}` : '';
  if (cacheable) {
    const hit = VERIFIED.get(key);
    if (hit !== undefined) return hit;
  }
  let ok = false;
  const hash = HMAC_HASH[alg];
  if (hash) ok = kind === 'secret' && bytesEqual(hmacBytes(hash, material, tok.signingInput), tok.signature);
  else if (kind === 'cert') ok = verifyPublicKey(alg, tok, material);
  if (cacheable) VERIFIED.set(key, ok);
  return ok;
}

function verifyWith(alg: string, kind: 'secret' | 'cert'): HostBuiltin {
  return (token, material) => {
    if (typeof material !== 'string' || typeof token !== 'string') return undefined;
    const tok = decodeToken(token);
    if (!tok) return undefined;
    return verifySignature(alg, token, tok, kind, material);
  };
}

const CONSTRAINT_KEYS = new Set(['cert', 'secret', 'alg', 'iss', 'aud', 'time']);

function decodeVerify(token: unknown, constraints: unknown): unknown {
  if (!isObject(constraints)) return undefined;
  const invalid = [false, {}, {}];
  const { cert, secret, alg, iss, aud, time } = constraints;
  for (const k in constraints) if (!CONSTRAINT_KEYS.has(k)) return undefined;
  if ((cert === undefined) === (secret === undefined)) return undefined;
  if (
    (cert !== undefined && typeof cert !== 'string') ||
    (secret !== undefined && typeof secret !== 'string')
  )
    return undefined;
  if (typeof token !== 'string') return invalid;
  const tok = decodeToken(token);
  if (!tok) return invalid;
  if (tok.header.crit !== undefined) return invalid;
  const headerAlg = tok.header.alg;
  if (typeof headerAlg !== 'string') return invalid;
  if (alg !== undefined && alg !== headerAlg) return invalid;
  const verified =
    typeof secret === 'string'
      ? verifySignature(headerAlg, token, tok, 'secret', secret)
      : verifySignature(headerAlg, token, tok, 'cert', cert as string);
  if (!verified) return invalid;
  const nowNs = typeof time === 'number' ? time : Date.now() * 1e6;
  const p = tok.payload;
  if (p.exp !== undefined) {
    if (typeof p.exp !== 'number' || nowNs / 1e9 >= p.exp) return invalid;
  }
  if (p.nbf !== undefined) {
    if (typeof p.nbf !== 'number' || nowNs / 1e9 < p.nbf) return invalid;
  }
  if (iss !== undefined && p.iss !== iss) return invalid;
  if (p.aud !== undefined) {
    if (aud === undefined) return invalid;
    const auds = Array.isArray(p.aud) ? p.aud : [p.aud];
    if (!auds.includes(aud)) return invalid;
  } else if (aud !== undefined) {
    return invalid;
  }
  return [true, tok.header, tok.payload];
}

function sign(alg: string, signingInput: string, jwk: Record<string, unknown>): Uint8Array | undefined {
  const hash = HMAC_HASH[alg];
  if (hash) {
    if (typeof jwk.k !== 'string') return undefined;
    const key = b64urlDecode(jwk.k);
    return key ? hmacBytes(hash, key, signingInput) : undefined;
  }
  const crypto = nodeCrypto();
  if (!crypto) return undefined;
  try {
    const key = crypto.createPrivateKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    const data = utf8(signingInput);
    if (alg === 'EdDSA') return crypto.sign(null, data, key);
    if (alg.startsWith('ES')) return crypto.sign(DIGEST[alg], data, { key, dsaEncoding: 'ieee-p1363' });
    if (alg.startsWith('PS')) {
      return crypto.sign(DIGEST[alg], data, {
        key,
        padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
        saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST,
      });
    }
    if (alg.startsWith('RS')) return crypto.sign(DIGEST[alg], data, key);
  } catch {
    return undefined;
  }
  return undefined;
}

function encodeSignRaw(header: unknown, payload: unknown, key: unknown): string | undefined {
  if (typeof header !== 'string' || typeof payload !== 'string' || typeof key !== 'string') return undefined;
  try {
    const h: unknown = JSON.parse(header);
    const k: unknown = JSON.parse(key);
    if (!isObject(h) || !isObject(k) || typeof h.alg !== 'string') return undefined;
    const input = `${b64urlEncode(utf8(header))}.${b64urlEncode(utf8(payload))}`;
    const sig = sign(h.alg, input, k);
    return sig ? `${input}.${b64urlEncode(sig)}` : undefined;
  } catch {
    return undefined;
  }
}

function goJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  if (isObject(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${goJson(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

function encodeSign(header: unknown, payload: unknown, key: unknown): string | undefined {
  if (!isObject(header) || !isObject(key) || typeof header.alg !== 'string') return undefined;
  const input = `${b64urlEncode(utf8(goJson(header)))}.${b64urlEncode(utf8(goJson(payload)))}`;
  const sig = sign(header.alg, input, key);
  return sig ? `${input}.${b64urlEncode(sig)}` : undefined;
}

export const CRYPTO_BUILTINS: Record<string, HostBuiltin> = {
  'crypto.md5': (x) => hexOf(MD5, x),
  'crypto.sha1': (x) => hexOf(SHA1, x),
  'crypto.sha256': (x) => hexOf(SHA256, x),
  'crypto.hmac.md5': (x, k) => hmacHex(MD5, x, k),
  'crypto.hmac.sha1': (x, k) => hmacHex(SHA1, x, k),
  'crypto.hmac.sha256': (x, k) => hmacHex(SHA256, x, k),
  'crypto.hmac.sha512': (x, k) => hmacHex(SHA512, x, k),
  'crypto.hmac.equal': constantTimeEqual,
  'io.jwt.decode': (token) => {
    const tok = decodeToken(token);
    return tok ? decodedResult(tok) : undefined;
  },
  'io.jwt.decode_verify': decodeVerify,
  'io.jwt.verify_hs256': verifyWith('HS256', 'secret'),
  'io.jwt.verify_hs384': verifyWith('HS384', 'secret'),
  'io.jwt.verify_hs512': verifyWith('HS512', 'secret'),
  'io.jwt.verify_rs256': verifyWith('RS256', 'cert'),
  'io.jwt.verify_rs384': verifyWith('RS384', 'cert'),
  'io.jwt.verify_rs512': verifyWith('RS512', 'cert'),
  'io.jwt.verify_ps256': verifyWith('PS256', 'cert'),
  'io.jwt.verify_ps384': verifyWith('PS384', 'cert'),
  'io.jwt.verify_ps512': verifyWith('PS512', 'cert'),
  'io.jwt.verify_es256': verifyWith('ES256', 'cert'),
  'io.jwt.verify_es384': verifyWith('ES384', 'cert'),
  'io.jwt.verify_es512': verifyWith('ES512', 'cert'),
  'io.jwt.encode_sign_raw': encodeSignRaw,
  'io.jwt.encode_sign': encodeSign,
};
