// sprintf with Go's fmt semantics, applied to arguments converted the way OPA's topdown does:
// integers → int (or *big.Int when they do not fit), other numbers → float64, strings → string,
// anything else → its Rego text (composite values print in Rego syntax).
import { malloc } from "./alloc";
import {
  T_NULL, T_BOOL, T_NUM, T_STR, T_ARR, T_OBJ, T_SET, N_INT, N_REF, vtype, vlen, boolVal, numKind, numI64, numF64raw,
  strPtr, strLen, arrAt, objKeyAt, objValAt, mkStr,
} from "./value";
import {
  bufStart, putc, putBytes, putLit, bufLength, bufData, bufFinishStr, putNumber, bufRewind, putCodePoint,
} from "./json";
import { fmtI64, NUMBUF, SD, sdN, sdE, shortestDigits, precisionDigits, fixedDigits } from "./num";
import { decodeAt, decLen } from "./strings";

// argument kinds
const K_INT = 0;
const K_BIG = 1;
const K_FLOAT = 2;
const K_STR = 3;

// current conversion spec
let fMinus = false;
let fPlus = false;
let fSpace = false;
let fZero = false;
let fSharp = false;
let width = -1;
let prec = -1;

// ---------------------------------------------------------------- Rego text of values (ast.Value.String())

const HEXL: usize = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

/** strconv.Quote-like quoting (printable non-ASCII is kept). */
function putGoQuoted(p: usize, n: i32): void {
  putc(0x22);
  let i = 0;
  while (i < n) {
    const c = decodeAt(p, i, n);
    const l = decLen;
    if (c == 0xfffd && l == 1) {
      putc(0x5c); putc(0x78);
      const b = load<u8>(p + i);
      putc(load<u8>(HEXL + (b >> 4))); putc(load<u8>(HEXL + (b & 15)));
    } else if (c == 0x22 || c == 0x5c) { putc(0x5c); putc(c); }
    else if (c == 7) { putc(0x5c); putc(0x61); }
    else if (c == 8) { putc(0x5c); putc(0x62); }
    else if (c == 12) { putc(0x5c); putc(0x66); }
    else if (c == 10) { putc(0x5c); putc(0x6e); }
    else if (c == 13) { putc(0x5c); putc(0x72); }
    else if (c == 9) { putc(0x5c); putc(0x74); }
    else if (c == 11) { putc(0x5c); putc(0x76); }
    else if (c < 0x20 || c == 0x7f) {
      putc(0x5c); putc(0x78); putc(load<u8>(HEXL + (c >> 4))); putc(load<u8>(HEXL + (c & 15)));
    } else putBytes(p + i, l);
    i += l;
  }
  putc(0x22);
}

/** OPA's ast String() of a value: Rego syntax with ", " and ": " separators. */
export function putRegoText(v: usize): void {
  switch (vtype(v)) {
    case T_NULL: putLit("null"); return;
    case T_BOOL: if (boolVal(v)) putLit("true"); else putLit("false"); return;
    case T_NUM: putNumber(v); return;
    case T_STR: putGoQuoted(strPtr(v), strLen(v)); return;
    case T_ARR: {
      putc(0x5b);
      const n = vlen(v);
      for (let i = 0; i < n; i++) {
        if (i > 0) { putc(0x2c); putc(0x20); }
        putRegoText(arrAt(v, i));
      }
      putc(0x5d);
      return;
    }
    case T_SET: {
      const n = vlen(v);
      if (n == 0) { putLit("set()"); return; }
      putc(0x7b);
      for (let i = 0; i < n; i++) {
        if (i > 0) { putc(0x2c); putc(0x20); }
        putRegoText(arrAt(v, i));
      }
      putc(0x7d);
      return;
    }
    case T_OBJ: {
      putc(0x7b);
      const n = vlen(v);
      for (let i = 0; i < n; i++) {
        if (i > 0) { putc(0x2c); putc(0x20); }
        putRegoText(objKeyAt(v, i));
        putc(0x3a); putc(0x20);
        putRegoText(objValAt(v, i));
      }
      putc(0x7d);
      return;
    }
  }
}

// ---------------------------------------------------------------- padding helpers

/** Writes bytes [p, p+n) padded to the width (spaces, left or right). */
function padded(p: usize, n: i32, runes: i32): void {
  const pad = width > runes ? width - runes : 0;
  if (!fMinus) for (let i = 0; i < pad; i++) putc(0x20);
  putBytes(p, n);
  if (fMinus) for (let i = 0; i < pad; i++) putc(0x20);
}

