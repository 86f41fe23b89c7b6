// Decimal <-> binary64 conversion, exact (arbitrary-precision slow path), and integer formatting.
import { malloc } from "./alloc";

// ---------------------------------------------------------------- tiny bignum (u32 limbs, little-endian)
// A bignum is a pointer to [i32 len][u32 limbs...]; capacity is fixed (BN_CAP limbs).
export const BN_CAP: i32 = 200;
export const BN_BYTES: i32 = 4 + BN_CAP * 4;
export const BN_A: usize = memory.data(BN_BYTES, 8);
const BN_B: usize = memory.data(BN_BYTES, 8);
const BN_T: usize = memory.data(BN_BYTES, 8);

@inline export function bnLen(a: usize): i32 { return load<i32>(a); }
@inline export function bnGet(a: usize, i: i32): u32 { return load<u32>(a + 4 + (<usize>i << 2)); }
@inline export function bnSet(a: usize, i: i32, x: u32): void { store<u32>(a + 4 + (<usize>i << 2), x); }

export function bnTrim(a: usize): void {
  let n = bnLen(a);
  while (n > 0 && bnGet(a, n - 1) == 0) n--;
  store<i32>(a, n);
}

export function bnFromU64(a: usize, x: u64): void {
  bnSet(a, 0, <u32>x);
  bnSet(a, 1, <u32>(x >>> 32));
  store<i32>(a, 2);
  bnTrim(a);
}

export function bnMulSmall(a: usize, m: u32): void {
  const n = bnLen(a);
  let carry: u64 = 0;
  for (let i = 0; i < n; i++) {
    const p = <u64>bnGet(a, i) * <u64>m + carry;
    bnSet(a, i, <u32>p);
    carry = p >>> 32;
  }
  if (carry != 0 && n < BN_CAP) {
    bnSet(a, n, <u32>carry);
    store<i32>(a, n + 1);
  }
}

export function bnMulPow10(a: usize, e: i32): void {
  while (e >= 9) { bnMulSmall(a, 1000000000); e -= 9; }
  let m: u32 = 1;
  while (e > 0) { m *= 10; e--; }
  if (m != 1) bnMulSmall(a, m);
}

export function bnMulPow5(a: usize, e: i32): void {
  while (e >= 13) { bnMulSmall(a, 1220703125); e -= 13; }
  let m: u32 = 1;
  while (e > 0) { m *= 5; e--; }
  if (m != 1) bnMulSmall(a, m);
}

export function bnShl(a: usize, s: i32): void {
  if (s <= 0 || bnLen(a) == 0) return;
  const limbs = s >> 5, bits = s & 31;
  const n = bnLen(a);
  let nn = n + limbs + 1;
  if (nn > BN_CAP) nn = BN_CAP;
  for (let i = nn - 1; i >= 0; i--) {
    const src = i - limbs;
    let x: u32 = 0;
    if (src >= 0 && src < n) x = bits == 0 ? bnGet(a, src) : bnGet(a, src) << bits;
    if (bits != 0 && src - 1 >= 0 && src - 1 < n) x |= bnGet(a, src - 1) >>> (32 - bits);
    bnSet(a, i, x);
  }
  store<i32>(a, nn);
  bnTrim(a);
}

export function bnBitLen(a: usize): i32 {
  const n = bnLen(a);
  if (n == 0) return 0;
  return (n - 1) * 32 + (32 - <i32>clz(bnGet(a, n - 1)));
}

