// Exact number semantics beyond i64/f64: arbitrary-precision integers (+ − × ÷ rem, order) and the
// "number out of the supported range" errors for results that cannot be represented exactly.
//
// A number is viewed as a decimal  (-1)^neg × mantissa × 10^exp  with a bignum mantissa (num.ts limbs).
// Integers of up to MAX_DIGITS decimal digits are exact; anything else raises `<op>: number out of the
// supported range` through opa_abort instead of producing a rounded or undefined answer.
import { fatalBytes, malloc } from "./alloc";
import {
  BN_CAP, BN_BYTES, bnLen, bnGet, bnSet, bnTrim, bnFromU64, bnMulSmall, bnMulPow10, bnMulPow5, bnShl, bnBitLen,
  bnCmp, bnSub, bnCopy, bnDivSmall, bnAddSmall, bnToText, bigTextLen, fmtI64, scanNumber, scannedF64,
} from "./num";
import { T_NUM, N_INT, N_FLOAT, N_REF, vtype, numKind, numI64, numF64raw, mkInt, mkFloat } from "./value";
import { numberFromText } from "./json";

/** Largest integer the runtime computes with exactly, in decimal digits. */
export const MAX_DIGITS: i32 = 1000;
/** Bits needed for MAX_DIGITS digits (10^1000 < 2^3322). */
const MAX_BITS: i32 = 3322;

const X: usize = memory.data(BN_BYTES, 8);
const Y: usize = memory.data(BN_BYTES, 8);
const R: usize = memory.data(BN_BYTES, 8);
const T: usize = memory.data(BN_BYTES, 8);

let xNeg: bool = false;
let xExp: i32 = 0;
let yNeg: bool = false;
let yExp: i32 = 0;
// results of loadDec
let ldNeg: bool = false;
let ldExp: i32 = 0;

// ---------------------------------------------------------------- errors

const MSG_RANGE: usize = memory.data<u8>([
  0x3a, 0x20, 0x6e, 0x75, 0x6d, 0x62, 0x65, 0x72, 0x20, 0x6f, 0x75, 0x74, 0x20, 0x6f, 0x66, 0x20, 0x74, 0x68, 0x65,
  0x20, 0x73, 0x75, 0x70, 0x70, 0x6f, 0x72, 0x74, 0x65, 0x64, 0x20, 0x72, 0x61, 0x6e, 0x67, 0x65,
]); // ": number out of the supported range"
const MSG_RANGE_LEN: i32 = 35;
const ERRBUF: usize = memory.data(96, 8);

/** Aborts with "<op>: number out of the supported range" (op: static ASCII string literal). */
export function rangeError(op: string): void {
  const p = changetype<usize>(op);
  const n = load<i32>(p - 4) >> 1;
  for (let i = 0; i < n; i++) store<u8>(ERRBUF + i, <u8>load<u16>(p + (<usize>i << 1)));
  memory.copy(ERRBUF + n, MSG_RANGE, MSG_RANGE_LEN);
  fatalBytes(ERRBUF, n + MSG_RANGE_LEN);
}

// ---------------------------------------------------------------- bignum helpers

/** a += b (magnitudes); false if the capacity would be exceeded. */
function bnAdd(a: usize, b: usize): bool {
  const na = bnLen(a), nb = bnLen(b);
  const n = na > nb ? na : nb;
  if (n + 1 > BN_CAP) return false;
  let carry: u64 = 0;
  for (let i = 0; i < n; i++) {
    const s = (i < na ? <u64>bnGet(a, i) : 0) + (i < nb ? <u64>bnGet(b, i) : 0) + carry;
    bnSet(a, i, <u32>s);
    carry = s >>> 32;
  }
  bnSet(a, n, <u32>carry);
  store<i32>(a, n + 1);
  bnTrim(a);
  return true;
}

/** r = a × b (r distinct from a and b); false if the capacity would be exceeded. */
function bnMul(r: usize, a: usize, b: usize): bool {
  const na = bnLen(a), nb = bnLen(b);
  if (na == 0 || nb == 0) { store<i32>(r, 0); return true; }
  if (na + nb > BN_CAP) return false;
  for (let i = 0; i < na + nb; i++) bnSet(r, i, 0);
  for (let i = 0; i < na; i++) {
    let carry: u64 = 0;
    const x = <u64>bnGet(a, i);
    for (let j = 0; j < nb; j++) {
      const t = x * <u64>bnGet(b, j) + <u64>bnGet(r, i + j) + carry;
      bnSet(r, i + j, <u32>t);
      carry = t >>> 32;
    }
    bnSet(r, i + nb, <u32>carry);
  }
  store<i32>(r, na + nb);
  bnTrim(r);
  return true;
}

