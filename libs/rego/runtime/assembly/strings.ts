// Native string, conversion and JSON builtins.
import { malloc } from "./alloc";
import {
  T_NULL, T_BOOL, T_NUM, T_STR, T_ARR, T_OBJ, T_SET, N_INT, vtype, vlen, mkBool, boolVal, mkInt, mkStr, strPtr, strLen,
  arrAt, arrPush, mkArr, mkObj, mkSet, setAdd, objInsert, objGet, objKeyAt, objValAt, numKind, numI64, numF64,
  utf8Count, mkNull,
} from "./value";
import {
  bufStart, putc, putBytes, bufFinishStr, putCodePoint, dumpJSON, parseJSON, numberFromText, bufLength, bufData,
  setGoEscape,
} from "./json";
import { intArg, intArgOk } from "./builtins";
import { NUMBUF, fmtI64 } from "./num";
import { toLowerCp, toUpperCp } from "./casemap";

@inline function isStr(v: usize): bool { return v != 0 && vtype(v) == T_STR; }

// ---------------------------------------------------------------- UTF-8 helpers

export let decLen: i32 = 1;

/** Decodes the code point at p[i] (lenient: invalid bytes decode as U+FFFD, length 1). */
export function decodeAt(p: usize, i: i32, n: i32): u32 {
  const c = <u32>load<u8>(p + i);
  decLen = 1;
  if (c < 0x80) return c;
  let len = 0;
  let cp: u32 = 0;
  if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; }
  else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; }
  else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; }
  else return 0xfffd;
  if (i + len > n) return 0xfffd;
  for (let j = 1; j < len; j++) {
    const d = <u32>load<u8>(p + i + j);
    if ((d & 0xc0) != 0x80) return 0xfffd;
    cp = (cp << 6) | (d & 0x3f);
  }
  decLen = len;
  return cp;
}

/** Byte offset of the code point with index `cpIndex` (or n if past the end). */
function byteOffsetOf(p: usize, n: i32, cpIndex: i64): i32 {
  let i = 0;
  let k: i64 = 0;
  while (i < n && k < cpIndex) {
    decodeAt(p, i, n);
    i += decLen;
    k++;
  }
  return i;
}

function findBytes(hp: usize, hn: i32, np: usize, nn: i32, from: i32): i32 {
  if (nn == 0) return from <= hn ? from : -1;
  const last = hn - nn;
  const first = load<u8>(np);
  for (let i = from; i <= last; i++) {
    if (load<u8>(hp + i) == first && memory.compare(hp + i, np, nn) == 0) return i;
  }
  return -1;
}

// ---------------------------------------------------------------- case mapping

/** Simple (one-to-one) Unicode case mappings, as Go's unicode.ToLower / ToUpper. */
export function lowerCp(c: u32): u32 { return toLowerCp(c); }
export function upperCp(c: u32): u32 { return toUpperCp(c); }

function mapCase(s: usize, upper: bool): i32 {
  if (!isStr(s)) return 0;
  const p = strPtr(s), n = strLen(s);
  bufStart();
  let i = 0;
  while (i < n) {
    const c = decodeAt(p, i, n);
    i += decLen;
    putCodePoint(upper ? upperCp(c) : lowerCp(c));
  }
  return <i32>bufFinishStr();
}

export function opa_bi_lower(s: i32): i32 { return mapCase(s, false); }
export function opa_bi_upper(s: i32): i32 { return mapCase(s, true); }

// ---------------------------------------------------------------- predicates and search

export function opa_bi_contains(s: i32, sub: i32): i32 {
  if (!isStr(s) || !isStr(sub)) return 0;
  return <i32>mkBool(findBytes(strPtr(s), strLen(s), strPtr(sub), strLen(sub), 0) >= 0);
}

export function opa_bi_startswith(s: i32, pre: i32): i32 {
  if (!isStr(s) || !isStr(pre)) return 0;
  const n = strLen(pre);
  return <i32>mkBool(n <= strLen(s) && memory.compare(strPtr(s), strPtr(pre), n) == 0);
}

