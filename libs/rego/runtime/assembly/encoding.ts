// Native encoding builtins: base64, base64url, hex, urlquery.
import { malloc } from "./alloc";
import { T_STR, vtype, mkBool, mkStr, strPtr, strLen } from "./value";
import { bufStart, putc, bufFinishStr } from "./json";

@inline function isStr(v: usize): bool { return v != 0 && vtype(v) == T_STR; }

const B64: usize = memory.data<u8>([
  65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90,
  97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120,
  121, 122, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 43, 47,
]);

function b64char(i: u32, url: bool): i32 {
  if (url && i == 62) return 0x2d;
  if (url && i == 63) return 0x5f;
  return load<u8>(B64 + i);
}

@inline function b64val(c: i32, url: bool): i32 {
  if (c >= 0x41 && c <= 0x5a) return c - 0x41;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 26;
  if (c >= 0x30 && c <= 0x39) return c - 0x30 + 52;
  if (!url && c == 0x2b) return 62;
  if (!url && c == 0x2f) return 63;
  if (url && c == 0x2d) return 62;
  if (url && c == 0x5f) return 63;
  return -1;
}

function encode(s: usize, url: bool, pad: bool): i32 {
  if (!isStr(s)) return 0;
  const p = strPtr(s), n = strLen(s);
  bufStart();
  let i = 0;
  while (i + 3 <= n) {
    const x = (<u32>load<u8>(p + i) << 16) | (<u32>load<u8>(p + i + 1) << 8) | <u32>load<u8>(p + i + 2);
    putc(b64char(x >> 18, url)); putc(b64char((x >> 12) & 63, url));
    putc(b64char((x >> 6) & 63, url)); putc(b64char(x & 63, url));
    i += 3;
  }
  const rem = n - i;
  if (rem == 1) {
    const x = <u32>load<u8>(p + i) << 16;
    putc(b64char(x >> 18, url)); putc(b64char((x >> 12) & 63, url));
    if (pad) { putc(0x3d); putc(0x3d); }
  } else if (rem == 2) {
    const x = (<u32>load<u8>(p + i) << 16) | (<u32>load<u8>(p + i + 1) << 8);
    putc(b64char(x >> 18, url)); putc(b64char((x >> 12) & 63, url)); putc(b64char((x >> 6) & 63, url));
    if (pad) putc(0x3d);
  }
  return <i32>bufFinishStr();
}

/** Decodes padded base64 (CR/LF ignored); 0 on invalid input. Writes straight into the result's bytes. */
function decode(p: usize, n: i32, url: bool): usize {
  // drop CR/LF (copying only when there are any)
  let src = p;
  let m = n;
  for (let i = 0; i < n; i++) {
    const c = load<u8>(p + i);
    if (c != 0x0d && c != 0x0a) continue;
    const tmp = malloc(n);
    m = 0;
    for (let j = 0; j < n; j++) {
      const d = load<u8>(p + j);
      if (d == 0x0d || d == 0x0a) continue;
      store<u8>(tmp + m, d);
      m++;
    }
    src = tmp;
    break;
  }
  if ((m & 3) != 0) return 0;
  const out = malloc((m >> 2) * 3);
  let o: usize = out;
  for (let i = 0; i < m; i += 4) {
    const q = src + i;
    const c0 = b64val(load<u8>(q), url), c1 = b64val(load<u8>(q, 1), url);
    if ((c0 | c1) < 0) return 0;
    const e2 = load<u8>(q, 2), e3 = load<u8>(q, 3);
    const last = i + 4 == m;
    if (e2 == 0x3d) {
      if (!last || e3 != 0x3d) return 0;
      store<u8>(o, <u8>((c0 << 2) | (c1 >> 4)));
      o += 1;
      break;
    }
    const c2 = b64val(e2, url);
    if (c2 < 0) return 0;
    if (e3 == 0x3d) {
      if (!last) return 0;
      store<u8>(o, <u8>((c0 << 2) | (c1 >> 4)));
      store<u8>(o, <u8>(((c1 & 15) << 4) | (c2 >> 2)), 1);
      o += 2;
      break;
    }
    const c3 = b64val(e3, url);
    if (c3 < 0) return 0;
    store<u8>(o, <u8>((c0 << 2) | (c1 >> 4)));
    store<u8>(o, <u8>(((c1 & 15) << 4) | (c2 >> 2)), 1);
    store<u8>(o, <u8>(((c2 & 3) << 6) | c3), 2);
    o += 3;
  }
  return mkStr(out, <i32>(o - out));
}

