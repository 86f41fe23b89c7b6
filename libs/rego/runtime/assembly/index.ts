// Entry point of the Rego Wasm runtime: the OPA ABI exports and the runtime API used by generated code.
// See ../CONTRACT.md for the contract with the code generator.
import { malloc, runtimeInit, heapGet, heapSet, fatalBytes, fatalStr } from "./alloc";
import {
  T_ARR, T_OBJ, N_INT, vtype, vlen, mkNull, mkBool, mkInt, mkStr, mkArr, arrPush, arrAt, mkObj, objInsert, objFind,
  objValAt, objRemoveAt, mkSet, setAdd, compare, equal, hash, get, iter, length, merge, shallowCopy,
} from "./value";
import {
  parseJSON, parseRego, dumpJSON, dumpRego, bufStart, bufFinishCStr, putBytes, putc, putLit, numberFromText,
} from "./json";
import { fmtI64, NUMBUF } from "./num";

export * from "./builtins";
export * from "./strings";
export * from "./encoding";
export * from "./regex";
export * from "./net";
export * from "./fmt";
export * from "./units";
export * from "./crypto";
export * from "./jwt";

@external("policy", "eval")
declare function policy_eval(ctx: i32): i32;
@external("policy", "builtins")
declare function policy_builtins(): i32;
@external("policy", "entrypoints")
declare function policy_entrypoints(): i32;

// ---------------------------------------------------------------- allocator

export function opa_runtime_init(heapBase: i32): void { runtimeInit(<u32>heapBase); }
export function opa_malloc(size: i32): i32 { return <i32>malloc(size); }
export function opa_free(_addr: i32): void {}
export function opa_heap_ptr_get(): i32 { return <i32>heapGet(); }
export function opa_heap_ptr_set(addr: i32): void {
  heapSet(<u32>addr);
  // a memo table above the new heap pointer is garbage now (hosts reset the heap between evaluations)
  if (<u32>memo >= heapGet()) memo = 0;
}
export function opa_heap_blocks_stash(): void {}
export function opa_heap_blocks_restore(): void {}
export function opa_heap_stash_clear(): void {}
export function opa_value_free(_v: i32): void {}

// ---------------------------------------------------------------- JSON

export function opa_json_parse(str: i32, len: i32): i32 { return <i32>parseJSON(str, len); }
export function opa_value_parse(str: i32, len: i32): i32 { return <i32>parseRego(str, len); }

export function opa_json_dump(v: i32): i32 {
  bufStart();
  if (v == 0) putLit("null"); // never reached by well-formed callers
  else dumpJSON(v);
  return <i32>bufFinishCStr();
}

export function opa_value_dump(v: i32): i32 {
  bufStart();
  if (v == 0) putLit("null");
  else dumpRego(v);
  return <i32>bufFinishCStr();
}

// ---------------------------------------------------------------- values

export function opa_null(): i32 { return <i32>mkNull(); }
export function opa_boolean(b: i32): i32 { return <i32>mkBool(b != 0); }
export function opa_number_int(n: i32): i32 { return <i32>mkInt(n); }
export function opa_number_int64(n: i64): i32 { return <i32>mkInt(n); }
export function opa_number_ref(str: i32, len: i32): i32 { return <i32>numberFromText(str, len); }
export function opa_value_number_set_int(v: i32, n: i64): void {
  store<u8>(v, N_INT, 1);
  store<i64>(v, n, 8);
}
export function opa_string(str: i32, len: i32): i32 { return <i32>mkStr(str, len); }
export function opa_string_terminated(str: i32): i32 {
  let n = 0;
  while (load<u8>(str + n) != 0) n++;
  return <i32>mkStr(str, n);
}
export function opa_array(): i32 { return <i32>mkArr(0); }
export function opa_array_with_cap(cap: i32): i32 { return <i32>mkArr(cap); }
export function opa_array_append(arr: i32, v: i32): void { arrPush(arr, v); }
export function opa_object(): i32 { return <i32>mkObj(); }
export function opa_object_insert(obj: i32, k: i32, v: i32): void { objInsert(obj, k, v); }
export function opa_set(): i32 { return <i32>mkSet(); }
export function opa_set_add(set: i32, v: i32): void { setAdd(set, v); }

