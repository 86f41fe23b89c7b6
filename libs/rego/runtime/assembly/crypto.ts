// Native crypto builtins: crypto.md5 / sha1 / sha256 and crypto.hmac.* (hex digests), crypto.hmac.equal, and the
// raw HMAC (MD5, SHA-1, SHA-256, SHA-384, SHA-512) that jwt.ts uses to verify HS* signatures.
// The round constants are the standard ones (derived from sines, square and cube roots of primes).
import { malloc } from "./alloc";
import { T_STR, vtype, mkBool, mkStr, strPtr, strLen } from "./value";

@inline function isStr(v: usize): bool { return v != 0 && vtype(v) == T_STR; }

const K256: usize = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
], 8);
const K512: usize = memory.data<u64>([
  0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
  0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
  0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
  0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
  0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
  0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
  0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
  0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
  0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
  0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
  0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
  0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
  0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
  0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
  0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
  0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
  0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
  0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
  0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
  0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
], 8);
const H256: usize = memory.data<u32>([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19], 8);
const H512: usize = memory.data<u64>([
  0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
  0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
], 8);
const H384: usize = memory.data<u64>([
  0xcbbb9d5dc1059ed8, 0x629a292a367cd507, 0x9159015a3070dd17, 0x152fecd8f70e5939,
  0x67332667ffc00b31, 0x8eb44a8768581511, 0xdb0c2e0d64f98fa7, 0x47b5481dbefa4fa4,
], 8);
const MD5T: usize = memory.data<u32>([
  0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
  0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
  0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
  0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
  0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
  0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
  0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
  0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
], 8);
const MD5S: usize = memory.data<u8>([
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
]);

const ALG_MD5 = 0;
const ALG_SHA1 = 1;
const ALG_SHA256 = 2;
const ALG_SHA512 = 3;
const ALG_SHA384 = 4;

/** Digest output (up to 64 bytes) and its length. */
const DIGEST: usize = memory.data(64, 8);
let digestLen = 0;
const STATE: usize = memory.data(64, 8);
const W: usize = memory.data(640, 8);

@inline function be32(p: usize): u32 { return bswap<u32>(load<u32>(p)); }
@inline function be64(p: usize): u64 { return bswap<u64>(load<u64>(p)); }

@inline function isWide(alg: i32): bool { return alg == ALG_SHA512 || alg == ALG_SHA384; }

function blockSize(alg: i32): i32 { return isWide(alg) ? 128 : 64; }

function blockMD5(p: usize): void {
  let a = load<u32>(STATE), b = load<u32>(STATE, 4), c = load<u32>(STATE, 8), d = load<u32>(STATE, 12);
  for (let i = 0; i < 64; i++) {
    let f: u32, g: i32;
    if (i < 16) { f = (b & c) | (~b & d); g = i; }
    else if (i < 32) { f = (d & b) | (~d & c); g = (5 * i + 1) & 15; }
    else if (i < 48) { f = b ^ c ^ d; g = (3 * i + 5) & 15; }
    else { f = c ^ (b | ~d); g = (7 * i) & 15; }
    const t = d;
    d = c;
    c = b;
    b = b + rotl<u32>(a + f + load<u32>(MD5T + (<usize>i << 2)) + load<u32>(p + (<usize>g << 2)), load<u8>(MD5S + i));
    a = t;
  }
  store<u32>(STATE, load<u32>(STATE) + a);
  store<u32>(STATE, load<u32>(STATE, 4) + b, 4);
  store<u32>(STATE, load<u32>(STATE, 8) + c, 8);
  store<u32>(STATE, load<u32>(STATE, 12) + d, 12);
}