export function opa_bi_base64_encode(s: i32): i32 { return encode(s, false, true); }
export function opa_bi_base64url_encode(s: i32): i32 { return encode(s, true, true); }
export function opa_bi_base64url_encode_no_pad(s: i32): i32 { return encode(s, true, false); }

export function opa_bi_base64_decode(s: i32): i32 {
  if (!isStr(s)) return 0;
  return <i32>decode(strPtr(s), strLen(s), false);
}

export function opa_bi_base64_is_valid(s: i32): i32 {
  if (!isStr(s)) return <i32>mkBool(false);
  return <i32>mkBool(decode(strPtr(s), strLen(s), false) != 0);
}

export function opa_bi_base64url_decode(s: i32): i32 {
  if (!isStr(s)) return 0;
  const p = strPtr(s), n = strLen(s);
  if (n > 0 && load<u8>(p + n - 1) == 0x3d) return <i32>decode(p, n, true);
  const r = n & 3;
  if (r == 1) return 0;
  if (r == 0) return <i32>decode(p, n, true);
  // add the missing padding (RFC 7515 appendix C)
  const q = malloc(n + 4 - r);
  memory.copy(q, p, n);
  for (let i = n; i < n + 4 - r; i++) store<u8>(q + i, 0x3d);
  return <i32>decode(q, n + 4 - r, true);
}

const HEXD: usize = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);
const HEXU: usize = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 65, 66, 67, 68, 69, 70]);

function hexVal(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

export function opa_bi_hex_encode(s: i32): i32 {
  if (!isStr(s)) return 0;
  const p = strPtr(s), n = strLen(s);
  const out = malloc(n * 2);
  for (let i = 0; i < n; i++) {
    const c = load<u8>(p + i);
    store<u8>(out + 2 * i, load<u8>(HEXD + (c >> 4)));
    store<u8>(out + 2 * i + 1, load<u8>(HEXD + (c & 15)));
  }
  return <i32>mkStr(out, n * 2);
}

export function opa_bi_hex_decode(s: i32): i32 {
  if (!isStr(s)) return 0;
  const p = strPtr(s), n = strLen(s);
  if ((n & 1) != 0) return 0;
  const out = malloc(n >> 1);
  for (let i = 0; i < n; i += 2) {
    const a = hexVal(load<u8>(p + i)), b = hexVal(load<u8>(p + i + 1));
    if (a < 0 || b < 0) return 0;
    store<u8>(out + (i >> 1), <u8>((a << 4) | b));
  }
  return <i32>mkStr(out, n >> 1);
}

/** Go's url.QueryEscape. */
export function opa_bi_urlquery_encode(s: i32): i32 {
  if (!isStr(s)) return 0;
  const p = strPtr(s), n = strLen(s);
  bufStart();
  for (let i = 0; i < n; i++) {
    const c = <i32>load<u8>(p + i);
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x5f ||
      c == 0x2e || c == 0x7e) putc(c);
    else if (c == 0x20) putc(0x2b);
    else {
      putc(0x25);
      putc(load<u8>(HEXU + (c >> 4)));
      putc(load<u8>(HEXU + (c & 15)));
    }
  }
  return <i32>bufFinishStr();
}

/** Go's url.QueryUnescape. */
export function opa_bi_urlquery_decode(s: i32): i32 {
  if (!isStr(s)) return 0;
  const p = strPtr(s), n = strLen(s);
  bufStart();
  for (let i = 0; i < n; i++) {
    const c = <i32>load<u8>(p + i);
    if (c == 0x2b) putc(0x20);
    else if (c == 0x25) {
      if (i + 2 >= n) return 0;
      const a = hexVal(load<u8>(p + i + 1)), b = hexVal(load<u8>(p + i + 2));
      if (a < 0 || b < 0) return 0;
      putc((a << 4) | b);
      i += 2;
    } else putc(c);
  }
  return <i32>bufFinishStr();
}
