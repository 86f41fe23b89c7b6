// Value representation, constructors, total order, equality, hashing and collection operations.
//
// Layouts (all 8-byte aligned, pointers are i32 offsets into linear memory, 0 = undefined):
//   null   : [u8 type=1]
//   bool   : [u8 type=2] +4 i32 value
//   number : [u8 type=3][u8 kind] +8 i64 (kind 0 int) | f64 (kind 1 float, kind 2 ref) ; +16 ref text ptr, +20 len
//   string : [u8 type=4] +4 byte length, +8 bytes ptr
//   array  : [u8 type=5] +4 len, +8 cap, +12 elems ptr (i32 each)
//   object : [u8 type=6] +4 len, +8 cap, +12 keys ptr, +16 values ptr (keys kept sorted)
//   set    : [u8 type=7] +4 len, +8 cap, +12 elems ptr (kept sorted)
import { malloc, realloc } from "./alloc";
import { exactCmp } from "./exact";

export const T_NULL: i32 = 1;
export const T_BOOL: i32 = 2;
export const T_NUM: i32 = 3;
export const T_STR: i32 = 4;
export const T_ARR: i32 = 5;
export const T_OBJ: i32 = 6;
export const T_SET: i32 = 7;

export const N_INT: i32 = 0;
export const N_FLOAT: i32 = 1;
export const N_REF: i32 = 2;

const NULL_V: usize = memory.data<i32>([1, 0], 8);
const TRUE_V: usize = memory.data<i32>([2, 1], 8);
const FALSE_V: usize = memory.data<i32>([2, 0], 8);

@inline export function vtype(v: usize): i32 { return load<u8>(v); }
@inline export function vlen(v: usize): i32 { return load<i32>(v, 4); }

export function mkNull(): usize { return NULL_V; }
export function mkBool(b: bool): usize { return b ? TRUE_V : FALSE_V; }
@inline export function boolVal(v: usize): bool { return load<i32>(v, 4) != 0; }

// ---------------------------------------------------------------- numbers

@inline export function numKind(v: usize): i32 { return load<u8>(v, 1); }
@inline export function numI64(v: usize): i64 { return load<i64>(v, 8); }
@inline export function numF64raw(v: usize): f64 { return load<f64>(v, 8); }

export function mkInt(n: i64): usize {
  const v = malloc(24);
  store<u8>(v, T_NUM);
  store<u8>(v, N_INT, 1);
  store<i64>(v, n, 8);
  return v;
}

const TWO63: f64 = 9223372036854775808.0;

/** A number from a float; integral values that fit an i64 become integers. Non-finite → undefined. */
export function mkFloat(f: f64): usize {
  if (!isFinite(f)) return 0;
  if (f == Math.trunc(f) && f >= -TWO63 && f < TWO63) return mkInt(<i64>f);
  const v = malloc(24);
  store<u8>(v, T_NUM);
  store<u8>(v, N_FLOAT, 1);
  store<f64>(v, f, 8);
  return v;
}

export function mkNumRef(approx: f64, text: usize, len: i32): usize {
  const v = malloc(24);
  store<u8>(v, T_NUM);
  store<u8>(v, N_REF, 1);
  store<f64>(v, approx, 8);
  store<i32>(v, <i32>text, 16);
  store<i32>(v, len, 20);
  return v;
}

/** The number as f64 (lossy for large integers). */
export function numF64(v: usize): f64 {
  return numKind(v) == N_INT ? <f64>numI64(v) : numF64raw(v);
}

/** Whether the number is an integer value representable as i64. */
export function numIsInt(v: usize): bool {
  return numKind(v) == N_INT;
}

/** Sign of i - f. */
function cmpIntFloat(i: i64, f: f64): i32 {
  if (isNaN(f)) return 0;
  if (f >= TWO63) return -1;
  if (f < -TWO63) return 1;
  const t = <i64>f;
  if (i < t) return -1;
  if (i > t) return 1;
  const fr = f - <f64>t;
  return fr > 0 ? -1 : fr < 0 ? 1 : 0;
}

