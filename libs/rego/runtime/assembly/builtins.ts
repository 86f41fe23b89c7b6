// Native builtins: operators and aggregates (opa_bi_<name>).
import { malloc } from "./alloc";
import { numberFromText } from "./json";
import { bigAddSub, bigMul, bigDivRem, isIntegral, exactCmp, rangeError } from "./exact";
import { shortestDigits, SD, sdN, sdE, decToF64, shiftedIntText, bigTextLen, fmtI64 } from "./num";
import {
  T_NULL, T_BOOL, T_NUM, T_STR, T_ARR, T_OBJ, T_SET, N_INT, N_FLOAT, N_REF, vtype, vlen, mkBool, boolVal, mkInt, mkFloat, numKind, numI64,
  numF64, compare, equal, length, arrAt, arrElems, arrPush, mkArr, mkSet, setAdd, setFind, shallowCopy, mkObj, mkNumRef,
  objGet, objInsert, objKeys, objKeyAt, objValAt, get, mkLit,
} from "./value";

// ---------------------------------------------------------------- comparison

export function opa_bi_equal(a: i32, b: i32): i32 { return a == 0 || b == 0 ? 0 : <i32>mkBool(equal(a, b)); }
export function opa_bi_neq(a: i32, b: i32): i32 { return a == 0 || b == 0 ? 0 : <i32>mkBool(!equal(a, b)); }
export function opa_bi_lt(a: i32, b: i32): i32 { return a == 0 || b == 0 ? 0 : <i32>mkBool(compare(a, b) < 0); }
export function opa_bi_lte(a: i32, b: i32): i32 { return a == 0 || b == 0 ? 0 : <i32>mkBool(compare(a, b) <= 0); }
export function opa_bi_gt(a: i32, b: i32): i32 { return a == 0 || b == 0 ? 0 : <i32>mkBool(compare(a, b) > 0); }
export function opa_bi_gte(a: i32, b: i32): i32 { return a == 0 || b == 0 ? 0 : <i32>mkBool(compare(a, b) >= 0); }

// ---------------------------------------------------------------- arithmetic

@inline function isNum(v: usize): bool { return v != 0 && vtype(v) == T_NUM; }
@inline function bothInt(a: usize, b: usize): bool { return numKind(a) == N_INT && numKind(b) == N_INT; }

export function opa_bi_plus(a: i32, b: i32): i32 {
  if (!isNum(a) || !isNum(b)) return 0;
  return <i32>numPlus(a, b, "plus");
}

/**
 * a + b: exact for i64, exact with arbitrary precision for other integers (exact.ts), decimal-exact for short
 * decimals, otherwise rounded once to a double. Aborts with "<op>: number out of the supported range" when the
 * exact result cannot be represented.
 */
function numPlus(a: usize, b: usize, op: string): usize {
  if (bothInt(a, b)) {
    const x = numI64(a), y = numI64(b);
    const r = x + y;
    if (((x ^ r) & (y ^ r)) >= 0) return mkInt(r);
  }
  if (bigOperands(a, b, op)) return bigAddSub(a, b, false, op);
  const d = decAddSub(a, b, false);
  if (d != 0) return d;
  return finite(mkFloat(numF64(a) + numF64(b)), op);
}

/**
 * True when the operation must use exact integer arithmetic: both operands are integers and at least one is
 * beyond 2^53 (or i64 overflowed). Aborts when the other path would need the double of a literal that
 * underflows or overflows binary64 (1e-400, 1e400 + 0.5).
 */
function bigOperands(a: usize, b: usize, op: string): bool {
  const ia = isIntegral(a), ib = isIntegral(b);
  if (ia && ib) {
    // integral doubles below 2^53 in magnitude are exact in the double path too
    if (numKind(a) == N_INT && numKind(b) == N_INT) return true;
    return !(smallExact(a) && smallExact(b));
  }
  // otherwise the double path rounds the result (as non-integer arithmetic always does); a literal whose double
  // is 0 or infinite (1e-400, 1e400) has no usable approximation
  if (unrepresentable(a) || unrepresentable(b)) rangeError(op);
  return false;
}

function unrepresentable(v: usize): bool {
  if (numKind(v) != N_REF) return false;
  const f = numF64(v);
  return f == 0 || !isFinite(f);
}

/** An integer-valued number whose magnitude is below 2^53 (exact as a double). */
function smallExact(v: usize): bool {
  if (numKind(v) == N_INT) { const n = numI64(v); return n > -9007199254740992 && n < 9007199254740992; }
  if (numKind(v) == N_FLOAT) return Math.abs(numF64(v)) < 9007199254740992.0;
  return false;
}

/** A float result that overflowed (mkFloat gives 0 for ±Inf / NaN) is an error. */
function finite(r: usize, op: string): usize {
  if (r == 0) rangeError(op);
  return r;
}