export function bnCmp(a: usize, b: usize): i32 {
  const na = bnLen(a), nb = bnLen(b);
  if (na != nb) return na < nb ? -1 : 1;
  for (let i = na - 1; i >= 0; i--) {
    const x = bnGet(a, i), y = bnGet(b, i);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

/** a -= b (requires a >= b). */
export function bnSub(a: usize, b: usize): void {
  const na = bnLen(a), nb = bnLen(b);
  let borrow: i64 = 0;
  for (let i = 0; i < na; i++) {
    let d = <i64>bnGet(a, i) - (i < nb ? <i64>bnGet(b, i) : 0) - borrow;
    if (d < 0) { d += 0x100000000; borrow = 1; } else borrow = 0;
    bnSet(a, i, <u32>d);
  }
  bnTrim(a);
}

export function bnCopy(dst: usize, src: usize): void {
  memory.copy(dst, src, 4 + (<usize>bnLen(src) << 2));
}

/** Divides a by small d in place; returns the remainder. */
export function bnDivSmall(a: usize, d: u32): u32 {
  let rem: u64 = 0;
  for (let i = bnLen(a) - 1; i >= 0; i--) {
    const cur = (rem << 32) | <u64>bnGet(a, i);
    bnSet(a, i, <u32>(cur / d));
    rem = cur % d;
  }
  bnTrim(a);
  return <u32>rem;
}

// ---------------------------------------------------------------- decimal -> double

const P10: usize = memory.data<f64>([1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22], 8);
const BN_D: usize = memory.data(BN_BYTES, 8);
const BN_S: usize = memory.data(BN_BYTES, 8);

function pow2(k: i32): f64 {
  // exact 2^k for -1074 <= k <= 1023
  if (k >= -1022) return reinterpret<f64>(<u64>(k + 1023) << 52);
  return reinterpret<f64>(<u64>1 << <u64>(k + 1074));
}

/** value = m * 2^k for m < 2^54 (exact when representable), with overflow to Infinity. */
function ldexp(m: u64, k: i32): f64 {
  if (m == 0) return 0;
  const top = k + 63 - <i32>clz(m); // exponent of the top bit
  if (top > 1023) return Infinity;
  const f = <f64>m;
  if (k < -1022) return f * pow2(k + 600) * pow2(-600);
  if (k > 1023) return f * pow2(k - 600) * pow2(600);
  return f * pow2(k);
}

/** The double nearest to (hi:lo) * 2^exp2 (plus `sticky` nonzero bits below), ties to even. */
function u128ToF64(hi: u64, lo: u64, exp2: i32, sticky: bool): f64 {
  if (hi == 0 && lo == 0) return 0;
  const bitlen = hi != 0 ? 128 - <i32>clz(hi) : 64 - <i32>clz(lo);
  let shift = bitlen - 54;
  let m: u64;
  if (shift > 0) {
    if (shift >= 64) {
      m = hi >> <u64>(shift - 64);
      sticky = sticky || lo != 0 || (shift > 64 && (hi & ((<u64>1 << <u64>(shift - 64)) - 1)) != 0);
    } else {
      m = (lo >> <u64>shift) | (hi << <u64>(64 - shift));
      sticky = sticky || (lo & ((<u64>1 << <u64>shift) - 1)) != 0;
    }
  } else {
    m = lo << <u64>(-shift);
  }
  let e = exp2 + shift; // value ~ m * 2^e, m in [2^53, 2^54)
  if (e + 1 < -1074) {
    const extra = -1074 - (e + 1);
    if (extra > 55) return 0;
    sticky = sticky || (m & ((<u64>1 << <u64>extra) - 1)) != 0;
    m >>= <u64>extra;
    e += extra;
  }
  let mant = m >> 1;
  if ((m & 1) != 0 && (sticky || (mant & 1) != 0)) mant++;
  return ldexp(mant, e + 1);
}

let mulHi: u64 = 0;
/** Low 64 bits of a*b; the high 64 bits go to mulHi. */
function mul64(a: u64, b: u64): u64 {
  const a0 = a & 0xffffffff, a1 = a >> 32, b0 = b & 0xffffffff, b1 = b >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
  mulHi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
  return (mid << 32) | (p00 & 0xffffffff);
}

const P10U: usize = memory.data<u64>([
  1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000, 10000000000, 100000000000,
  1000000000000, 10000000000000, 100000000000000, 1000000000000000, 10000000000000000, 100000000000000000,
  1000000000000000000, 10000000000000000000,
], 8);

/** The double nearest to d * 10^e (d < 2^64), correctly rounded (ties to even). */
export function decToF64(d: u64, e: i32): f64 {
  if (d == 0) return 0;
  if (d < (<u64>1 << 53)) {
    // d and 10^|e| are exact doubles, so one correctly rounded operation gives the right answer
    if (e >= 0 && e <= 22) return <f64>d * load<f64>(P10 + (<usize>e << 3));
    if (e < 0 && e >= -22) return <f64>d / load<f64>(P10 + (<usize>(-e) << 3));
  }
  if (e >= 0 && e <= 19) {
    const lo = mul64(d, load<u64>(P10U + (<usize>e << 3)));
    return u128ToF64(mulHi, lo, 0, false);
  }
  if (e < 0 && e >= -19) {
    // q = floor(d * 2^s / 10^k) with q in [2^62, 2^64), by restoring division of a 128-bit numerator
    const den = load<u64>(P10U + (<usize>(-e) << 3));
    const s = (64 - <i32>clz(den)) + 63 - (64 - <i32>clz(d));
    let hi: u64, lo: u64;
    if (s >= 64) { hi = d << <u64>(s - 64); lo = 0; }
    else if (s > 0) { hi = d >> <u64>(64 - s); lo = d << <u64>s; }
    else { hi = 0; lo = d; }
    let rem = hi;
    let q: u64 = 0;
    for (let i = 63; i >= 0; i--) {
      const carry = rem >> 63;
      rem = (rem << 1) | ((lo >> <u64>i) & 1);
      q <<= 1;
      if (carry != 0 || rem >= den) { rem -= den; q |= 1; }
    }
    return u128ToF64(0, q, -s, rem != 0);
  }
  return decToF64Big(d, e);
}

function decToF64Big(d: u64, e: i32): f64 {
  if (e > 310) return Infinity;
  if (e < -345) return 0;
  // slow path: num / den with exact big integers
  const num = BN_A, den = BN_B;
  bnFromU64(num, d);
  bnFromU64(den, 1);
  if (e >= 0) bnMulPow10(num, e);
  else bnMulPow10(den, -e);
  // choose s so that q = floor(num * 2^s / den) has 54 bits
  let s = 54 - (bnBitLen(num) - bnBitLen(den));
  let q: u64 = 0;
  let sticky = false;
  for (let attempt = 0; attempt < 4; attempt++) {
    if (s > 1075) s = 1075; // subnormal: round bit at 2^-1075
    q = divShift(num, den, s);
    sticky = bnLen(BN_T) != 0;
    if (q >= (<u64>1 << 54)) { s--; continue; }
    if (q < (<u64>1 << 53) && s < 1075) { s++; continue; }
    break;
  }
  return u128ToF64(0, q, -s, sticky);
}

/** floor(num * 2^s / den) (s may be negative) as u64 (< 2^56 expected); remainder left in BN_T. */
function divShift(num: usize, den: usize, s: i32): u64 {
  const n = BN_T;
  const dd = BN_D;
  bnCopy(n, num);
  bnCopy(dd, den);
  if (s >= 0) bnShl(n, s);
  else bnShl(dd, -s);
  // long division producing up to 60 quotient bits
  const shiftd = BN_S;
  let q: u64 = 0;
  for (let i = 60; i >= 0; i--) {
    bnCopy(shiftd, dd);
    bnShl(shiftd, i);
    if (bnCmp(n, shiftd) >= 0) {
      bnSub(n, shiftd);
      q |= <u64>1 << <u64>i;
    }
  }
  return q;
}

// ---------------------------------------------------------------- number text scanning

/** Parsed JSON number: set by scanNumber. */
export let scanMant: u64 = 0;
export let scanExp: i32 = 0;
export let scanNeg: bool = false;
export let scanIsInt: bool = false; // no fraction and no exponent
export let scanIntFits: bool = false; // integer literal that fits i64
export let scanInt: i64 = 0;

/** Validates a JSON number at p[0..n) (the whole range). Returns false on syntax error. */
export function scanNumber(p: usize, n: i32): bool {
  let i = 0;
  scanNeg = false;
  if (i < n && load<u8>(p) == 0x2d) { scanNeg = true; i++; }
  if (i >= n) return false;
  let c = load<u8>(p + i);
  if (c < 0x30 || c > 0x39) return false;
  let mant: u64 = 0;
  let digits = 0; // significant digits kept
  let dropped = 0; // integer digits dropped (scale up)
  let stickyNZ = false;
  let fracDigits = 0;
  let intOverflow = false;
  let iv: u64 = 0;
  if (c == 0x30) {
    i++;
    if (i < n) { c = load<u8>(p + i); if (c >= 0x30 && c <= 0x39) return false; }
  } else {
    while (i < n) {
      c = load<u8>(p + i);
      if (c < 0x30 || c > 0x39) break;
      const dg = <u64>(c - 0x30);
      if (iv > 922337203685477580 || (iv == 922337203685477580 && dg > (scanNeg ? 8 : 7))) intOverflow = true;
      else iv = iv * 10 + dg;
      if (digits < 18) {
        if (mant != 0 || dg != 0) { mant = mant * 10 + dg; if (mant != 0) digits++; }
      } else {
        dropped++;
        if (dg != 0) stickyNZ = true;
      }
      i++;
    }
  }
  scanIsInt = true;
  if (i < n && load<u8>(p + i) == 0x2e) {
    scanIsInt = false;
    i++;
    let any = false;
    while (i < n) {
      c = load<u8>(p + i);
      if (c < 0x30 || c > 0x39) break;
      any = true;
      const dg = <u64>(c - 0x30);
      if (digits < 18) {
        if (mant != 0 || dg != 0) { mant = mant * 10 + dg; digits++; }
        fracDigits++;
      } else if (dg != 0) stickyNZ = true;
      i++;
    }
    if (!any) return false;
  }
  let ex = 0;
  if (i < n && (load<u8>(p + i) | 0x20) == 0x65) {
    scanIsInt = false;
    i++;
    let eneg = false;
    if (i < n && (load<u8>(p + i) == 0x2b || load<u8>(p + i) == 0x2d)) { eneg = load<u8>(p + i) == 0x2d; i++; }
    let any = false;
    while (i < n) {
      c = load<u8>(p + i);
      if (c < 0x30 || c > 0x39) break;
      any = true;
      if (ex < 100000) ex = ex * 10 + (c - 0x30);
      i++;
    }
    if (!any) return false;
    if (eneg) ex = -ex;
  }
  if (i != n) return false;
  let e = ex + dropped - fracDigits;
  if (stickyNZ) { mant = mant * 10 + 1; e--; }
  scanMant = mant;
  scanExp = e;
  scanIntFits = scanIsInt && !intOverflow;
  scanInt = scanNeg ? -(<i64>iv) : <i64>iv;
  return true;
}

export function scannedF64(): f64 {
  const f = decToF64(scanMant, scanExp);
  return scanNeg ? -f : f;
}

// ---------------------------------------------------------------- formatting

const I64TMP: usize = memory.data(24, 8);
const DIGTMP: usize = memory.data(1200, 8);

/** Writes the decimal digits of i64 n at p; returns the byte count. */
export function fmtI64(p: usize, n: i64): i32 {
  let k = 0;
  let u: u64;
  if (n < 0) { store<u8>(p, 0x2d); k = 1; u = <u64>(-n); } else u = <u64>n;
  // i64.MIN: -n overflows back to itself, but as u64 it is 2^63, which is right
  const tmp = I64TMP;
  let t = 0;
  do {
    store<u8>(tmp + t, <u8>(0x30 + <u32>(u % 10)));
    u /= 10;
    t++;
  } while (u != 0);
  while (t > 0) { t--; store<u8>(p + k, load<u8>(tmp + t)); k++; }
  return k;
}

// exact digits of a double: DIG buffer holds digits, DIG_N count, DIG_E = decimal exponent of the first digit
const DIG: usize = memory.data(1200, 8);
let digN: i32 = 0;
let digE: i32 = 0; // value = 0.d1d2d3... * 10^digE

function exactDigits(x: f64): void {
  const bits = reinterpret<u64>(x);
  let be = <i32>((bits >>> 52) & 0x7ff);
  let m = bits & 0xfffffffffffff;
  if (be == 0) be = 1; else m |= <u64>1 << 52;
  let e2 = be - 1075; // x = m * 2^e2
  const a = BN_A;
  bnFromU64(a, m);
  let pointShift = 0; // number of decimal digits after the point in the integer a
  if (e2 >= 0) bnShl(a, e2);
  else {
    bnMulPow5(a, -e2);
    pointShift = -e2;
  }
  // convert a to decimal (chunks of 9 digits, least significant first)
  const tmp = DIGTMP;
  let t = 0;
  while (bnLen(a) > 0) {
    let r = bnDivSmall(a, 1000000000);
    const last = bnLen(a) == 0;
    for (let j = 0; j < 9; j++) {
      if (last && r == 0) break;
      store<u8>(tmp + t, <u8>(r % 10));
      r /= 10;
      t++;
    }
  }
  // tmp holds digits reversed; integer has t digits; value = int * 10^-pointShift
  digN = 0;
  for (let i = t - 1; i >= 0; i--) store<u8>(DIG + digN++, load<u8>(tmp + i));
  digE = t - pointShift;
  while (digN > 0 && load<u8>(DIG + digN - 1) == 0) digN--;
}

const RND: usize = memory.data(1200, 8);

/** Rounds the exact digits to p >= 1 digits into RND (values 0-9); returns the decimal exponent (0.d1.. form). */
function roundTo(p: i32): i32 {
  let e = digE;
  if (p >= digN) {
    for (let i = 0; i < p; i++) store<u8>(RND + i, i < digN ? load<u8>(DIG + i) : 0);
    return e;
  }
  for (let i = 0; i < p; i++) store<u8>(RND + i, load<u8>(DIG + i));
  const nd = load<u8>(DIG + p);
  let up = false;
  if (nd > 5) up = true;
  else if (nd == 5) {
    let rest = false;
    for (let i = p + 1; i < digN; i++) if (load<u8>(DIG + i) != 0) { rest = true; break; }
    up = rest || (load<u8>(RND + p - 1) & 1) != 0;
  }
  if (up) {
    let i = p - 1;
    while (i >= 0) {
      const d = load<u8>(RND + i) + 1;
      if (d == 10) { store<u8>(RND + i, 0); i--; } else { store<u8>(RND + i, d); break; }
    }
    if (i < 0) {
      store<u8>(RND, 1);
      for (let j = 1; j < p; j++) store<u8>(RND + j, 0);
      e++;
    }
  }
  return e;
}

/** Digits of a formatted double (ASCII) in SD: value = 0.SD[0..sdN) * 10^sdE. */
export const SD: usize = memory.data(1200, 8);
export let sdN: i32 = 0;
export let sdE: i32 = 0;

/** Shortest round-tripping digits of finite x > 0 into SD. */
export function shortestDigits(x: f64): void {
  if (x >= 1e-6 && x < 1e15) {
    // fast path: p <= 15 digits verified with exact small-power arithmetic
    let e10 = <i32>Math.floor(Math.log10(x));
    if (e10 > 0 && load<f64>(P10 + (<usize>e10 << 3)) > x) e10--;
    for (let p = 1; p <= 15; p++) {
      const k = p - 1 - e10; // scale so that p digits are before the point
      if (k > 22 || k < -22) continue;
      const scaled = k >= 0 ? x * load<f64>(P10 + (<usize>k << 3)) : x / load<f64>(P10 + (<usize>(-k) << 3));
      const d = Math.round(scaled);
      if (d < load<f64>(P10 + (<usize>(p - 1) << 3)) || d >= load<f64>(P10 + (<usize>p << 3))) continue;
      const du = <u64>d;
      if (decToF64(du, -k) != x) continue;
      let n = fmtI64(SD, <i64>du);
      while (n > 1 && load<u8>(SD + n - 1) == 0x30) n--;
      sdN = n;
      sdE = e10 + 1;
      return;
    }
  }
  exactDigits(x);
  let p = x >= 1e-6 && x < 1e15 ? 15 : 1;
  let e = 0;
  for (; p <= 17; p++) {
    e = roundTo(p);
    if (p == 17) break; // 17 significant digits always round-trip
    let d: u64 = 0;
    for (let i = 0; i < p; i++) d = d * 10 + <u64>load<u8>(RND + i);
    if (decToF64(d, e - p) == x) break;
  }
  while (p > 1 && load<u8>(RND + p - 1) == 0) p--;
  for (let i = 0; i < p; i++) store<u8>(SD + i, 0x30 + load<u8>(RND + i));
  sdN = p;
  sdE = e;
}

/** Digits of finite x > 0 rounded (half-even on the exact value) to p >= 1 significant digits, into SD. */
export function precisionDigits(x: f64, p: i32): void {
  exactDigits(x);
  if (p > 1100) p = 1100;
  sdE = roundTo(p);
  for (let i = 0; i < p; i++) store<u8>(SD + i, 0x30 + load<u8>(RND + i));
  sdN = p;
}

/** Digits of finite x >= 0 rounded to `frac` digits after the decimal point, into SD (sdN may be 0 for zero). */
export function fixedDigits(x: f64, frac: i32): void {
  if (x == 0) { sdN = 0; sdE = 0; return; }
  exactDigits(x);
  const p = digE + frac; // significant digits kept
  if (p > 1100) { precisionDigits(x, 1100); return; }
  if (p > 0) {
    sdE = roundTo(p);
    for (let i = 0; i < p; i++) store<u8>(SD + i, 0x30 + load<u8>(RND + i));
    sdN = p;
    return;
  }
  // the first digit is beyond the rounding position: the result is 0 or 10^-frac
  let up = false;
  if (p == 0) {
    const d0 = load<u8>(DIG);
    if (d0 > 5) up = true;
    else if (d0 == 5) { for (let i = 1; i < digN; i++) if (load<u8>(DIG + i) != 0) { up = true; break; } }
  }
  if (up) { store<u8>(SD, 0x31); sdN = 1; sdE = 1 - frac; } else { sdN = 0; sdE = 0; }
}

/** Writes the shortest round-tripping representation of finite x at out (JSON syntax); returns the byte count. */
export function fmtF64(out: usize, x: f64): i32 {
  let k = 0;
  if (x == 0) { store<u8>(out, 0x30); return 1; }
  if (x < 0) { store<u8>(out, 0x2d); k = 1; x = -x; }
  if (x >= 9007199254740992.0 && x == Math.trunc(x) && x < 1e21) {
    // large integral value: print the exact integer
    exactDigits(x);
    for (let i = 0; i < digE; i++) store<u8>(out + k++, <u8>(0x30 + (i < digN ? load<u8>(DIG + i) : 0)));
    return k;
  }
  shortestDigits(x);
  const p = sdN, e = sdE;
  if (e > 0 && e <= 21) {
    for (let i = 0; i < (p > e ? p : e); i++) {
      if (i == e) store<u8>(out + k++, 0x2e);
      store<u8>(out + k++, i < p ? load<u8>(SD + i) : 0x30);
    }
    return k;
  }
  if (e <= 0 && e > -6) {
    store<u8>(out + k++, 0x30);
    store<u8>(out + k++, 0x2e);
    for (let i = 0; i < -e; i++) store<u8>(out + k++, 0x30);
    for (let i = 0; i < p; i++) store<u8>(out + k++, load<u8>(SD + i));
    return k;
  }
  store<u8>(out + k++, load<u8>(SD));
  if (p > 1) {
    store<u8>(out + k++, 0x2e);
    for (let i = 1; i < p; i++) store<u8>(out + k++, load<u8>(SD + i));
  }
  store<u8>(out + k++, 0x65);
  const ex = e - 1;
  store<u8>(out + k++, ex < 0 ? 0x2d : 0x2b);
  k += fmtI64(out + k, ex < 0 ? -ex : ex);
  return k;
}

/** Scratch buffer large enough for any formatted number. */
export const NUMBUF: usize = memory.data(64, 8);

export function allocCopy(p: usize, n: i32): usize {
  const q = malloc(n);
  memory.copy(q, p, n);
  return q;
}

/** Decimal text of -/+ m * 2^shift (exact, via the bignum), allocated on the heap; sets bigTextLen. */
export let bigTextLen: i32 = 0;
export function shiftedIntText(m: u64, neg: bool, shift: i32): usize {
  const a = BN_A;
  bnFromU64(a, m);
  bnShl(a, shift);
  const tmp = DIGTMP;
  let t = 0;
  while (bnLen(a) > 0 && t < 1150) {
    let r = bnDivSmall(a, 1000000000);
    const last = bnLen(a) == 0;
    for (let j = 0; j < 9; j++) {
      if (last && r == 0) break;
      store<u8>(tmp + t, <u8>(0x30 + r % 10));
      r /= 10;
      t++;
    }
  }
  if (t == 0) { store<u8>(tmp, 0x30); t = 1; }
  const n = t + (neg ? 1 : 0);
  const out = malloc(n);
  let k = 0;
  if (neg) store<u8>(out + k++, 0x2d);
  for (let i = t - 1; i >= 0; i--) store<u8>(out + k++, load<u8>(tmp + i));
  bigTextLen = n;
  return out;
}

export function bnAddSmall(a: usize, x: u32): void {
  let carry: u64 = x;
  const n = bnLen(a);
  for (let i = 0; i < n && carry != 0; i++) {
    const s = <u64>bnGet(a, i) + carry;
    bnSet(a, i, <u32>s);
    carry = s >> 32;
  }
  if (carry != 0 && n < BN_CAP) {
    bnSet(a, n, <u32>carry);
    store<i32>(a, n + 1);
  }
}

/** Decimal text of the bignum (destroys it), with an optional sign, allocated on the heap; sets bigTextLen. */
export function bnToText(a: usize, neg: bool): usize {
  const tmp = DIGTMP;
  let t = 0;
  while (bnLen(a) > 0 && t < 1150) {
    let r = bnDivSmall(a, 1000000000);
    const last = bnLen(a) == 0;
    for (let j = 0; j < 9; j++) {
      if (last && r == 0) break;
      store<u8>(tmp + t, <u8>(0x30 + r % 10));
      r /= 10;
      t++;
    }
  }
  if (t == 0) { store<u8>(tmp, 0x30); t = 1; neg = false; }
  const n = t + (neg ? 1 : 0);
  const out = malloc(n);
  let k = 0;
  if (neg) store<u8>(out + k++, 0x2d);
  for (let i = t - 1; i >= 0; i--) store<u8>(out + k++, load<u8>(tmp + i));
  bigTextLen = n;
  return out;
}