/** Exact order of two big integer literals (-1/0/1), or 2 when either text is not a plain integer. */
function cmpIntText(a: usize, b: usize): i32 {
  let pa = <usize>load<i32>(a, 16), na = load<i32>(a, 20);
  let pb = <usize>load<i32>(b, 16), nb = load<i32>(b, 20);
  const nega = na > 0 && load<u8>(pa) == 0x2d, negb = nb > 0 && load<u8>(pb) == 0x2d;
  if (nega) { pa++; na--; }
  if (negb) { pb++; nb--; }
  for (let i = 0; i < na; i++) { const c = load<u8>(pa + i); if (c < 0x30 || c > 0x39) return 2; }
  for (let i = 0; i < nb; i++) { const c = load<u8>(pb + i); if (c < 0x30 || c > 0x39) return 2; }
  if (nega != negb) return nega ? -1 : 1;
  // JSON integers have no leading zeros: longer means larger in magnitude
  let c = na != nb ? (na < nb ? -1 : 1) : bytesCmp(pa, na, pb, nb);
  return nega ? -c : c;
}

export function numCmp(a: usize, b: usize): i32 {
  const ka = numKind(a), kb = numKind(b);
  if (ka == N_INT && kb == N_INT) {
    const x = numI64(a), y = numI64(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (ka == N_REF || kb == N_REF) {
    if (ka == N_REF && kb == N_REF) {
      const c = cmpIntText(a, b);
      if (c != 2) return c;
    }
    return exactCmp(a, b);
  }
  if (ka == N_INT) return cmpIntFloat(numI64(a), numF64raw(b));
  if (kb == N_INT) return -cmpIntFloat(numI64(b), numF64raw(a));
  const x = numF64raw(a), y = numF64raw(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

// ---------------------------------------------------------------- strings

@inline export function strPtr(v: usize): usize { return load<i32>(v, 8); }
@inline export function strLen(v: usize): i32 { return load<i32>(v, 4); }

export function mkStr(ptr: usize, len: i32): usize {
  const v = malloc(16);
  store<u8>(v, T_STR);
  store<i32>(v, len, 4);
  store<i32>(v, <i32>ptr, 8);
  return v;
}

/** A string value from a static ASCII literal (copied into the heap as UTF-8). */
export function mkLit(s: string): usize {
  const p = changetype<usize>(s);
  const n = load<i32>(p - 4) >> 1;
  const b = malloc(n);
  for (let i = 0; i < n; i++) store<u8>(b + i, <u8>load<u16>(p + (i << 1)));
  return mkStr(b, n);
}

export function bytesCmp(pa: usize, la: i32, pb: usize, lb: i32): i32 {
  const n = la < lb ? la : lb;
  let i = 0;
  // 8 bytes at a time while equal
  while (i + 8 <= n && load<u64>(pa + i) == load<u64>(pb + i)) i += 8;
  for (; i < n; i++) {
    const x = load<u8>(pa + i), y = load<u8>(pb + i);
    if (x != y) return x < y ? -1 : 1;
  }
  return la < lb ? -1 : la > lb ? 1 : 0;
}

export function strEqLit(v: usize, s: string): bool {
  if (vtype(v) != T_STR) return false;
  const p = changetype<usize>(s);
  const n = load<i32>(p - 4) >> 1;
  if (strLen(v) != n) return false;
  const b = strPtr(v);
  for (let i = 0; i < n; i++) if (<u32>load<u8>(b + i) != <u32>load<u16>(p + (i << 1))) return false;
  return true;
}

// ---------------------------------------------------------------- arrays

@inline export function arrElems(v: usize): usize { return load<i32>(v, 12); }
@inline export function arrAt(v: usize, i: i32): usize { return load<i32>(arrElems(v) + (<usize>i << 2)); }

export function mkArr(cap: i32): usize {
  if (cap < 0) cap = 0;
  const v = malloc(16);
  store<u8>(v, T_ARR);
  store<i32>(v, 0, 4);
  store<i32>(v, cap, 8);
  store<i32>(v, cap > 0 ? <i32>malloc(cap << 2) : 0, 12);
  return v;
}

function growElems(v: usize, need: i32): void {
  const cap = load<i32>(v, 8);
  if (need <= cap) return;
  let nc = cap < 4 ? 4 : cap * 2;
  if (nc < need) nc = need;
  store<i32>(v, <i32>realloc(load<i32>(v, 12), cap << 2, nc << 2), 12);
  store<i32>(v, nc, 8);
}

export function arrPush(a: usize, x: usize): void {
  const n = vlen(a);
  growElems(a, n + 1);
  store<i32>(arrElems(a) + (<usize>n << 2), <i32>x);
  store<i32>(a, n + 1, 4);
}

// ---------------------------------------------------------------- objects

@inline export function objKeys(v: usize): usize { return load<i32>(v, 12); }
@inline export function objVals(v: usize): usize { return load<i32>(v, 16); }
@inline export function objKeyAt(v: usize, i: i32): usize { return load<i32>(objKeys(v) + (<usize>i << 2)); }
@inline export function objValAt(v: usize, i: i32): usize { return load<i32>(objVals(v) + (<usize>i << 2)); }

export function mkObj(cap: i32 = 0): usize {
  const v = malloc(24);
  store<u8>(v, T_OBJ);
  store<i32>(v, 0, 4);
  store<i32>(v, cap, 8);
  store<i32>(v, cap > 0 ? <i32>malloc(cap << 2) : 0, 12);
  store<i32>(v, cap > 0 ? <i32>malloc(cap << 2) : 0, 16);
  return v;
}

/** Binary search in a sorted pointer array; returns index if found, else -(insertion point) - 1. */
function search(elems: usize, n: i32, key: usize): i32 {
  let lo = 0, hi = n - 1;
  // fast path: appending in order
  if (n > 0) {
    const c = compare(load<i32>(elems + (<usize>(n - 1) << 2)), key);
    if (c < 0) return -n - 1;
    if (c == 0) return n - 1;
    hi = n - 2;
  }
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compare(load<i32>(elems + (<usize>mid << 2)), key);
    if (c < 0) lo = mid + 1;
    else if (c > 0) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

export function objFind(o: usize, key: usize): i32 {
  return search(objKeys(o), vlen(o), key);
}

export function objGet(o: usize, key: usize): usize {
  const i = objFind(o, key);
  return i >= 0 ? objValAt(o, i) : 0;
}

export function objInsert(o: usize, key: usize, val: usize): void {
  const n = vlen(o);
  const i = search(objKeys(o), n, key);
  if (i >= 0) {
    store<i32>(objVals(o) + (<usize>i << 2), <i32>val);
    return;
  }
  const pos = -i - 1;
  const cap = load<i32>(o, 8);
  if (n + 1 > cap) {
    let nc = cap < 4 ? 4 : cap * 2;
    store<i32>(o, <i32>realloc(objKeys(o), cap << 2, nc << 2), 12);
    store<i32>(o, <i32>realloc(objVals(o), cap << 2, nc << 2), 16);
    store<i32>(o, nc, 8);
  }
  const ks = objKeys(o), vs = objVals(o);
  const off = <usize>pos << 2;
  if (pos < n) {
    memory.copy(ks + off + 4, ks + off, <usize>(n - pos) << 2);
    memory.copy(vs + off + 4, vs + off, <usize>(n - pos) << 2);
  }
  store<i32>(ks + off, <i32>key);
  store<i32>(vs + off, <i32>val);
  store<i32>(o, n + 1, 4);
}

export function objRemoveAt(o: usize, i: i32): void {
  const n = vlen(o);
  const ks = objKeys(o), vs = objVals(o);
  const off = <usize>i << 2;
  if (i < n - 1) {
    memory.copy(ks + off, ks + off + 4, <usize>(n - 1 - i) << 2);
    memory.copy(vs + off, vs + off + 4, <usize>(n - 1 - i) << 2);
  }
  store<i32>(o, n - 1, 4);
}

// ---------------------------------------------------------------- sets

export function mkSet(cap: i32 = 0): usize {
  const v = malloc(16);
  store<u8>(v, T_SET);
  store<i32>(v, 0, 4);
  store<i32>(v, cap, 8);
  store<i32>(v, cap > 0 ? <i32>malloc(cap << 2) : 0, 12);
  return v;
}

export function setFind(s: usize, x: usize): i32 {
  return search(arrElems(s), vlen(s), x);
}

export function setAdd(s: usize, x: usize): void {
  const n = vlen(s);
  const i = search(arrElems(s), n, x);
  if (i >= 0) return;
  const pos = -i - 1;
  growElems(s, n + 1);
  const es = arrElems(s);
  const off = <usize>pos << 2;
  if (pos < n) memory.copy(es + off + 4, es + off, <usize>(n - pos) << 2);
  store<i32>(es + off, <i32>x);
  store<i32>(s, n + 1, 4);
}

export function setRemoveAt(s: usize, i: i32): void {
  const n = vlen(s);
  const es = arrElems(s);
  const off = <usize>i << 2;
  if (i < n - 1) memory.copy(es + off, es + off + 4, <usize>(n - 1 - i) << 2);
  store<i32>(s, n - 1, 4);
}

// ---------------------------------------------------------------- order, equality, hash

export function compare(a: usize, b: usize): i32 {
  if (a == b) return 0;
  if (a == 0) return -1;
  if (b == 0) return 1;
  const ta = vtype(a), tb = vtype(b);
  if (ta != tb) return ta < tb ? -1 : 1;
  switch (ta) {
    case T_NULL:
      return 0;
    case T_BOOL: {
      const x = boolVal(a), y = boolVal(b);
      return x == y ? 0 : x ? 1 : -1;
    }
    case T_NUM:
      return numCmp(a, b);
    case T_STR:
      return bytesCmp(strPtr(a), strLen(a), strPtr(b), strLen(b));
    case T_ARR:
    case T_SET: {
      const la = vlen(a), lb = vlen(b);
      const n = la < lb ? la : lb;
      for (let i = 0; i < n; i++) {
        const c = compare(arrAt(a, i), arrAt(b, i));
        if (c != 0) return c;
      }
      return la < lb ? -1 : la > lb ? 1 : 0;
    }
    case T_OBJ: {
      const la = vlen(a), lb = vlen(b);
      const n = la < lb ? la : lb;
      for (let i = 0; i < n; i++) {
        let c = compare(objKeyAt(a, i), objKeyAt(b, i));
        if (c != 0) return c;
        c = compare(objValAt(a, i), objValAt(b, i));
        if (c != 0) return c;
      }
      return la < lb ? -1 : la > lb ? 1 : 0;
    }
  }
  return 0;
}

export function equal(a: usize, b: usize): bool {
  if (a == b) return true;
  if (a == 0 || b == 0) return false;
  const t = vtype(a);
  if (t != vtype(b)) return false;
  if (t == T_STR) {
    const n = strLen(a);
    if (n != strLen(b)) return false;
    return memory.compare(strPtr(a), strPtr(b), n) == 0;
  }
  if (t >= T_ARR && vlen(a) != vlen(b)) return false;
  return compare(a, b) == 0;
}

@inline function mix(h: u32, x: u32): u32 {
  h ^= x;
  h *= 0x01000193;
  return h ^ (h >>> 15);
}

function hashI64(h: u32, n: i64): u32 {
  h = mix(h, <u32>n);
  return mix(h, <u32>(n >>> 32));
}

export function hash(v: usize): u32 {
  if (v == 0) return 0;
  const t = vtype(v);
  let h: u32 = 0x811c9dc5 ^ <u32>t;
  switch (t) {
    case T_BOOL:
      return mix(h, boolVal(v) ? 1 : 0);
    case T_NUM: {
      if (numKind(v) == N_INT) return hashI64(h, numI64(v));
      const f = numF64raw(v);
      if (f == Math.trunc(f) && f >= -TWO63 && f < TWO63) return hashI64(h, <i64>f);
      return hashI64(h, reinterpret<i64>(f));
    }
    case T_STR: {
      const p = strPtr(v), n = strLen(v);
      for (let i = 0; i < n; i++) {
        h ^= load<u8>(p + i);
        h *= 0x01000193;
      }
      return h;
    }
    case T_ARR:
    case T_SET: {
      const n = vlen(v);
      for (let i = 0; i < n; i++) h = mix(h, hash(arrAt(v, i)));
      return h;
    }
    case T_OBJ: {
      const n = vlen(v);
      for (let i = 0; i < n; i++) {
        h = mix(h, hash(objKeyAt(v, i)));
        h = mix(h, hash(objValAt(v, i)));
      }
      return h;
    }
  }
  return h;
}

// ---------------------------------------------------------------- generic access

/** Integral index of a number value, or -1 if it is not a non-negative integer fitting i32. */
export function numIndex(k: usize): i32 {
  if (k == 0 || vtype(k) != T_NUM) return -1;
  if (numKind(k) == N_INT) {
    const n = numI64(k);
    return n >= 0 && n <= 0x7fffffff ? <i32>n : -1;
  }
  return -1;
}

export function get(coll: usize, key: usize): usize {
  if (coll == 0 || key == 0) return 0;
  switch (vtype(coll)) {
    case T_ARR: {
      const i = numIndex(key);
      return i >= 0 && i < vlen(coll) ? arrAt(coll, i) : 0;
    }
    case T_OBJ:
      return objGet(coll, key);
    case T_SET: {
      const i = setFind(coll, key);
      return i >= 0 ? arrAt(coll, i) : 0;
    }
  }
  return 0;
}

export function iter(coll: usize, prev: usize): usize {
  if (coll == 0) return 0;
  const t = vtype(coll);
  if (t == T_ARR) {
    let i = 0;
    if (prev != 0) {
      const p = numIndex(prev);
      if (p < 0) return 0;
      i = p + 1;
    }
    return i < vlen(coll) ? mkInt(i) : 0;
  }
  if (t == T_OBJ || t == T_SET) {
    const n = vlen(coll);
    let i = 0;
    if (prev != 0) {
      const j = search(objKeys(coll), n, prev); // keys/elems pointer is at +12 for both
      i = j >= 0 ? j + 1 : -j - 1;
    }
    return i < n ? <usize>load<i32>(objKeys(coll) + (<usize>i << 2)) : 0;
  }
  return 0;
}

/** Number of code points in UTF-8 bytes. */
export function utf8Count(p: usize, n: i32): i32 {
  let c = 0;
  for (let i = 0; i < n; i++) if ((load<u8>(p + i) & 0xc0) != 0x80) c++;
  return c;
}

export function length(v: usize): i32 {
  if (v == 0) return 0;
  const t = vtype(v);
  if (t == T_STR) return utf8Count(strPtr(v), strLen(v));
  if (t >= T_ARR) return vlen(v);
  return 0;
}

export function shallowCopy(v: usize): usize {
  if (v == 0) return 0;
  const t = vtype(v);
  const n = vlen(v);
  if (t == T_ARR || t == T_SET) {
    const r = t == T_ARR ? mkArr(n) : mkSet(n);
    if (n > 0) memory.copy(arrElems(r), arrElems(v), <usize>n << 2);
    store<i32>(r, n, 4);
    return r;
  }
  if (t == T_OBJ) {
    const r = mkObj(n);
    if (n > 0) {
      memory.copy(objKeys(r), objKeys(v), <usize>n << 2);
      memory.copy(objVals(r), objVals(v), <usize>n << 2);
    }
    store<i32>(r, n, 4);
    return r;
  }
  return v;
}

export function deepCopy(v: usize): usize {
  if (v == 0) return 0;
  const t = vtype(v);
  const n = vlen(v);
  if (t == T_ARR) {
    const r = mkArr(n);
    for (let i = 0; i < n; i++) arrPush(r, deepCopy(arrAt(v, i)));
    return r;
  }
  if (t == T_SET) {
    const r = mkSet(n);
    for (let i = 0; i < n; i++) setAdd(r, deepCopy(arrAt(v, i)));
    return r;
  }
  if (t == T_OBJ) {
    const r = mkObj(n);
    for (let i = 0; i < n; i++) objInsert(r, deepCopy(objKeyAt(v, i)), deepCopy(objValAt(v, i)));
    return r;
  }
  return v;
}

/** Deep merge of objects: keys of both; where both have a key, values merge recursively (non-objects conflict). */
export function merge(a: usize, b: usize): usize {
  if (a == 0) return b;
  if (b == 0) return a;
  if (vtype(a) != T_OBJ || vtype(b) != T_OBJ) return 0;
  const r = shallowCopy(a);
  const n = vlen(b);
  for (let i = 0; i < n; i++) {
    const k = objKeyAt(b, i), bv = objValAt(b, i);
    const j = objFind(r, k);
    if (j < 0) {
      objInsert(r, k, bv);
    } else {
      const m = merge(objValAt(r, j), bv);
      if (m == 0) return 0;
      store<i32>(objVals(r) + (<usize>j << 2), <i32>m);
    }
  }
  return r;
}
