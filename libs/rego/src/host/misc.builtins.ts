/**
 * Host builtins without a better home: units, objects, numbers, JSON, URL query, UUID, semver, graph, hex.
 * Every function returns undefined on bad input (OPA's non-strict builtin errors).
 */
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { HostBuiltin } from './host-builtins';

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

// ---- units ----------------------------------------------------------------------------------------------

const NUMBER_PREFIX = /^([0-9]*\.?[0-9]*(?:[eE][-+]?[0-9]+)?)(.*)$/;

function splitAmount(text: string): { amount: number; unit: string } | undefined {
  const s = text.replace(/"/g, '');
  const match = NUMBER_PREFIX.exec(s);
  if (!match || match[1] === '' || match[1] === '.') return undefined;
  const amount = Number(match[1]);
  if (!Number.isFinite(amount)) return undefined;
  return { amount, unit: match[2] };
}

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  kb: 1e3,
  ki: 2 ** 10,
  kib: 2 ** 10,
  m: 1e6,
  mb: 1e6,
  mi: 2 ** 20,
  mib: 2 ** 20,
  g: 1e9,
  gb: 1e9,
  gi: 2 ** 30,
  gib: 2 ** 30,
  t: 1e12,
  tb: 1e12,
  ti: 2 ** 40,
  tib: 2 ** 40,
  p: 1e15,
  pb: 1e15,
  pi: 2 ** 50,
  pib: 2 ** 50,
  e: 1e18,
  eb: 1e18,
  ei: 2 ** 60,
  eib: 2 ** 60,
};

const SI_UNITS: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  ki: 2 ** 10,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

function unitsParseBytes(x: unknown): number | undefined {
  if (typeof x !== 'string') return undefined;
  const parsed = splitAmount(x);
  if (!parsed) return undefined;
  const factor = BYTE_UNITS[parsed.unit.toLowerCase()];
  if (factor === undefined) return undefined;
  return Math.floor(parsed.amount * factor);
}

function unitsParse(x: unknown): number | undefined {
  if (typeof x !== 'string') return undefined;
  const parsed = splitAmount(x);
  if (!parsed) return undefined;
  let factor = SI_UNITS[parsed.unit];
  if (factor === undefined && parsed.unit !== 'm' && parsed.unit !== '') {
    // Other than m (milli) / M (mega), prefixes are case-insensitive: 8g = 8G, 2mi = 2Mi.
    factor = SI_UNITS[parsed.unit[0].toUpperCase() + parsed.unit.slice(1).toLowerCase()];
  }
  if (factor === undefined) return undefined;
  // Avoid binary noise such as 500 * 0.001 = 0.5000000000000001.
  return factor < 1 ? parsed.amount / 1000 : parsed.amount * factor;
}

// ---- objects, numbers, JSON ---------------------------------------------------------------------------

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isObject(v))
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys(v[k])]),
    );
  return v;
}

/** object.subset(super, sub): objects recursively; arrays as contiguous sub-sequences; sets (arrays here) as subsets. */
function isSubset(sup: unknown, sub: unknown): boolean {
  if (isObject(sup) && isObject(sub)) {
    return Object.entries(sub).every(([k, v]) => k in sup && (isSubset(sup[k], v) || deepEqual(sup[k], v)));
  }
  if (Array.isArray(sup) && Array.isArray(sub)) {
    if (sub.length === 0) return true;
    for (let i = 0; i + sub.length <= sup.length; i++) {
      if (sub.every((v, j) => deepEqual(sup[i + j], v))) return true;
    }
    return sub.every((v) => sup.some((s) => deepEqual(s, v)));
  }
  return deepEqual(sup, sub);
}

function rangeStep(a: unknown, b: unknown, step: unknown): number[] | undefined {
  if (typeof a !== 'number' || typeof b !== 'number' || typeof step !== 'number') return undefined;
  if (!Number.isInteger(a) || !Number.isInteger(b) || !Number.isInteger(step) || step <= 0) return undefined;
  const out: number[] = [];
  if (a <= b) for (let v = a; v <= b; v += step) out.push(v);
  else for (let v = a; v >= b; v -= step) out.push(v);
  return out;
}