export function opa_bi_endswith(s: i32, suf: i32): i32 {
  if (!isStr(s) || !isStr(suf)) return 0;
  const n = strLen(suf), m = strLen(s);
  return <i32>mkBool(n <= m && memory.compare(strPtr(s) + m - n, strPtr(suf), n) == 0);
}

export function opa_bi_indexof(s: i32, sub: i32): i32 {
  if (!isStr(s) || !isStr(sub) || strLen(sub) == 0) return 0;
  const i = findBytes(strPtr(s), strLen(s), strPtr(sub), strLen(sub), 0);
  return <i32>mkInt(i < 0 ? -1 : utf8Count(strPtr(s), i));
}

export function opa_bi_indexof_n(s: i32, sub: i32): i32 {
  if (!isStr(s) || !isStr(sub) || strLen(sub) == 0) return 0;
  const p = strPtr(s), n = strLen(s);
  const r = mkArr(0);
  let i = 0;
  while (true) {
    const j = findBytes(p, n, strPtr(sub), strLen(sub), i);
    if (j < 0) break;
    arrPush(r, mkInt(utf8Count(p, j)));
    decodeAt(p, j, n);
    i = j + decLen;
  }
  return <i32>r;
}

export function opa_bi_strings_count(s: i32, sub: i32): i32 {
  if (!isStr(s) || !isStr(sub)) return 0;
  const p = strPtr(s), n = strLen(s), m = strLen(sub);
  if (m == 0) return <i32>mkInt(utf8Count(p, n) + 1);
  let c = 0;
  let i = 0;
  while (true) {
    const j = findBytes(p, n, strPtr(sub), m, i);
    if (j < 0) break;
    c++;
    i = j + m;
  }
  return <i32>mkInt(c);
}

// ---------------------------------------------------------------- building strings

export function opa_bi_concat(delim: i32, coll: i32): i32 {
  if (!isStr(delim) || coll == 0) return 0;
  const t = vtype(coll);
  if (t != T_ARR && t != T_SET) return 0;
  const n = vlen(coll);
  bufStart();
  for (let i = 0; i < n; i++) {
    const x = arrAt(coll, i);
    if (vtype(x) != T_STR) return 0;
    if (i > 0) putBytes(strPtr(delim), strLen(delim));
    putBytes(strPtr(x), strLen(x));
  }
  return <i32>bufFinishStr();
}

export function opa_bi_split(s: i32, delim: i32): i32 {
  if (!isStr(s) || !isStr(delim)) return 0;
  const p = strPtr(s), n = strLen(s), dp = strPtr(delim), dn = strLen(delim);
  const r = mkArr(0);
  if (dn == 0) {
    let i = 0;
    while (i < n) {
      decodeAt(p, i, n);
      arrPush(r, mkStr(p + i, decLen));
      i += decLen;
    }
    return <i32>r;
  }
  let start = 0;
  while (true) {
    const j = findBytes(p, n, dp, dn, start);
    if (j < 0) break;
    arrPush(r, mkStr(p + start, j - start));
    start = j + dn;
  }
  arrPush(r, mkStr(p + start, n - start));
  return <i32>r;
}

export function opa_bi_replace(s: i32, old: i32, nw: i32): i32 {
  if (!isStr(s) || !isStr(old) || !isStr(nw)) return 0;
  const p = strPtr(s), n = strLen(s), op = strPtr(old), on = strLen(old);
  bufStart();
  if (on == 0) {
    // insert `new` before every code point and at the end
    let i = 0;
    putBytes(strPtr(nw), strLen(nw));
    while (i < n) {
      decodeAt(p, i, n);
      putBytes(p + i, decLen);
      i += decLen;
      putBytes(strPtr(nw), strLen(nw));
    }
    return <i32>bufFinishStr();
  }
  let start = 0;
  while (true) {
    const j = findBytes(p, n, op, on, start);
    if (j < 0) break;
    putBytes(p + start, j - start);
    putBytes(strPtr(nw), strLen(nw));
    start = j + on;
  }
  putBytes(p + start, n - start);
  return <i32>bufFinishStr();
}