// ---------------------------------------------------------------- decimal-exact arithmetic
// OPA computes with decimals (big.Float / libmpdec), so 0.1 + 0.2 is 0.3 there. For operands whose shortest
// decimal forms are small, the runtime computes the exact decimal result and rounds it once to a double.

let decM: i64 = 0;
let decE: i32 = 0;

/** Decimal form of a number value (mantissa in decM, exponent in decE); false if not representable. */
function toDec(v: usize): bool {
  if (numKind(v) == N_INT) { decM = numI64(v); decE = 0; return true; }
  const f = numF64(v);
  if (!isFinite(f) || f == 0) {
    if (f == 0) { decM = 0; decE = 0; return true; }
    return false;
  }
  shortestDigits(Math.abs(f));
  if (sdN > 17) return false;
  let m: i64 = 0;
  for (let i = 0; i < sdN; i++) m = m * 10 + <i64>(load<u8>(SD + i) - 0x30);
  decM = f < 0 ? -m : m;
  decE = sdE - sdN;
  return true;
}

const I64P10: usize = memory.data<i64>([
  1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000, 10000000000, 100000000000,
  1000000000000, 10000000000000, 100000000000000, 1000000000000000, 10000000000000000, 100000000000000000,
  1000000000000000000,
], 8);

/** m * 10^k without overflow, or false. */
let scaled: i64 = 0;
function scale(m: i64, k: i32): bool {
  if (k == 0) { scaled = m; return true; }
  if (k < 0 || k > 18) return false;
  const p = load<i64>(I64P10 + (<usize>k << 3));
  const r = m * p;
  if (m != 0 && (r / p != m)) return false;
  scaled = r;
  return true;
}

function decResult(m: i64, e: i32): usize {
  if (e >= 0) {
    if (scale(m, e)) return mkInt(scaled);
    // an integer beyond i64 (1e30 / 0.5 = 2e30): keep it exact as decimal text, "d.ddde+E" like Go's %g
    while (m != 0 && m % 10 == 0) { m /= 10; e++; }
    const digits = malloc(24);
    const neg = m < 0;
    const dn = fmtI64(digits, neg ? -m : m); // |m| < 2^63: no sign
    if (e + dn > 1000) return 0;
    const out = malloc(48);
    let k = 0;
    if (neg) store<u8>(out + k++, 0x2d);
    store<u8>(out + k++, load<u8>(digits));
    if (dn > 1) {
      store<u8>(out + k++, 0x2e);
      memory.copy(out + k, digits + 1, dn - 1);
      k += dn - 1;
    }
    store<u8>(out + k++, 0x65);
    store<u8>(out + k++, 0x2b);
    k += fmtI64(out + k, e + dn - 1);
    return numberFromText(out, k);
  }
  // strip trailing zeros, then round once to a double
  while (e < 0 && m != 0 && m % 10 == 0) { m /= 10; e++; }
  if (e >= 0) return mkInt(m);
  const f = decToF64(<u64>(m < 0 ? -m : m), e);
  return mkFloat(m < 0 ? -f : f);
}

/** a ± b computed exactly in decimal when both operands are short decimals; 0 if not possible. */
function decAddSub(a: usize, b: usize, sub: bool): usize {
  if (!toDec(a)) return 0;
  const ma = decM, ea = decE;
  if (!toDec(b)) return 0;
  let mb = decM, eb = decE;
  if (sub) mb = -mb;
  const e = ea < eb ? ea : eb;
  if (!scale(ma, ea - e)) return 0;
  const x = scaled;
  if (!scale(mb, eb - e)) return 0;
  const y = scaled;
  const r = x + y;
  if (((x ^ r) & (y ^ r)) < 0) return 0;
  return decResult(r, e);
}

function decMul(a: usize, b: usize): usize {
  if (!toDec(a)) return 0;
  const ma = decM, ea = decE;
  if (!toDec(b)) return 0;
  const mb = decM, eb = decE;
  const r = ma * mb;
  if (ma != 0 && (r / ma != mb || (ma == -1 && mb == i64.MIN_VALUE))) return 0;
  return decResult(r, ea + eb);
}

/** a / b when the decimal quotient is exact with a short mantissa (e.g. 0.3 / 0.1 = 3); 0 otherwise. */
function decDiv(a: usize, b: usize): usize {
  if (!toDec(a)) return 0;
  let ma = decM;
  const ea = decE;
  if (!toDec(b)) return 0;
  const mb = decM, eb = decE;
  if (mb == 0) return 0;
  // scale the dividend up while the division is inexact
  let e = ea - eb;
  for (let k = 0; k < 18 && ma % mb != 0; k++) {
    const t = ma * 10;
    if (t / 10 != ma) return 0;
    ma = t;
    e--;
  }
  if (ma % mb != 0) return 0;
  return decResult(ma / mb, e);
}