function blockSHA1(p: usize): void {
  for (let i = 0; i < 16; i++) store<u32>(W + (<usize>i << 2), be32(p + (<usize>i << 2)));
  for (let i = 16; i < 80; i++) {
    const x = load<u32>(W + (<usize>(i - 3) << 2)) ^ load<u32>(W + (<usize>(i - 8) << 2)) ^
      load<u32>(W + (<usize>(i - 14) << 2)) ^ load<u32>(W + (<usize>(i - 16) << 2));
    store<u32>(W + (<usize>i << 2), rotl<u32>(x, 1));
  }
  let a = load<u32>(STATE), b = load<u32>(STATE, 4), c = load<u32>(STATE, 8), d = load<u32>(STATE, 12), e = load<u32>(STATE, 16);
  for (let i = 0; i < 80; i++) {
    let f: u32, k: u32;
    if (i < 20) { f = (b & c) | (~b & d); k = 0x5a827999; }
    else if (i < 40) { f = b ^ c ^ d; k = 0x6ed9eba1; }
    else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8f1bbcdc; }
    else { f = b ^ c ^ d; k = 0xca62c1d6; }
    const t = rotl<u32>(a, 5) + f + e + k + load<u32>(W + (<usize>i << 2));
    e = d; d = c; c = rotl<u32>(b, 30); b = a; a = t;
  }
  store<u32>(STATE, load<u32>(STATE) + a);
  store<u32>(STATE, load<u32>(STATE, 4) + b, 4);
  store<u32>(STATE, load<u32>(STATE, 8) + c, 8);
  store<u32>(STATE, load<u32>(STATE, 12) + d, 12);
  store<u32>(STATE, load<u32>(STATE, 16) + e, 16);
}

function blockSHA256(p: usize): void {
  for (let i = 0; i < 16; i++) store<u32>(W + (<usize>i << 2), be32(p + (<usize>i << 2)));
  for (let i = 16; i < 64; i++) {
    const w15 = load<u32>(W + (<usize>(i - 15) << 2)), w2 = load<u32>(W + (<usize>(i - 2) << 2));
    const s0 = rotr<u32>(w15, 7) ^ rotr<u32>(w15, 18) ^ (w15 >>> 3);
    const s1 = rotr<u32>(w2, 17) ^ rotr<u32>(w2, 19) ^ (w2 >>> 10);
    store<u32>(W + (<usize>i << 2), load<u32>(W + (<usize>(i - 16) << 2)) + s0 + load<u32>(W + (<usize>(i - 7) << 2)) + s1);
  }
  let a = load<u32>(STATE), b = load<u32>(STATE, 4), c = load<u32>(STATE, 8), d = load<u32>(STATE, 12);
  let e = load<u32>(STATE, 16), f = load<u32>(STATE, 20), g = load<u32>(STATE, 24), h = load<u32>(STATE, 28);
  for (let i = 0; i < 64; i++) {
    const S1 = rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25);
    const ch = (e & f) ^ (~e & g);
    const t1 = h + S1 + ch + load<u32>(K256 + (<usize>i << 2)) + load<u32>(W + (<usize>i << 2));
    const S0 = rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22);
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = S0 + maj;
    h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  store<u32>(STATE, load<u32>(STATE) + a);
  store<u32>(STATE, load<u32>(STATE, 4) + b, 4);
  store<u32>(STATE, load<u32>(STATE, 8) + c, 8);
  store<u32>(STATE, load<u32>(STATE, 12) + d, 12);
  store<u32>(STATE, load<u32>(STATE, 16) + e, 16);
  store<u32>(STATE, load<u32>(STATE, 20) + f, 20);
  store<u32>(STATE, load<u32>(STATE, 24) + g, 24);
  store<u32>(STATE, load<u32>(STATE, 28) + h, 28);
}