/** strings.replace_n(patterns, s): one left-to-right pass; at each position the first matching key wins. */
export function opa_bi_strings_replace_n(patterns: i32, s: i32): i32 {
  if (patterns == 0 || vtype(patterns) != T_OBJ || !isStr(s)) return 0;
  const np = vlen(patterns);
  for (let k = 0; k < np; k++) {
    if (vtype(objKeyAt(patterns, k)) != T_STR || vtype(objValAt(patterns, k)) != T_STR) return 0;
  }
  const p = strPtr(s), n = strLen(s);
  bufStart();
  let i = 0;
  while (i < n) {
    let matched = false;
    for (let k = 0; k < np; k++) {
      const key = objKeyAt(patterns, k);
      const kn = strLen(key);
      if (kn > 0 && i + kn <= n && memory.compare(p + i, strPtr(key), kn) == 0) {
        const val = objValAt(patterns, k);
        putBytes(strPtr(val), strLen(val));
        i += kn;
        matched = true;
        break;
      }
    }
    if (!matched) {
      putc(load<u8>(p + i));
      i++;
    }
  }
  return <i32>bufFinishStr();
}

export function opa_bi_strings_reverse(s: i32): i32 {
  if (!isStr(s)) return 0;
  const p = strPtr(s), n = strLen(s);
  const out = malloc(n);
  let i = 0;
  while (i < n) {
    decodeAt(p, i, n);
    memory.copy(out + n - i - decLen, p + i, decLen);
    i += decLen;
  }
  return <i32>mkStr(out, n);
}

export function opa_bi_substring(s: i32, start: i32, length: i32): i32 {
  if (!isStr(s)) return 0;
  const st = intArg(start);
  if (!intArgOk) return 0;
  const ln = intArg(length);
  if (!intArgOk) return 0;
  if (st < 0) return 0;
  const p = strPtr(s), n = strLen(s);
  const b0 = byteOffsetOf(p, n, st);
  if (b0 >= n) return <i32>mkStr(p, 0);
  if (ln < 0) return <i32>mkStr(p + b0, n - b0);
  const b1 = b0 + byteOffsetOf(p + b0, n - b0, ln);
  return <i32>mkStr(p + b0, b1 - b0);
}

// ---------------------------------------------------------------- trimming

/** Whether code point c occurs in the UTF-8 string (cp, cn). */
function inCutset(c: u32, cp: usize, cn: i32): bool {
  let i = 0;
  while (i < cn) {
    const d = decodeAt(cp, i, cn);
    i += decLen;
    if (d == c) return true;
  }
  return false;
}

/** Byte length of the last code point ending at n. */
function lastCpStart(p: usize, n: i32): i32 {
  let i = n - 1;
  while (i > 0 && (load<u8>(p + i) & 0xc0) == 0x80 && n - i < 4) i--;
  return i;
}

function trimImpl(s: usize, cutset: usize, left: bool, right: bool): i32 {
  if (!isStr(s) || !isStr(cutset)) return 0;
  const p = strPtr(s), cp = strPtr(cutset), cn = strLen(cutset);
  let a = 0, b = strLen(s);
  if (left) {
    while (a < b) {
      const c = decodeAt(p, a, b);
      if (!inCutset(c, cp, cn)) break;
      a += decLen;
    }
  }
  if (right) {
    while (b > a) {
      const st = lastCpStart(p + a, b - a) + a;
      const c = decodeAt(p, st, b);
      if (!inCutset(c, cp, cn)) break;
      b = st;
    }
  }
  return <i32>mkStr(p + a, b - a);
}