export function opa_value_get(coll: i32, key: i32): i32 { return <i32>get(coll, key); }
export function opa_value_iter(coll: i32, prev: i32): i32 { return <i32>iter(coll, prev); }
export function opa_value_length(v: i32): i32 { return length(v); }
export function opa_value_compare(a: i32, b: i32): i32 { return compare(a, b); }
export function opa_value_equal(a: i32, b: i32): i32 { return equal(a, b) ? 1 : 0; }
export function opa_value_type(v: i32): i32 { return v == 0 ? 0 : vtype(v); }
export function opa_value_merge(a: i32, b: i32): i32 { return <i32>merge(a, b); }
export function opa_value_shallow_copy(v: i32): i32 { return <i32>shallowCopy(v); }
export function opa_value_hash(v: i32): i32 { return <i32>hash(v); }

/** Copy-on-write upsert of `value` at `path` (array of keys) in `base`. */
function upsert(base: usize, path: usize, i: i32, value: usize): usize {
  if (i >= vlen(path)) return value;
  const key = arrAt(path, i);
  const o = base != 0 && vtype(base) == T_OBJ ? shallowCopy(base) : mkObj();
  const j = objFind(o, key);
  const child = j >= 0 ? objValAt(o, j) : 0;
  objInsert(o, key, upsert(child, path, i + 1, value));
  return o;
}

export function opa_value_upsert_path(base: i32, path: i32, value: i32): i32 {
  if (path == 0 || vtype(path) != T_ARR) return 0;
  return <i32>upsert(base, path, 0, value);
}

const ERR_OK = 0;
const ERR_INVALID_TYPE = 2;
const ERR_INVALID_PATH = 3;

export function opa_value_add_path(base: i32, path: i32, value: i32): i32 {
  if (base == 0 || path == 0 || vtype(path) != T_ARR) return ERR_INVALID_TYPE;
  const n = vlen(path);
  if (n == 0) return ERR_INVALID_PATH;
  let cur: usize = base;
  for (let i = 0; i < n - 1; i++) {
    if (vtype(cur) != T_OBJ) return ERR_INVALID_PATH;
    const k = arrAt(path, i);
    let next = get(cur, k);
    if (next == 0) {
      next = mkObj();
      objInsert(cur, k, next);
    }
    cur = next;
  }
  if (vtype(cur) != T_OBJ) return ERR_INVALID_PATH;
  objInsert(cur, arrAt(path, n - 1), value);
  return ERR_OK;
}

export function opa_value_remove_path(base: i32, path: i32): i32 {
  if (base == 0 || path == 0 || vtype(path) != T_ARR) return ERR_INVALID_TYPE;
  const n = vlen(path);
  if (n == 0) return ERR_INVALID_PATH;
  let cur: usize = base;
  for (let i = 0; i < n - 1; i++) {
    if (vtype(cur) != T_OBJ) return ERR_INVALID_PATH;
    cur = get(cur, arrAt(path, i));
    if (cur == 0) return ERR_INVALID_PATH;
  }
  if (vtype(cur) != T_OBJ) return ERR_INVALID_PATH;
  const j = objFind(cur, arrAt(path, n - 1));
  if (j < 0) return ERR_INVALID_PATH;
  objRemoveAt(cur, j);
  return ERR_OK;
}

// ---------------------------------------------------------------- errors

export function opa_abort(msg: i32): void {
  let n = 0;
  while (load<u8>(msg + n) != 0) n++;
  fatalBytes(msg, n);
}