function numMinus(a: usize, b: usize): usize {
  if (bothInt(a, b)) {
    const x = numI64(a), y = numI64(b);
    const r = x - y;
    if (((x ^ y) & (x ^ r)) >= 0) return mkInt(r);
  }
  if (bigOperands(a, b, "minus")) return bigAddSub(a, b, true, "minus");
  const d = decAddSub(a, b, true);
  if (d != 0) return d;
  return finite(mkFloat(numF64(a) - numF64(b)), "minus");
}

export function opa_bi_minus(a: i32, b: i32): i32 {
  if (a == 0 || b == 0) return 0;
  if (isNum(a) && isNum(b)) return <i32>numMinus(a, b);
  if (vtype(a) == T_SET && vtype(b) == T_SET) return <i32>setDiff(a, b);
  return 0;
}

export function opa_bi_mul(a: i32, b: i32): i32 {
  if (!isNum(a) || !isNum(b)) return 0;
  return <i32>numMul(a, b, "mul");
}

function numMul(a: usize, b: usize, op: string): usize {
  if (bothInt(a, b)) {
    const x = numI64(a), y = numI64(b);
    const r = x * y;
    if (x == 0 || (r / x == y && !(x == -1 && y == i64.MIN_VALUE))) return mkInt(r);
  }
  if (bigOperands(a, b, op)) return bigMul(a, b, op);
  const d = decMul(a, b);
  if (d != 0) return d;
  return finite(mkFloat(numF64(a) * numF64(b)), op);
}

/** Non-zero number test that is exact for literals (1e-400 is not zero). */
function isZero(v: usize): bool {
  if (numKind(v) == N_INT) return numI64(v) == 0;
  if (numKind(v) == N_FLOAT) return numF64(v) == 0;
  return exactCmp(v, mkInt(0)) == 0;
}

/**
 * Division. Division by zero is undefined: OPA raises "div: divide by zero" only in strict-builtin-errors mode;
 * its default (and the conformance suite's non-strict expectation) is an undefined result.
 */
export function opa_bi_div(a: i32, b: i32): i32 {
  if (!isNum(a) || !isNum(b)) return 0;
  if (isZero(b)) return 0;
  if (bothInt(a, b)) {
    const x = numI64(a), y = numI64(b);
    if (!(x == i64.MIN_VALUE && y == -1) && x % y == 0) return <i32>mkInt(x / y);
    if (smallExact(a) && smallExact(b)) {
      const q = decDiv(a, b);
      if (q != 0) return <i32>q;
      return <i32>mkFloat(numF64(a) / numF64(b));
    }
  }
  if (bigOperands(a, b, "div")) return <i32>bigDivRem(a, b, false, "div");
  const q = decDiv(a, b);
  if (q != 0) return <i32>q;
  return <i32>finite(mkFloat(numF64(a) / numF64(b)), "div");
}

/** Remainder of integers (sign of the dividend); undefined for non-integers and zero divisors (as OPA). */
export function opa_bi_rem(a: i32, b: i32): i32 {
  if (!isNum(a) || !isNum(b)) return 0;
  if (!isIntegral(a) || !isIntegral(b)) return 0;
  if (isZero(b)) return 0;
  if (bothInt(a, b)) {
    const x = numI64(a), y = numI64(b);
    if (y == -1) return <i32>mkInt(0);
    return <i32>mkInt(x % y);
  }
  if (smallExact(a) && smallExact(b)) {
    const x = <i64>numF64(a), y = <i64>numF64(b);
    return <i32>mkInt(x % y);
  }
  return <i32>bigDivRem(a, b, true, "rem");
}

// ---------------------------------------------------------------- sets

export function setDiff(a: usize, b: usize): usize {
  const r = mkSet(vlen(a));
  const n = vlen(a);
  for (let i = 0; i < n; i++) {
    const x = arrAt(a, i);
    if (setFind(b, x) < 0) setAdd(r, x);
  }
  return r;
}

export function setAnd(a: usize, b: usize): usize {
  const r = mkSet();
  const n = vlen(a);
  for (let i = 0; i < n; i++) {
    const x = arrAt(a, i);
    if (setFind(b, x) >= 0) setAdd(r, x);
  }
  return r;
}

export function setOr(a: usize, b: usize): usize {
  const r = shallowCopy(a);
  const n = vlen(b);
  for (let i = 0; i < n; i++) setAdd(r, arrAt(b, i));
  return r;
}

export function opa_bi_and(a: i32, b: i32): i32 {
  if (a == 0 || b == 0 || vtype(a) != T_SET || vtype(b) != T_SET) return 0;
  return <i32>setAnd(a, b);
}