function marshalWithOptions(value: unknown, opts: unknown): string | undefined {
  if (!isObject(opts)) return undefined;
  for (const key of Object.keys(opts)) if (!['prefix', 'indent', 'pretty'].includes(key)) return undefined;
  const { prefix, indent, pretty } = opts;
  if (prefix !== undefined && typeof prefix !== 'string') return undefined;
  if (indent !== undefined && typeof indent !== 'string') return undefined;
  if (pretty !== undefined && typeof pretty !== 'boolean') return undefined;
  const wantsPretty =
    pretty === true || (pretty === undefined && (prefix !== undefined || indent !== undefined));
  if (!wantsPretty) return JSON.stringify(value);
  const text = JSON.stringify(value, null, indent ?? '\t');
  const p = prefix ?? '';
  return text
    .split('\n')
    .map((line) => p + line)
    .join('\n');
}

/** Path segments: strings from a JSON pointer, or raw values from an array path (set elements may be any value). */
function pointerPath(path: unknown): unknown[] | undefined {
  if (Array.isArray(path)) return path as unknown[];
  if (typeof path !== 'string') return undefined;
  if (path === '') return [];
  // OPA also accepts paths without the leading slash.
  return (path.startsWith('/') ? path.slice(1) : path)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

const isIndex = (seg: unknown): boolean =>
  (typeof seg === 'number' && Number.isInteger(seg) && seg >= 0) ||
  (typeof seg === 'string' && /^\d+$/.test(seg));

/** Does a path segment name this set element? (Sets reach the host as arrays.) */
const namesElement = (seg: unknown, element: unknown): boolean =>
  deepEqual(seg, element) ||
  (typeof seg === 'string' && typeof element !== 'string' && JSON.stringify(element) === seg);

function child(node: unknown, seg: unknown): unknown {
  if (Array.isArray(node)) {
    if (isIndex(seg)) return node[Number(seg)];
    return node.find((e) => namesElement(seg, e));
  }
  if (isObject(node) && typeof seg === 'string') return node[seg];
  return undefined;
}

/** json.patch(doc, ops): RFC 6902 on JSON values; arrays addressed by a non-index segment are treated as sets. */
function jsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) return undefined;
  let root: unknown = clone(doc);
  const parentOf = (path: unknown[]): { parent: unknown; key: unknown } | undefined => {
    let node: unknown = root;
    for (const seg of path.slice(0, -1)) {
      node = child(node, seg);
      if (node === undefined) return undefined;
    }
    return { parent: node, key: path[path.length - 1] };
  };
  const get = (path: unknown[]): unknown => {
    let node: unknown = root;
    for (const seg of path) {
      node = child(node, seg);
      if (node === undefined) return undefined;
    }
    return node;
  };
  const remove = (path: unknown[]): unknown => {
    if (path.length === 0) return undefined;
    const at = parentOf(path);
    if (!at) return undefined;
    if (Array.isArray(at.parent)) {
      const key = at.key;
      const i = isIndex(key) ? Number(key) : at.parent.findIndex((e) => namesElement(key, e));
      if (i < 0 || i >= at.parent.length) return undefined;
      return at.parent.splice(i, 1)[0];
    }
    if (isObject(at.parent) && typeof at.key === 'string' && at.key in at.parent) {
      const v = at.parent[at.key];
      delete at.parent[at.key];
      return v;
    }
    return undefined;
  };
  const add = (path: unknown[], value: unknown): boolean => {
    if (path.length === 0) {
      root = value;
      return true;
    }
    const at = parentOf(path);
    if (!at) return false;
    if (Array.isArray(at.parent)) {
      if (at.key !== '-' && !isIndex(at.key)) {
        // A set: the segment must name the value being added.
        if (!namesElement(at.key, value)) return false;
        if (!at.parent.some((e) => deepEqual(e, value))) at.parent.push(value);
        return true;
      }
      const i = at.key === '-' ? at.parent.length : Number(at.key);
      if (i > at.parent.length) return false;
      at.parent.splice(i, 0, value);
      return true;
    }
    if (isObject(at.parent) && typeof at.key === 'string') {
      at.parent[at.key] = value;
      return true;
    }
    return false;
  };
  for (const op of ops) {
    if (!isObject(op) || typeof op.op !== 'string') return undefined;
    const path = pointerPath(op.path);
    if (!path) return undefined;
    switch (op.op) {
      case 'add':
        if (!add(path, clone(op.value))) return undefined;
        break;
      case 'remove':
        if (remove(path) === undefined) return undefined;
        break;
      case 'replace':
        if (path.length === 0) root = clone(op.value);
        else if (remove(path) === undefined || !add(path, clone(op.value))) return undefined;
        break;
      case 'move': {
        const from = pointerPath(op.from);
        if (!from) return undefined;
        const v = from.length === 0 ? root : remove(from);
        if (v === undefined || !add(path, v)) return undefined;
        break;
      }
      case 'copy': {
        const from = pointerPath(op.from);
        const v = from ? get(from) : undefined;
        if (v === undefined || !add(path, clone(v))) return undefined;
        break;
      }
      case 'test': {
        const v = get(path);
        if (v === undefined || !deepEqual(v, op.value)) return undefined;
        break;
      }
      default:
        return undefined;
    }
  }
  return root;
}