/** a mod d without changing a. */
function bnModSmall(a: usize, d: u32): u32 {
  let rem: u64 = 0;
  for (let i = bnLen(a) - 1; i >= 0; i--) rem = ((rem << 32) | <u64>bnGet(a, i)) % d;
  return <u32>rem;
}

// ---------------------------------------------------------------- loading numbers as decimals

/**
 * Loads number v into bignum dst as a decimal (ldNeg, mantissa, ldExp) with trailing decimal zeros moved into
 * the exponent. Returns false when the mantissa needs more than MAX_DIGITS digits.
 */
function loadDec(v: usize, dst: usize): bool {
  const k = numKind(v);
  ldExp = 0;
  if (k == N_INT) {
    const n = numI64(v);
    ldNeg = n < 0;
    bnFromU64(dst, n < 0 ? <u64>(-n) : <u64>n);
  } else if (k == N_FLOAT) {
    const f = numF64raw(v);
    ldNeg = f < 0;
    const bits = reinterpret<u64>(f);
    let be = <i32>((bits >>> 52) & 0x7ff);
    let m = bits & 0xfffffffffffff;
    if (be == 0) be = 1; else m |= <u64>1 << 52;
    let e2 = be - 1075;
    if (m == 0) { store<i32>(dst, 0); return true; }
    while ((m & 1) == 0) { m >>>= 1; e2++; }
    bnFromU64(dst, m);
    if (e2 >= 0) bnShl(dst, e2);
    else { bnMulPow5(dst, -e2); ldExp = e2; }
  } else {
    if (!loadText(<usize>load<i32>(v, 16), load<i32>(v, 20), dst)) return false;
  }
  // move trailing zeros into the exponent
  while (bnLen(dst) > 0 && bnModSmall(dst, 10) == 0) { bnDivSmall(dst, 10); ldExp++; }
  if (bnLen(dst) == 0) { ldExp = 0; ldNeg = false; }
  return true;
}

/** Parses JSON number text into dst / ldNeg / ldExp (the text was validated when the value was made). */
function loadText(p: usize, n: i32, dst: usize): bool {
  let i = 0;
  ldNeg = false;
  if (i < n && load<u8>(p) == 0x2d) { ldNeg = true; i++; }
  store<i32>(dst, 0);
  let digits = 0, frac = 0, inFrac = false;
  for (; i < n; i++) {
    const c = load<u8>(p + i);
    if (c == 0x2e) { inFrac = true; continue; }
    if (c < 0x30 || c > 0x39) break;
    if (bnLen(dst) == 0 && c == 0x30) { if (inFrac) frac++; continue; }
    if (++digits > MAX_DIGITS) return false;
    bnMulSmall(dst, 10);
    bnAddSmall(dst, c - 0x30);
    if (inFrac) frac++;
  }
  let ex = 0;
  if (i < n) {
    i++; // e / E
    let eneg = false;
    if (i < n && (load<u8>(p + i) == 0x2b || load<u8>(p + i) == 0x2d)) { eneg = load<u8>(p + i) == 0x2d; i++; }
    for (; i < n; i++) {
      if (ex < 100000000) ex = ex * 10 + (load<u8>(p + i) - 0x30);
    }
    if (eneg) ex = -ex;
  }
  ldExp = ex - frac;
  return true;
}

/** Whether v is a number whose value is an integer (i64, integral float, or integral literal). */
export function isIntegral(v: usize): bool {
  const k = numKind(v);
  if (k == N_INT) return true;
  if (k == N_FLOAT) { const f = numF64raw(v); return f == Math.trunc(f); }
  if (!loadDec(v, T)) return true; // more than MAX_DIGITS digits of mantissa: too big to be a fraction here
  return ldExp >= 0 || bnLen(T) == 0;
}

/** Loads integer v into dst (sign in ldNeg); false if it has more than MAX_DIGITS digits. */
function loadInt(v: usize, dst: usize): bool {
  if (!loadDec(v, dst)) return false;
  if (ldExp > 0) {
    if (<i64>bnBitLen(dst) + (<i64>ldExp * 3322) / 1000 > <i64>MAX_BITS + 4) return false;
    bnMulPow10(dst, ldExp);
    ldExp = 0;
  }
  return bnBitLen(dst) <= MAX_BITS + 4;
}