export function opa_bi_or(a: i32, b: i32): i32 {
  if (a == 0 || b == 0 || vtype(a) != T_SET || vtype(b) != T_SET) return 0;
  return <i32>setOr(a, b);
}

// ---------------------------------------------------------------- aggregates

export function opa_bi_count(v: i32): i32 {
  if (v == 0) return 0;
  const t = vtype(v);
  if (t == T_STR || t == T_ARR || t == T_OBJ || t == T_SET) return <i32>mkInt(length(v));
  return 0;
}

export function opa_bi_sum(v: i32): i32 { return aggArith(v, false); }
export function opa_bi_product(v: i32): i32 { return aggArith(v, true); }

function aggArith(v: usize, mul: bool): i32 {
  if (v == 0) return 0;
  const t = vtype(v);
  if (t != T_ARR && t != T_SET) return 0;
  let acc: i32 = <i32>mkInt(mul ? 1 : 0);
  const n = vlen(v);
  for (let i = 0; i < n; i++) {
    const x = <i32>arrAt(v, i);
    if (vtype(x) != T_NUM) return 0;
    acc = <i32>(mul ? numMul(acc, x, "product") : numPlus(acc, x, "sum"));
    if (acc == 0) return 0;
  }
  return acc;
}

export function opa_bi_max(v: i32): i32 { return aggPick(v, 1); }
export function opa_bi_min(v: i32): i32 { return aggPick(v, -1); }

function aggPick(v: usize, dir: i32): i32 {
  if (v == 0) return 0;
  const t = vtype(v);
  if (t != T_ARR && t != T_SET) return 0;
  const n = vlen(v);
  if (n == 0) return 0;
  if (t == T_SET) return <i32>arrAt(v, dir > 0 ? n - 1 : 0);
  let best = arrAt(v, 0);
  for (let i = 1; i < n; i++) {
    const x = arrAt(v, i);
    if (compare(x, best) * dir > 0) best = x;
  }
  return <i32>best;
}

export function opa_bi_sort(v: i32): i32 {
  if (v == 0) return 0;
  const t = vtype(v);
  if (t == T_SET) {
    const r = mkArr(vlen(v));
    const n = vlen(v);
    for (let i = 0; i < n; i++) arrPush(r, arrAt(v, i));
    return <i32>r;
  }
  if (t != T_ARR) return 0;
  const r = shallowCopy(v);
  sortElems(arrElems(r), vlen(r));
  return <i32>r;
}

/** Stable merge sort of a pointer array by the total order. */
export function sortElems(p: usize, n: i32): void {
  if (n < 2) return;
  const tmp = malloc(n << 2);
  for (let width = 1; width < n; width <<= 1) {
    for (let lo = 0; lo < n; lo += width << 1) {
      const mid = min(lo + width, n), hi = min(lo + (width << 1), n);
      let i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        const a = load<i32>(p + (<usize>i << 2)), b = load<i32>(p + (<usize>j << 2));
        if (compare(b, a) < 0) { store<i32>(tmp + (<usize>k << 2), b); j++; }
        else { store<i32>(tmp + (<usize>k << 2), a); i++; }
        k++;
      }
      while (i < mid) { store<i32>(tmp + (<usize>k << 2), load<i32>(p + (<usize>i << 2))); i++; k++; }
      while (j < hi) { store<i32>(tmp + (<usize>k << 2), load<i32>(p + (<usize>j << 2))); j++; k++; }
    }
    memory.copy(p, tmp, <usize>n << 2);
  }
}

export function opa_bi_any(v: i32): i32 {
  if (v == 0 || (vtype(v) != T_ARR && vtype(v) != T_SET)) return 0;
  const n = vlen(v);
  for (let i = 0; i < n; i++) {
    const x = arrAt(v, i);
    if (vtype(x) == T_BOOL && boolVal(x)) return <i32>mkBool(true);
  }
  return <i32>mkBool(false);
}

export function opa_bi_all(v: i32): i32 {
  if (v == 0 || (vtype(v) != T_ARR && vtype(v) != T_SET)) return 0;
  const n = vlen(v);
  for (let i = 0; i < n; i++) {
    const x = arrAt(v, i);
    if (!(vtype(x) == T_BOOL && boolVal(x))) return <i32>mkBool(false);
  }
  return <i32>mkBool(true);
}

// ---------------------------------------------------------------- numbers

/** round/ceil/floor/abs of a literal beyond a double: integers are returned as they are; others abort. */
function refUnary(v: usize, op: string): bool {
  if (numKind(v) != N_REF) return false;
  if (isIntegral(v)) return true;
  if (unrepresentable(v)) rangeError(op);
  return false; // a fraction with more digits than a double holds: rounded
}

