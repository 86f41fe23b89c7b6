// Native net.cidr_* builtins. Addresses are handled as 128-bit values; IPv4 (and IPv4-mapped IPv6)
// addresses live in ::ffff:0:0/96, as Go's net package treats them.
import {
  T_STR, T_ARR, T_SET, T_OBJ, vtype, vlen, mkBool, mkInt, strPtr, strLen, mkArr, arrPush, arrAt, mkSet, setAdd, objKeyAt,
  objValAt,
} from "./value";

@inline function isStr(v: usize): bool { return v != 0 && vtype(v) == T_STR; }

const ADDR_A: usize = memory.data(16, 8);
const ADDR_B: usize = memory.data(16, 8);
let parsedPrefix: i32 = 0;
let parsedV4 = false;

function dec(p: usize, a: i32, b: i32, max: i32): i32 {
  // decimal without sign; -1 if invalid
  if (a >= b || b - a > 3) return -1;
  let v = 0;
  for (let i = a; i < b; i++) {
    const c = load<u8>(p + i);
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + (c - 0x30);
  }
  return v > max ? -1 : v;
}

/** Parses dotted IPv4 p[a..b) into out[off..off+4). */
function parseV4(p: usize, a: i32, b: i32, out: usize): bool {
  let start = a;
  for (let k = 0; k < 4; k++) {
    let end = start;
    while (end < b && load<u8>(p + end) != 0x2e) end++;
    if ((k < 3 && end >= b) || (k == 3 && end != b)) return false;
    if (end - start > 1 && load<u8>(p + start) == 0x30) return false; // no leading zeros
    const v = dec(p, start, end, 255);
    if (v < 0) return false;
    store<u8>(out + k, <u8>v);
    start = end + 1;
  }
  return true;
}