/** A number value for (neg, bignum a); destroys a. 0 when it exceeds MAX_DIGITS digits. */
function mkBig(a: usize, neg: bool): usize {
  if (bnLen(a) == 0) return mkInt(0);
  if (bnBitLen(a) <= 63) {
    const lo = <u64>bnGet(a, 0) | (bnLen(a) > 1 ? <u64>bnGet(a, 1) << 32 : 0);
    return mkInt(neg ? -(<i64>lo) : <i64>lo);
  }
  if (neg && bnBitLen(a) == 64 && bnGet(a, 0) == 0 && bnGet(a, 1) == 0x80000000) return mkInt(i64.MIN_VALUE);
  if (bnBitLen(a) > MAX_BITS + 4) return 0;
  const text = bnToText(a, neg);
  const len = bigTextLen, s = neg ? 1 : 0;
  const digits = len - s;
  if (digits > MAX_DIGITS) return 0;
  let z = 0;
  while (z < digits - 1 && load<u8>(text + len - 1 - z) == 0x30) z++;
  if (z == 0 || digits <= 21) return numberFromText(text, len);
  // many digits ending in zeros: exponent form like Go's %g ("2e+300", "1.5e+30")
  const sig = digits - z;
  const out = malloc(len + 16);
  let k = 0;
  if (neg) store<u8>(out + k++, 0x2d);
  store<u8>(out + k++, load<u8>(text + s));
  if (sig > 1) {
    store<u8>(out + k++, 0x2e);
    memory.copy(out + k, text + s + 1, sig - 1);
    k += sig - 1;
  }
  store<u8>(out + k++, 0x65);
  store<u8>(out + k++, 0x2b);
  k += fmtI64(out + k, digits - 1);
  return numberFromText(out, k);
}

// ---------------------------------------------------------------- exact integer arithmetic

/** x (+|−) y for integer-valued numbers; aborts out of range. */
export function bigAddSub(a: usize, b: usize, sub: bool, op: string): usize {
  if (!loadInt(a, X)) rangeError(op);
  xNeg = ldNeg;
  if (!loadInt(b, Y)) rangeError(op);
  yNeg = sub ? !ldNeg : ldNeg;
  let neg = xNeg;
  if (xNeg == yNeg) {
    if (!bnAdd(X, Y)) rangeError(op);
  } else if (bnCmp(X, Y) >= 0) {
    bnSub(X, Y);
  } else {
    bnCopy(T, Y);
    bnSub(T, X);
    bnCopy(X, T);
    neg = yNeg;
  }
  const r = mkBig(X, neg);
  if (r == 0) rangeError(op);
  return r;
}

export function bigMul(a: usize, b: usize, op: string): usize {
  if (!loadInt(a, X)) rangeError(op);
  xNeg = ldNeg;
  if (!loadInt(b, Y)) rangeError(op);
  yNeg = ldNeg;
  if (bnBitLen(X) + bnBitLen(Y) > MAX_BITS + 8 || !bnMul(R, X, Y)) rangeError(op);
  const r = mkBig(R, xNeg != yNeg);
  if (r == 0) rangeError(op);
  return r;
}

/**
 * Division / remainder when an operand is beyond 2^53 (both integers, divisor non-zero). `div` is exact when
 * the divisor's significant digits fit 32 bits (1e400 / 5e10) and the quotient is an integer; a quotient with a
 * fraction is rounded to a double (correctly for such divisors, through the operands' doubles otherwise).
 * `rem` is exact when the divisor fits 32 bits or the dividend is smaller in magnitude; anything else aborts.
 */