export function opa_runtime_error(file: i32, fileLen: i32, row: i32, col: i32, msg: i32, msgLen: i32): void {
  bufStart();
  putBytes(file, fileLen);
  putc(0x3a);
  putBytes(NUMBUF, fmtI64(NUMBUF, row));
  putc(0x3a);
  putBytes(NUMBUF, fmtI64(NUMBUF, col));
  putc(0x3a);
  putc(0x20);
  putBytes(msg, msgLen);
  const p = bufFinishCStr();
  let n = 0;
  while (load<u8>(p + n) != 0) n++;
  fatalBytes(p, n);
}

// ---------------------------------------------------------------- memoisation
// A stack of tables; each table maps a small integer id to a value (direct-indexed, growable).
// Table layout: +0 cap, +4 slots ptr, +8 previous table.

let memo: usize = 0;

function memoNew(prev: usize): usize {
  const t = malloc(12);
  store<i32>(t, 0);
  store<i32>(t, 0, 4);
  store<i32>(t, <i32>prev, 8);
  return t;
}

export function opa_memoize_init(): void { memo = memoNew(0); }
export function opa_memoize_push(): void { memo = memoNew(memo); }
export function opa_memoize_pop(): void {
  if (memo != 0) memo = load<i32>(memo, 8);
}
export function opa_memoize_insert(id: i32, v: i32): void {
  if (memo == 0) memo = memoNew(0);
  if (id < 0) return;
  const cap = load<i32>(memo);
  if (id >= cap) {
    let nc = cap < 16 ? 16 : cap * 2;
    while (nc <= id) nc *= 2;
    const slots = malloc(nc << 2);
    memory.fill(slots, 0, <usize>nc << 2);
    if (cap > 0) memory.copy(slots, load<i32>(memo, 4), <usize>cap << 2);
    store<i32>(memo, nc);
    store<i32>(memo, <i32>slots, 4);
  }
  store<i32>(load<i32>(memo, 4) + (id << 2), v);
}
export function opa_memoize_get(id: i32): i32 {
  if (memo == 0 || id < 0 || id >= load<i32>(memo)) return 0;
  return load<i32>(load<i32>(memo, 4) + (id << 2));
}

// ---------------------------------------------------------------- evaluation context
// ctx layout: input@0, data@4, result@8, entrypoint@12

export function opa_eval_ctx_new(): i32 {
  const c = malloc(16);
  memory.fill(c, 0, 16);
  return <i32>c;
}
export function opa_eval_ctx_set_input(ctx: i32, v: i32): void { store<i32>(ctx, v); }
export function opa_eval_ctx_set_data(ctx: i32, v: i32): void { store<i32>(ctx, v, 4); }
export function opa_eval_ctx_set_entrypoint(ctx: i32, ep: i32): void { store<i32>(ctx, ep, 12); }
export function opa_eval_ctx_get_result(ctx: i32): i32 { return load<i32>(ctx, 8); }

export function opa_eval(reserved: i32, entrypoint: i32, data: i32, input: i32, inputLen: i32, heapPtr: i32, format: i32): i32 {
  if (reserved != 0) fatalStr("invalid reserved argument");
  opa_heap_ptr_set(heapPtr);
  const ctx = opa_eval_ctx_new();
  store<i32>(ctx, <i32>parseRego(input, inputLen));
  store<i32>(ctx, data, 4);
  store<i32>(ctx, entrypoint, 12);
  opa_memoize_init();
  if (policy_eval(ctx) != 0) fatalStr("eval failed");
  const result = load<i32>(ctx, 8);
  return format == 0 ? opa_json_dump(result == 0 ? <i32>mkSet() : result) : opa_value_dump(result == 0 ? <i32>mkSet() : result);
}

/** Keeps the `policy.builtins` / `policy.entrypoints` placeholder imports in the module for the code generator. */
export function opa_policy_builtins(): i32 { return policy_builtins(); }
export function opa_policy_entrypoints(): i32 { return policy_entrypoints(); }

