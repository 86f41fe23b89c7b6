// JSON / Rego-literal parsing and serialisation.
import { malloc, tryExtend, shrinkLast } from "./alloc";
import {
  T_NULL, T_BOOL, T_NUM, T_STR, T_ARR, T_OBJ, T_SET, N_INT, N_FLOAT,
  vtype, vlen, mkNull, mkBool, boolVal, mkInt, mkFloat, mkNumRef, numKind, numI64, numF64raw,
  mkStr, strPtr, strLen, mkArr, arrPush, arrAt, mkObj, objInsert, objKeyAt, objValAt, mkSet, setAdd, objKeys, objVals,
  compare, equal,
} from "./value";
import { scanNumber, scanMant, scanIntFits, scanIsInt, scanInt, scannedF64, fmtI64, fmtF64, NUMBUF } from "./num";

// ---------------------------------------------------------------- output buffer

let bufPtr: usize = 0;
let bufLen: i32 = 0;
let bufCap: i32 = 0;

export function bufStart(): void {
  bufCap = 64;
  bufPtr = malloc(bufCap);
  bufLen = 0;
}

function bufReserve(n: i32): void {
  if (bufLen + n <= bufCap) return;
  let nc = bufCap * 2;
  if (nc < bufLen + n) nc = bufLen + n;
  if (!tryExtend(bufPtr, bufCap, nc)) {
    const q = malloc(nc);
    memory.copy(q, bufPtr, bufLen);
    bufPtr = q;
  }
  bufCap = nc;
}

export function putc(c: i32): void {
  bufReserve(1);
  store<u8>(bufPtr + bufLen, <u8>c);
  bufLen++;
}

export function putBytes(p: usize, n: i32): void {
  bufReserve(n);
  memory.copy(bufPtr + bufLen, p, n);
  bufLen += n;
}

export function putLit(s: string): void {
  const p = changetype<usize>(s);
  const n = load<i32>(p - 4) >> 1;
  bufReserve(n);
  for (let i = 0; i < n; i++) store<u8>(bufPtr + bufLen + i, <u8>load<u16>(p + (i << 1)));
  bufLen += n;
}

export function bufLength(): i32 { return bufLen; }
export function bufRewind(to: i32): void { bufLen = to; }
export function bufData(): usize { return bufPtr; }

/** Finishes the buffer (trimming unused heap) and returns its start. */
export function bufFinish(): usize {
  shrinkLast(bufPtr, bufCap, bufLen);
  bufCap = bufLen;
  return bufPtr;
}

/** Finishes as a NUL-terminated C string. */
export function bufFinishCStr(): usize {
  putc(0);
  return bufFinish();
}

/** Finishes as a string value. */
export function bufFinishStr(): usize {
  const n = bufLen;
  const p = bufFinish();
  return mkStr(p, n);
}

// ---------------------------------------------------------------- serialisation

const HEX: usize = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

export function putNumber(v: usize): void {
  const k = numKind(v);
  if (k == N_INT) putBytes(NUMBUF, fmtI64(NUMBUF, numI64(v)));
  else if (k == N_FLOAT) putBytes(NUMBUF, fmtF64(NUMBUF, numF64raw(v)));
  else putBytes(load<i32>(v, 16), load<i32>(v, 20));
}

/** Writes a JSON string literal for UTF-8 bytes; invalid UTF-8 bytes become U+FFFD. */
/** When set, strings are escaped like Go's json.Marshal (<, >, & and U+2028/U+2029 as \u escapes). */
export let goEscape = false;
export function setGoEscape(on: bool): void { goEscape = on; }

function putU4(c: i32): void {
  putc(0x5c); putc(0x75);
  putc(load<u8>(HEX + ((c >> 12) & 15))); putc(load<u8>(HEX + ((c >> 8) & 15)));
  putc(load<u8>(HEX + ((c >> 4) & 15))); putc(load<u8>(HEX + (c & 15)));
}

