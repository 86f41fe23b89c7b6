/**
 * Tool-name globs, with the semantics of Rego's `glob.match(pattern, [], name)` (default delimiter `.`):
 * `*` matches any run of characters except `.`, `**` any run including `.`, `?` one character except `.`.
 * Patterns are restricted to tool-name characters plus `*` and `?` so every pattern means the same here
 * and in the policy.
 */
export const TOOL_PATTERN = /^[A-Za-z0-9_.:/*?-]{1,256}$/;
export const TOOL_NAME = /^[A-Za-z0-9_.:/-]{1,256}$/;

const compiled = new Map<string, RegExp>();

export function globRegExp(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (re) return re;
  let source = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        source += '.*';
        i += 1;
      } else source += '[^.]*';
    } else if (c === '?') source += '[^.]';
    else source += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  re = new RegExp(`${source}$`, 's');
  if (compiled.size > 10_000) compiled.clear();
  compiled.set(pattern, re);
  return re;
}

export function globMatches(pattern: string, name: string): boolean {
  return globRegExp(pattern).test(name);
}

export function hasGlob(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/**
 * Whether every name matching `child` also matches `parent` — provably, with a conservative rule: the same
 * pattern, or a parent `<literal>*` and a child starting with that literal whose remainder cannot produce
 * a `.` (no `.` and no `**`). Anything else is "not provable" (false).
 */
export function patternWithin(parent: string, child: string): boolean {
  if (parent === child) return true;
  if (parent === '**') return true;
  if (!parent.endsWith('*') || parent.endsWith('**')) return false;
  const literal = parent.slice(0, -1);
  if (hasGlob(literal)) return false;
  if (!child.startsWith(literal)) return false;
  const rest = child.slice(literal.length);
  return !rest.includes('.') && !rest.includes('**');
}