export function opa_bi_abs(v: i32): i32 {
  if (!isNum(v)) return 0;
  if (refUnary(v, "abs")) {
    const p = <usize>load<i32>(v, 16), n = load<i32>(v, 20);
    return n > 0 && load<u8>(p) == 0x2d ? <i32>numberFromText(p + 1, n - 1) : v;
  }
  if (numKind(v) == N_INT) {
    const x = numI64(v);
    if (x >= 0) return v;
    if (x != i64.MIN_VALUE) return <i32>mkInt(-x);
  }
  return <i32>mkFloat(Math.abs(numF64(v)));
}

export function opa_bi_round(v: i32): i32 {
  if (!isNum(v)) return 0;
  if (numKind(v) == N_INT || refUnary(v, "round")) return v;
  const f = numF64(v);
  // half away from zero; f - trunc(f) is exact, so no double rounding near .5
  const t = Math.trunc(f);
  const frac = Math.abs(f - t);
  return <i32>mkFloat(frac >= 0.5 ? (f < 0 ? t - 1 : t + 1) : t);
}

export function opa_bi_ceil(v: i32): i32 {
  if (!isNum(v)) return 0;
  if (numKind(v) == N_INT || refUnary(v, "ceil")) return v;
  return <i32>mkFloat(Math.ceil(numF64(v)));
}

export function opa_bi_floor(v: i32): i32 {
  if (!isNum(v)) return 0;
  if (numKind(v) == N_INT || refUnary(v, "floor")) return v;
  return <i32>mkFloat(Math.floor(numF64(v)));
}

/** The integer value of a number argument (integral only), for builtins that need integers. */
export let intArgOk: bool = false;
export function intArg(v: usize): i64 {
  intArgOk = false;
  if (!isNum(v)) return 0;
  if (numKind(v) == N_INT) { intArgOk = true; return numI64(v); }
  return 0;
}

export function opa_bi_numbers_range(a: i32, b: i32): i32 {
  const x = intArg(a);
  if (!intArgOk) return 0;
  const y = intArg(b);
  if (!intArgOk) return 0;
  const n = x <= y ? y - x + 1 : x - y + 1;
  if (n > 100_000_000) return 0;
  const r = mkArr(<i32>n);
  if (x <= y) for (let i = x; i <= y; i++) arrPush(r, mkInt(i));
  else for (let i = x; i >= y; i--) arrPush(r, mkInt(i));
  return <i32>r;
}

// ---------------------------------------------------------------- types

export function opa_bi_is_number(v: i32): i32 { return v == 0 ? 0 : <i32>mkBool(vtype(v) == T_NUM); }
export function opa_bi_is_string(v: i32): i32 { return v == 0 ? 0 : <i32>mkBool(vtype(v) == T_STR); }
export function opa_bi_is_boolean(v: i32): i32 { return v == 0 ? 0 : <i32>mkBool(vtype(v) == T_BOOL); }
export function opa_bi_is_array(v: i32): i32 { return v == 0 ? 0 : <i32>mkBool(vtype(v) == T_ARR); }
export function opa_bi_is_set(v: i32): i32 { return v == 0 ? 0 : <i32>mkBool(vtype(v) == T_SET); }
export function opa_bi_is_object(v: i32): i32 { return v == 0 ? 0 : <i32>mkBool(vtype(v) == T_OBJ); }
export function opa_bi_is_null(v: i32): i32 { return v == 0 ? 0 : <i32>mkBool(vtype(v) == T_NULL); }

export function opa_bi_type_name(v: i32): i32 {
  if (v == 0) return 0;
  switch (vtype(v)) {
    case T_NULL: return <i32>mkLit("null");
    case T_BOOL: return <i32>mkLit("boolean");
    case T_NUM: return <i32>mkLit("number");
    case T_STR: return <i32>mkLit("string");
    case T_ARR: return <i32>mkLit("array");
    case T_OBJ: return <i32>mkLit("object");
    case T_SET: return <i32>mkLit("set");
  }
  return 0;
}

// ---------------------------------------------------------------- arrays

export function opa_bi_array_concat(a: i32, b: i32): i32 {
  if (a == 0 || b == 0 || vtype(a) != T_ARR || vtype(b) != T_ARR) return 0;
  const na = vlen(a), nb = vlen(b);
  const r = mkArr(na + nb);
  for (let i = 0; i < na; i++) arrPush(r, arrAt(a, i));
  for (let i = 0; i < nb; i++) arrPush(r, arrAt(b, i));
  return <i32>r;
}

