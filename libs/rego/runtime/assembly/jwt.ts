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
  let dot1 = -1, dot2 = -1;
  for (let i = 0; i < n; i++) {
    if (load<u8>(p + i) != 0x2e) continue;
    if (dot1 < 0) dot1 = i;
    else if (dot2 < 0) dot2 = i;
    else return 0; // more than three parts
  }
  if (dot2 < 0) return 0;
  const sig = b64url(p + dot2 + 1, n - dot2 - 1);
  if (sig == 0) return 0;
  hmacRaw(alg, p, dot2, strPtr(secret), strLen(secret));
  const mac = digestPtr(), macLen = digestLength();
  const sp = strPtr(sig), sn = strLen(sig);
  if (sn != macLen) return <i32>mkBool(false);
  let diff: u32 = 0;
  for (let i = 0; i < macLen; i++) diff |= <u32>(load<u8>(mac + i) ^ load<u8>(sp + i));
  return <i32>mkBool(diff == 0);
}

export function opa_bi_io_jwt_verify_hs256(token: i32, secret: i32): i32 { return verifyHS(HMAC_SHA256, token, secret); }
export function opa_bi_io_jwt_verify_hs384(token: i32, secret: i32): i32 { return verifyHS(HMAC_SHA384, token, secret); }
export function opa_bi_io_jwt_verify_hs512(token: i32, secret: i32): i32 { return verifyHS(HMAC_SHA512, token, secret); }