/** Writes a number: sign handling, zero padding after the sign (unless '-'), width. Body at tmp[0..n). */
function paddedNumber(neg: bool, body: usize, n: i32): void {
  let sign = 0;
  if (neg) sign = 0x2d;
  else if (fPlus) sign = 0x2b;
  else if (fSpace) sign = 0x20;
  const len = n + (sign != 0 ? 1 : 0);
  const pad = width > len ? width - len : 0;
  if (!fMinus && !fZero) for (let i = 0; i < pad; i++) putc(0x20);
  if (sign != 0) putc(sign);
  if (!fMinus && fZero) for (let i = 0; i < pad; i++) putc(0x30);
  putBytes(body, n);
  if (fMinus) for (let i = 0; i < pad; i++) putc(0x20);
}

// ---------------------------------------------------------------- integers

const ITMP: usize = memory.data(80, 8);

function fmtInt(n: i64, verb: i32): bool {
  const neg = n < 0;
  let u: u64 = neg ? <u64>(-n) : <u64>n;
  let base: u64 = 10;
  let upper = false;
  if (verb == 0x78) base = 16;
  else if (verb == 0x58) { base = 16; upper = true; }
  else if (verb == 0x6f || verb == 0x4f) base = 8;
  else if (verb == 0x62) base = 2;
  else if (verb != 0x64 && verb != 0x76) return false;
  let k = 80;
  do {
    k--;
    const d = <i32>(u % base);
    store<u8>(ITMP + k, <u8>(d < 10 ? 0x30 + d : (upper ? 0x41 : 0x61) + d - 10));
    u /= base;
  } while (u != 0);
  // precision for integers = minimum digits
  if (prec >= 0) { while (80 - k < prec && k > 2) { k--; store<u8>(ITMP + k, 0x30); } if (prec == 0 && n == 0) k = 80; }
  if (fSharp && base == 16) { k -= 2; store<u8>(ITMP + k, 0x30); store<u8>(ITMP + k + 1, upper ? 0x58 : 0x78); }
  if (fSharp && base == 8 && load<u8>(ITMP + k) != 0x30) { k--; store<u8>(ITMP + k, 0x30); }
  if (verb == 0x4f) { k -= 2; store<u8>(ITMP + k, 0x30); store<u8>(ITMP + k + 1, 0x6f); }
  const saveZero = fZero;
  if (prec >= 0) fZero = false;
  paddedNumber(neg, ITMP + k, 80 - k);
  fZero = saveZero;
  return true;
}

// ---------------------------------------------------------------- floats

const FTMP_SIZE: i32 = 1400;
const FTMP: usize = memory.data(1400, 8);

/** %e body from SD digits: d[.ddd]e±XX with `frac` digits after the point (padding with zeros). */
function bodyE(frac: i32, upper: bool): i32 {
  let k = 0;
  store<u8>(FTMP + k++, sdN > 0 ? load<u8>(SD) : 0x30);
  if (frac > 0 || fSharp) store<u8>(FTMP + k++, 0x2e);
  for (let i = 1; i <= frac; i++) store<u8>(FTMP + k++, i < sdN ? load<u8>(SD + i) : 0x30);
  store<u8>(FTMP + k++, upper ? 0x45 : 0x65);
  let ex = sdN > 0 ? sdE - 1 : 0;
  store<u8>(FTMP + k++, ex < 0 ? 0x2d : 0x2b);
  if (ex < 0) ex = -ex;
  if (ex < 10) store<u8>(FTMP + k++, 0x30);
  k += fmtI64(FTMP + k, ex);
  return k;
}

/** %f body from SD digits with `frac` digits after the point. */
function bodyF(frac: i32): i32 {
  let k = 0;
  const e = sdN > 0 ? sdE : 1;
  if (e <= 0) store<u8>(FTMP + k++, 0x30);
  else for (let i = 0; i < e && k < FTMP_SIZE - 400; i++) store<u8>(FTMP + k++, i < sdN ? load<u8>(SD + i) : 0x30);
  if (frac > 0 || fSharp) store<u8>(FTMP + k++, 0x2e);
  for (let i = 0; i < frac && k < FTMP_SIZE - 8; i++) {
    const idx = e + i; // digit index in SD
    store<u8>(FTMP + k++, idx >= 0 && idx < sdN && sdN > 0 ? load<u8>(SD + idx) : 0x30);
  }
  return k;
}

