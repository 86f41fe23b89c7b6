// Native io.jwt.decode: [header, payload, signature as hex], like OPA (no signature or time checks; the
// io.jwt.verify_* and decode_verify builtins stay on the host).
import { T_STR, T_OBJ, vtype, mkStr, strPtr, strLen, mkArr, arrPush, objGet } from "./value";
import { parseJSON } from "./json";
import { opa_bi_base64url_decode, opa_bi_hex_encode } from "./encoding";

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
