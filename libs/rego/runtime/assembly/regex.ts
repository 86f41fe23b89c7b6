// A small RE2-syntax regular expression engine (Pike VM: linear time, leftmost-first like Go's regexp),
// plus glob.match (translated to a regular expression) and the regex builtins.
import { malloc, heapGet, heapSet } from "./alloc";
import { T_STR, T_ARR, T_NULL, vtype, vlen, mkBool, mkStr, strPtr, strLen, arrAt, arrPush, mkArr } from "./value";
import { bufStart, putc, putBytes, bufFinish, bufLength } from "./json";
import { decodeAt, decLen, lowerCp, upperCp } from "./strings";
import { intArg, intArgOk } from "./builtins";

@inline function isStr(v: usize): bool { return v != 0 && vtype(v) == T_STR; }

// ---------------------------------------------------------------- AST

const N_EMPTY = 0;
const N_CHAR = 1; // a = code point
const N_CLASS = 2; // a = ranges ptr, b = range count
const N_ANY = 3; // a = 1 if it matches \n
const N_CAT = 4; // a, b
const N_ALT = 5; // a, b
const N_REPEAT = 6; // a = sub, b = min, c = max (-1 = unbounded), d = greedy
const N_GROUP = 7; // a = sub, b = capture index (-1 = none)
const N_ASSERT = 8; // a = assertion kind

const A_BOT = 0; // \A
const A_EOT = 1; // \z
const A_BOL = 2; // ^ in multi-line mode
const A_EOL = 3; // $ in multi-line mode
const A_WORDB = 4; // \b
const A_NWORDB = 5; // \B

function node(kind: i32, a: i32, b: i32 = 0, c: i32 = 0, d: i32 = 0): usize {
  const n = malloc(20);
  store<i32>(n, kind);
  store<i32>(n, a, 4);
  store<i32>(n, b, 8);
  store<i32>(n, c, 12);
  store<i32>(n, d, 16);
  return n;
}

// ---------------------------------------------------------------- parser

const F_I: i32 = 1; // case-insensitive
const F_M: i32 = 2; // multi-line
const F_S: i32 = 4; // . matches \n
const F_U: i32 = 8; // ungreedy

let rp: usize = 0;
let rend: usize = 0;
let flags: i32 = 0;
let ncap: i32 = 0;
let failed = false;
let depth = 0;

@inline function more(): bool { return rp < rend; }
@inline function peek(): i32 { return load<u8>(rp); }

function fail(): usize { failed = true; return 0; }

function parseAlt(): usize {
  let left = parseConcat();
  if (failed) return 0;
  while (more() && peek() == 0x7c) {
    rp++;
    const right = parseConcat();
    if (failed) return 0;
    left = node(N_ALT, <i32>left, <i32>right);
  }
  return left;
}

function parseConcat(): usize {
  let acc: usize = 0;
  while (more()) {
    const c = peek();
    if (c == 0x7c || c == 0x29) break;
    const a = parseRepeat();
    if (failed) return 0;
    if (a == 0) continue;
    acc = acc == 0 ? a : node(N_CAT, <i32>acc, <i32>a);
  }
  return acc == 0 ? node(N_EMPTY, 0) : acc;
}

function parseInt(): i32 {
  let v = -1;
  while (more() && peek() >= 0x30 && peek() <= 0x39) {
    v = (v < 0 ? 0 : v) * 10 + (peek() - 0x30);
    if (v > 100000) v = 100000;
    rp++;
  }
  return v;
}

function parseRepeat(): usize {
  const atom = parseAtom();
  if (failed || atom == 0) return atom;
  let result = atom;
  let quantified = false;
  while (more()) {
    const c = peek();
    let lo = 0, hi = -1;
    if (c == 0x2a) { lo = 0; hi = -1; rp++; }
    else if (c == 0x2b) { lo = 1; hi = -1; rp++; }
    else if (c == 0x3f) { lo = 0; hi = 1; rp++; }
    else if (c == 0x7b) {
      const save = rp;
      rp++;
      lo = parseInt();
      if (lo < 0) { rp = save; break; }
      hi = lo;
      if (more() && peek() == 0x2c) {
        rp++;
        hi = parseInt(); // -1 when absent: unbounded
      }
      if (!more() || peek() != 0x7d) { rp = save; break; } // not a repeat: literal '{'
      rp++;
      if (lo > 1000 || hi > 1000 || (hi >= 0 && hi < lo)) return fail();
    } else break;
    if (quantified) return fail(); // nested repetition operator
    quantified = true;
    let greedy = (flags & F_U) == 0;
    if (more() && peek() == 0x3f) { rp++; greedy = !greedy; }
    if (vtype_ast(result) == N_EMPTY || vtype_ast(result) == N_ASSERT) {
      // repeating an empty-width item: keep as is (matches empty)
    }
    result = node(N_REPEAT, <i32>result, lo, hi, greedy ? 1 : 0);
  }
  return result;
}

@inline function vtype_ast(n: usize): i32 { return load<i32>(n); }

function litNode(cp: u32): usize {
  if ((flags & F_I) != 0) {
    const l = lowerCp(cp), u = upperCp(cp);
    if (l != cp || u != cp) {
      clsStart();
      clsAdd(cp, cp);
      clsAdd(l, l);
      clsAdd(u, u);
      return clsNode(false);
    }
  }
  return node(N_CHAR, <i32>cp);
}

