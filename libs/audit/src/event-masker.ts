import { formatConcretePath, parseJsonPath, type PathSegment } from './json-path';

/** How a matched value is masked: removed from its object (array elements become null) or replaced. */
export type MaskMode = 'remove' | 'replace';

export interface MaskingOptions {
  /** JSON paths into the event, each starting with `$.data` (e.g. `$.data.arguments.password`, `$.data..token`). */
  paths?: readonly string[];
  mode?: MaskMode;
  /** Value that replaces masked values (mode `replace`, and always for credential-looking fields). */
  replacement?: string;
}

export interface MaskResult {
  data: Record<string, unknown>;
  /** Sorted concrete paths that were masked, e.g. `$.data.arguments.password`. */
  masked: string[];
}

export const DEFAULT_MASK_REPLACEMENT = '[MASKED]';

/**
 * Field names (compared lower-case without `-`, `_`, `.` and spaces) that always hold credentials. Exact
 * names, plus suffixes such as `dbPassword`, `clientSecret`, `accessToken`, `x-api-key`.
 */
const CREDENTIAL_NAMES = new Set(['auth', 'pwd', 'pass', 'jwt', 'otp', 'pin', 'cvv', 'ssn']);
const CREDENTIAL_SUFFIXES = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'accesskey',
  'privatekey',
  'secretkey',
  'signingkey',
  'authorization',
  'cookie',
  'credential',
  'credentials',
  'sessionid',
  'bearer',
];
/** Field names ending in `token` that count things rather than hold a secret (LLM tool calls have them). */
const NOT_CREDENTIALS = new Set([
  'maxtoken',
  'maxtokens',
  'numtoken',
  'tokencount',
  'nexttoken',
  'pagetoken',
  'nextpagetoken',
  'continuationtoken',
  'csrftoken',
]);

/** String values that are credentials whatever their field is called. */
const CREDENTIAL_VALUES = [
  /^\s*bearer\s+\S{8,}/i,
  /^\s*basic\s+[A-Za-z0-9+/=]{8,}\s*$/i,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /^eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*$/, // JWT
  /^(AKIA|ASIA)[0-9A-Z]{16}$/, // AWS access key id
  /^(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})$/,
  /^(sk|rk)[-_](live|test|proj|ant)?[-_]?[A-Za-z0-9_-]{20,}$/, // Stripe / OpenAI / Anthropic style keys
  /^xox[abposr]-[A-Za-z0-9-]{10,}$/, // Slack
  /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, // URL with user:password@
];

const nameCache = new Map<string, boolean>();
const NAME_CACHE_LIMIT = 10_000;

export function isCredentialName(name: string): boolean {
  const cached = nameCache.get(name);
  if (cached !== undefined) return cached;
  const n = name.toLowerCase().replace(/[-_.\s]/g, '');
  const result =
    !NOT_CREDENTIALS.has(n) && (CREDENTIAL_NAMES.has(n) || CREDENTIAL_SUFFIXES.some((s) => n.endsWith(s)));
  if (nameCache.size >= NAME_CACHE_LIMIT) nameCache.clear();
  nameCache.set(name, result);
  return result;
}

/** Shortest string any of CREDENTIAL_VALUES can match; shorter strings skip the regular expressions. */
const MIN_CREDENTIAL_LENGTH = 8; // `a://b:c@`

export function isCredentialValue(value: string): boolean {
  return value.length >= MIN_CREDENTIAL_LENGTH && CREDENTIAL_VALUES.some((re) => re.test(value));
}

type Container = Record<string, unknown> | unknown[];
interface Match {
  steps: Array<string | number>;
  parent: Container;
  key: string | number;
}

/**
 * Masks an event's `data` BEFORE it is hashed: values at the configured paths are removed or replaced,
 * and credential-looking fields (by name or by value) are always replaced. Never mutates its input. The
 * result lists every concrete path that was masked, which becomes the event's `masked` field.
 */
export class EventMasker {
  private readonly rules: PathSegment[][];
  private readonly mode: MaskMode;
  private readonly replacement: string;

  constructor(options: MaskingOptions = {}) {
    this.mode = options.mode ?? 'replace';
    this.replacement = options.replacement ?? DEFAULT_MASK_REPLACEMENT;
    this.rules = (options.paths ?? []).map((path) => {
      const segments = parseJsonPath(path);
      const first = segments[0];
      if (!first || first.kind !== 'key' || first.name !== 'data') {
        throw new SyntaxError(`masking path must start with "$.data": ${path}`);
      }
      return segments.slice(1);
    });
  }

  mask(data: Record<string, unknown>): MaskResult {
    // Most payloads have nothing to mask and are plain JSON already: then the copy would equal the input,
    // and a read-only walk (no allocation) is enough to know it. The result then shares the caller's object.
    if (this.rules.length === 0 && data !== null && typeof data === 'object' && this.plain(data, 0)) {
      return { data, masked: [] };
    }
    const found: string[] = [];
    // One pass copies the payload as JSON would (toJSON honoured, undefined members dropped, non-finite
    // numbers → null) and replaces credential-looking members on the way.
    const copy = this.copy(data ?? {}, ['data'], found) as Record<string, unknown>;
    const matches: Match[] = [];
    for (const rule of this.rules) collect(copy, rule, 0, ['data'], matches);
    // Outermost first: a match below one already masked is already gone.
    matches.sort((a, b) => a.steps.length - b.steps.length);
    const byRule = new Set<string>();
    for (const m of matches) {
      const path = formatConcretePath(m.steps);
      if (byRule.has(path) || hasMaskedAncestor(path, byRule)) continue;
      byRule.add(path);
      if (this.mode === 'remove' && !Array.isArray(m.parent)) delete m.parent[m.key as string];
      else if (this.mode === 'remove') (m.parent as unknown[])[m.key as number] = null;
      else setMember(m.parent, m.key, this.replacement);
    }
    for (const path of found) if (!hasMaskedAncestor(path, byRule)) byRule.add(path);
    return { data: copy, masked: [...byRule].sort() };
  }

