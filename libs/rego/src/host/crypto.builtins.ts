/**
 * Hashing and JWT host builtins. Hashes and HMAC use @noble/hashes (pure JS, Node and browsers). Public-key
 * JWT algorithms (RS*, PS*, ES*, EdDSA) need a synchronous signature API: they use Node's crypto module when
 * present (looked up at run time with `process.getBuiltinModule`, so bundles for browsers stay clean) and are
 * undefined elsewhere.
 */
import { hmac } from '@noble/hashes/hmac';
import { md5, sha1 } from '@noble/hashes/legacy';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import type { HostBuiltin } from './host-builtins';

type Hash = typeof sha256;
type NodeCrypto = typeof import('node:crypto');

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function nodeCrypto(): NodeCrypto | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
}

function hexOf(hash: Hash, x: unknown): string | undefined {
  return typeof x === 'string' ? bytesToHex(hash(utf8(x))) : undefined;
}

function hmacHex(hash: Hash, x: unknown, key: unknown): string | undefined {
  if (typeof x !== 'string' || typeof key !== 'string') return undefined;
  return bytesToHex(hmac(hash, utf8(key), utf8(x)));
}

function constantTimeEqual(a: unknown, b: unknown): boolean | undefined {
  if (typeof a !== 'string' || typeof b !== 'string') return undefined;
  const x = utf8(a);
  const y = utf8(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

// ---- base64url ------------------------------------------------------------------------------------------

function b64urlDecode(s: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(s)) return undefined;
  const b64 = s.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  try {
    const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

function b64urlEncode(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// ---- JWT ------------------------------------------------------------------------------------------------

interface DecodedToken {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signature: Uint8Array;
  signingInput: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function decodeToken(token: unknown): DecodedToken | undefined {
  if (typeof token !== 'string') return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts.map(b64urlDecode);
  if (!h || !p || !s) return undefined;
  try {
    const header: unknown = JSON.parse(new TextDecoder().decode(h));
    if (!isObject(header)) return undefined;
    const payloadText = new TextDecoder().decode(p);
    if (header.cty === 'JWT') {
      // Nested token: the payload is itself a JWT (raw or as a JSON string); its innermost token is the result.
      return decodeToken(payloadText.startsWith('"') ? (JSON.parse(payloadText) as unknown) : payloadText);
    }
    const payload: unknown = JSON.parse(payloadText);
    if (!isObject(payload)) return undefined;
    return { header, payload, signature: s, signingInput: `${parts[0]}.${parts[1]}` };
  } catch {
    return undefined;
  }
}

const HMAC_HASH: Record<string, Hash> = { HS256: sha256, HS384: sha384, HS512: sha512 };
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

function publicKeys(material: string): unknown[] {
  const crypto = nodeCrypto();
  if (!crypto) return [];
  const keys: unknown[] = [];
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

function verifySignature(alg: string, tok: DecodedToken, key: { secret?: string; cert?: string }): boolean {
  const hash = HMAC_HASH[alg];
  if (hash) {
    if (key.secret === undefined) return false;
    return (
      constantTimeEqual(
        bytesToHex(hmac(hash, utf8(key.secret), utf8(tok.signingInput))),
        bytesToHex(tok.signature),
      ) === true
    );
  }
  const crypto = nodeCrypto();
  if (!crypto || key.cert === undefined) return false;
  const data = utf8(tok.signingInput);
  for (const k of publicKeys(key.cert)) {
    const pub = k as import('node:crypto').KeyObject;
    try {
      let ok = false;
      if (alg === 'EdDSA') ok = crypto.verify(null, data, pub, tok.signature);
      else if (alg.startsWith('ES'))
        ok = crypto.verify(DIGEST[alg], data, { key: pub, dsaEncoding: 'ieee-p1363' }, tok.signature);
      else if (alg.startsWith('PS')) {
        ok = crypto.verify(
          DIGEST[alg],
          data,
          {
            key: pub,
            padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
            saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST,
          },
          tok.signature,
        );
      } else if (alg.startsWith('RS')) ok = crypto.verify(DIGEST[alg], data, pub, tok.signature);
      if (ok) return true;
    } catch {
      // try the next key
    }
  }
  return false;
}

function verifyWith(alg: string, kind: 'secret' | 'cert'): HostBuiltin {
  return (token, material) => {
    if (typeof material !== 'string') return undefined;
    const tok = decodeToken(token);
    if (!tok) return undefined;
    return verifySignature(alg, tok, { [kind]: material });
  };
}

function decodeVerify(token: unknown, constraints: unknown): unknown {
  if (!isObject(constraints)) return undefined;
  const invalid = [false, {}, {}];
  const { cert, secret, alg, iss, aud, time } = constraints;
  for (const k of Object.keys(constraints))
    if (!['cert', 'secret', 'alg', 'iss', 'aud', 'time'].includes(k)) return undefined;
  if ((cert === undefined) === (secret === undefined)) return undefined;
  if (
    (cert !== undefined && typeof cert !== 'string') ||
    (secret !== undefined && typeof secret !== 'string')
  )
    return undefined;
  const tok = decodeToken(token);
  if (!tok) return invalid;
  if (tok.header.crit !== undefined) return invalid;
  const headerAlg = tok.header.alg;
  if (typeof headerAlg !== 'string') return invalid;
  if (alg !== undefined && alg !== headerAlg) return invalid;
  if (!verifySignature(headerAlg, tok, { cert: cert, secret: secret })) return invalid;
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
    return key ? hmac(hash, key, utf8(signingInput)) : undefined;
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
  'crypto.md5': (x) => hexOf(md5, x),
  'crypto.sha1': (x) => hexOf(sha1, x),
  'crypto.sha256': (x) => hexOf(sha256, x),
  'crypto.hmac.md5': (x, k) => hmacHex(md5, x, k),
  'crypto.hmac.sha1': (x, k) => hmacHex(sha1, x, k),
  'crypto.hmac.sha256': (x, k) => hmacHex(sha256, x, k),
  'crypto.hmac.sha512': (x, k) => hmacHex(sha512, x, k),
  'crypto.hmac.equal': constantTimeEqual,
  'io.jwt.decode': (token) => {
    const tok = decodeToken(token);
    return tok ? [tok.header, tok.payload, bytesToHex(tok.signature)] : undefined;
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
