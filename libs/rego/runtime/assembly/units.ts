// units.parse_bytes and units.parse: exact decimal arithmetic on big integers (OPA uses big.Float / big.Rat).
import { malloc } from "./alloc";
import { T_STR, vtype, strPtr, strLen } from "./value";
import { numberFromText } from "./json";
import { BN_A, bnBitLen, bnFromU64, bnMulSmall, bnAddSmall, bnMulPow10, bnShl, bnDivSmall, bnLen, bnToText, bigTextLen } from "./num";

// the cleaned input (quotes removed; lower-cased for parse_bytes)
let src: usize = 0;
let srcN: i32 = 0;
let splitAt: i32 = 0;

/** Copies the string without '"' characters; lower-cases all (bytes mode) or nothing. False if it has a space. */
function clean(v: usize, lower: bool): bool {
  const p = strPtr(v), n = strLen(v);
  src = malloc(n);
  srcN = 0;
  for (let i = 0; i < n; i++) {
    let c = load<u8>(p + i);
    if (c == 0x22) continue;
    if (c == 0x20) return false;
    if (lower && c >= 0x41 && c <= 0x5a) c += 32;
    store<u8>(src + srcN++, c);
  }
  return true;
}

@inline function isDigit(c: i32): bool { return c >= 0x30 && c <= 0x39; }

/** Finds where the number ends and the unit begins; false if an exponent has more than 6 digits. */
function extract(): bool {
  splitAt = srcN;
  for (let i = 0; i < srcN; i++) {
    const c = <i32>load<u8>(src + i);
    if (!isDigit(c) && c != 0x2e && c != 0x65 && c != 0x45 && c != 0x2b && c != 0x2d) { splitAt = i; break; }
    if (c == 0x65 || c == 0x45) {
      const next = i + 1 < srcN ? <i32>load<u8>(src + i + 1) : -1;
      if (next < 0 || (!isDigit(next) && next != 0x2b && next != 0x2d)) { splitAt = i; break; }
      if (next == 0x2b || next == 0x2d) i++;
      let j = i + 1;
      while (j < srcN && isDigit(load<u8>(src + j))) j++;
      if (j - (i + 1) > 6) return false;
    }
  }
  return true;
}

let negative = false;
let exp10: i32 = 0;

/** Parses src[0..splitAt) as a decimal number into BN_A (magnitude) with exp10; false if malformed. */
function parseNumber(): bool {
  const n = splitAt;
  if (n > 1000) return false;
  let i = 0;
  negative = false;
  if (i < n && (load<u8>(src) == 0x2b || load<u8>(src) == 0x2d)) { negative = load<u8>(src) == 0x2d; i++; }
  bnFromU64(BN_A, 0);
  let digits = 0;
  let frac = 0;
  while (i < n && isDigit(load<u8>(src + i))) { bnMulSmall(BN_A, 10); bnAddSmall(BN_A, load<u8>(src + i) - 0x30); digits++; i++; }
  if (i < n && load<u8>(src + i) == 0x2e) {
    i++;
    while (i < n && isDigit(load<u8>(src + i))) {
      bnMulSmall(BN_A, 10); bnAddSmall(BN_A, load<u8>(src + i) - 0x30); digits++; frac++; i++;
    }
  }
  if (digits == 0) return false;
  let e = 0;
  if (i < n && (load<u8>(src + i) == 0x65 || load<u8>(src + i) == 0x45)) {
    i++;
    let eneg = false;
    if (i < n && (load<u8>(src + i) == 0x2b || load<u8>(src + i) == 0x2d)) { eneg = load<u8>(src + i) == 0x2d; i++; }
    let any = false;
    while (i < n && isDigit(load<u8>(src + i))) { e = e * 10 + (load<u8>(src + i) - 0x30); any = true; i++; }
    if (!any) return false;
    if (eneg) e = -e;
  }
  if (i != n) return false;
  exp10 = e - frac;
  return true;
}

/** Unit bytes unit[0..n) equal the ASCII literal. */
function unitIs(u: usize, n: i32, lit: string): bool {
  const p = changetype<usize>(lit);
  const m = load<i32>(p - 4) >> 1;
  if (n != m) return false;
  for (let i = 0; i < n; i++) if (<u32>load<u8>(u + i) != <u32>load<u16>(p + (i << 1))) return false;
  return true;
}

// multiplier: 2^shift * 10^pow10
let shift = 0;
let pow10 = 0;