export function putQuoted(p: usize, n: i32): void {
  putc(0x22);
  let i = 0;
  while (i < n) {
    const c = <i32>load<u8>(p + i);
    if (c < 0x80) {
      if (c == 0x22 || c == 0x5c) { putc(0x5c); putc(c); }
      else if (goEscape && (c == 0x3c || c == 0x3e || c == 0x26)) putU4(c);
      else if (c >= 0x20 && c != 0x7f) putc(c);
      else if (c == 0x0a) { putc(0x5c); putc(0x6e); }
      else if (c == 0x0d) { putc(0x5c); putc(0x72); }
      else if (c == 0x09) { putc(0x5c); putc(0x74); }
      else if (c == 0x08) { putc(0x5c); putc(0x62); }
      else if (c == 0x0c) { putc(0x5c); putc(0x66); }
      else if (c == 0x7f) putc(c);
      else {
        putc(0x5c); putc(0x75); putc(0x30); putc(0x30);
        putc(load<u8>(HEX + (c >> 4))); putc(load<u8>(HEX + (c & 15)));
      }
      i++;
      continue;
    }
    const len = utf8SeqLen(p + i, n - i);
    if (len == 0) {
      putc(0xef); putc(0xbf); putc(0xbd);
      i++;
    } else if (goEscape && len == 3 && c == 0xe2 && load<u8>(p + i + 1) == 0x80 && (load<u8>(p + i + 2) | 1) == 0xa9) {
      putU4(load<u8>(p + i + 2) == 0xa8 ? 0x2028 : 0x2029);
      i += 3;
    } else {
      putBytes(p + i, len);
      i += len;
    }
  }
  putc(0x22);
}