export function opa_bi_trim(s: i32, cutset: i32): i32 { return trimImpl(s, cutset, true, true); }
export function opa_bi_trim_left(s: i32, cutset: i32): i32 { return trimImpl(s, cutset, true, false); }
export function opa_bi_trim_right(s: i32, cutset: i32): i32 { return trimImpl(s, cutset, false, true); }

export function opa_bi_trim_prefix(s: i32, pre: i32): i32 {
  if (!isStr(s) || !isStr(pre)) return 0;
  const n = strLen(pre);
  if (n <= strLen(s) && memory.compare(strPtr(s), strPtr(pre), n) == 0) return <i32>mkStr(strPtr(s) + n, strLen(s) - n);
  return s;
}

export function opa_bi_trim_suffix(s: i32, suf: i32): i32 {
  if (!isStr(s) || !isStr(suf)) return 0;
  const n = strLen(suf), m = strLen(s);
  if (n <= m && memory.compare(strPtr(s) + m - n, strPtr(suf), n) == 0) return <i32>mkStr(strPtr(s), m - n);
  return s;
}

function isSpace(c: u32): bool {
  if (c == 0x20 || (c >= 0x09 && c <= 0x0d)) return true;
  if (c < 0x85) return false;
  return c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
    c == 0x202f || c == 0x205f || c == 0x3000;
}

export function opa_bi_trim_space(s: i32): i32 {
  if (!isStr(s)) return 0;
  const p = strPtr(s);
  let a = 0, b = strLen(s);
  while (a < b) {
    const c = decodeAt(p, a, b);
    if (!isSpace(c)) break;
    a += decLen;
  }
  while (b > a) {
    const st = lastCpStart(p + a, b - a) + a;
    const c = decodeAt(p, st, b);
    if (!isSpace(c)) break;
    b = st;
  }
  return <i32>mkStr(p + a, b - a);
}

// ---------------------------------------------------------------- conversions

const DIGITS: usize = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

export function opa_bi_format_int(x: i32, base: i32): i32 {
  if (x == 0 || vtype(x) != T_NUM) return 0;
  const b = intArg(base);
  if (!intArgOk || (b != 2 && b != 8 && b != 10 && b != 16)) return 0;
  let v: i64;
  if (numKind(x) == N_INT) v = numI64(x);
  else {
    const f = numF64(x);
    if (!(f > -9223372036854775808.0 && f < 9223372036854775808.0)) return 0;
    v = <i64>f; // truncates toward zero
  }
  const tmp = malloc(72);
  let k = 72;
  let u: u64 = v < 0 ? <u64>(-v) : <u64>v;
  do {
    k--;
    store<u8>(tmp + k, load<u8>(DIGITS + <usize>(u % <u64>b)));
    u /= <u64>b;
  } while (u != 0);
  if (v < 0) { k--; store<u8>(tmp + k, 0x2d); }
  return <i32>mkStr(tmp + k, 72 - k);
}

export function opa_bi_to_number(x: i32): i32 {
  if (x == 0) return 0;
  switch (vtype(x)) {
    case T_NULL: return <i32>mkInt(0);
    case T_BOOL: return <i32>mkInt(boolVal(x) ? 1 : 0);
    case T_NUM: return x;
    case T_STR: {
      let p = strPtr(x), n = strLen(x);
      if (n > 0 && load<u8>(p) == 0x2b) { p++; n--; }
      if (n == 0) return 0;
      // accept ".5", "5." and "-.5" by normalising to JSON syntax
      bufStart();
      let i = 0;
      if (load<u8>(p) == 0x2d) { putc(0x2d); i = 1; }
      if (i < n && load<u8>(p + i) == 0x2e) putc(0x30);
      for (; i < n; i++) {
        const c = load<u8>(p + i);
        putc(c);
        if (c == 0x2e && (i + 1 >= n || load<u8>(p + i + 1) < 0x30 || load<u8>(p + i + 1) > 0x39)) putc(0x30);
      }
      // strip redundant leading zeros of the integer part ("007" → "7")
      const len = bufLength();
      const b = bufData();
      let s = load<u8>(b) == 0x2d ? 1 : 0;
      let z = s;
      while (z + 1 < len && load<u8>(b + z) == 0x30 && load<u8>(b + z + 1) >= 0x30 && load<u8>(b + z + 1) <= 0x39) z++;
      if (z > s) {
        memory.copy(b + s, b + z, len - z);
        const v = numberFromText(b, len - (z - s));
        bufFinishStr();
        return <i32>v;
      }
      const v = numberFromText(b, len);
      bufFinishStr();
      return <i32>v;
    }
  }
  return 0;
}

