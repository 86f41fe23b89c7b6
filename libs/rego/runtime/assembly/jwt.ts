// Native io.jwt.decode: [header, payload, signature as hex], like OPA (no signature or time checks), and the
// HMAC signature checks io.jwt.verify_hs256 / hs384 / hs512. decode_verify and the public-key verify_* builtins
// stay on the host.
import { T_STR, T_OBJ, vtype, mkBool, mkStr, strPtr, strLen, mkArr, arrPush, objGet } from "./value";
import { parseJSON } from "./json";
import { opa_bi_base64url_decode, opa_bi_hex_encode } from "./encoding";
import { hmacRaw, digestPtr, digestLength, HMAC_SHA256, HMAC_SHA384, HMAC_SHA512 } from "./crypto";

const CTY: usize = memory.data<u8>([0x63, 0x74, 0x79]); // "cty"
const JWT: usize = memory.data<u8>([0x4a, 0x57, 0x54]); // "JWT"

/** base64url (padding optional) of bytes [p, p+n) as a string value of raw bytes; 0 when invalid. */
function b64url(p: usize, n: i32): usize {
  return <usize>opa_bi_base64url_decode(<i32>mkStr(p, n));
}

function isJwtCty(header: usize): bool {
  const v = objGet(header, mkStr(CTY, 3));
  if (v == 0 || vtype(v) != T_STR || strLen(v) != 3) return false;
  const p = strPtr(v);
  return load<u8>(p) == load<u8>(JWT) && load<u8>(p + 1) == load<u8>(JWT + 1) && load<u8>(p + 2) == load<u8>(JWT + 2);
}

function decodeToken(p: usize, n: i32, depth: i32): usize {
  if (depth > 8) return 0;
  let dot1 = -1, dot2 = -1;
  for (let i = 0; i < n; i++) {
    if (load<u8>(p + i) != 0x2e) continue;
    if (dot1 < 0) dot1 = i;
    else if (dot2 < 0) dot2 = i;
    else return 0; // more than three parts
  }
  if (dot2 < 0) return 0;
  const h = b64url(p, dot1);
  const pl = b64url(p + dot1 + 1, dot2 - dot1 - 1);
  const sig = b64url(p + dot2 + 1, n - dot2 - 1);
  if (h == 0 || pl == 0 || sig == 0) return 0;
  const header = parseJSON(strPtr(h), strLen(h));
  if (header == 0 || vtype(header) != T_OBJ) return 0;
  if (isJwtCty(header)) {
    // nested token: the payload is itself a JWT, raw or as a JSON string; the innermost token is the result
    const pp = strPtr(pl), pn = strLen(pl);
    if (pn > 0 && load<u8>(pp) == 0x22) {
      const inner = parseJSON(pp, pn);
      if (inner == 0 || vtype(inner) != T_STR) return 0;
      return decodeToken(strPtr(inner), strLen(inner), depth + 1);
    }
    return decodeToken(pp, pn, depth + 1);
  }
  const payload = parseJSON(strPtr(pl), strLen(pl));
  if (payload == 0 || vtype(payload) != T_OBJ) return 0;
  const r = mkArr(3);
  arrPush(r, header);
  arrPush(r, payload);
  arrPush(r, <usize>opa_bi_hex_encode(<i32>sig));
  return r;
}

export function opa_bi_io_jwt_decode(token: i32): i32 {
  if (token == 0 || vtype(token) != T_STR) return 0;
  return <i32>decodeToken(strPtr(token), strLen(token), 0);
}

// Recent verifications, kept across evaluations (static memory; the heap is reset between evaluations): a
// gateway session presents the same bearer token call after call, and the result is a pure function of
// (algorithm, token, secret). 8 slots of at most 2 KiB (token + secret bytes), looked up in two slots chosen
// by a hash of the lengths and the token's last bytes (its signature), matched by a constant-time comparison
// of all the bytes (only lengths leak). Longer tokens are verified every time.
const VC_SLOTS: i32 = 8;
const VC_BYTES: i32 = 2048;
/** Per slot: algorithm + 1 (0 = empty), token length, secret length, result (0 / 1). */
const VC_META: usize = memory.data(VC_SLOTS * 16, 8);
const VC_DATA: usize = memory.data(VC_SLOTS * VC_BYTES, 8);

function vcHash(alg: i32, p: usize, n: i32, sn: i32): i32 {
  let h: u32 = 0x811c9dc5 ^ <u32>alg;
  h = (h ^ <u32>n) * 0x01000193;
  h = (h ^ <u32>sn) * 0x01000193;
  const from = n > 16 ? n - 16 : 0;
  for (let i = from; i < n; i++) h = (h ^ <u32>load<u8>(p + i)) * 0x01000193;
  return <i32>((h ^ (h >> 16)) & <u32>(VC_SLOTS - 1));
}