export function opa_bi_array_slice(a: i32, start: i32, stop: i32): i32 {
  if (a == 0 || vtype(a) != T_ARR) return 0;
  let s = intArg(start);
  if (!intArgOk) return 0;
  let e = intArg(stop);
  if (!intArgOk) return 0;
  const n = <i64>vlen(a);
  if (s < 0) s = 0;
  if (e > n) e = n;
  if (s >= e) return <i32>mkArr(0);
  const r = mkArr(<i32>(e - s));
  for (let i = <i32>s; i < <i32>e; i++) arrPush(r, arrAt(a, i));
  return <i32>r;
}

export function opa_bi_array_reverse(a: i32): i32 {
  if (a == 0 || vtype(a) != T_ARR) return 0;
  const n = vlen(a);
  const r = mkArr(n);
  for (let i = n - 1; i >= 0; i--) arrPush(r, arrAt(a, i));
  return <i32>r;
}

// ---------------------------------------------------------------- objects

/** Looks up a path (array of keys) through objects, arrays and sets. */
export function findPath(v: usize, path: usize): usize {
  const n = vlen(path);
  let cur = v;
  for (let i = 0; i < n; i++) {
    if (cur == 0) return 0;
    const t = vtype(cur);
    if (t != T_OBJ && t != T_ARR && t != T_SET) return 0;
    cur = get(cur, arrAt(path, i));
  }
  return cur;
}

export function opa_bi_object_get(obj: i32, key: i32, dflt: i32): i32 {
  if (obj == 0 || key == 0 || dflt == 0 || vtype(obj) != T_OBJ) return 0;
  if (vtype(key) == T_ARR) {
    if (vlen(key) == 0) return obj;
    const r = findPath(obj, key);
    return r != 0 ? <i32>r : dflt;
  }
  const r = objGet(obj, key);
  return r != 0 ? <i32>r : dflt;
}

export function opa_bi_object_keys(obj: i32): i32 {
  if (obj == 0 || vtype(obj) != T_OBJ) return 0;
  const n = vlen(obj);
  const r = mkSet(n);
  // keys are already sorted and distinct
  memory.copy(arrElems(r), objKeys(obj), <usize>n << 2);
  store<i32>(r, n, 4);
  return <i32>r;
}

/** Keys given as an array, set or object (its keys) → a set; 0 if another type. */
function keySet(keys: usize): usize {
  if (keys == 0) return 0;
  const t = vtype(keys);
  if (t == T_SET) return keys;
  if (t == T_ARR) {
    const r = mkSet();
    const n = vlen(keys);
    for (let i = 0; i < n; i++) setAdd(r, arrAt(keys, i));
    return r;
  }
  if (t == T_OBJ) return <usize>opa_bi_object_keys(<i32>keys);
  return 0;
}

export function opa_bi_object_remove(obj: i32, keys: i32): i32 {
  if (obj == 0 || vtype(obj) != T_OBJ) return 0;
  const ks = keySet(keys);
  if (ks == 0) return 0;
  const r = mkObj();
  const n = vlen(obj);
  for (let i = 0; i < n; i++) {
    const k = objKeyAt(obj, i);
    if (setFind(ks, k) < 0) objInsert(r, k, objValAt(obj, i));
  }
  return <i32>r;
}

export function opa_bi_object_filter(obj: i32, keys: i32): i32 {
  if (obj == 0 || vtype(obj) != T_OBJ) return 0;
  const ks = keySet(keys);
  if (ks == 0) return 0;
  const r = mkObj();
  const n = vlen(obj);
  for (let i = 0; i < n; i++) {
    const k = objKeyAt(obj, i);
    if (setFind(ks, k) >= 0) objInsert(r, k, objValAt(obj, i));
  }
  return <i32>r;
}

/** Recursive union where b wins, merging nested objects. */
function unionObj(a: usize, b: usize): usize {
  const r = shallowCopy(a);
  const n = vlen(b);
  for (let i = 0; i < n; i++) {
    const k = objKeyAt(b, i), bv = objValAt(b, i);
    const av = objGet(r, k);
    if (av != 0 && vtype(av) == T_OBJ && vtype(bv) == T_OBJ) objInsert(r, k, unionObj(av, bv));
    else objInsert(r, k, bv);
  }
  return r;
}

export function opa_bi_object_union(a: i32, b: i32): i32 {
  if (a == 0 || b == 0 || vtype(a) != T_OBJ || vtype(b) != T_OBJ) return 0;
  return <i32>unionObj(a, b);
}

export function opa_bi_object_union_n(objs: i32): i32 {
  if (objs == 0 || vtype(objs) != T_ARR) return 0;
  let r = mkObj();
  const n = vlen(objs);
  for (let i = 0; i < n; i++) {
    const o = arrAt(objs, i);
    if (vtype(o) != T_OBJ) return 0;
    r = unionObj(r, o);
  }
  return <i32>r;
}

// ---------------------------------------------------------------- sets (n-ary)

