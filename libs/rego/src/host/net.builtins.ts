/** `net.cidr_*` host builtins (IPv4 and IPv6, addresses as BigInt). Undefined on bad input. */
import type { HostBuiltin } from './host-builtins';

interface Net {
  v6: boolean;
  /** Network address (host bits cleared) or the address itself for a plain IP. */
  addr: bigint;
  prefix: number;
  /** The address as written, before masking. */
  raw: bigint;
}

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let out = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255 || (p.length > 1 && p.startsWith('0'))) return undefined;
    out = (out << 8n) | BigInt(p);
  }
  return out;
}

function parseV6(s: string): bigint | undefined {
  if (s.includes('%')) return undefined;
  let text = s;
  let tail: bigint[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = parseV4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [v4 >> 16n, v4 & 0xffffn];
    text = `${text.slice(0, lastColon + 1)}`;
    text = text.endsWith('::') ? text : text.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): bigint[] | undefined => {
    if (h === '') return [];
    const out: bigint[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(BigInt(`0x${g}`));
    }
    return out;
  };
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !rest) return undefined;
  const total = head.length + rest.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const all = [...head, ...new Array<bigint>(8 - total).fill(0n), ...rest, ...tail];
  return all.reduce((acc, g) => (acc << 16n) | g, 0n);
}

function parseIp(s: string): { v6: boolean; value: bigint } | undefined {
  const v4 = parseV4(s);
  if (v4 !== undefined) return { v6: false, value: v4 };
  const v6 = s.includes(':') ? parseV6(s) : undefined;
  return v6 === undefined ? undefined : { v6: true, value: v6 };
}

const bitsOf = (v6: boolean): number => (v6 ? 128 : 32);

function mask(v6: boolean, prefix: number): bigint {
  const bits = BigInt(bitsOf(v6));
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n);
}

/** A CIDR (`10.0.0.0/8`), or with `allowIp` a plain address (treated as /32 or /128). */
function parseNet(s: unknown, allowIp: boolean): Net | undefined {
  if (typeof s !== 'string') return undefined;
  const slash = s.indexOf('/');
  if (slash < 0) {
    if (!allowIp) return undefined;
    const ip = parseIp(s);
    return ip ? { v6: ip.v6, addr: ip.value, prefix: bitsOf(ip.v6), raw: ip.value } : undefined;
  }
  const ip = parseIp(s.slice(0, slash));
  const p = s.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(p) || Number(p) > bitsOf(ip.v6)) return undefined;
  const prefix = Number(p);
  return { v6: ip.v6, addr: ip.value & mask(ip.v6, prefix), prefix, raw: ip.value };
}

function formatIp(v6: boolean, value: bigint): string {
  if (!v6) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

const last = (n: Net): bigint => n.addr | (((1n << BigInt(bitsOf(n.v6))) - 1n) ^ mask(n.v6, n.prefix));

function contains(outer: Net, inner: Net): boolean {
  return (
    outer.v6 === inner.v6 &&
    inner.prefix >= outer.prefix &&
    (inner.raw & mask(outer.v6, outer.prefix)) === outer.addr
  );
}

function intersects(a: Net, b: Net): boolean {
  return a.v6 === b.v6 && a.addr <= last(b) && b.addr <= last(a);
}

function cidrExpand(x: unknown): string[] | undefined {
  const n = parseNet(x, false);
  if (!n) return undefined;
  const count = last(n) - n.addr + 1n;
  if (count > 65536n) return undefined;
  const out: string[] = [];
  for (let v = n.addr; v <= last(n); v++) out.push(formatIp(n.v6, v));
  return out;
}

function cidrMerge(xs: unknown): string[] | undefined {
  if (!Array.isArray(xs)) return undefined;
  const nets: Net[] = [];
  for (const x of xs) {
    let n = parseNet(x, true);
    if (!n) return undefined;
    if (typeof x === 'string' && !x.includes('/') && !n.v6) {
      // Like Go's net.IP.DefaultMask: a plain IPv4 address gets its classful mask.
      const first = Number(n.raw >> 24n);
      const prefix = first < 128 ? 8 : first < 192 ? 16 : first < 224 ? 24 : 32;
      n = { ...n, prefix, addr: n.raw & mask(false, prefix) };
    }
    nets.push(n);
  }
  const merged: string[] = [];
  for (const v6 of [false, true]) {
    // Merge as ranges, then split ranges back into CIDR blocks.
    const ranges = nets
      .filter((n) => n.v6 === v6)
      .map((n) => [n.addr, last(n)] as [bigint, bigint])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const joined: [bigint, bigint][] = [];
    for (const r of ranges) {
      const prev = joined[joined.length - 1];
      if (prev && r[0] <= prev[1] + 1n) prev[1] = r[1] > prev[1] ? r[1] : prev[1];
      else joined.push([r[0], r[1]]);
    }
    const bits = bitsOf(v6);
    for (const [start, end] of joined) {
      let cur = start;
      while (cur <= end) {
        let size = 0;
        while (size < bits) {
          const block = 1n << BigInt(size + 1);
          if (cur % block !== 0n || cur + block - 1n > end) break;
          size++;
        }
        merged.push(`${formatIp(v6, cur)}/${bits - size}`);
        cur += 1n << BigInt(size);
      }
    }
  }
  return merged.sort();
}

/** Entries of a cidr_contains_matches operand: key → CIDR/IP string (tuples use their first element). */
function entries(x: unknown): [unknown, string][] | undefined {
  const item = (v: unknown): string | undefined =>
    typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
  if (typeof x === 'string') return [[x, x]];
  const out: [unknown, string][] = [];
  if (Array.isArray(x)) {
    // Arrays are indexed by position; sets arrive as arrays too (OPA keys sets by element).
    for (let i = 0; i < x.length; i++) {
      const s = item(x[i]);
      if (s === undefined) return undefined;
      out.push([i, s]);
    }
    return out;
  }
  if (x !== null && typeof x === 'object') {
    for (const [k, v] of Object.entries(x)) {
      const s = item(v);
      if (s === undefined) return undefined;
      out.push([k, s]);
    }
    return out;
  }
  return undefined;
}

function containsMatches(a: unknown, b: unknown): unknown[] | undefined {
  const left = entries(a);
  const right = entries(b);
  if (!left || !right) return undefined;
  const out: unknown[] = [];
  for (const [ka, sa] of left) {
    const na = parseNet(sa, true);
    if (!na) return undefined;
    for (const [kb, sb] of right) {
      const nb = parseNet(sb, true);
      if (!nb) return undefined;
      if (contains(na, nb)) out.push([ka, kb]);
    }
  }
  return out;
}

export const NET_BUILTINS: Record<string, HostBuiltin> = {
  'net.cidr_contains': (a, b) => {
    const outer = parseNet(a, false);
    const inner = parseNet(b, true);
    return outer && inner ? contains(outer, inner) : undefined;
  },
  'net.cidr_overlap': (a, b) => {
    const outer = parseNet(a, false);
    const inner = parseNet(b, true);
    return outer && inner ? contains(outer, inner) : undefined;
  },
  'net.cidr_intersects': (a, b) => {
    const x = parseNet(a, false);
    const y = parseNet(b, false);
    return x && y ? intersects(x, y) : undefined;
  },
  'net.cidr_expand': cidrExpand,
  'net.cidr_merge': cidrMerge,
  'net.cidr_contains_matches': containsMatches,
  'net.cidr_is_valid': (x) => parseNet(x, false) !== undefined,
};