function fmtFloat(x: f64, verb: i32): bool {
  const neg = x < 0 || (x == 0 && 1 / x < 0);
  const a = Math.abs(x);
  let n = 0;
  if (!isFinite(x)) {
    n = 0;
    if (isNaN(x)) { store<u8>(FTMP, 0x4e); store<u8>(FTMP + 1, 0x61); store<u8>(FTMP + 2, 0x4e); n = 3; }
    else { store<u8>(FTMP, 0x49); store<u8>(FTMP + 1, 0x6e); store<u8>(FTMP + 2, 0x66); n = 3; }
    const z = fZero;
    fZero = false;
    paddedNumber(neg && !isNaN(x), FTMP, n);
    fZero = z;
    return true;
  }
  if (verb == 0x65 || verb == 0x45) {
    const p = prec < 0 ? 6 : prec;
    if (a == 0) { sdN = 0; sdE = 0; } else precisionDigits(a, p + 1);
    n = bodyE(p, verb == 0x45);
  } else if (verb == 0x66 || verb == 0x46) {
    const p = prec < 0 ? 6 : prec;
    fixedDigits(a, p);
    n = bodyF(p);
  } else if (verb == 0x67 || verb == 0x47 || verb == 0x76) {
    let eprec: i32;
    if (a == 0) { sdN = 1; sdE = 1; store<u8>(SD, 0x30); }
    if (prec < 0) {
      if (a != 0) shortestDigits(a);
      eprec = 6;
    } else {
      const p = prec == 0 ? 1 : prec;
      if (a != 0) {
        precisionDigits(a, p);
        // %g drops trailing zeros
        while (sdN > 1 && load<u8>(SD + sdN - 1) == 0x30) sdN--;
      }
      eprec = p;
      if (eprec > sdN && sdN >= sdE) eprec = sdN;
    }
    const exp = sdE - 1;
    if (exp < -4 || exp >= eprec) n = bodyE(sdN - 1, verb == 0x47);
    else n = bodyF(sdN > sdE ? sdN - sdE : 0);
  } else return false;
  paddedNumber(neg, FTMP, n);
  return true;
}

// ---------------------------------------------------------------- strings

function fmtString(p: usize, n: i32, verb: i32): bool {
  if (verb == 0x73 || verb == 0x76) {
    // precision truncates to that many runes
    let bytes = n;
    let runes = 0;
    let i = 0;
    while (i < n) {
      if (prec >= 0 && runes == prec) { bytes = i; break; }
      decodeAt(p, i, n);
      i += decLen;
      runes++;
    }
    padded(p, bytes, runes);
    return true;
  }
  if (verb == 0x71) {
    const start = bufLength();
    putGoQuoted(p, n);
    const len = bufLength() - start;
    if (width > len) {
      const tmp = malloc(len);
      memory.copy(tmp, bufData() + start, len);
      // rewind and re-emit padded
      rewind(start);
      padded(tmp, len, len);
    }
    return true;
  }
  if (verb == 0x78 || verb == 0x58) {
    const out = malloc(n * 2);
    for (let i = 0; i < n; i++) {
      const b = load<u8>(p + i);
      const hi = b >> 4, lo = b & 15;
      store<u8>(out + 2 * i, <u8>(hi < 10 ? 0x30 + hi : (verb == 0x58 ? 0x41 : 0x61) + hi - 10));
      store<u8>(out + 2 * i + 1, <u8>(lo < 10 ? 0x30 + lo : (verb == 0x58 ? 0x41 : 0x61) + lo - 10));
    }
    padded(out, n * 2, n * 2);
    return true;
  }
  return false;
}

function rewind(to: i32): void { bufRewind(to); }

// ---------------------------------------------------------------- arguments

let argKind = 0;
let argInt: i64 = 0;
let argF: f64 = 0;
let argP: usize = 0;
let argN: i32 = 0;

function loadArg(v: usize): void {
  const t = vtype(v);
  if (t == T_NUM) {
    const k = numKind(v);
    if (k == N_INT) { argKind = K_INT; argInt = numI64(v); return; }
    if (k == N_REF) {
      // big integer literal text?
      const p = <usize>load<i32>(v, 16), n = load<i32>(v, 20);
      let integer = n > 0;
      for (let i = 0; i < n; i++) {
        const c = load<u8>(p + i);
        if (!((c >= 0x30 && c <= 0x39) || (i == 0 && c == 0x2d))) { integer = false; break; }
      }
      if (integer) { argKind = K_BIG; argP = p; argN = n; return; }
    }
    argKind = K_FLOAT;
    argF = numF64raw(v);
    return;
  }
  if (t == T_STR) { argKind = K_STR; argP = strPtr(v); argN = strLen(v); return; }
  // Rego text, as a string argument
  const saved = bufLength();
  putRegoText(v);
  const n = bufLength() - saved;
  const q = malloc(n);
  memory.copy(q, bufData() + saved, n);
  rewind(saved);
  argKind = K_STR;
  argP = q;
  argN = n;
}