function unitOf(u: usize, n: i32, bytes: bool): bool {
  shift = 0;
  pow10 = 0;
  if (n == 0) return true;
  if (!bytes && unitIs(u, n, "m")) { pow10 = -3; return true; }
  // the SI prefix letter (k, M/m, g, t, p, e) and whether it is binary (…i / …ib)
  let c = <i32>load<u8>(u);
  let k = 0;
  const lc = c | 0x20;
  if (lc == 0x6b) k = 1;
  else if (lc == 0x6d) k = 2;
  else if (lc == 0x67) k = 3;
  else if (lc == 0x74) k = 4;
  else if (lc == 0x70) k = 5;
  else if (lc == 0x65) k = 6;
  else return false;
  if (bytes) {
    // lower-cased already: k, kb, ki, kib
    if (n == 1 || unitIs(u + 1, n - 1, "b")) { pow10 = 3 * k; return true; }
    if (unitIs(u + 1, n - 1, "i") || unitIs(u + 1, n - 1, "ib")) { shift = 10 * k; return true; }
    return false;
  }
  // units.parse: the first letter keeps its case (m = milli, M = mega); the rest is lower-cased
  for (let i = 1; i < n; i++) { const d = load<u8>(u + i); if (d >= 0x41 && d <= 0x5a) store<u8>(u + i, d + 32); }
  if (n == 1) {
    if (c == 0x6d) return false; // handled above (milli)
    pow10 = 3 * k;
    return true;
  }
  if (unitIs(u + 1, n - 1, "i")) {
    shift = 10 * k;
    return true;
  }
  return false;
}

/** value = BN_A * 2^shift * 10^(exp10 + pow10); returns the number value (integer, truncated when `truncate`). */
function compute(truncate: bool): usize {
  let e = exp10 + pow10;
  // keep the result within the bignum's capacity (6400 bits)
  if (e > 1500 || bnBitLen(BN_A) + shift + (e > 0 ? e * 10 / 3 + 1 : 0) > 6000) return 0;
  bnShl(BN_A, shift);
  if (e >= 0) {
    bnMulPow10(BN_A, e);
    const t = bnToText(BN_A, negative);
    return numberFromText(t, bigTextLen);
  }
  const m = -e;
  if (truncate) {
    for (let i = 0; i < m && bnLen(BN_A) > 0; i++) bnDivSmall(BN_A, 10);
    const t = bnToText(BN_A, negative);
    return numberFromText(t, bigTextLen);
  }
  // exact integer? otherwise 10 fraction digits, rounded half away from zero
  let exact = true;
  const copy = malloc(4 + 200 * 4);
  memory.copy(copy, BN_A, 4 + (<usize>bnLen(BN_A) << 2));
  for (let i = 0; i < m && bnLen(copy) > 0; i++) if (bnDivSmall(copy, 10) != 0) { exact = false; break; }
  if (exact) {
    for (let i = 0; i < m && bnLen(BN_A) > 0; i++) bnDivSmall(BN_A, 10);
    const t = bnToText(BN_A, negative);
    return numberFromText(t, bigTextLen);
  }
  if (m <= 10) bnMulPow10(BN_A, 10 - m);
  else {
    let last: u32 = 0;
    for (let i = 0; i < m - 10 && bnLen(BN_A) > 0; i++) last = bnDivSmall(BN_A, 10);
    if (last >= 5) bnAddSmall(BN_A, 1);
  }
  const t = bnToText(BN_A, false);
  let n = bigTextLen;
  // insert the decimal point before the last 10 digits
  const out = malloc(n + 13);
  let k = 0;
  if (negative) store<u8>(out + k++, 0x2d);
  if (n <= 10) {
    store<u8>(out + k++, 0x30);
    store<u8>(out + k++, 0x2e);
    for (let i = n; i < 10; i++) store<u8>(out + k++, 0x30);
    for (let i = 0; i < n; i++) store<u8>(out + k++, load<u8>(t + i));
  } else {
    for (let i = 0; i < n - 10; i++) store<u8>(out + k++, load<u8>(t + i));
    store<u8>(out + k++, 0x2e);
    for (let i = n - 10; i < n; i++) store<u8>(out + k++, load<u8>(t + i));
  }
  return numberFromText(out, k);
}

export function opa_bi_units_parse_bytes(s: i32): i32 {
  if (s == 0 || vtype(s) != T_STR) return 0;
  if (!clean(s, true) || !extract()) return 0;
  if (!parseNumber()) return 0;
  if (!unitOf(src + splitAt, srcN - splitAt, true)) return 0;
  return <i32>compute(true);
}

export function opa_bi_units_parse(s: i32): i32 {
  if (s == 0 || vtype(s) != T_STR) return 0;
  if (!clean(s, false) || !extract()) return 0;
  if (!parseNumber()) return 0;
  if (!unitOf(src + splitAt, srcN - splitAt, false)) return 0;
  return <i32>compute(false);
}
