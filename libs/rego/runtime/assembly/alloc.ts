// Bump allocator over the imported linear memory, and the runtime's fatal-error path.
// No AssemblyScript managed objects are used anywhere in the runtime: only raw loads and stores.

@external("env", "opa_abort")
declare function env_opa_abort(addr: i32): void;

@external("env", "opa_println")
declare function env_opa_println(addr: i32): void;

let heapBase: u32 = 0;
let heapPtr: u32 = 0;

// Static scratch buffer for abort messages (usable even when the heap is exhausted).
const ABORT_BUF: usize = memory.data(512, 8);

function initHeap(): void {
  heapBase = (<u32>__heap_base + 7) & ~7;
  heapPtr = heapBase;
}

export function runtimeInit(base: u32): void {
  heapBase = (base + 7) & ~7;
  heapPtr = heapBase;
  ensureMem(heapPtr);
}

function ensureMem(end: u64): bool {
  const have = <u64>memory.size() << 16;
  if (end <= have) return true;
  if (end > 0xffff_ffff) return false;
  const need = <i32>((end - have + 0xffff) >> 16);
  // grow geometrically (memory.grow may copy the whole buffer), falling back to the exact need
  const pages = <i32>(have >> 16);
  let want = pages >> 1;
  if (want < 16) want = 16;
  if (want < need) want = need;
  if (<u64>(pages + want) > 65536) want = need;
  if (memory.grow(want) >= 0) return true;
  return memory.grow(need) >= 0;
}

export function malloc(size: i32): usize {
  if (heapPtr == 0) initHeap();
  if (size < 0) fatalStr("opa_malloc: failed");
  const p = heapPtr;
  const end = (<u64>p + <u64>size + 7) & ~(<u64>7);
  if (!ensureMem(end)) fatalStr("opa_malloc: failed");
  heapPtr = <u32>end;
  return p;
}

/** Extends the block at `p` (of `oldSize` bytes) to `newSize` bytes in place if it is the last block. */
export function tryExtend(p: usize, oldSize: i32, newSize: i32): bool {
  if (heapPtr == 0) initHeap();
  const oldEnd = (<u64>p + <u64>oldSize + 7) & ~(<u64>7);
  if (oldEnd != <u64>heapPtr) return false;
  const end = (<u64>p + <u64>newSize + 7) & ~(<u64>7);
  if (!ensureMem(end)) fatalStr("opa_malloc: failed");
  heapPtr = <u32>end;
  return true;
}

/** Gives back the tail of the last block so that it ends at p + size. */
export function shrinkLast(p: usize, oldSize: i32, size: i32): void {
  const oldEnd = (<u64>p + <u64>oldSize + 7) & ~(<u64>7);
  if (oldEnd == <u64>heapPtr) heapPtr = <u32>((<u64>p + <u64>size + 7) & ~(<u64>7));
}

export function realloc(p: usize, oldSize: i32, newSize: i32): usize {
  if (p != 0 && tryExtend(p, oldSize, newSize)) return p;
  const q = malloc(newSize);
  if (p != 0 && oldSize > 0) memory.copy(q, p, <usize>min(oldSize, newSize));
  return q;
}

export function heapGet(): u32 {
  if (heapPtr == 0) initHeap();
  return heapPtr;
}

export function heapSet(p: u32): void {
  if (heapPtr == 0) initHeap();
  if (p < heapBase) p = heapBase;
  heapPtr = (p + 7) & ~7;
  ensureMem(heapPtr);
}

/** Aborts with a message given as raw bytes (not NUL-terminated). */
export function fatalBytes(msg: usize, len: i32): void {
  if (len > 500) len = 500;
  memory.copy(ABORT_BUF, msg, len);
  store<u8>(ABORT_BUF + len, 0);
  env_opa_abort(<i32>ABORT_BUF);
  unreachable();
}

/** Aborts with a static AssemblyScript string literal (ASCII). */
export function fatalStr(s: string): void {
  const p = changetype<usize>(s);
  let n = load<i32>(p - 4) >> 1; // rtSize / 2 = length in UTF-16 units
  if (n > 500) n = 500;
  for (let i = 0; i < n; i++) store<u8>(ABORT_BUF + i, <u8>load<u16>(p + (i << 1)));
  store<u8>(ABORT_BUF + n, 0);
  env_opa_abort(<i32>ABORT_BUF);
  unreachable();
}

export function println(addr: i32): void {
  env_opa_println(addr);
}

/** Length of a static string literal in UTF-16 units, without touching managed APIs. */
@inline
export function litLen(s: string): i32 {
  return load<i32>(changetype<usize>(s) - 4) >> 1;
}

/** The `abort` AssemblyScript calls (wired with --use abort=...). */
export function runtimeAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  if (message === null) fatalStr("internal error");
  else fatalStr(changetype<string>(message));
}