export function opa_bi_intersection(sets: i32): i32 {
  if (sets == 0 || vtype(sets) != T_SET) return 0;
  const n = vlen(sets);
  if (n == 0) return <i32>mkSet();
  let r = arrAt(sets, 0);
  if (vtype(r) != T_SET) return 0;
  for (let i = 1; i < n; i++) {
    const s = arrAt(sets, i);
    if (vtype(s) != T_SET) return 0;
    r = setAnd(r, s);
  }
  return <i32>r;
}

export function opa_bi_union(sets: i32): i32 {
  if (sets == 0 || vtype(sets) != T_SET) return 0;
  let r = mkSet();
  const n = vlen(sets);
  for (let i = 0; i < n; i++) {
    const s = arrAt(sets, i);
    if (vtype(s) != T_SET) return 0;
    r = setOr(r, s);
  }
  return <i32>r;
}

export function opa_bi_set_diff(a: i32, b: i32): i32 {
  if (a == 0 || b == 0 || vtype(a) != T_SET || vtype(b) != T_SET) return 0;
  return <i32>setDiff(a, b);
}

// ---------------------------------------------------------------- membership (the `in` operator)

export function opa_bi_internal_member_2(x: i32, coll: i32): i32 {
  if (x == 0 || coll == 0) return 0;
  const t = vtype(coll);
  if (t == T_SET) return <i32>mkBool(setFind(coll, x) >= 0);
  if (t == T_ARR) {
    const n = vlen(coll);
    for (let i = 0; i < n; i++) if (equal(arrAt(coll, i), x)) return <i32>mkBool(true);
    return <i32>mkBool(false);
  }
  if (t == T_OBJ) {
    const n = vlen(coll);
    for (let i = 0; i < n; i++) if (equal(objValAt(coll, i), x)) return <i32>mkBool(true);
    return <i32>mkBool(false);
  }
  return <i32>mkBool(false);
}

export function opa_bi_internal_member_3(k: i32, x: i32, coll: i32): i32 {
  if (k == 0 || x == 0 || coll == 0) return 0;
  const t = vtype(coll);
  if (t == T_ARR || t == T_OBJ) {
    const v = get(coll, k);
    return <i32>mkBool(v != 0 && equal(v, x));
  }
  return <i32>mkBool(false);
}

// ---------------------------------------------------------------- walk

/** walk(x): array of [path, value] pairs, pre-order (the node, then its children in iteration order). */
export function opa_bi_walk(x: i32): i32 {
  if (x == 0) return 0;
  const out = mkArr(0);
  walkInto(out, mkArr(0), x);
  return <i32>out;
}

function walkInto(out: usize, path: usize, v: usize): void {
  const pair = mkArr(2);
  arrPush(pair, path);
  arrPush(pair, v);
  arrPush(out, pair);
  const t = vtype(v);
  if (t != T_ARR && t != T_OBJ && t != T_SET) return;
  const n = vlen(v);
  const pl = vlen(path);
  for (let i = 0; i < n; i++) {
    let key: usize, child: usize;
    if (t == T_ARR) { key = mkInt(i); child = arrAt(v, i); }
    else if (t == T_OBJ) { key = objKeyAt(v, i); child = objValAt(v, i); }
    else { key = arrAt(v, i); child = key; }
    const p = mkArr(pl + 1);
    for (let j = 0; j < pl; j++) arrPush(p, arrAt(path, j));
    arrPush(p, key);
    walkInto(out, p, child);
  }
}

// ---------------------------------------------------------------- graph

export function opa_bi_graph_reachable(graph: i32, initial: i32): i32 {
  if (graph == 0 || initial == 0 || vtype(graph) != T_OBJ) return 0;
  const it = vtype(initial);
  if (it != T_ARR && it != T_SET) return 0;
  const reached = mkSet();
  const queue = mkArr(0);
  const n0 = vlen(initial);
  for (let i = 0; i < n0; i++) arrPush(queue, arrAt(initial, i));
  for (let q = 0; q < vlen(queue); q++) {
    const node = arrAt(queue, q);
    if (setFind(reached, node) >= 0) continue;
    const edges = objGet(graph, node);
    if (edges == 0) continue;
    setAdd(reached, node);
    const et = vtype(edges);
    if (et != T_ARR && et != T_SET) continue;
    const ne = vlen(edges);
    for (let i = 0; i < ne; i++) arrPush(queue, arrAt(edges, i));
  }
  return <i32>reached;
}

// ---------------------------------------------------------------- bits

