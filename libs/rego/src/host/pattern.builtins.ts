/**
 * Pattern host builtins: `glob.*` (gobwas/glob semantics, as OPA uses them) and `regex.*` (RE2 patterns
 * translated to JavaScript RegExp: leading `(?flags)`, `(?P<name>…)`, `\z`, POSIX classes). Undefined on bad
 * input, like OPA's non-strict builtin errors.
 */
import type { HostBuiltin } from './host-builtins';

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

// ---- glob -----------------------------------------------------------------------------------------------

const globCache = new Map<string, RegExp | null>();

function globToRegExp(pattern: string, delimiters: string[]): RegExp | undefined {
  const key = `${pattern}\u0000${delimiters.join('')}`;
  const cached = globCache.get(key);
  if (cached !== undefined) return cached ?? undefined;
  const notDelim = delimiters.length > 0 ? `[^${delimiters.map(escapeRe).join('')}]` : '[\\s\\S]';
  let out = '';
  let depth = 0;
  let ok = true;
  for (let i = 0; i < pattern.length && ok; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      if (i >= pattern.length) ok = false;
      else out += escapeRe(pattern[i]);
    } else if (c === '*') {
      if (pattern[i + 1] === '*') {
        out += '[\\s\\S]*';
        i++;
      } else {
        out += `${notDelim}*`;
      }
    } else if (c === '?') {
      out += notDelim;
    } else if (c === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) {
        ok = false;
        break;
      }
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      if (body === '') ok = false;
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else if (c === '{') {
      depth++;
      out += '(?:';
    } else if (c === '}' && depth > 0) {
      depth--;
      out += ')';
    } else if (c === ',' && depth > 0) {
      out += '|';
    } else {
      out += escapeRe(c);
    }
  }
  let re: RegExp | null = null;
  if (ok && depth === 0) {
    try {
      re = new RegExp(`^(?:${out})$`);
    } catch {
      re = null;
    }
  }
  globCache.set(key, re);
  return re ?? undefined;
}

function globMatch(pattern: unknown, delimiters: unknown, value: unknown): boolean | undefined {
  if (typeof pattern !== 'string' || typeof value !== 'string') return undefined;
  let delims: string[];
  if (delimiters === null) delims = [];
  else if (Array.isArray(delimiters) && delimiters.every((d) => typeof d === 'string')) {
    delims = delimiters.length === 0 ? ['.'] : delimiters;
  } else return undefined;
  const re = globToRegExp(pattern, delims);
  return re ? re.test(value) : undefined;
}

// ---- regex ----------------------------------------------------------------------------------------------

const reCache = new Map<string, { source: string; flags: string } | null>();