function parseAtom(): usize {
  const c = peek();
  if (c == 0x28) return parseGroup();
  if (c == 0x5b) return parseClass();
  if (c == 0x2e) {
    rp++;
    if ((flags & F_S) != 0) return node(N_ANY, 1);
    return node(N_ANY, 0);
  }
  if (c == 0x5e) { rp++; return node(N_ASSERT, (flags & F_M) != 0 ? A_BOL : A_BOT); }
  if (c == 0x24) { rp++; return node(N_ASSERT, (flags & F_M) != 0 ? A_EOL : A_EOT); }
  if (c == 0x2a || c == 0x2b || c == 0x3f) return fail();
  if (c == 0x5c) return parseEscape();
  const cp = decodeAt(rp, 0, <i32>(rend - rp));
  rp += decLen;
  return litNode(cp);
}

function parseFlags(): bool {
  // after "(?": flags up to ')' or ':'
  let neg = false;
  let f = flags;
  let any = false;
  while (more()) {
    const c = peek();
    if (c == 0x29 || c == 0x3a) break;
    rp++;
    let bit = 0;
    if (c == 0x69) bit = F_I;
    else if (c == 0x6d) bit = F_M;
    else if (c == 0x73) bit = F_S;
    else if (c == 0x55) bit = F_U;
    else if (c == 0x2d && !neg) { neg = true; continue; }
    else return false;
    any = true;
    if (neg) f &= ~bit; else f |= bit;
  }
  if (!any && !neg) return false;
  flags = f;
  return true;
}

function parseGroup(): usize {
  if (++depth > 1000) return fail();
  rp++; // (
  let cap = -1;
  const saved = flags;
  if (more() && peek() == 0x3f) {
    rp++;
    if (!more()) return fail();
    let c = peek();
    if (c == 0x50 || c == 0x3c) {
      // (?P<name>...) or (?<name>...)
      if (c == 0x50) { rp++; if (!more() || peek() != 0x3c) return fail(); }
      rp++;
      let any = false;
      while (more() && peek() != 0x3e) {
        const d = peek();
        if (!((d >= 0x30 && d <= 0x39) || (d >= 0x41 && d <= 0x5a) || (d >= 0x61 && d <= 0x7a) || d == 0x5f)) return fail();
        any = true;
        rp++;
      }
      if (!more() || !any) return fail();
      rp++;
      cap = ++ncap;
    } else {
      if (c != 0x3a) {
        if (!parseFlags()) return fail();
        if (!more()) return fail();
        c = peek();
        rp++;
        if (c == 0x29) { depth--; return node(N_EMPTY, 0); } // (?flags) applies to the rest of the group
        // (?flags:...) scoped
      } else rp++;
      const sub = parseAlt();
      if (failed) return 0;
      if (!more() || peek() != 0x29) return fail();
      rp++;
      flags = saved;
      depth--;
      return node(N_GROUP, <i32>sub, -1);
    }
  } else {
    cap = ++ncap;
  }
  const sub = parseAlt();
  if (failed) return 0;
  if (!more() || peek() != 0x29) return fail();
  rp++;
  flags = saved;
  depth--;
  return node(N_GROUP, <i32>sub, cap);
}