// ---- URL query ------------------------------------------------------------------------------------------

/** Go's url.QueryEscape. */
function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/~/g, '%7E');
}

function queryUnescape(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function encodeObject(obj: unknown): string | undefined {
  if (!isObject(obj)) return undefined;
  const parts: string[] = [];
  for (const key of Object.keys(obj).sort()) {
    const v = obj[key];
    const values = Array.isArray(v) ? v : [v];
    for (const item of values) {
      if (typeof item !== 'string') return undefined;
      parts.push(`${queryEscape(key)}=${queryEscape(item)}`);
    }
  }
  return parts.join('&');
}

function decodeObject(text: unknown): Record<string, string[]> | undefined {
  if (typeof text !== 'string') return undefined;
  const out: Record<string, string[]> = {};
  for (const part of text.split(/[&]/)) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = queryUnescape(eq < 0 ? part : part.slice(0, eq));
    const v = queryUnescape(eq < 0 ? '' : part.slice(eq + 1));
    if (k === undefined || v === undefined) return undefined;
    (out[k] ??= []).push(v);
  }
  return out;
}

// ---- UUID -----------------------------------------------------------------------------------------------

function uuidParse(x: unknown): Record<string, unknown> | undefined {
  if (typeof x !== 'string') return undefined;
  let s = x.toLowerCase();
  if (s.startsWith('urn:uuid:')) s = s.slice(9);
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1);
  if (/^[0-9a-f]{32}$/.test(s))
    s = `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(s)) return undefined;
  const hex = s.replace(/-/g, '');
  const bytes = Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
  const version = bytes[6] >> 4;
  const v = bytes[8];
  const variant =
    (v & 0xc0) === 0x80
      ? 'RFC4122'
      : (v & 0x80) === 0
        ? 'Reserved'
        : (v & 0xe0) === 0xc0
          ? 'Microsoft'
          : 'Future';
  const out: Record<string, unknown> = { version, variant };
  if (variant === 'RFC4122' && (version === 1 || version === 2)) {
    const timeLow = BigInt(`0x${hex.slice(0, 8)}`);
    const timeMid = BigInt(`0x${hex.slice(8, 12)}`);
    const timeHi = BigInt(`0x${hex.slice(12, 16)}`) & 0x0fffn;
    const time = (timeHi << 48n) | (timeMid << 32n) | timeLow;
    // 100-ns intervals since 1582-10-15 → Unix ns.
    out.time = Number((time - 0x01b21dd213814000n) * 100n);
    out.clocksequence = ((bytes[8] & 0x3f) << 8) | bytes[9];
    out.nodeid = bytes
      .slice(10)
      .map((b) => b.toString(16).padStart(2, '0'))
      .join('-');
    out.macvariables = `${bytes[10] & 0x02 ? 'local' : 'global'}:${bytes[10] & 0x01 ? 'multicast' : 'unicast'}`;
    if (version === 2) {
      out.id = Number(timeLow);
      out.domain = ['Person', 'Group', 'Org'][bytes[9]] ?? `Domain${bytes[9]}`;
    }
  }
  return out;
}

// ---- semver ---------------------------------------------------------------------------------------------

const SEMVER =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

function semverCompare(a: unknown, b: unknown): number | undefined {
  if (typeof a !== 'string' || typeof b !== 'string') return undefined;
  const x = SEMVER.exec(a);
  const y = SEMVER.exec(b);
  if (!x || !y || a.startsWith('v') || b.startsWith('v')) return undefined;
  for (let i = 1; i <= 3; i++) {
    const d = BigInt(x[i]) - BigInt(y[i]);
    if (d !== 0n) return d < 0n ? -1 : 1;
  }
  const px = x[4];
  const py = y[4];
  if (px === undefined || py === undefined) return px === py ? 0 : px === undefined ? 1 : -1;
  const ax = px.split('.');
  const ay = py.split('.');
  for (let i = 0; i < Math.max(ax.length, ay.length); i++) {
    if (ax[i] === undefined) return -1;
    if (ay[i] === undefined) return 1;
    const nx = /^\d+$/.test(ax[i]);
    const ny = /^\d+$/.test(ay[i]);
    if (nx && ny) {
      const d = BigInt(ax[i]) - BigInt(ay[i]);
      if (d !== 0n) return d < 0n ? -1 : 1;
    } else if (nx !== ny) {
      return nx ? -1 : 1;
    } else if (ax[i] !== ay[i]) {
      return ax[i] < ay[i] ? -1 : 1;
    }
  }
  return 0;
}

// ---- graph ----------------------------------------------------------------------------------------------

function reachablePaths(graph: unknown, initial: unknown): unknown[][] | undefined {
  if (!isObject(graph)) return undefined;
  const starts = Array.isArray(initial) ? initial : undefined;
  if (!starts) return undefined;
  const edges = (node: unknown): unknown[] => {
    const e = graph[String(node)];
    if (Array.isArray(e)) return e;
    if (isObject(e)) return Object.keys(e);
    return [];
  };
  const out = new Map<string, unknown[]>();
  const walk = (node: unknown, path: unknown[]): void => {
    if (!(String(node) in graph)) {
      if (path.length > 0) out.set(JSON.stringify(path), path);
      return;
    }
    const next = [...path, node];
    const children = edges(node).filter((c) => !next.some((p) => JSON.stringify(p) === JSON.stringify(c)));
    if (children.length === 0) {
      out.set(JSON.stringify(next), next);
      return;
    }
    for (const c of children) walk(c, next);
  };
  for (const s of starts) walk(s, []);
  return [...out.values()];
}

// ---- strings --------------------------------------------------------------------------------------------

function strings(x: unknown): string[] | undefined {
  if (typeof x === 'string') return [x];
  if (Array.isArray(x) && x.every((s) => typeof s === 'string')) return x;
  return undefined;
}

function hexDecode(x: unknown): string | undefined {
  if (typeof x !== 'string' || x.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(x)) return undefined;
  const bytes = new Uint8Array(x.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(x.slice(i * 2, i * 2 + 2), 16);
  return new TextDecoder().decode(bytes);
}

function base64UrlNoPad(x: unknown): string | undefined {
  if (typeof x !== 'string') return undefined;
  const bytes = new TextEncoder().encode(x);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function renderTemplate(template: unknown, vars: unknown): string | undefined {
  if (typeof template !== 'string' || !isObject(vars)) return undefined;
  let failed = false;
  const out = template.replace(/\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_m, name: string) => {
    if (!(name in vars)) {
      failed = true;
      return '';
    }
    const v = vars[name];
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
  return failed ? undefined : out;
}

export const MISC_BUILTINS: Record<string, HostBuiltin> = {
  'units.parse_bytes': unitsParseBytes,
  'units.parse': unitsParse,
  'object.subset': (sup, sub) =>
    (isObject(sup) && isObject(sub)) || (Array.isArray(sup) && Array.isArray(sub))
      ? isSubset(sup, sub)
      : undefined,
  'numbers.range_step': rangeStep,
  'json.marshal_with_options': marshalWithOptions,
  'json.patch': jsonPatch,
  'urlquery.encode': (x) => (typeof x === 'string' ? queryEscape(x) : undefined),
  'urlquery.decode': (x) => (typeof x === 'string' ? queryUnescape(x) : undefined),
  'urlquery.encode_object': encodeObject,
  'urlquery.decode_object': decodeObject,
  'uuid.parse': uuidParse,
  'semver.is_valid': (x) => typeof x === 'string' && !x.startsWith('v') && SEMVER.test(x),
  'semver.compare': semverCompare,
  'graph.reachable_paths': reachablePaths,
  'strings.any_prefix_match': (a, b) => {
    const xs = strings(a);
    const ps = strings(b);
    return xs && ps ? xs.some((s) => ps.some((p) => s.startsWith(p))) : undefined;
  },
  'strings.any_suffix_match': (a, b) => {
    const xs = strings(a);
    const ps = strings(b);
    return xs && ps ? xs.some((s) => ps.some((p) => s.endsWith(p))) : undefined;
  },
  'strings.render_template': renderTemplate,
  'hex.encode': (x) =>
    typeof x === 'string'
      ? [...new TextEncoder().encode(x)].map((b) => b.toString(16).padStart(2, '0')).join('')
      : undefined,
  'hex.decode': hexDecode,
  'base64url.encode_no_pad': base64UrlNoPad,
  'yaml.marshal': (x) => stringifyYaml(x),
  'yaml.unmarshal': (x) => (typeof x === 'string' ? ((parseYaml(x) as unknown) ?? null) : undefined),
  'yaml.is_valid': (x) => {
    if (typeof x !== 'string') return undefined;
    try {
      parseYaml(x);
      return true;
    } catch {
      return false;
    }
  },
};