/** 0 when the n bytes at a and b are equal; time depends on n only. */
function ctDiff(a: usize, b: usize, n: i32): u64 {
  let d: u64 = 0;
  let i = 0;
  for (; i + 8 <= n; i += 8) d |= load<u64>(a + i) ^ load<u64>(b + i);
  for (; i < n; i++) d |= <u64>(load<u8>(a + i) ^ load<u8>(b + i));
  return d;
}

/** The cached result (0 / 1) for this verification, or -1. */
function vcGet(slot: i32, alg: i32, p: usize, n: i32, sp: usize, sn: i32): i32 {
  const meta = VC_META + (<usize>slot << 4);
  if (load<i32>(meta) != alg + 1 || load<i32>(meta, 4) != n || load<i32>(meta, 8) != sn) return -1;
  const data = VC_DATA + <usize>slot * <usize>VC_BYTES;
  if ((ctDiff(data, p, n) | ctDiff(data + n, sp, sn)) != 0) return -1;
  return load<i32>(meta, 12);
}

function vcPut(slot: i32, alg: i32, p: usize, n: i32, sp: usize, sn: i32, ok: bool): void {
  const meta = VC_META + (<usize>slot << 4);
  const data = VC_DATA + <usize>slot * <usize>VC_BYTES;
  memory.copy(data, p, n);
  memory.copy(data + n, sp, sn);
  store<i32>(meta, alg + 1);
  store<i32>(meta, n, 4);
  store<i32>(meta, sn, 8);
  store<i32>(meta, ok ? 1 : 0, 12);
}

/** HMAC of the token's first `signed` bytes compared, in constant time, with the signature bytes. */
function macMatches(alg: i32, p: usize, signed: i32, sp: usize, sn: i32, sig: usize): bool {
  hmacRaw(alg, p, signed, sp, sn);
  const mac = digestPtr(), macLen = digestLength();
  if (strLen(sig) != macLen) return false;
  return ctDiff(mac, strPtr(sig), macLen) == 0;
}

/**
 * io.jwt.verify_hs*, as OPA's topdown: the token must have exactly three dot-separated parts and a signature
 * that is valid base64url (padded or not), else undefined (OPA raises a builtin error, undefined in non-strict
 * evaluation). Header and payload are not decoded: the HMAC is computed over the token's text up to the second
 * dot, exactly as sent, under the secret's UTF-8 bytes, and compared with the signature in constant time
 * (only the lengths leak). Result: true / false.
 */
function verifyHS(alg: i32, token: i32, secret: i32): i32 {
  if (token == 0 || vtype(token) != T_STR || secret == 0 || vtype(secret) != T_STR) return 0;
  const p = strPtr(token), n = strLen(token);
  const sp = strPtr(secret), sn = strLen(secret);
  let dot1 = -1, dot2 = -1;
  for (let i = 0; i < n; i++) {
    if (load<u8>(p + i) != 0x2e) continue;
    if (dot1 < 0) dot1 = i;
    else if (dot2 < 0) dot2 = i;
    else return 0; // more than three parts
  }
  if (dot2 < 0) return 0;
  const cacheable = n + sn <= VC_BYTES;
  const slot = cacheable ? vcHash(alg, p, n, sn) : 0;
  const other = slot ^ 1;
  if (cacheable) {
    // only tokens whose signature decoded are ever cached
    let hit = vcGet(slot, alg, p, n, sp, sn);
    if (hit < 0) hit = vcGet(other, alg, p, n, sp, sn);
    if (hit >= 0) return <i32>mkBool(hit == 1);
  }
  const sig = b64url(p + dot2 + 1, n - dot2 - 1);
  if (sig == 0) return 0;
  const ok = macMatches(alg, p, dot2, sp, sn, sig);
  if (!cacheable) return <i32>mkBool(ok);
  vcPut(load<i32>(VC_META + (<usize>slot << 4)) != 0 && load<i32>(VC_META + (<usize>other << 4)) == 0 ? other : slot,
    alg, p, n, sp, sn, ok);
  return <i32>mkBool(ok);
}

export function opa_bi_io_jwt_verify_hs256(token: i32, secret: i32): i32 { return verifyHS(HMAC_SHA256, token, secret); }
export function opa_bi_io_jwt_verify_hs384(token: i32, secret: i32): i32 { return verifyHS(HMAC_SHA384, token, secret); }
export function opa_bi_io_jwt_verify_hs512(token: i32, secret: i32): i32 { return verifyHS(HMAC_SHA512, token, secret); }