function hexDigit(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** Parses an escape inside or outside a class. Returns a code point >= 0, or -1 if a class was added to the
 *  current class buffer (perl/unicode classes), or -2 on error. Assertions are handled by the caller. */
function escapeCp(inClass: bool): i32 {
  rp++; // backslash
  if (!more()) return -2;
  const c = peek();
  rp++;
  switch (c) {
    case 0x61: return 7; // \a
    case 0x66: return 12; // \f
    case 0x74: return 9; // \t
    case 0x6e: return 10; // \n
    case 0x72: return 13; // \r
    case 0x76: return 11; // \v
    case 0x64: clsAdd(0x30, 0x39); return -1; // \d
    case 0x73: clsAdd(9, 10); clsAdd(12, 13); clsAdd(0x20, 0x20); return -1; // \s
    case 0x77: clsAdd(0x30, 0x39); clsAdd(0x41, 0x5a); clsAdd(0x5f, 0x5f); clsAdd(0x61, 0x7a); return -1; // \w
    case 0x44: clsAddNeg(0x30, 0x39, 0, 0, 0, 0, 0, 0, 0, 0, 1); return -1; // \D
    case 0x53: clsAddNeg(9, 10, 12, 13, 0x20, 0x20, 0, 0, 0, 0, 3); return -1; // \S
    case 0x57: clsAddNeg(0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a, 0, 0, 4); return -1; // \W
    case 0x78: {
      // \xHH or \x{H...}
      if (!more()) return -2;
      if (peek() == 0x7b) {
        rp++;
        let v = 0;
        let any = false;
        while (more() && peek() != 0x7d) {
          const h = hexDigit(peek());
          if (h < 0) return -2;
          v = v * 16 + h;
          if (v > 0x10ffff) return -2;
          any = true;
          rp++;
        }
        if (!more() || !any) return -2;
        rp++;
        return v;
      }
      if (rp + 2 > rend) return -2;
      const h1 = hexDigit(load<u8>(rp)), h2 = hexDigit(load<u8>(rp + 1));
      if (h1 < 0 || h2 < 0) return -2;
      rp += 2;
      return h1 * 16 + h2;
    }
  }
  if (c >= 0x30 && c <= 0x37) {
    // octal \123 (RE2 allows up to 3 digits; \0 alone is not allowed unless followed by digits)
    if (c == 0x30 && !(more() && peek() >= 0x30 && peek() <= 0x37)) return -2;
    if (c != 0x30 && !inClass && !(more() && peek() >= 0x30 && peek() <= 0x37)) return -2; // backreference
    let v = c - 0x30;
    for (let k = 0; k < 2 && more() && peek() >= 0x30 && peek() <= 0x37; k++) { v = v * 8 + (peek() - 0x30); rp++; }
    return v;
  }
  if (c < 0x80 && !((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) return c;
  return -2;
}

function parseEscape(): usize {
  if (rp + 1 < rend) {
    const c = load<u8>(rp + 1);
    if (c == 0x62) { rp += 2; return node(N_ASSERT, A_WORDB); }
    if (c == 0x42) { rp += 2; return node(N_ASSERT, A_NWORDB); }
    if (c == 0x41) { rp += 2; return node(N_ASSERT, A_BOT); }
    if (c == 0x7a) { rp += 2; return node(N_ASSERT, A_EOT); }
    if (c == 0x51) {
      // \Q...\E literal text
      rp += 2;
      let acc: usize = 0;
      while (more()) {
        if (peek() == 0x5c && rp + 1 < rend && load<u8>(rp + 1) == 0x45) { rp += 2; break; }
        const cp = decodeAt(rp, 0, <i32>(rend - rp));
        rp += decLen;
        const l = litNode(cp);
        acc = acc == 0 ? l : node(N_CAT, <i32>acc, <i32>l);
      }
      return acc == 0 ? node(N_EMPTY, 0) : acc;
    }
  }
  clsStart();
  const cp = escapeCp(false);
  if (cp == -2) return fail();
  if (cp == -1) return clsNode(false);
  return litNode(<u32>cp);
}

// ---------------------------------------------------------------- character classes

let clsBuf: usize = 0;
let clsN: i32 = 0;
let clsCap: i32 = 0;

function clsStart(): void {
  clsCap = 16;
  clsBuf = malloc(clsCap << 3);
  clsN = 0;
}

function clsAdd(lo: u32, hi: u32): void {
  if (clsN == clsCap) {
    const nb = malloc(clsCap << 4);
    memory.copy(nb, clsBuf, <usize>clsCap << 3);
    clsBuf = nb;
    clsCap <<= 1;
  }
  store<u32>(clsBuf + (<usize>clsN << 3), lo);
  store<u32>(clsBuf + (<usize>clsN << 3) + 4, hi);
  clsN++;
}

/** Adds the complement of up to 5 sorted ranges (count = n). */
function clsAddNeg(a0: u32, a1: u32, b0: u32, b1: u32, c0: u32, c1: u32, d0: u32, d1: u32, e0: u32, e1: u32, n: i32): void {
  let next: u32 = 0;
  for (let i = 0; i < n; i++) {
    const lo = i == 0 ? a0 : i == 1 ? b0 : i == 2 ? c0 : i == 3 ? d0 : e0;
    const hi = i == 0 ? a1 : i == 1 ? b1 : i == 2 ? c1 : i == 3 ? d1 : e1;
    if (lo > next) clsAdd(next, lo - 1);
    next = hi + 1;
  }
  clsAdd(next, 0x10ffff);
}

/** Sorts and merges the class buffer, optionally folds case and negates; returns a class node. */
function clsNode(negate: bool): usize {
  if ((flags & F_I) != 0) {
    const n0 = clsN;
    for (let i = 0; i < n0; i++) {
      const lo = load<u32>(clsBuf + (<usize>i << 3)), hi = load<u32>(clsBuf + (<usize>i << 3) + 4);
      const top = hi - lo > 2000 ? lo + 2000 : hi;
      for (let c = lo; c <= top; c++) {
        const l = lowerCp(c), u = upperCp(c);
        if (l != c) clsAdd(l, l);
        if (u != c) clsAdd(u, u);
      }
    }
  }
  // insertion sort by lo
  for (let i = 1; i < clsN; i++) {
    const lo = load<u32>(clsBuf + (<usize>i << 3)), hi = load<u32>(clsBuf + (<usize>i << 3) + 4);
    let j = i - 1;
    while (j >= 0 && load<u32>(clsBuf + (<usize>j << 3)) > lo) {
      store<u64>(clsBuf + (<usize>(j + 1) << 3), load<u64>(clsBuf + (<usize>j << 3)));
      j--;
    }
    store<u32>(clsBuf + (<usize>(j + 1) << 3), lo);
    store<u32>(clsBuf + (<usize>(j + 1) << 3) + 4, hi);
  }
  // merge
  let m = 0;
  for (let i = 0; i < clsN; i++) {
    const lo = load<u32>(clsBuf + (<usize>i << 3)), hi = load<u32>(clsBuf + (<usize>i << 3) + 4);
    if (m > 0 && lo <= load<u32>(clsBuf + (<usize>(m - 1) << 3) + 4) + 1) {
      if (hi > load<u32>(clsBuf + (<usize>(m - 1) << 3) + 4)) store<u32>(clsBuf + (<usize>(m - 1) << 3) + 4, hi);
    } else {
      store<u32>(clsBuf + (<usize>m << 3), lo);
      store<u32>(clsBuf + (<usize>m << 3) + 4, hi);
      m++;
    }
  }
  clsN = m;
  let out = clsBuf;
  let outN = m;
  if (negate) {
    out = malloc((m + 1) << 3);
    outN = 0;
    let next: u32 = 0;
    for (let i = 0; i < m; i++) {
      const lo = load<u32>(clsBuf + (<usize>i << 3)), hi = load<u32>(clsBuf + (<usize>i << 3) + 4);
      if (lo > next) {
        store<u32>(out + (<usize>outN << 3), next);
        store<u32>(out + (<usize>outN << 3) + 4, lo - 1);
        outN++;
      }
      next = hi + 1;
    }
    if (next <= 0x10ffff) {
      store<u32>(out + (<usize>outN << 3), next);
      store<u32>(out + (<usize>outN << 3) + 4, 0x10ffff);
      outN++;
    }
  }
  return node(N_CLASS, <i32>out, outN);
}

function posixClass(): bool {
  // at "[:" ; returns false if not a POSIX class
  const save = rp;
  rp += 2;
  let neg = false;
  if (more() && peek() == 0x5e) { neg = true; rp++; }
  const start = rp;
  while (more() && peek() >= 0x61 && peek() <= 0x7a) rp++;
  const len = <i32>(rp - start);
  if (rp + 2 > rend || load<u8>(rp) != 0x3a || load<u8>(rp + 1) != 0x5d) { rp = save; return false; }
  rp += 2;
  // ranges of the class into a temporary list, then add (or add the complement)
  const w0 = load<u8>(start), w1 = len > 1 ? load<u8>(start + 1) : 0, w2 = len > 2 ? load<u8>(start + 2) : 0;
  let r0: u32 = 0, r1: u32 = 0, r2: u32 = 0, r3: u32 = 0, r4: u32 = 0, r5: u32 = 0, r6: u32 = 0, r7: u32 = 0;
  let n = 0;
  if (len == 5 && w0 == 0x61 && w2 == 0x6e) { r0 = 0x30; r1 = 0x39; r2 = 0x41; r3 = 0x5a; r4 = 0x61; r5 = 0x7a; n = 3; } // alnum
  else if (len == 5 && w0 == 0x61 && w2 == 0x70) { r0 = 0x41; r1 = 0x5a; r2 = 0x61; r3 = 0x7a; n = 2; } // alpha
  else if (len == 5 && w0 == 0x61 && w2 == 0x63) { r0 = 0; r1 = 0x7f; n = 1; } // ascii
  else if (len == 5 && w0 == 0x62) { r0 = 9; r1 = 9; r2 = 0x20; r3 = 0x20; n = 2; } // blank
  else if (len == 5 && w0 == 0x63) { r0 = 0; r1 = 0x1f; r2 = 0x7f; r3 = 0x7f; n = 2; } // cntrl
  else if (len == 5 && w0 == 0x64) { r0 = 0x30; r1 = 0x39; n = 1; } // digit
  else if (len == 5 && w0 == 0x67) { r0 = 0x21; r1 = 0x7e; n = 1; } // graph
  else if (len == 5 && w0 == 0x6c) { r0 = 0x61; r1 = 0x7a; n = 1; } // lower
  else if (len == 5 && w0 == 0x70 && w2 == 0x69) { r0 = 0x20; r1 = 0x7e; n = 1; } // print
  else if (len == 5 && w0 == 0x70 && w2 == 0x6e) { r0 = 0x21; r1 = 0x2f; r2 = 0x3a; r3 = 0x40; r4 = 0x5b; r5 = 0x60; r6 = 0x7b; r7 = 0x7e; n = 4; } // punct
  else if (len == 5 && w0 == 0x73) { r0 = 9; r1 = 13; r2 = 0x20; r3 = 0x20; n = 2; } // space
  else if (len == 5 && w0 == 0x75) { r0 = 0x41; r1 = 0x5a; n = 1; } // upper
  else if (len == 4 && w0 == 0x77) { r0 = 0x30; r1 = 0x39; r2 = 0x41; r3 = 0x5a; r4 = 0x5f; r5 = 0x5f; r6 = 0x61; r7 = 0x7a; n = 4; } // word
  else if (len == 6 && w0 == 0x78) { r0 = 0x30; r1 = 0x39; r2 = 0x41; r3 = 0x46; r4 = 0x61; r5 = 0x66; n = 3; } // xdigit
  else { failed = true; return true; }
  if (w1 == 0) { failed = true; return true; }
  if (neg) clsAddNeg(r0, r1, r2, r3, r4, r5, r6, r7, 0, 0, n);
  else {
    clsAdd(r0, r1);
    if (n > 1) clsAdd(r2, r3);
    if (n > 2) clsAdd(r4, r5);
    if (n > 3) clsAdd(r6, r7);
  }
  return true;
}

function parseClass(): usize {
  rp++; // [
  clsStart();
  let negate = false;
  if (more() && peek() == 0x5e) { negate = true; rp++; }
  let first = true;
  while (true) {
    if (!more()) return fail();
    const c = peek();
    if (c == 0x5d && !first) { rp++; break; }
    first = false;
    if (c == 0x5b && rp + 1 < rend && load<u8>(rp + 1) == 0x3a) {
      if (posixClass()) { if (failed) return 0; continue; }
    }
    let lo: i32;
    if (c == 0x5c) {
      lo = escapeCp(true);
      if (lo == -2) return fail();
      if (lo == -1) continue;
    } else {
      lo = <i32>decodeAt(rp, 0, <i32>(rend - rp));
      rp += decLen;
    }
    let hi = lo;
    if (rp + 1 < rend && peek() == 0x2d && load<u8>(rp + 1) != 0x5d) {
      rp++;
      if (peek() == 0x5c) {
        hi = escapeCp(true);
        if (hi < 0) return fail();
      } else {
        hi = <i32>decodeAt(rp, 0, <i32>(rend - rp));
        rp += decLen;
      }
      if (hi < lo) return fail();
    }
    clsAdd(<u32>lo, <u32>hi);
  }
  return clsNode(negate);
}

// ---------------------------------------------------------------- compiler
// Instruction: 16 bytes [op, x, y, z].

const I_CHAR = 1;
const I_CLASS = 2;
const I_ANY = 3;
const I_ANYNL = 4;
const I_SPLIT = 5;
const I_JMP = 6;
const I_SAVE = 7;
const I_ASSERT = 8;
const I_MATCH = 9;
const MAX_PROG = 8000; // bounds the recursion of the compiler and of addThread

let prog: usize = 0;
let progN: i32 = 0;
let progCap: i32 = 0;

function emit(op: i32, x: i32 = 0, y: i32 = 0, z: i32 = 0): i32 {
  if (progN >= MAX_PROG) { failed = true; return progN; }
  if (progN == progCap) {
    const nc = progCap * 2;
    const np = malloc(nc << 4);
    memory.copy(np, prog, <usize>progCap << 4);
    prog = np;
    progCap = nc;
  }
  const p = prog + (<usize>progN << 4);
  store<i32>(p, op);
  store<i32>(p, x, 4);
  store<i32>(p, y, 8);
  store<i32>(p, z, 12);
  return progN++;
}

@inline function setX(pc: i32, x: i32): void { store<i32>(prog + (<usize>pc << 4), x, 4); }
@inline function setY(pc: i32, y: i32): void { store<i32>(prog + (<usize>pc << 4), y, 8); }

function compileNode(n: usize): void {
  if (failed) return;
  const kind = load<i32>(n);
  const a = load<i32>(n, 4), b = load<i32>(n, 8), c = load<i32>(n, 12), d = load<i32>(n, 16);
  switch (kind) {
    case N_EMPTY: return;
    case N_CHAR: emit(I_CHAR, a); return;
    case N_CLASS: emit(I_CLASS, a, b); return;
    case N_ANY: emit(a != 0 ? I_ANYNL : I_ANY); return;
    case N_ASSERT: emit(I_ASSERT, a); return;
    case N_CAT: compileNode(a); compileNode(b); return;
    case N_ALT: {
      const split = emit(I_SPLIT);
      setX(split, progN);
      compileNode(a);
      const jmp = emit(I_JMP);
      setY(split, progN);
      compileNode(b);
      setX(jmp, progN);
      return;
    }
    case N_GROUP: {
      if (b >= 0) emit(I_SAVE, b * 2);
      compileNode(a);
      if (b >= 0) emit(I_SAVE, b * 2 + 1);
      return;
    }
    case N_REPEAT: {
      const sub = a, lo = b, hi = c, greedy = d != 0;
      for (let i = 0; i < lo; i++) compileNode(sub);
      if (hi < 0) {
        // sub*
        const split = emit(I_SPLIT);
        const body = progN;
        compileNode(sub);
        emit(I_JMP, split);
        if (greedy) { setX(split, body); setY(split, progN); } else { setX(split, progN); setY(split, body); }
      } else {
        // (sub(sub(...)?)?)? for hi - lo optional copies
        const count = hi - lo;
        const splits = malloc(count << 2);
        for (let i = 0; i < count; i++) {
          const split = emit(I_SPLIT);
          store<i32>(splits + (i << 2), split);
          if (greedy) setX(split, progN); else setY(split, progN);
          compileNode(sub);
        }
        for (let i = 0; i < count; i++) {
          const split = load<i32>(splits + (i << 2));
          if (greedy) setY(split, progN); else setX(split, progN);
        }
      }
      return;
    }
  }
}

// Compiled programs kept across evaluations (static memory; the heap is reset between evaluations): a policy
// matches the same constant patterns on every evaluation. 8 slots of RC_BYTES, chosen by a hash of the pattern:
// [handle: n, instrs, nslots][pattern length][pattern bytes][instructions][class ranges], the handle pointing
// into the slot and class instructions relocated to the slot's copy of their ranges. Programs that do not
// fit are compiled on every call; invalid patterns are never cached.
const RC_SLOTS: i32 = 8;
const RC_BYTES: i32 = 1536;
const RC_DATA: usize = memory.data(RC_SLOTS * RC_BYTES, 8);

function rcSlot(p: usize, n: i32): usize {
  let h: u32 = 0x811c9dc5 ^ <u32>n;
  for (let i = 0; i < n; i++) h = (h ^ <u32>load<u8>(p + i)) * 0x01000193;
  return RC_DATA + <usize>((h ^ (h >> 16)) & <u32>(RC_SLOTS - 1)) * <usize>RC_BYTES;
}

/** The cached handle for this pattern, or 0. */
function rcGet(slot: usize, p: usize, n: i32): usize {
  if (load<i32>(slot) == 0 || load<i32>(slot, 12) != n) return 0;
  for (let i = 0; i < n; i++) if (load<u8>(slot + 16 + i) != load<u8>(p + i)) return 0;
  return slot;
}

/** Copies a freshly compiled program (handle h) into the slot when it fits. */
function rcPut(slot: usize, p: usize, n: i32, h: usize): void {
  const count = load<i32>(h);
  const instrs = <usize>load<i32>(h, 4);
  let need = (16 + n + 7) & ~7;
  const insAt = need;
  need += count << 4;
  for (let pc = 0; pc < count; pc++) {
    const ins = instrs + (<usize>pc << 4);
    if (load<i32>(ins) == I_CLASS) need += load<i32>(ins, 8) << 3;
    if (need > RC_BYTES) return;
  }
  store<i32>(slot, 0); // invalid while being written
  store<i32>(slot, n, 12);
  memory.copy(slot + 16, p, n);
  const dst = slot + insAt;
  memory.copy(dst, instrs, <usize>count << 4);
  let rangesAt = dst + (<usize>count << 4);
  for (let pc = 0; pc < count; pc++) {
    const ins = dst + (<usize>pc << 4);
    if (load<i32>(ins) != I_CLASS) continue;
    const bytes = <usize>load<i32>(ins, 8) << 3;
    memory.copy(rangesAt, <usize>load<i32>(ins, 4), bytes);
    store<i32>(ins, <i32>rangesAt, 4);
    rangesAt += bytes;
  }
  store<i32>(slot, <i32>dst, 4);
  store<i32>(slot, load<i32>(h, 8), 8);
  store<i32>(slot, count);
}

/** Compiles a pattern (or finds it in the cache); returns a program handle [n, instrs, nslots] or 0. */
export function compileRegex(p: usize, n: i32): usize {
  if (n > 8000) return 0;
  const slot = rcSlot(p, n);
  const cached = rcGet(slot, p, n);
  if (cached != 0) return cached;
  const h = compileRegexUncached(p, n);
  if (h != 0) rcPut(slot, p, n, h);
  return h;
}

function compileRegexUncached(p: usize, n: i32): usize {
  rp = p;
  rend = p + n;
  flags = 0;
  ncap = 0;
  failed = false;
  depth = 0;
  // validate UTF-8 of the pattern
  const ast = parseAlt();
  if (failed || ast == 0) return 0;
  if (more()) return 0; // unbalanced ')'
  progCap = 64;
  prog = malloc(progCap << 4);
  progN = 0;
  emit(I_SAVE, 0);
  compileNode(ast);
  emit(I_SAVE, 1);
  emit(I_MATCH);
  if (failed) return 0;
  const h = malloc(12);
  store<i32>(h, progN);
  store<i32>(h, <i32>prog, 4);
  store<i32>(h, (ncap + 1) * 2, 8);
  return h;
}

// ---------------------------------------------------------------- Pike VM

let vmProg: usize = 0;
let vmSlots: i32 = 0;
let vmText: usize = 0;
let vmLen: i32 = 0;
let vmWantCaps = false;
let gen: usize = 0; // per-pc generation marks
let genId: i32 = 0;

// a thread list: [count][pc, caps]...
function listAdd(list: usize, pc: i32, caps: usize): void {
  const n = load<i32>(list);
  store<i32>(list + 4 + (<usize>n << 3), pc);
  store<i32>(list + 8 + (<usize>n << 3), <i32>caps);
  store<i32>(list, n + 1);
}

@inline function isWordByte(c: i32): bool {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f;
}

function assertOk(kind: i32, pos: i32): bool {
  switch (kind) {
    case A_BOT: return pos == 0;
    case A_EOT: return pos == vmLen;
    case A_BOL: return pos == 0 || load<u8>(vmText + pos - 1) == 0x0a;
    case A_EOL: return pos == vmLen || load<u8>(vmText + pos) == 0x0a;
    case A_WORDB:
    case A_NWORDB: {
      const before = pos > 0 && isWordByte(load<u8>(vmText + pos - 1));
      const after = pos < vmLen && isWordByte(load<u8>(vmText + pos));
      return (before != after) == (kind == A_WORDB);
    }
  }
  return false;
}

function addThread(list: usize, pc: i32, caps: usize, pos: i32): void {
  const g = gen + (<usize>pc << 2);
  if (load<i32>(g) == genId) return;
  store<i32>(g, genId);
  const ins = vmProg + (<usize>pc << 4);
  const op = load<i32>(ins);
  switch (op) {
    case I_JMP: addThread(list, load<i32>(ins, 4), caps, pos); return;
    case I_SPLIT:
      addThread(list, load<i32>(ins, 4), caps, pos);
      addThread(list, load<i32>(ins, 8), caps, pos);
      return;
    case I_SAVE: {
      const slot = load<i32>(ins, 4);
      if (vmWantCaps || slot < 2) {
        const nc = malloc(vmSlots << 2);
        memory.copy(nc, caps, <usize>vmSlots << 2);
        store<i32>(nc + (<usize>slot << 2), pos);
        addThread(list, pc + 1, nc, pos);
      } else addThread(list, pc + 1, caps, pos);
      return;
    }
    case I_ASSERT:
      if (assertOk(load<i32>(ins, 4), pos)) addThread(list, pc + 1, caps, pos);
      return;
  }
  listAdd(list, pc, caps);
}

function classHas(ranges: usize, n: i32, c: u32): bool {
  let lo = 0, hi = n - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const a = load<u32>(ranges + (<usize>mid << 3)), b = load<u32>(ranges + (<usize>mid << 3) + 4);
    if (c < a) hi = mid - 1;
    else if (c > b) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Match result slots (byte offsets, -1 if unset), valid after a successful vmExec. */
export const MATCH_MAX_SLOTS: i32 = 200;
export const matchSlots: usize = memory.data(MATCH_MAX_SLOTS * 4, 8);

/** Searches text[start..] for the leftmost-first match; fills matchSlots. */
export function vmExec(h: usize, text: usize, len: i32, start: i32, wantCaps: bool): bool {
  const n = load<i32>(h);
  vmProg = load<i32>(h, 4);
  vmSlots = load<i32>(h, 8);
  if (vmSlots > MATCH_MAX_SLOTS) vmSlots = MATCH_MAX_SLOTS;
  vmText = text;
  vmLen = len;
  vmWantCaps = wantCaps;
  const mark = heapGet();
  gen = malloc(n << 2);
  memory.fill(gen, 0xff, <usize>n << 2);
  genId = 0;
  let clist = malloc(4 + (n << 3));
  let nlist = malloc(4 + (n << 3));
  store<i32>(clist, 0);
  const empty = malloc(vmSlots << 2);
  memory.fill(empty, 0xff, <usize>vmSlots << 2);
  let matched = false;
  let pos = start;
  while (true) {
    if (!matched) {
      genId++;
      // re-mark the pcs already in clist so that the new start thread does not duplicate them
      const cn = load<i32>(clist);
      for (let i = 0; i < cn; i++) store<i32>(gen + (<usize>load<i32>(clist + 4 + (<usize>i << 3)) << 2), genId);
      addThread(clist, 0, empty, pos);
    }
    const cn = load<i32>(clist);
    let c: i32 = -1;
    let clen = 1;
    if (pos < len) {
      c = <i32>decodeAt(text, pos, len);
      clen = decLen;
    }
    if (cn == 0) {
      // no live thread: done if a match was found or the text is exhausted, else try the next position
      if (matched || pos >= len) break;
      pos += clen;
      continue;
    }
    genId++;
    store<i32>(nlist, 0);
    for (let i = 0; i < cn; i++) {
      const pc = load<i32>(clist + 4 + (<usize>i << 3));
      const caps = <usize>load<i32>(clist + 8 + (<usize>i << 3));
      const ins = vmProg + (<usize>pc << 4);
      const op = load<i32>(ins);
      if (op == I_MATCH) {
        memory.copy(matchSlots, caps, <usize>vmSlots << 2);
        matched = true;
        break; // lower-priority threads are cut off
      }
      if (c < 0) continue;
      let ok = false;
      if (op == I_CHAR) ok = c == load<i32>(ins, 4);
      else if (op == I_CLASS) ok = classHas(load<i32>(ins, 4), load<i32>(ins, 8), <u32>c);
      else if (op == I_ANY) ok = c != 0x0a;
      else if (op == I_ANYNL) ok = true;
      if (ok) addThread(nlist, pc + 1, caps, pos + clen);
    }
    const t = clist;
    clist = nlist;
    nlist = t;
    if (pos >= len) {
      // threads in clist were added at the end of text; one more round can only match
      if (load<i32>(clist) == 0) break;
      const m = load<i32>(clist);
      for (let i = 0; i < m; i++) {
        const pc = load<i32>(clist + 4 + (<usize>i << 3));
        if (load<i32>(vmProg + (<usize>pc << 4)) == I_MATCH) {
          memory.copy(matchSlots, <usize>load<i32>(clist + 8 + (<usize>i << 3)), <usize>vmSlots << 2);
          matched = true;
          break;
        }
      }
      break;
    }
    pos += clen;
  }
  heapSet(mark);
  return matched;
}

// ---------------------------------------------------------------- builtins

function compileStr(s: usize): usize {
  if (!isStr(s)) return 0;
  return compileRegex(strPtr(s), strLen(s));
}

export function opa_bi_regex_is_valid(pattern: i32): i32 {
  if (!isStr(pattern)) return <i32>mkBool(false);
  return <i32>mkBool(compileStr(pattern) != 0);
}

export function opa_bi_regex_match(pattern: i32, value: i32): i32 {
  if (!isStr(value)) return 0;
  const h = compileStr(pattern);
  if (h == 0) return 0;
  return <i32>mkBool(vmExec(h, strPtr(value), strLen(value), 0, false));
}

export function opa_bi_re_match(pattern: i32, value: i32): i32 { return opa_bi_regex_match(pattern, value); }

/** Calls fn for each successive non-overlapping match (Go's allMatches semantics); returns match count. */
function allMatches(h: usize, p: usize, n: i32, limit: i64, out: usize, withGroups: bool): void {
  let pos = 0;
  let prevEnd = -1;
  let count: i64 = 0;
  const slots = load<i32>(h, 8);
  while ((limit < 0 || count < limit) && pos <= n) {
    if (!vmExec(h, p, n, pos, withGroups)) break;
    const s0 = load<i32>(matchSlots), s1 = load<i32>(matchSlots, 4);
    let accept = true;
    if (s1 == pos) {
      if (s0 == prevEnd) accept = false;
      if (pos < n) { decodeAt(p, pos, n); pos += decLen; } else pos = n + 1;
    } else pos = s1;
    prevEnd = s1;
    if (accept) {
      if (withGroups) {
        const m = mkArr(slots >> 1);
        for (let g = 0; g < slots; g += 2) {
          const a = load<i32>(matchSlots + (<usize>g << 2)), b = load<i32>(matchSlots + (<usize>(g + 1) << 2));
          arrPush(m, a >= 0 && b >= 0 ? mkStr(p + a, b - a) : mkStr(p, 0));
        }
        arrPush(out, m);
      } else arrPush(out, mkStr(p + s0, s1 - s0));
      count++;
    }
  }
}

export function opa_bi_regex_find_all_string_submatch_n(pattern: i32, value: i32, n: i32): i32 {
  if (!isStr(value)) return 0;
  const lim = intArg(n);
  if (!intArgOk) return 0;
  const h = compileStr(pattern);
  if (h == 0) return 0;
  const out = mkArr(0);
  allMatches(h, strPtr(value), strLen(value), lim, out, true);
  return <i32>out;
}

export function opa_bi_regex_find_n(pattern: i32, value: i32, n: i32): i32 {
  if (!isStr(value)) return 0;
  const lim = intArg(n);
  if (!intArgOk) return 0;
  const h = compileStr(pattern);
  if (h == 0) return 0;
  const out = mkArr(0);
  allMatches(h, strPtr(value), strLen(value), lim, out, false);
  return <i32>out;
}

/** regex.split(pattern, value): Go's Regexp.Split(s, -1). */
export function opa_bi_regex_split(pattern: i32, value: i32): i32 {
  if (!isStr(value)) return 0;
  const h = compileStr(pattern);
  if (h == 0) return 0;
  const p = strPtr(value), n = strLen(value);
  const out = mkArr(0);
  if (n == 0) { arrPush(out, mkStr(p, 0)); return <i32>out; }
  const ms = mkArr(0);
  allMatches(h, p, n, -1, ms, false);
  // recover the match offsets from the substrings (they point into p)
  let beg = 0, end = 0;
  const m = vlen(ms);
  for (let i = 0; i < m; i++) {
    const s = arrAt(ms, i);
    const a = <i32>(strPtr(s) - p), b = a + strLen(s);
    end = a;
    if (b != 0) arrPush(out, mkStr(p + beg, end - beg)); // an empty match at the very start is skipped
    beg = b;
  }
  if (end != n) arrPush(out, mkStr(p + beg, n - beg));
  return <i32>out;
}

/** regex.replace(s, pattern, value): replaces all matches; `$1` / `${name}` expansion is not supported
 *  beyond numbered groups `$n` / `${n}`. */
export function opa_bi_regex_replace(s: i32, pattern: i32, value: i32): i32 {
  if (!isStr(s) || !isStr(value)) return 0;
  const h = compileStr(pattern);
  if (h == 0) return 0;
  const p = strPtr(s), n = strLen(s);
  const ms = mkArr(0);
  allMatches(h, p, n, -1, ms, true);
  bufStart();
  let last = 0;
  const m = vlen(ms);
  const vp = strPtr(value), vn = strLen(value);
  for (let i = 0; i < m; i++) {
    const groups = arrAt(ms, i);
    const whole = arrAt(groups, 0);
    const a = <i32>(strPtr(whole) - p);
    putBytes(p + last, a - last);
    // expand the template
    let j = 0;
    while (j < vn) {
      const c = load<u8>(vp + j);
      if (c != 0x24 || j + 1 >= vn) { putc(c); j++; continue; }
      let k = j + 1;
      const braced = load<u8>(vp + k) == 0x7b;
      if (braced) k++;
      let num = -1;
      while (k < vn && load<u8>(vp + k) >= 0x30 && load<u8>(vp + k) <= 0x39) {
        num = (num < 0 ? 0 : num) * 10 + (load<u8>(vp + k) - 0x30);
        k++;
      }
      if (load<u8>(vp + j + 1) == 0x24) { putc(0x24); j += 2; continue; }
      if (num < 0 || (braced && (k >= vn || load<u8>(vp + k) != 0x7d))) { putc(c); j++; continue; }
      if (braced) k++;
      if (num < vlen(groups)) {
        const g = arrAt(groups, num);
        putBytes(strPtr(g), strLen(g));
      }
      j = k;
    }
    last = a + strLen(whole);
  }
  putBytes(p + last, n - last);
  const len = bufLength();
  return <i32>mkStr(bufFinish(), len);
}

// ---------------------------------------------------------------- glob.match

/** Appends a literal code point to the regex being built, escaped. */
function putLiteral(p: usize, i: i32, len: i32): void {
  const c = load<u8>(p + i);
  if (len == 1 && !((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) putc(0x5c);
  putBytes(p + i, len);
}

function putDelimClass(delims: usize, negate: bool): void {
  putc(0x5b);
  if (negate) putc(0x5e);
  const n = vlen(delims);
  for (let i = 0; i < n; i++) {
    const d = arrAt(delims, i);
    putLiteral(strPtr(d), 0, strLen(d));
  }
  putc(0x5d);
}

/** Translates a gobwas/glob pattern to an anchored regular expression; returns false on syntax error. */
function globToRegex(p: usize, n: i32, delims: usize): bool {
  const nd = vlen(delims);
  putLitStr("^(?s:");
  let i = 0;
  let braces = 0;
  while (i < n) {
    const c = load<u8>(p + i);
    if (c == 0x2a) {
      if (i + 1 < n && load<u8>(p + i + 1) == 0x2a) {
        putLitStr(".*");
        i += 2;
        while (i < n && load<u8>(p + i) == 0x2a) i++;
      } else {
        if (nd == 0) putLitStr(".*"); else { putDelimClass(delims, true); putc(0x2a); }
        i++;
      }
      continue;
    }
    if (c == 0x3f) {
      if (nd == 0) putc(0x2e); else putDelimClass(delims, true);
      i++;
      continue;
    }
    if (c == 0x5b) {
      i++;
      putc(0x5b);
      if (i < n && load<u8>(p + i) == 0x21) { putc(0x5e); i++; }
      let any = false;
      while (i < n && load<u8>(p + i) != 0x5d) {
        any = true;
        const d = load<u8>(p + i);
        if (d == 0x2d) { putc(0x2d); i++; continue; }
        if (d == 0x5c && i + 1 < n) i++;
        decodeAt(p, i, n);
        const l = decLen;
        putLiteral(p, i, l);
        i += l;
      }
      if (i >= n || !any) return false;
      putc(0x5d);
      i++;
      continue;
    }
    if (c == 0x7b) { putLitStr("(?:"); braces++; i++; continue; }
    if (c == 0x7d && braces > 0) { putc(0x29); braces--; i++; continue; }
    if (c == 0x2c && braces > 0) { putc(0x7c); i++; continue; }
    if (c == 0x5c) {
      i++;
      if (i >= n) return false;
    }
    decodeAt(p, i, n);
    const l = decLen;
    putLiteral(p, i, l);
    i += l;
  }
  if (braces != 0) return false;
  putLitStr(")$");
  return true;
}

function putLitStr(s: string): void {
  const q = changetype<usize>(s);
  const n = load<i32>(q - 4) >> 1;
  for (let i = 0; i < n; i++) putc(load<u16>(q + (i << 1)));
}

export function opa_bi_glob_match(pattern: i32, delimiters: i32, match: i32): i32 {
  if (!isStr(pattern) || !isStr(match) || delimiters == 0) return 0;
  let delims: usize;
  const dt = vtype(delimiters);
  if (dt == T_NULL) delims = mkArr(0);
  else if (dt == T_ARR) {
    const n = vlen(delimiters);
    for (let i = 0; i < n; i++) {
      const d = arrAt(delimiters, i);
      if (vtype(d) != T_STR || strLen(d) == 0) return 0;
      decodeAt(strPtr(d), 0, strLen(d));
      if (decLen != strLen(d)) return 0; // one code point each
    }
    if (n == 0) {
      delims = mkArr(1);
      const dot = malloc(1);
      store<u8>(dot, 0x2e);
      arrPush(delims, mkStr(dot, 1));
    } else delims = delimiters;
  } else return 0;
  bufStart();
  if (!globToRegex(strPtr(pattern), strLen(pattern), delims)) return 0;
  const rn = bufLength();
  const rx = bufFinish();
  const h = compileRegex(rx, rn);
  if (h == 0) return 0;
  return <i32>mkBool(vmExec(h, strPtr(match), strLen(match), 0, false));
}