const POSIX: Record<string, string> = {
  alnum: 'a-zA-Z0-9',
  alpha: 'a-zA-Z',
  ascii: '\\x00-\\x7f',
  blank: ' \\t',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-/:-@[-`{-~',
  space: ' \\t\\n\\v\\f\\r',
  upper: 'A-Z',
  word: 'A-Za-z0-9_',
  xdigit: '0-9A-Fa-f',
};

/** RE2 syntax → a JavaScript RegExp source and flags; undefined when invalid. */
function translate(pattern: string): { source: string; flags: string } | undefined {
  const cached = reCache.get(pattern);
  if (cached !== undefined) return cached ?? undefined;
  let source = pattern;
  let flags = '';
  const lead = /^\(\?([imsU]+)\)/.exec(source);
  if (lead) {
    if (lead[1].includes('U')) {
      reCache.set(pattern, null);
      return undefined;
    }
    flags = [...new Set(lead[1].split(''))].join('');
    source = source.slice(lead[0].length);
  }
  source = source
    .replace(/\(\?P</g, '(?<')
    .replace(/\\z/g, '$(?![\\s\\S])')
    .replace(/\\Q([\s\S]*?)(\\E|$)/g, (_m, lit: string) => escapeRe(lit))
    .replace(/\[:(\^?)([a-z]+):\]/g, (m, neg: string, name: string) =>
      POSIX[name] && !neg ? POSIX[name] : m,
    );
  let result: { source: string; flags: string } | null = { source, flags };
  try {
    new RegExp(source, flags);
    // RE2 rejects backreferences and lookarounds, which JavaScript accepts.
    if (/\\[1-9]|\(\?[=!]|\(\?<[=!]/.test(source)) result = null;
  } catch {
    result = null;
  }
  reCache.set(pattern, result);
  return result ?? undefined;
}

function compile(pattern: unknown, global = false): RegExp | undefined {
  if (typeof pattern !== 'string') return undefined;
  const t = translate(pattern);
  return t ? new RegExp(t.source, t.flags + (global ? 'g' : '')) : undefined;
}

/** Go's FindAll*: successive non-overlapping matches; an empty match right after the previous one is skipped. */
function findAll(re: RegExp, s: string, n: number): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  if (n === 0) return out;
  let pos = 0;
  let prevEnd = -1;
  while (pos <= s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    const accept = !(start === end && start === prevEnd);
    if (accept) {
      out.push(m);
      if (n > 0 && out.length >= n) break;
    }
    pos = end > start ? end : end + 1;
    prevEnd = end;
  }
  return out;
}

function regexSplit(pattern: unknown, value: unknown): string[] | undefined {
  const re = compile(pattern, true);
  if (!re || typeof value !== 'string') return undefined;
  if (value === '') return [''];
  const parts: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of findAll(re, value, -1)) {
    end = m.index;
    const mEnd = m.index + m[0].length;
    if (mEnd !== 0) parts.push(value.slice(beg, end));
    beg = mEnd;
  }
  if (end !== value.length) parts.push(value.slice(beg));
  return parts;
}

/** Go's Regexp.Expand template: `$1`, `${1}`, `$name`, `${name}`, `$$`. */
function expand(template: string, m: RegExpExecArray): string {
  return template.replace(
    /\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g,
    (_all, tok: string, braced?: string, bare?: string) => {
      if (tok === '$') return '$';
      const name = braced ?? bare ?? '';
      if (/^\d+$/.test(name)) return m[Number(name)] ?? '';
      return m.groups?.[name] ?? '';
    },
  );
}

function regexReplace(s: unknown, pattern: unknown, value: unknown): string | undefined {
  const re = compile(pattern, true);
  if (!re || typeof s !== 'string' || typeof value !== 'string') return undefined;
  let out = '';
  let last = 0;
  for (const m of findAll(re, s, -1)) {
    out += s.slice(last, m.index) + expand(value, m);
    last = m.index + m[0].length;
  }
  return out + s.slice(last);
}

function templateMatch(
  template: unknown,
  value: unknown,
  open: unknown,
  close: unknown,
): boolean | undefined {
  if (
    typeof template !== 'string' ||
    typeof value !== 'string' ||
    typeof open !== 'string' ||
    typeof close !== 'string'
  ) {
    return undefined;
  }
  if (open.length !== 1 || close.length !== 1) return undefined;
  let source = '';
  let i = 0;
  while (i < template.length) {
    const start = template.indexOf(open, i);
    if (start < 0) {
      source += escapeRe(template.slice(i));
      break;
    }
    source += escapeRe(template.slice(i, start));
    // Find the matching close delimiter, allowing nested braces inside the expression.
    let depth = 0;
    let j = start;
    for (; j < template.length; j++) {
      if (template[j] === open) depth++;
      else if (template[j] === close && --depth === 0) break;
    }
    if (j >= template.length) return undefined;
    const inner = translate(template.slice(start + 1, j));
    if (!inner) return undefined;
    source += `(?:${inner.source})`;
    i = j + 1;
  }
  try {
    return new RegExp(`^${source}$`).test(value);
  } catch {
    return undefined;
  }
}

// ---- regex.globs_match: is the intersection of two glob-style patterns non-empty? ------------------------

type Range = [number, number];
interface GlobToken {
  ranges: Range[];
  star: boolean;
}

/** Tokens of a glob-style pattern (`.`, `*`, `+`, `[a-z]`, `\\x`, literals); `c+` becomes `c c*`. */
function globTokens(pattern: string): GlobToken[] | undefined {
  const out: GlobToken[] = [];
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    let ranges: Range[];
    if (c === '*' || c === '+') {
      const prev = out[out.length - 1];
      if (!prev || prev.star) return undefined;
      if (c === '*') prev.star = true;
      else out.push({ ranges: prev.ranges, star: true });
      continue;
    }
    if (c === ']') return undefined;
    if (c === '.') ranges = [[0, 0x10ffff]];
    else if (c === '\\') {
      const next = chars[++i];
      if (next === undefined) return undefined;
      const cp = next.codePointAt(0) ?? 0;
      ranges = [[cp, cp]];
    } else if (c === '[') {
      ranges = [];
      let closed = false;
      for (i++; i < chars.length; i++) {
        let ch = chars[i];
        if (ch === ']') {
          closed = true;
          break;
        }
        if (ch === '\\') ch = chars[++i] ?? '';
        const lo = ch.codePointAt(0) ?? 0;
        let hi = lo;
        if (chars[i + 1] === '-' && chars[i + 2] !== undefined && chars[i + 2] !== ']') {
          hi = chars[i + 2].codePointAt(0) ?? 0;
          i += 2;
        }
        if (hi < lo) return undefined;
        ranges.push([lo, hi]);
      }
      if (!closed || ranges.length === 0) return undefined;
    } else {
      const cp = c.codePointAt(0) ?? 0;
      ranges = [[cp, cp]];
    }
    out.push({ ranges, star: false });
  }
  return out;
}

const overlaps = (a: Range[], b: Range[]): boolean =>
  a.some(([l1, h1]) => b.some(([l2, h2]) => l1 <= h2 && l2 <= h1));

function globsIntersect(a: GlobToken[], b: GlobToken[]): boolean {
  // Product of the two NFAs (state = token position); `taken` records that a character was consumed.
  const closure = (tokens: GlobToken[], i: number): number[] => {
    const out = [i];
    while (i < tokens.length && tokens[i].star) out.push(++i);
    return out;
  };
  const seen = new Set<string>();
  const queue: [number, number, boolean][] = [[0, 0, false]];
  while (queue.length > 0) {
    const [si, sj, taken] = queue.shift() as [number, number, boolean];
    for (const i of closure(a, si)) {
      for (const j of closure(b, sj)) {
        if (i === a.length && j === b.length && taken) return true;
        if (i === a.length || j === b.length || !overlaps(a[i].ranges, b[j].ranges)) continue;
        const next: [number, number, boolean] = [a[i].star ? i : i + 1, b[j].star ? j : j + 1, true];
        const key = next.join(',');
        if (!seen.has(key)) {
          seen.add(key);
          queue.push(next);
        }
      }
    }
  }
  return false;
}

const intArg = (n: unknown): number | undefined =>
  typeof n === 'number' && Number.isInteger(n) ? n : undefined;

export const PATTERN_BUILTINS: Record<string, HostBuiltin> = {
  'glob.match': globMatch,
  'glob.quote_meta': (x) => (typeof x === 'string' ? x.replace(/[*?\\[\]{}]/g, '\\$&') : undefined),
  'regex.is_valid': (p) => (typeof p === 'string' ? translate(p) !== undefined : false),
  'regex.match': (p, v) => {
    const re = compile(p);
    return re && typeof v === 'string' ? re.test(v) : undefined;
  },
  re_match: (p, v) => {
    const re = compile(p);
    return re && typeof v === 'string' ? re.test(v) : undefined;
  },
  'regex.split': regexSplit,
  'regex.replace': regexReplace,
  'regex.find_n': (p, v, n) => {
    const re = compile(p, true);
    const count = intArg(n);
    return re && typeof v === 'string' && count !== undefined
      ? findAll(re, v, count).map((m) => m[0])
      : undefined;
  },
  'regex.find_all_string_submatch_n': (p, v, n) => {
    const re = compile(p, true);
    const count = intArg(n);
    return re && typeof v === 'string' && count !== undefined
      ? findAll(re, v, count).map((m) => Array.from(m, (g) => g ?? ''))
      : undefined;
  },
  'regex.template_match': templateMatch,
  'regex.globs_match': (g1, g2) => {
    if (typeof g1 !== 'string' || typeof g2 !== 'string') return undefined;
    const a = globTokens(g1);
    const b = globTokens(g2);
    return a && b ? globsIntersect(a, b) : undefined;
  },
};