  /**
   * Whether `value` is plain JSON that {@link copy} would reproduce unchanged: only null, booleans, strings
   * that do not look like credentials, finite numbers, arrays and plain objects without `toJSON`, no
   * undefined member, no member whose name or value looks like a credential, at most 64 levels deep.
   */
  private plain(value: unknown, depth: number): boolean {
    if (value === null) return true;
    switch (typeof value) {
      case 'string':
        return !isCredentialValue(value);
      case 'boolean':
        return true;
      case 'number':
        return Number.isFinite(value);
      case 'object':
        break;
      default:
        return false;
    }
    if (depth > 64) return false;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i += 1) if (!this.plain(value[i], depth + 1)) return false;
      return true;
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return false;
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
    const record = value as Record<string, unknown>;
    for (const key in record) {
      if (!Object.hasOwn(record, key)) return false;
      const item = record[key];
      if (item === undefined || item === this.replacement) return false;
      if (item !== null && item !== '' && isCredentialName(key)) return false;
      if (!this.plain(item, depth + 1)) return false;
    }
    return true;
  }

  /** JSON-compatible deep copy that masks credential-looking members; `steps` is a shared path stack. */
  private copy(value: unknown, steps: Array<string | number>, found: string[]): unknown {
    if (value === null) return null;
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return value;
      case 'number':
        return Number.isFinite(value) ? value : null;
      case 'bigint':
        throw new TypeError('BigInt cannot be represented in JSON');
      case 'object':
        break;
      default:
        return undefined;
    }
    const object = value as { toJSON?: unknown };
    if (typeof object.toJSON === 'function')
      return this.copy((object.toJSON as () => unknown)(), steps, found);
    if (Array.isArray(object)) {
      const out: unknown[] = new Array<unknown>(object.length);
      for (let i = 0; i < object.length; i += 1) {
        const item: unknown = object[i];
        if (typeof item === 'string' && isCredentialValue(item)) {
          out[i] = this.replacement;
          found.push(formatConcretePath([...steps, i]));
          continue;
        }
        steps.push(i);
        out[i] = this.copy(item, steps, found) ?? null;
        steps.pop();
      }
      return out;
    }
    const record = object as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key in record) {
      if (!Object.hasOwn(record, key)) continue;
      const item = record[key];
      if (item === undefined) continue;
      const credential =
        item !== this.replacement &&
        ((item !== null && item !== '' && isCredentialName(key)) ||
          (typeof item === 'string' && isCredentialValue(item)));
      if (credential) {
        out[key] = this.replacement;
        found.push(formatConcretePath([...steps, key]));
        continue;
      }
      steps.push(key);
      const copied = this.copy(item, steps, found);
      steps.pop();
      if (copied !== undefined) out[key] = copied;
    }
    return out;
  }
}

function setMember(parent: Container, key: string | number, value: unknown): void {
  if (Array.isArray(parent)) parent[key as number] = value;
  else parent[key as string] = value;
}

/** Is a proper ancestor of the concrete `path` (a prefix ending at a segment boundary) in `paths`? */
function hasMaskedAncestor(path: string, paths: ReadonlySet<string>): boolean {
  for (const other of paths) {
    if (other.length < path.length && path.startsWith(other)) {
      const next = path[other.length];
      if (next === '.' || next === '[') return true;
    }
  }
  return false;
}

function children(node: unknown): Array<[string | number, unknown]> {
  if (Array.isArray(node)) return node.map((v, i) => [i, v]);
  if (node !== null && typeof node === 'object') return Object.entries(node);
  return [];
}

function collect(
  node: unknown,
  rule: readonly PathSegment[],
  at: number,
  steps: Array<string | number>,
  out: Match[],
): void {
  if (at === rule.length) return;
  const segment = rule[at];
  const last = at === rule.length - 1;
  const visit = (key: string | number, value: unknown): void => {
    const here = [...steps, key];
    if (last) out.push({ steps: here, parent: node as Container, key });
    else collect(value, rule, at + 1, here, out);
  };
  switch (segment.kind) {
    case 'key':
      if (
        node !== null &&
        typeof node === 'object' &&
        !Array.isArray(node) &&
        Object.hasOwn(node, segment.name)
      ) {
        visit(segment.name, (node as Record<string, unknown>)[segment.name]);
      }
      return;
    case 'index':
      if (Array.isArray(node) && segment.index < node.length) visit(segment.index, node[segment.index]);
      return;
    case 'wildcard':
      for (const [key, value] of children(node)) visit(key, value);
      return;
    case 'descendant':
      for (const [key, value] of children(node)) {
        if (segment.name === null || key === segment.name) visit(key, value);
        // Keep looking deeper with the same `..name` segment.
        collect(value, rule, at, [...steps, key], out);
      }
      return;
  }
}