/** Length of a valid UTF-8 sequence starting at p (with at most `avail` bytes), or 0 if invalid. */
export function utf8SeqLen(p: usize, avail: i32): i32 {
  const c = <u32>load<u8>(p);
  if (c < 0x80) return 1;
  let len = 0;
  let min: u32 = 0;
  let cp: u32 = 0;
  if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; min = 0x80; }
  else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; min = 0x800; }
  else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; min = 0x10000; }
  else return 0;
  if (len > avail) return 0;
  for (let j = 1; j < len; j++) {
    const d = <u32>load<u8>(p + j);
    if ((d & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

/** JSON serialisation into the output buffer. Sets become arrays; non-string keys are stringified. */
export function dumpJSON(v: usize): void {
  switch (vtype(v)) {
    case T_NULL: putLit("null"); return;
    case T_BOOL: if (boolVal(v)) putLit("true"); else putLit("false"); return;
    case T_NUM: putNumber(v); return;
    case T_STR: putQuoted(strPtr(v), strLen(v)); return;
    case T_ARR:
    case T_SET: {
      putc(0x5b);
      const n = vlen(v);
      for (let i = 0; i < n; i++) {
        if (i > 0) putc(0x2c);
        dumpJSON(arrAt(v, i));
      }
      putc(0x5d);
      return;
    }
    case T_OBJ: {
      putc(0x7b);
      const n = vlen(v);
      for (let i = 0; i < n; i++) {
        if (i > 0) putc(0x2c);
        const k = objKeyAt(v, i);
        if (vtype(k) == T_STR) putQuoted(strPtr(k), strLen(k));
        else {
          // stringify the key's JSON text, then quote it
          const saved = bufLen;
          dumpJSON(k);
          const n2 = bufLen - saved;
          const tmp = malloc(n2);
          memory.copy(tmp, bufPtr + saved, n2);
          bufLen = saved;
          putQuoted(tmp, n2);
        }
        putc(0x3a);
        dumpJSON(objValAt(v, i));
      }
      putc(0x7d);
      return;
    }
  }
  putLit("null");
}

/** Rego literal serialisation: sets as {…} / set(), object keys of any type. */
export function dumpRego(v: usize): void {
  switch (vtype(v)) {
    case T_ARR: {
      putc(0x5b);
      const n = vlen(v);
      for (let i = 0; i < n; i++) {
        if (i > 0) putc(0x2c);
        dumpRego(arrAt(v, i));
      }
      putc(0x5d);
      return;
    }
    case T_SET: {
      const n = vlen(v);
      if (n == 0) { putLit("set()"); return; }
      putc(0x7b);
      for (let i = 0; i < n; i++) {
        if (i > 0) putc(0x2c);
        dumpRego(arrAt(v, i));
      }
      putc(0x7d);
      return;
    }
    case T_OBJ: {
      putc(0x7b);
      const n = vlen(v);
      for (let i = 0; i < n; i++) {
        if (i > 0) putc(0x2c);
        dumpRego(objKeyAt(v, i));
        putc(0x3a);
        dumpRego(objValAt(v, i));
      }
      putc(0x7d);
      return;
    }
  }
  dumpJSON(v);
}

// ---------------------------------------------------------------- parsing

let src: usize = 0;
let srcEnd: usize = 0;
let pos: usize = 0;
let regoMode = false;
let depth = 0;
const MAX_DEPTH = 2000;

function skipWS(): void {
  while (pos < srcEnd) {
    const c = load<u8>(pos);
    if (c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d) pos++;
    else break;
  }
}

function matchLit(s: string): bool {
  const p = changetype<usize>(s);
  const n = load<i32>(p - 4) >> 1;
  if (pos + <usize>n > srcEnd) return false;
  for (let i = 0; i < n; i++) if (<u32>load<u8>(pos + i) != <u32>load<u16>(p + (i << 1))) return false;
  pos += n;
  return true;
}

function hex4(p: usize): i32 {
  let r = 0;
  for (let i = 0; i < 4; i++) {
    const c = <i32>load<u8>(p + i);
    let d = 0;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) d = c - 0x61 + 10;
    else if (c >= 0x41 && c <= 0x46) d = c - 0x41 + 10;
    else return -1;
    r = (r << 4) | d;
  }
  return r;
}

export function putCodePoint(cp: u32): void {
  if (cp < 0x80) putc(cp);
  else if (cp < 0x800) { putc(0xc0 | (cp >> 6)); putc(0x80 | (cp & 0x3f)); }
  else if (cp < 0x10000) { putc(0xe0 | (cp >> 12)); putc(0x80 | ((cp >> 6) & 0x3f)); putc(0x80 | (cp & 0x3f)); }
  else {
    putc(0xf0 | (cp >> 18)); putc(0x80 | ((cp >> 12) & 0x3f));
    putc(0x80 | ((cp >> 6) & 0x3f)); putc(0x80 | (cp & 0x3f));
  }
}

function parseString(): usize {
  // pos at opening quote
  pos++;
  const start = pos;
  // fast scan: no escapes → reference bytes in place
  let p = pos;
  while (p < srcEnd) {
    const c = load<u8>(p);
    if (c == 0x22) {
      if (!validUTF8(start, <i32>(p - start))) return 0;
      pos = p + 1;
      return mkStr(start, <i32>(p - start));
    }
    if (c == 0x5c || c < 0x20) break;
    p++;
  }
  if (p >= srcEnd) return 0;
  bufStart();
  putBytes(start, <i32>(p - start));
  pos = p;
  while (pos < srcEnd) {
    const c = <u32>load<u8>(pos);
    if (c == 0x22) {
      pos++;
      const n = bufLen;
      const b = bufFinish();
      if (!validUTF8(b, n)) return 0;
      return mkStr(b, n);
    }
    if (c < 0x20) return 0;
    if (c != 0x5c) { putc(c); pos++; continue; }
    pos++;
    if (pos >= srcEnd) return 0;
    const e = load<u8>(pos);
    pos++;
    switch (e) {
      case 0x22: putc(0x22); break;
      case 0x5c: putc(0x5c); break;
      case 0x2f: putc(0x2f); break;
      case 0x62: putc(0x08); break;
      case 0x66: putc(0x0c); break;
      case 0x6e: putc(0x0a); break;
      case 0x72: putc(0x0d); break;
      case 0x74: putc(0x09); break;
      case 0x75: {
        if (pos + 4 > srcEnd) return 0;
        let cp = hex4(pos);
        if (cp < 0) return 0;
        pos += 4;
        if (cp >= 0xd800 && cp <= 0xdbff) {
          // high surrogate: needs a following \uDC00-\uDFFF
          if (pos + 6 <= srcEnd && load<u8>(pos) == 0x5c && load<u8>(pos + 1) == 0x75) {
            const lo = hex4(pos + 2);
            if (lo < 0) return 0;
            if (lo >= 0xdc00 && lo <= 0xdfff) {
              cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
              pos += 6;
            } else cp = 0xfffd;
          } else cp = 0xfffd;
        } else if (cp >= 0xdc00 && cp <= 0xdfff) cp = 0xfffd;
        putCodePoint(<u32>cp);
        break;
      }
      default:
        return 0;
    }
  }
  return 0;
}

function validUTF8(p: usize, n: i32): bool {
  let i = 0;
  while (i < n) {
    if (load<u8>(p + i) < 0x80) { i++; continue; }
    const l = utf8SeqLen(p + i, n - i);
    if (l == 0) return false;
    i += l;
  }
  return true;
}

function parseNumberTok(): usize {
  const start = pos;
  while (pos < srcEnd) {
    const c = load<u8>(pos);
    if ((c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x2b || c == 0x2e || c == 0x65 || c == 0x45) pos++;
    else break;
  }
  return numberFromText(start, <i32>(pos - start));
}

/** A number value from decimal text (JSON syntax), or 0 if invalid. */
export function numberFromText(p: usize, n: i32): usize {
  if (!scanNumber(p, n)) return 0;
  if (scanIntFits) return mkInt(scanInt);
  const f = scannedF64();
  if (scanIsInt || !isFinite(f)) return mkNumRef(f, p, n);
  // keep the exact text of integral literals beyond i64 (1e30) and of underflowing ones (1e-400)
  if ((f == 0 && scanMant != 0) || (f == Math.trunc(f) && Math.abs(f) >= 9223372036854775808.0)) return mkNumRef(f, p, n);
  return mkFloat(f);
}



function parseValue(): usize {
  skipWS();
  if (pos >= srcEnd) return 0;
  const c = load<u8>(pos);
  if (c == 0x22) return parseString();
  if (c == 0x7b) return parseObject();
  if (c == 0x5b) return parseArray();
  if (c == 0x74) return matchLit("true") ? mkBool(true) : 0;
  if (c == 0x66) return matchLit("false") ? mkBool(false) : 0;
  if (c == 0x6e) return matchLit("null") ? mkNull() : 0;
  if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return parseNumberTok();
  if (regoMode && c == 0x73) {
    if (matchLit("set(")) {
      skipWS();
      if (pos < srcEnd && load<u8>(pos) == 0x29) { pos++; return mkSet(); }
    }
    return 0;
  }
  return 0;
}

function parseArray(): usize {
  if (++depth > MAX_DEPTH) return 0;
  pos++;
  const a = mkArr(0);
  skipWS();
  if (pos < srcEnd && load<u8>(pos) == 0x5d) { pos++; depth--; return a; }
  while (true) {
    const v = parseValue();
    if (v == 0) return 0;
    arrPush(a, v);
    skipWS();
    if (pos >= srcEnd) return 0;
    const c = load<u8>(pos);
    pos++;
    if (c == 0x2c) continue;
    if (c == 0x5d) break;
    return 0;
  }
  depth--;
  return a;
}

function parseObject(): usize {
  if (++depth > MAX_DEPTH) return 0;
  pos++;
  skipWS();
  if (pos < srcEnd && load<u8>(pos) == 0x7d) { pos++; depth--; return mkObj(); }
  if (regoMode) return parseRegoObjectOrSet();
  // collect key/value pairs, then sort once (stable) and keep the last of duplicate keys
  let cap = 8;
  let pairs = malloc(cap << 3);
  let n = 0;
  while (true) {
    skipWS();
    if (pos >= srcEnd || load<u8>(pos) != 0x22) return 0;
    const k = parseString();
    if (k == 0) return 0;
    skipWS();
    if (pos >= srcEnd || load<u8>(pos) != 0x3a) return 0;
    pos++;
    const v = parseValue();
    if (v == 0) return 0;
    if (n == cap) {
      const np = malloc(cap << 4);
      memory.copy(np, pairs, <usize>cap << 3);
      pairs = np;
      cap <<= 1;
    }
    store<i32>(pairs + (<usize>n << 3), <i32>k);
    store<i32>(pairs + (<usize>n << 3) + 4, <i32>v);
    n++;
    skipWS();
    if (pos >= srcEnd) return 0;
    const c = load<u8>(pos);
    pos++;
    if (c == 0x2c) continue;
    if (c == 0x7d) break;
    return 0;
  }
  depth--;
  return objectFromPairs(pairs, n);
}

/** Builds an object from n (key, value) pairs: stable merge sort by key; the last duplicate wins. */
export function objectFromPairs(pairs: usize, n: i32): usize {
  let sorted = true;
  for (let i = 1; i < n; i++) {
    if (compare(load<i32>(pairs + (<usize>(i - 1) << 3)), load<i32>(pairs + (<usize>i << 3))) >= 0) { sorted = false; break; }
  }
  if (!sorted) {
    const tmp = malloc(n << 3);
    let src = pairs, dst = tmp;
    for (let width = 1; width < n; width <<= 1) {
      for (let lo = 0; lo < n; lo += width << 1) {
        const mid = min(lo + width, n), hi = min(lo + (width << 1), n);
        let i = lo, j = mid, k = lo;
        while (i < mid && j < hi) {
          if (compare(load<i32>(src + (<usize>j << 3)), load<i32>(src + (<usize>i << 3))) < 0) {
            store<u64>(dst + (<usize>k << 3), load<u64>(src + (<usize>j << 3))); j++;
          } else {
            store<u64>(dst + (<usize>k << 3), load<u64>(src + (<usize>i << 3))); i++;
          }
          k++;
        }
        while (i < mid) { store<u64>(dst + (<usize>k << 3), load<u64>(src + (<usize>i << 3))); i++; k++; }
        while (j < hi) { store<u64>(dst + (<usize>k << 3), load<u64>(src + (<usize>j << 3))); j++; k++; }
      }
      const t = src; src = dst; dst = t;
    }
    pairs = src;
  }
  const o = mkObj(n);
  const ks = objKeys(o), vs = objVals(o);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const k = load<i32>(pairs + (<usize>i << 3)), v = load<i32>(pairs + (<usize>i << 3) + 4);
    if (m > 0 && equal(load<i32>(ks + (<usize>(m - 1) << 2)), k)) {
      store<i32>(vs + (<usize>(m - 1) << 2), v); // later duplicate wins
      continue;
    }
    store<i32>(ks + (<usize>m << 2), k);
    store<i32>(vs + (<usize>m << 2), v);
    m++;
  }
  store<i32>(o, m, 4);
  return o;
}

function parseRegoObjectOrSet(): usize {
  // the first separator tells an object ("k: v") from a set literal ("a, b")
  let set: usize = 0;
  let cap = 8;
  let pairs: usize = 0;
  let n = 0;
  while (true) {
    skipWS();
    if (pos >= srcEnd) return 0;
    const k = parseValue();
    if (k == 0) return 0;
    skipWS();
    if (pos >= srcEnd) return 0;
    let c = load<u8>(pos);
    if (set == 0 && pairs == 0) {
      if (c == 0x3a) pairs = malloc(cap << 3);
      else if (c == 0x2c || c == 0x7d) set = mkSet();
      else return 0;
    }
    if (set != 0) {
      setAdd(set, k);
    } else {
      if (c != 0x3a) return 0;
      pos++;
      const v = parseValue();
      if (v == 0) return 0;
      if (n == cap) {
        const np = malloc(cap << 4);
        memory.copy(np, pairs, <usize>cap << 3);
        pairs = np;
        cap <<= 1;
      }
      store<i32>(pairs + (<usize>n << 3), <i32>k);
      store<i32>(pairs + (<usize>n << 3) + 4, <i32>v);
      n++;
      skipWS();
      if (pos >= srcEnd) return 0;
      c = load<u8>(pos);
    }
    pos++;
    if (c == 0x2c) continue;
    if (c == 0x7d) break;
    return 0;
  }
  depth--;
  return set != 0 ? set : objectFromPairs(pairs, n);
}

function parseTop(p: usize, n: i32, rego: bool): usize {
  if (n <= 0) return 0;
  src = p;
  srcEnd = p + n;
  pos = p;
  regoMode = rego;
  depth = 0;
  const v = parseValue();
  if (v == 0) return 0;
  skipWS();
  if (pos != srcEnd) return 0;
  return v;
}

export function parseJSON(p: usize, n: i32): usize { return parseTop(p, n, false); }
export function parseRego(p: usize, n: i32): usize { return parseTop(p, n, true); }