function blockSHA512(p: usize): void {
  for (let i = 0; i < 16; i++) store<u64>(W + (<usize>i << 3), be64(p + (<usize>i << 3)));
  for (let i = 16; i < 80; i++) {
    const w15 = load<u64>(W + (<usize>(i - 15) << 3)), w2 = load<u64>(W + (<usize>(i - 2) << 3));
    const s0 = rotr<u64>(w15, 1) ^ rotr<u64>(w15, 8) ^ (w15 >>> 7);
    const s1 = rotr<u64>(w2, 19) ^ rotr<u64>(w2, 61) ^ (w2 >>> 6);
    store<u64>(W + (<usize>i << 3), load<u64>(W + (<usize>(i - 16) << 3)) + s0 + load<u64>(W + (<usize>(i - 7) << 3)) + s1);
  }
  let a = load<u64>(STATE), b = load<u64>(STATE, 8), c = load<u64>(STATE, 16), d = load<u64>(STATE, 24);
  let e = load<u64>(STATE, 32), f = load<u64>(STATE, 40), g = load<u64>(STATE, 48), h = load<u64>(STATE, 56);
  for (let i = 0; i < 80; i++) {
    const S1 = rotr<u64>(e, 14) ^ rotr<u64>(e, 18) ^ rotr<u64>(e, 41);
    const ch = (e & f) ^ (~e & g);
    const t1 = h + S1 + ch + load<u64>(K512 + (<usize>i << 3)) + load<u64>(W + (<usize>i << 3));
    const S0 = rotr<u64>(a, 28) ^ rotr<u64>(a, 34) ^ rotr<u64>(a, 39);
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = S0 + maj;
    h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  store<u64>(STATE, load<u64>(STATE) + a);
  store<u64>(STATE, load<u64>(STATE, 8) + b, 8);
  store<u64>(STATE, load<u64>(STATE, 16) + c, 16);
  store<u64>(STATE, load<u64>(STATE, 24) + d, 24);
  store<u64>(STATE, load<u64>(STATE, 32) + e, 32);
  store<u64>(STATE, load<u64>(STATE, 40) + f, 40);
  store<u64>(STATE, load<u64>(STATE, 48) + g, 48);
  store<u64>(STATE, load<u64>(STATE, 56) + h, 56);
}

/** Hashes the concatenation of (p1, n1) and (p2, n2) into DIGEST. */
function hash2(alg: i32, p1: usize, n1: i32, p2: usize, n2: i32): void {
  const bs = blockSize(alg);
  const total = n1 + n2;
  const lenBytes = isWide(alg) ? 16 : 8;
  let padded = total + 1 + lenBytes;
  padded = (padded + bs - 1) / bs * bs;
  const buf = malloc(padded);
  memory.copy(buf, p1, n1);
  memory.copy(buf + n1, p2, n2);
  memory.fill(buf + total, 0, padded - total);
  store<u8>(buf + total, 0x80);
  const bits: u64 = <u64>total << 3;
  if (alg == ALG_MD5) store<u64>(buf + padded - 8, bits);
  else store<u64>(buf + padded - 8, bswap<u64>(bits));
  if (alg == ALG_MD5) {
    store<u32>(STATE, 0x67452301); store<u32>(STATE, 0xefcdab89, 4);
    store<u32>(STATE, 0x98badcfe, 8); store<u32>(STATE, 0x10325476, 12);
  } else if (alg == ALG_SHA1) {
    store<u32>(STATE, 0x67452301); store<u32>(STATE, 0xefcdab89, 4); store<u32>(STATE, 0x98badcfe, 8);
    store<u32>(STATE, 0x10325476, 12); store<u32>(STATE, 0xc3d2e1f0, 16);
  } else if (alg == ALG_SHA256) memory.copy(STATE, H256, 32);
  else if (alg == ALG_SHA384) memory.copy(STATE, H384, 64);
  else memory.copy(STATE, H512, 64);
  for (let off = 0; off < padded; off += bs) {
    const blk = buf + off;
    if (alg == ALG_MD5) blockMD5(blk);
    else if (alg == ALG_SHA1) blockSHA1(blk);
    else if (alg == ALG_SHA256) blockSHA256(blk);
    else blockSHA512(blk);
  }
  if (alg == ALG_MD5) { memory.copy(DIGEST, STATE, 16); digestLen = 16; }
  else if (isWide(alg)) {
    // SHA-384 is SHA-512 with its own initial values, truncated to six words
    const words = alg == ALG_SHA384 ? 6 : 8;
    for (let i = 0; i < words; i++) store<u64>(DIGEST + (<usize>i << 3), bswap<u64>(load<u64>(STATE + (<usize>i << 3))));
    digestLen = words * 8;
  } else {
    const words = alg == ALG_SHA1 ? 5 : 8;
    for (let i = 0; i < words; i++) store<u32>(DIGEST + (<usize>i << 2), bswap<u32>(load<u32>(STATE + (<usize>i << 2))));
    digestLen = words * 4;
  }
}

const HEX: usize = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

function digestHex(): usize {
  const out = malloc(digestLen * 2);
  for (let i = 0; i < digestLen; i++) {
    const b = load<u8>(DIGEST + i);
    store<u8>(out + 2 * i, load<u8>(HEX + (b >> 4)));
    store<u8>(out + 2 * i + 1, load<u8>(HEX + (b & 15)));
  }
  return mkStr(out, digestLen * 2);
}

function digestOf(alg: i32, s: usize): i32 {
  if (!isStr(s)) return 0;
  hash2(alg, strPtr(s), strLen(s), 0, 0);
  return <i32>digestHex();
}

/**
 * HMAC of the message bytes (msg, msgLen) under the key bytes (key, keyLen) into DIGEST (digestLen bytes).
 * Exported (within the runtime) for jwt.ts; build.mjs drops non-`opa_` exports from the final module.
 */
export function hmacRaw(alg: i32, msg: usize, msgLen: i32, key: usize, keyLen: i32): void {
  const bs = blockSize(alg);
  const k = malloc(bs);
  memory.fill(k, 0, bs);
  if (keyLen > bs) {
    hash2(alg, key, keyLen, 0, 0);
    memory.copy(k, DIGEST, digestLen);
  } else memory.copy(k, key, keyLen);
  const pad = malloc(bs);
  for (let i = 0; i < bs; i++) store<u8>(pad + i, load<u8>(k + i) ^ 0x36);
  hash2(alg, pad, bs, msg, msgLen);
  const inner = malloc(digestLen);
  const innerLen = digestLen;
  memory.copy(inner, DIGEST, innerLen);
  for (let i = 0; i < bs; i++) store<u8>(pad + i, load<u8>(k + i) ^ 0x5c);
  hash2(alg, pad, bs, inner, innerLen);
}

/** HMAC algorithm codes for hmacRaw. */
export const HMAC_SHA256 = ALG_SHA256;
export const HMAC_SHA384 = ALG_SHA384;
export const HMAC_SHA512 = ALG_SHA512;

/** The last hmacRaw / hash result: its address (static scratch, overwritten by the next call) and length. */
export function digestPtr(): usize { return DIGEST; }
export function digestLength(): i32 { return digestLen; }

function hmac(alg: i32, msg: usize, key: usize): i32 {
  if (!isStr(msg) || !isStr(key)) return 0;
  hmacRaw(alg, strPtr(msg), strLen(msg), strPtr(key), strLen(key));
  return <i32>digestHex();
}

export function opa_bi_crypto_md5(s: i32): i32 { return digestOf(ALG_MD5, s); }
export function opa_bi_crypto_sha1(s: i32): i32 { return digestOf(ALG_SHA1, s); }
export function opa_bi_crypto_sha256(s: i32): i32 { return digestOf(ALG_SHA256, s); }
export function opa_bi_crypto_hmac_md5(msg: i32, key: i32): i32 { return hmac(ALG_MD5, msg, key); }
export function opa_bi_crypto_hmac_sha1(msg: i32, key: i32): i32 { return hmac(ALG_SHA1, msg, key); }
export function opa_bi_crypto_hmac_sha256(msg: i32, key: i32): i32 { return hmac(ALG_SHA256, msg, key); }
export function opa_bi_crypto_hmac_sha512(msg: i32, key: i32): i32 { return hmac(ALG_SHA512, msg, key); }

/** Constant-time comparison of two MACs. */
export function opa_bi_crypto_hmac_equal(a: i32, b: i32): i32 {
  if (!isStr(a) || !isStr(b)) return 0;
  const n = strLen(a);
  if (n != strLen(b)) return <i32>mkBool(false);
  let diff: u32 = 0;
  for (let i = 0; i < n; i++) diff |= <u32>(load<u8>(strPtr(a) + i) ^ load<u8>(strPtr(b) + i));
  return <i32>mkBool(diff == 0);
}
