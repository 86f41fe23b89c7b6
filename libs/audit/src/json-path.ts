/**
 * The small JSONPath subset accepted in masking rules: `$`, `.name`, `['name']` / `["name"]`, `[0]`,
 * `.*` / `[*]` (any member or element) and `..name` / `..*` (at any depth).
 */
export type PathSegment =
  | { kind: 'key'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'descendant'; name: string | null };

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*/;

export function parseJsonPath(path: string): PathSegment[] {
  if (!path.startsWith('$')) throw new SyntaxError(`JSON path must start with "$": ${path}`);
  const segments: PathSegment[] = [];
  let i = 1;
  const fail = (why: string): never => {
    throw new SyntaxError(`invalid JSON path ${JSON.stringify(path)} at ${i}: ${why}`);
  };
  while (i < path.length) {
    if (path.startsWith('..', i)) {
      i += 2;
      if (path[i] === '*') {
        segments.push({ kind: 'descendant', name: null });
        i += 1;
        continue;
      }
      const m = IDENTIFIER.exec(path.slice(i));
      if (!m) fail('expected a name or * after ".."');
      segments.push({ kind: 'descendant', name: m![0] });
      i += m![0].length;
    } else if (path[i] === '.') {
      i += 1;
      if (path[i] === '*') {
        segments.push({ kind: 'wildcard' });
        i += 1;
        continue;
      }
      const m = IDENTIFIER.exec(path.slice(i));
      if (!m) fail('expected a name or * after "."');
      segments.push({ kind: 'key', name: m![0] });
      i += m![0].length;
    } else if (path[i] === '[') {
      const close = path.indexOf(']', i);
      if (close < 0) fail('unclosed "["');
      const inner = path.slice(i + 1, close).trim();
      if (inner === '*') segments.push({ kind: 'wildcard' });
      else if (/^\d+$/.test(inner)) segments.push({ kind: 'index', index: Number(inner) });
      else if (/^'(?:[^'\\]|\\.)*'$|^"(?:[^"\\]|\\.)*"$/.test(inner)) {
        segments.push({ kind: 'key', name: inner.slice(1, -1).replace(/\\(.)/g, '$1') });
      } else fail('expected *, an index or a quoted name inside [ ]');
      i = close + 1;
    } else {
      fail(`unexpected ${JSON.stringify(path[i])}`);
    }
  }
  return segments;
}

/** The canonical text of a concrete path, as recorded in an event's `masked` list. */
export function formatConcretePath(steps: ReadonlyArray<string | number>): string {
  let out = '$';
  for (const step of steps) {
    if (typeof step === 'number') out += `[${step}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(step)) out += `.${step}`;
    else out += `['${step.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
  }
  return out;
}