export function opa_bi_bits_and(a: i32, b: i32): i32 { return bitsOp(a, b, 0); }
export function opa_bi_bits_or(a: i32, b: i32): i32 { return bitsOp(a, b, 1); }
export function opa_bi_bits_xor(a: i32, b: i32): i32 { return bitsOp(a, b, 2); }
export function opa_bi_bits_lsh(a: i32, b: i32): i32 { return bitsOp(a, b, 3); }
export function opa_bi_bits_rsh(a: i32, b: i32): i32 { return bitsOp(a, b, 4); }

function bitsOp(a: usize, b: usize, op: i32): i32 {
  const x = intArg(a);
  if (!intArgOk) return 0;
  const y = intArg(b);
  if (!intArgOk) return 0;
  switch (op) {
    case 0: return <i32>mkInt(x & y);
    case 1: return <i32>mkInt(x | y);
    case 2: return <i32>mkInt(x ^ y);
    case 3: {
      if (y < 0) return 0;
      if (x == 0) return <i32>mkInt(0);
      if (y < 63) {
        const r = x << y;
        if ((r >> y) == x) return <i32>mkInt(r);
      }
      // beyond 64 bits: an exact big integer (kept as decimal text, like other big numbers)
      if (y > 3000) return 0;
      const neg = x < 0;
      const mag: u64 = neg ? <u64>(-x) : <u64>x;
      const text = shiftedIntText(mag, neg, <i32>y);
      const approx = <f64>mag * Math.pow(2, <f64>y);
      return <i32>mkNumRef(neg ? -approx : approx, text, bigTextLen);
    }
    case 4: {
      if (y < 0) return 0;
      return <i32>mkInt(y >= 63 ? (x < 0 ? -1 : 0) : x >> y);
    }
  }
  return 0;
}

export function opa_bi_bits_negate(a: i32): i32 {
  const x = intArg(a);
  if (!intArgOk) return 0;
  return <i32>mkInt(~x);
}

export function opa_bi_numbers_range_step(a: i32, b: i32, step: i32): i32 {
  const x = intArg(a);
  if (!intArgOk) return 0;
  const y = intArg(b);
  if (!intArgOk) return 0;
  const s = intArg(step);
  if (!intArgOk || s <= 0) return 0;
  const span = x <= y ? y - x : x - y;
  if (span / s > 100_000_000) return 0;
  const r = mkArr(<i32>(span / s + 1));
  if (x <= y) for (let i = x; i <= y; i += s) arrPush(r, mkInt(i));
  else for (let i = x; i >= y; i -= s) arrPush(r, mkInt(i));
  return <i32>r;
}

// ---------------------------------------------------------------- object.subset

function setSubset(sup: usize, sub: usize): bool {
  const n = vlen(sub);
  for (let i = 0; i < n; i++) if (setFind(sup, arrAt(sub, i)) < 0) return false;
  return true;
}

/** sub appears contiguously, in order, within sup. */
function arraySubset(sup: usize, sub: usize): bool {
  const n = vlen(sup), m = vlen(sub);
  if (m == 0) return true;
  for (let i = 0; i + m <= n; i++) {
    let ok = true;
    for (let j = 0; j < m; j++) {
      if (!equal(arrAt(sup, i + j), arrAt(sub, j))) { ok = false; break; }
    }
    if (ok) return true;
  }
  return false;
}

function objectSubset(sup: usize, sub: usize): bool {
  const n = vlen(sub);
  for (let i = 0; i < n; i++) {
    const sv = objGet(sup, objKeyAt(sub, i));
    if (sv == 0) return false;
    const bv = objValAt(sub, i);
    const ts = vtype(sv), tb = vtype(bv);
    if (ts == T_OBJ && tb == T_OBJ) { if (!objectSubset(sv, bv)) return false; }
    else if (ts == T_SET && tb == T_SET) { if (!setSubset(sv, bv)) return false; }
    else if (ts == T_ARR && tb == T_ARR) { if (!arraySubset(sv, bv)) return false; }
    else if (!equal(sv, bv)) return false;
  }
  return true;
}

export function opa_bi_object_subset(sup: i32, sub: i32): i32 {
  if (sup == 0 || sub == 0) return 0;
  const ts = vtype(sup), tb = vtype(sub);
  if (ts == T_OBJ && tb == T_OBJ) return <i32>mkBool(objectSubset(sup, sub));
  if (ts == T_SET && tb == T_SET) return <i32>mkBool(setSubset(sup, sub));
  if (ts == T_ARR && tb == T_ARR) return <i32>mkBool(arraySubset(sup, sub));
  if (ts == T_ARR && tb == T_SET) {
    const n = vlen(sub);
    for (let i = 0; i < n; i++) {
      let found = false;
      const m = vlen(sup);
      for (let j = 0; j < m; j++) if (equal(arrAt(sup, j), arrAt(sub, i))) { found = true; break; }
      if (!found) return <i32>mkBool(false);
    }
    return <i32>mkBool(true);
  }
  return 0;
}