// ---------------------------------------------------------------- JSON

export function opa_bi_json_marshal(x: i32): i32 {
  if (x == 0) return 0;
  bufStart();
  setGoEscape(true);
  dumpJSON(x);
  setGoEscape(false);
  return <i32>bufFinishStr();
}

export function opa_bi_json_unmarshal(s: i32): i32 {
  if (!isStr(s)) return 0;
  return <i32>parseJSON(strPtr(s), strLen(s));
}

export function opa_bi_json_is_valid(s: i32): i32 {
  if (!isStr(s)) return <i32>mkBool(false);
  return <i32>mkBool(parseJSON(strPtr(s), strLen(s)) != 0);
}

/** Parses json.filter / json.remove paths into a nested object of path segments with null leaves. */
function pathsToObject(paths: usize): usize {
  if (paths == 0) return 0;
  const t = vtype(paths);
  if (t != T_ARR && t != T_SET) return 0;
  const root = mkObj();
  const n = vlen(paths);
  for (let i = 0; i < n; i++) {
    const seg = parsePath(arrAt(paths, i));
    if (seg == 0) return 0;
    const m = vlen(seg);
    if (m == 0) continue;
    let node = root;
    let done = false;
    for (let j = 0; j < m - 1; j++) {
      const k = arrAt(seg, j);
      const child = objGet(node, k);
      if (child == 0) {
        const o = mkObj();
        objInsert(node, k, o);
        node = o;
      } else if (vtype(child) == T_NULL) {
        done = true;
        break;
      } else node = child;
    }
    if (!done) objInsert(node, arrAt(seg, m - 1), mkNull());
  }
  return root;
}


function parsePath(p: usize): usize {
  const t = vtype(p);
  if (t == T_ARR) return p;
  if (t != T_STR) return 0;
  const r = mkArr(0);
  const sp = strPtr(p), n = strLen(p);
  if (n == 0) return r;
  let i = 0;
  while (i < n && load<u8>(sp + i) == 0x2f) i++;
  let start = i;
  while (true) {
    let j = start;
    while (j < n && load<u8>(sp + j) != 0x2f) j++;
    // unescape ~1 → / and ~0 → ~
    bufStart();
    for (let k = start; k < j; k++) {
      const c = load<u8>(sp + k);
      if (c == 0x7e && k + 1 < j && load<u8>(sp + k + 1) == 0x31) { putc(0x2f); k++; }
      else if (c == 0x7e && k + 1 < j && load<u8>(sp + k + 1) == 0x30) { putc(0x7e); k++; }
      else putc(c);
    }
    arrPush(r, bufFinishStr());
    if (j >= n) break;
    start = j + 1;
  }
  return r;
}

function indexKey(i: i32): usize {
  const n = fmtI64(NUMBUF, i);
  const p = malloc(n);
  memory.copy(p, NUMBUF, n);
  return mkStr(p, n);
}