export function bigDivRem(a: usize, b: usize, wantRem: bool, op: string): usize {
  if (wantRem) {
    if (!loadInt(a, X)) rangeError(op);
    xNeg = ldNeg;
    if (!loadInt(b, Y)) rangeError(op);
    if (bnLen(Y) == 1) {
      const r = bnDivSmall(X, bnGet(Y, 0));
      return mkInt(xNeg ? -(<i64>r) : <i64>r);
    }
    const c = bnCmp(X, Y);
    if (c == 0) return mkInt(0);
    if (c < 0) return a;
    rangeError(op);
    return 0;
  }
  if (!loadDec(a, X)) rangeError(op);
  xNeg = ldNeg; xExp = ldExp;
  if (!loadDec(b, Y)) rangeError(op);
  yNeg = ldNeg; yExp = ldExp;
  const neg = xNeg != yNeg;
  let e = xExp - yExp;
  if (bnLen(Y) != 1) {
    if (bnCmp(X, Y) != 0) return approxDiv(a, b, op);
    store<i32>(X, 1); bnSet(X, 0, 1); // equal mantissas: quotient 1 × 10^(xExp - yExp)
  } else {
    const y = <u64>bnGet(Y, 0);
    let r = <u64>bnDivSmall(X, <u32>y);
    if (r != 0) {
      // 30 more decimal digits of the quotient and a sticky digit: enough for a correctly rounded double
      for (let i = 0; i < 30; i++) {
        const t = r * 10;
        bnMulSmall(X, 10);
        bnAddSmall(X, <u32>(t / y));
        r = t % y;
        e--;
      }
      if (r != 0) { bnMulSmall(X, 10); bnAddSmall(X, 1); e--; }
    }
  }
  while (e < 0 && bnLen(X) > 0 && bnModSmall(X, 10) == 0) { bnDivSmall(X, 10); e++; }
  if (e > 0) {
    if (<i64>bnBitLen(X) + (<i64>e * 3322) / 1000 > <i64>MAX_BITS + 4) rangeError(op);
    bnMulPow10(X, e);
    e = 0;
  }
  if (e == 0 || bnLen(X) == 0) {
    const q = mkBig(X, neg);
    if (q == 0) rangeError(op);
    return q;
  }
  // a quotient with a fraction (1e30 / 2e31 = 0.05, 2^64 / 3): rounded to a double like other fractions
  if (bnBitLen(X) > MAX_BITS + 4) rangeError(op);
  const text = bnToText(X, neg);
  const n = bigTextLen;
  const out = malloc(n + 16);
  memory.copy(out, text, n);
  let k = n;
  store<u8>(out + k++, 0x65);
  k += fmtI64(out + k, e);
  if (!scanNumber(out, k)) rangeError(op);
  const f = scannedF64();
  if (f == 0 || !isFinite(f)) rangeError(op);
  return mkFloat(f);
}

/** a / b rounded through doubles (both operands have a usable double). */
function approxDiv(a: usize, b: usize, op: string): usize {
  const fa = numKind(a) == N_INT ? <f64>numI64(a) : numF64raw(a);
  const fb = numKind(b) == N_INT ? <f64>numI64(b) : numF64raw(b);
  const f = fa / fb;
  if (f == 0 || !isFinite(f) || !isFinite(fa) || fb == 0) rangeError(op);
  return mkFloat(f);
}

// ---------------------------------------------------------------- exact order

/** Exact order of two numbers of which at least one is a literal (N_REF); -1 / 0 / 1. */
export function exactCmp(a: usize, b: usize): i32 {
  const okA = loadDec(a, X);
  xNeg = ldNeg; xExp = ldExp;
  const okB = loadDec(b, Y);
  yNeg = ldNeg; yExp = ldExp;
  if (!okA || !okB) {
    // a mantissa beyond MAX_DIGITS digits: compare the approximations
    const fa = numF64raw(a), fb = numF64raw(b);
    const x = numKind(a) == N_INT ? <f64>numI64(a) : fa, y = numKind(b) == N_INT ? <f64>numI64(b) : fb;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const zx = bnLen(X) == 0, zy = bnLen(Y) == 0;
  if (zx && zy) return 0;
  const sx: i32 = zx ? 0 : xNeg ? -1 : 1, sy: i32 = zy ? 0 : yNeg ? -1 : 1;
  if (sx != sy) return sx < sy ? -1 : 1;
  // same sign, both non-zero: compare magnitudes, then apply the sign
  let c = magCmp();
  return sx < 0 ? -c : c;
}

/** Order of |X|×10^xExp and |Y|×10^yExp (both non-zero). */
function magCmp(): i32 {
  // order of magnitude from bit lengths (log10 2 ≈ 0.30103): decisive when far apart
  const ma = <f64>bnBitLen(X) * 0.30102999566 + <f64>xExp;
  const mb = <f64>bnBitLen(Y) * 0.30102999566 + <f64>yExp;
  if (ma > mb + 2) return 1;
  if (mb > ma + 2) return -1;
  // close: align the exponents (the shift is bounded by the mantissa lengths)
  if (xExp > yExp) {
    bnMulPow10(X, xExp - yExp);
  } else if (yExp > xExp) {
    bnMulPow10(Y, yExp - xExp);
  }
  return bnCmp(X, Y);
}

/** Whether numbers of kind ka / kb need the exact comparison. */
@inline export function needsExactCmp(ka: i32, kb: i32): bool {
  return ka == N_REF || kb == N_REF;
}

export function isNumber(v: usize): bool { return v != 0 && vtype(v) == T_NUM; }