function hexv(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** Parses an IPv4 or IPv6 address p[a..b) into 16 bytes at out. Sets parsedV4. */
function parseIP(p: usize, a: i32, b: i32, out: usize): bool {
  memory.fill(out, 0, 16);
  let hasColon = false;
  for (let i = a; i < b; i++) if (load<u8>(p + i) == 0x3a) { hasColon = true; break; }
  if (!hasColon) {
    store<u8>(out + 10, 0xff);
    store<u8>(out + 11, 0xff);
    parsedV4 = true;
    return parseV4(p, a, b, out + 12);
  }
  // IPv6
  let i = a;
  let k = 0; // bytes written
  let ellipsis = -1;
  if (b - a >= 2 && load<u8>(p + a) == 0x3a && load<u8>(p + a + 1) == 0x3a) {
    ellipsis = 0;
    i += 2;
    if (i == b) { parsedV4 = false; return true; }
  }
  while (i < b) {
    // a group, or a trailing IPv4
    let j = i;
    let v = 0;
    while (j < b && j - i < 5) {
      const h = hexv(load<u8>(p + j));
      if (h < 0) break;
      v = v * 16 + h;
      j++;
    }
    if (j == i || j - i > 4) return false;
    if (j < b && load<u8>(p + j) == 0x2e) {
      // embedded IPv4 at the end
      if (k > 12) return false;
      if (!parseV4(p, i, b, out + k)) return false;
      k += 4;
      i = b;
      break;
    }
    if (k >= 16) return false;
    store<u8>(out + k, <u8>(v >> 8));
    store<u8>(out + k + 1, <u8>v);
    k += 2;
    i = j;
    if (i == b) break;
    if (load<u8>(p + i) != 0x3a) return false;
    i++;
    if (i < b && load<u8>(p + i) == 0x3a) {
      if (ellipsis >= 0) return false;
      ellipsis = k;
      i++;
      if (i == b) break;
    } else if (i == b) return false;
  }
  if (ellipsis >= 0) {
    if (k >= 16) return false;
    const n = k - ellipsis;
    // move the tail to the end
    for (let t = n - 1; t >= 0; t--) store<u8>(out + 16 - n + t, load<u8>(out + ellipsis + t));
    for (let t = ellipsis; t < 16 - n; t++) store<u8>(out + t, 0);
  } else if (k != 16) return false;
  parsedV4 = isMapped(out);
  return true;
}

function isMapped(a: usize): bool {
  for (let i = 0; i < 10; i++) if (load<u8>(a + i) != 0) return false;
  return load<u8>(a + 10) == 0xff && load<u8>(a + 11) == 0xff;
}

/** Parses "addr/prefix" into out; sets parsedPrefix (in 128-bit space) and parsedV4. */
function parseCIDR(v: usize, out: usize): bool {
  if (!isStr(v)) return false;
  const p = strPtr(v), n = strLen(v);
  let slash = -1;
  for (let i = 0; i < n; i++) if (load<u8>(p + i) == 0x2f) { slash = i; break; }
  if (slash < 0) return false;
  let hasColon = false;
  for (let i = 0; i < slash; i++) if (load<u8>(p + i) == 0x3a) { hasColon = true; break; }
  if (!parseIP(p, 0, slash, out)) return false;
  const bits = dec(p, slash + 1, n, hasColon ? 128 : 32);
  if (bits < 0) return false;
  parsedPrefix = hasColon ? bits : bits + 96;
  if (hasColon && parsedV4 && bits < 96) parsedV4 = false;
  return true;
}

function prefixEqual(a: usize, b: usize, bits: i32): bool {
  let i = 0;
  while (bits >= 8) {
    if (load<u8>(a + i) != load<u8>(b + i)) return false;
    i++;
    bits -= 8;
  }
  if (bits > 0) {
    const mask = (0xff << (8 - bits)) & 0xff;
    if ((<i32>load<u8>(a + i) & mask) != (<i32>load<u8>(b + i) & mask)) return false;
  }
  return true;
}

export function opa_bi_net_cidr_contains(cidr: i32, x: i32): i32 {
  if (!parseCIDR(cidr, ADDR_A)) return 0;
  const prefixA = parsedPrefix, v4A = parsedV4;
  if (!isStr(x)) return 0;
  let prefixB = 128;
  if (!parseIP(strPtr(x), 0, strLen(x), ADDR_B)) {
    if (!parseCIDR(x, ADDR_B)) return 0;
    prefixB = parsedPrefix;
  }
  if (parsedV4 != v4A) return <i32>mkBool(false);
  return <i32>mkBool(prefixB >= prefixA && prefixEqual(ADDR_A, ADDR_B, prefixA));
}

export function opa_bi_net_cidr_intersects(a: i32, b: i32): i32 {
  if (!parseCIDR(a, ADDR_A)) return 0;
  const prefixA = parsedPrefix, v4A = parsedV4;
  if (!parseCIDR(b, ADDR_B)) return 0;
  if (parsedV4 != v4A) return <i32>mkBool(false);
  const bits = prefixA < parsedPrefix ? prefixA : parsedPrefix;
  return <i32>mkBool(prefixEqual(ADDR_A, ADDR_B, bits));
}

/** Deprecated: whether the CIDR contains the IP address. */
export function opa_bi_net_cidr_overlap(cidr: i32, ip: i32): i32 {
  if (!parseCIDR(cidr, ADDR_A)) return 0;
  const prefixA = parsedPrefix, v4A = parsedV4;
  if (!isStr(ip) || !parseIP(strPtr(ip), 0, strLen(ip), ADDR_B)) return 0;
  if (parsedV4 != v4A) return <i32>mkBool(false);
  return <i32>mkBool(prefixEqual(ADDR_A, ADDR_B, prefixA));
}

export function opa_bi_net_cidr_is_valid(cidr: i32): i32 {
  if (!isStr(cidr)) return <i32>mkBool(false);
  return <i32>mkBool(parseCIDR(cidr, ADDR_A));
}


// ---------------------------------------------------------------- net.cidr_contains_matches

/** The CIDR / IP string of a collection element: a string, or the first element of an array (a tuple). */
function matchItem(v: usize): usize {
  if (isStr(v)) return v;
  if (v != 0 && vtype(v) == T_ARR && vlen(v) > 0 && isStr(arrAt(v, 0))) return arrAt(v, 0);
  return 0;
}

/**
 * Appends the (key, CIDR/IP string) pairs of an operand to keys / items: a string is its own key, arrays are keyed
 * by index, objects by key, sets by element (so set operands stay sets in the result, as in OPA).
 */
function matchEntries(x: usize, keys: usize, items: usize): bool {
  if (x == 0) return false;
  const t = vtype(x);
  if (t == T_STR) { arrPush(keys, x); arrPush(items, x); return true; }
  if (t != T_ARR && t != T_SET && t != T_OBJ) return false;
  const n = vlen(x);
  for (let i = 0; i < n; i++) {
    const v = t == T_OBJ ? objValAt(x, i) : arrAt(x, i);
    const s = matchItem(v);
    if (s == 0) return false;
    arrPush(keys, t == T_ARR ? mkInt(i) : t == T_OBJ ? objKeyAt(x, i) : v);
    arrPush(items, s);
  }
  return true;
}

/** Parses an IP address (prefix 128 in 128-bit space) or a CIDR into out; sets parsedPrefix / parsedV4. */
function parseNet(s: usize, out: usize): bool {
  if (parseIP(strPtr(s), 0, strLen(s), out)) { parsedPrefix = 128; return true; }
  return parseCIDR(s, out);
}

/** The set of [keyA, keyB] pairs where CIDR/IP a contains CIDR/IP b; undefined on an invalid operand. */
export function opa_bi_net_cidr_contains_matches(a: i32, b: i32): i32 {
  const ka = mkArr(4), sa = mkArr(4), kb = mkArr(4), sb = mkArr(4);
  if (!matchEntries(a, ka, sa) || !matchEntries(b, kb, sb)) return 0;
  const na = vlen(sa), nb = vlen(sb);
  // validate every right-hand operand once (OPA fails on any invalid one)
  for (let j = 0; j < nb; j++) if (!parseNet(arrAt(sb, j), ADDR_B)) return 0;
  const r = mkSet();
  for (let i = 0; i < na; i++) {
    if (!parseNet(arrAt(sa, i), ADDR_A)) return 0;
    const prefixA = parsedPrefix, v4A = parsedV4;
    for (let j = 0; j < nb; j++) {
      parseNet(arrAt(sb, j), ADDR_B);
      if (parsedV4 != v4A || parsedPrefix < prefixA || !prefixEqual(ADDR_A, ADDR_B, prefixA)) continue;
      const pair = mkArr(2);
      arrPush(pair, arrAt(ka, i));
      arrPush(pair, arrAt(kb, j));
      setAdd(r, pair);
    }
  }
  return <i32>r;
}