function filterValue(v: usize, f: usize): usize {
  if (vtype(f) == T_NULL) return v;
  if (vtype(f) != T_OBJ) return 0;
  const t = vtype(v);
  if (t == T_ARR) {
    const r = mkArr(0);
    const n = vlen(v);
    for (let i = 0; i < n; i++) {
      const sub = objGet(f, indexKey(i));
      if (sub != 0) {
        const x = filterValue(arrAt(v, i), sub);
        if (x == 0) return 0;
        arrPush(r, x);
      }
    }
    return r;
  }
  if (t == T_SET) {
    const r = mkSet();
    const n = vlen(v);
    for (let i = 0; i < n; i++) {
      const sub = objGet(f, arrAt(v, i));
      if (sub != 0) {
        const x = filterValue(arrAt(v, i), sub);
        if (x == 0) return 0;
        setAdd(r, x);
      }
    }
    return r;
  }
  if (t == T_OBJ) {
    const r = mkObj();
    const n = vlen(v);
    for (let i = 0; i < n; i++) {
      const sub = objGet(f, objKeyAt(v, i));
      if (sub != 0) {
        const x = filterValue(objValAt(v, i), sub);
        if (x == 0) return 0;
        objInsert(r, objKeyAt(v, i), x);
      }
    }
    return r;
  }
  return v;
}

export function opa_bi_json_filter(obj: i32, paths: i32): i32 {
  if (obj == 0 || vtype(obj) != T_OBJ) return 0;
  const f = pathsToObject(paths);
  if (f == 0) return 0;
  return <i32>filterValue(obj, f);
}

const REMOVED: usize = 1; // sentinel: the value is removed

function removeValue(v: usize, f: usize): usize {
  if (f == 0) return v;
  if (vtype(f) == T_NULL) return REMOVED;
  if (vtype(f) != T_OBJ) return v;
  const t = vtype(v);
  if (t == T_OBJ) {
    const r = mkObj();
    const n = vlen(v);
    for (let i = 0; i < n; i++) {
      const x = removeValue(objValAt(v, i), objGet(f, objKeyAt(v, i)));
      if (x != REMOVED) objInsert(r, objKeyAt(v, i), x);
    }
    return r;
  }
  if (t == T_SET) {
    const r = mkSet();
    const n = vlen(v);
    for (let i = 0; i < n; i++) {
      const x = removeValue(arrAt(v, i), objGet(f, arrAt(v, i)));
      if (x != REMOVED) setAdd(r, x);
    }
    return r;
  }
  if (t == T_ARR) {
    const r = mkArr(0);
    const n = vlen(v);
    for (let i = 0; i < n; i++) {
      const x = removeValue(arrAt(v, i), objGet(f, indexKey(i)));
      if (x != REMOVED) arrPush(r, x);
    }
    return r;
  }
  return v;
}

export function opa_bi_json_remove(obj: i32, paths: i32): i32 {
  if (obj == 0 || vtype(obj) != T_OBJ) return 0;
  const f = pathsToObject(paths);
  if (f == 0) return 0;
  const r = removeValue(obj, f);
  return r == REMOVED ? 0 : <i32>r;
}

// ---------------------------------------------------------------- prefix / suffix matching over collections

/** Calls back for each string of a string / array / set argument; false if any element is not a string. */
function strList(v: usize): usize {
  if (v == 0) return 0;
  const t = vtype(v);
  if (t == T_STR) {
    const a = mkArr(1);
    arrPush(a, v);
    return a;
  }
  if (t != T_ARR && t != T_SET) return 0;
  const n = vlen(v);
  for (let i = 0; i < n; i++) if (vtype(arrAt(v, i)) != T_STR) return 0;
  return v;
}

function anyMatch(search: usize, base: usize, suffix: bool): i32 {
  const ss = strList(search), bs = strList(base);
  if (ss == 0 || bs == 0) return 0;
  const n = vlen(ss), m = vlen(bs);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const r = suffix ? opa_bi_endswith(<i32>arrAt(ss, i), <i32>arrAt(bs, j)) : opa_bi_startswith(<i32>arrAt(ss, i), <i32>arrAt(bs, j));
      if (r != 0 && boolVal(r)) return <i32>mkBool(true);
    }
  }
  return <i32>mkBool(false);
}

export function opa_bi_strings_any_prefix_match(search: i32, base: i32): i32 { return anyMatch(search, base, false); }
export function opa_bi_strings_any_suffix_match(search: i32, base: i32): i32 { return anyMatch(search, base, true); }