function putTypeName(): void {
  if (argKind == K_INT) putLit("int");
  else if (argKind == K_BIG) putLit("*big.Int");
  else if (argKind == K_FLOAT) putLit("float64");
  else putLit("string");
}

/** %v of the current argument with no flags (used in error annotations). */
function putPlainArg(): void {
  const sw = width, sp = prec, m = fMinus, pl = fPlus, sp2 = fSpace, z = fZero, sh = fSharp;
  width = -1; prec = -1; fMinus = false; fPlus = false; fSpace = false; fZero = false; fSharp = false;
  applyVerb(0x76);
  width = sw; prec = sp; fMinus = m; fPlus = pl; fSpace = sp2; fZero = z; fSharp = sh;
}

function applyVerb(verb: i32): bool {
  if (argKind == K_INT) {
    if (fmtInt(argInt, verb)) return true;
    if (verb == 0x63) {
      // %c
      const tmp = malloc(4);
      const save = bufLength();
      putCp(<u32>argInt);
      const n = bufLength() - save;
      memory.copy(tmp, bufData() + save, n);
      rewind(save);
      padded(tmp, n, 1);
      return true;
    }
    if (verb == 0x65 || verb == 0x45 || verb == 0x66 || verb == 0x46 || verb == 0x67 || verb == 0x47) return false;
    return false;
  }
  if (argKind == K_BIG) {
    if (verb == 0x64 || verb == 0x76 || verb == 0x73) {
      const neg = load<u8>(argP) == 0x2d;
      paddedNumber(neg, neg ? argP + 1 : argP, neg ? argN - 1 : argN);
      return true;
    }
    return false;
  }
  if (argKind == K_FLOAT) return fmtFloat(argF, verb);
  return fmtString(argP, argN, verb);
}

function putCp(c: u32): void { putCodePoint(c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) ? 0xfffd : c); }

// ---------------------------------------------------------------- sprintf

export function opa_bi_sprintf(format: i32, args: i32): i32 {
  if (format == 0 || args == 0 || vtype(format) != T_STR || vtype(args) != T_ARR) return 0;
  const p = strPtr(format), n = strLen(format);
  const nargs = vlen(args);
  let argi = 0;
  bufStart();
  let i = 0;
  while (i < n) {
    const c = load<u8>(p + i);
    if (c != 0x25) {
      let j = i + 1;
      while (j < n && load<u8>(p + j) != 0x25) j++;
      putBytes(p + i, j - i);
      i = j;
      continue;
    }
    i++;
    if (i >= n) { putLit("%!(NOVERB)"); break; }
    fMinus = false; fPlus = false; fSpace = false; fZero = false; fSharp = false;
    width = -1; prec = -1;
    // flags
    while (i < n) {
      const f = load<u8>(p + i);
      if (f == 0x2d) { fMinus = true; fZero = false; }
      else if (f == 0x2b) fPlus = true;
      else if (f == 0x20) fSpace = true;
      else if (f == 0x30) fZero = !fMinus;
      else if (f == 0x23) fSharp = true;
      else break;
      i++;
    }
    // width
    while (i < n && load<u8>(p + i) >= 0x30 && load<u8>(p + i) <= 0x39) {
      width = (width < 0 ? 0 : width) * 10 + (load<u8>(p + i) - 0x30);
      if (width > 100000) width = 100000;
      i++;
    }
    if (i < n && load<u8>(p + i) == 0x2e) {
      i++;
      prec = 0;
      while (i < n && load<u8>(p + i) >= 0x30 && load<u8>(p + i) <= 0x39) {
        prec = prec * 10 + (load<u8>(p + i) - 0x30);
        if (prec > 1000) prec = 1000;
        i++;
      }
    }
    if (i >= n) { putLit("%!(NOVERB)"); break; }
    const verb = <i32>decodeAt(p, i, n);
    i += decLen;
    if (verb == 0x25) { putc(0x25); continue; }
    if (argi >= nargs) {
      putc(0x25); putc(0x21); putCp(verb); putLit("(MISSING)");
      continue;
    }
    loadArg(arrAt(args, argi));
    argi++;
    if (!applyVerb(verb)) {
      // %!verb(type=value)
      putc(0x25); putc(0x21); putCp(verb); putc(0x28);
      putTypeName();
      putc(0x3d);
      putPlainArg();
      putc(0x29);
    }
  }
  if (argi < nargs) {
    putLit("%!(EXTRA ");
    for (let k = argi; k < nargs; k++) {
      if (k > argi) { putc(0x2c); putc(0x20); }
      loadArg(arrAt(args, k));
      putTypeName();
      putc(0x3d);
      putPlainArg();
    }
    putc(0x29);
  }
  return <i32>bufFinishStr();
}
