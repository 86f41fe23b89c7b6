import type { Finding } from './finding';
import { appendPointer } from './json-pointer';

/** Limits of a walk over untrusted JSON; exceeding one yields a `limits` finding, never an exception. */
export interface WalkLimits {
  /** Deepest nesting visited (default 64). */
  maxDepth: number;
  /** Most values (objects, arrays, scalars) visited (default 10,000). */
  maxNodes: number;
  /** Longest prefix of one string that is scanned (default 1 MiB characters). */
  maxStringLength: number;
  /** Total characters scanned over all strings (default 4 MiB characters). */
  maxTotalChars: number;
}

export const DEFAULT_WALK_LIMITS: Readonly<WalkLimits> = {
  maxDepth: 64,
  maxNodes: 10_000,
  maxStringLength: 1 << 20,
  maxTotalChars: 4 << 20,
};

/** One string found in a document: a value, or an object member's name (`isKey`). */
export interface StringSite {
  path: string;
  value: string;
  /** Name of the nearest enclosing object member ('' at the root or inside arrays of the root). */
  key: string;
  isKey: boolean;
}

interface Frame {
  value: unknown;
  path: string;
  key: string;
  depth: number;
}

/**
 * Collects every string (values and member names) of a JSON value, iteratively (no recursion, so hostile
 * nesting cannot overflow the stack), within the given limits. Limit breaches are reported in `findings`.
 */
export function collectStrings(root: unknown, limits: WalkLimits, findings: Finding[]): StringSite[] {
  const sites: StringSite[] = [];
  const stack: Frame[] = [{ value: root, path: '', key: '', depth: 0 }];
  let nodes = 0;
  let totalChars = 0;
  let depthReported = false;
  const seen = new Set<object>();
  const addString = (value: string, path: string, key: string, isKey: boolean): boolean => {
    let text = value;
    if (text.length > limits.maxStringLength) {
      findings.push({
        detector: 'limits',
        path,
        severity: 'medium',
        detail: `string of ${text.length} characters: only the first ${limits.maxStringLength} were scanned`,
      });
      text = text.slice(0, limits.maxStringLength);
    }
    if (totalChars + text.length > limits.maxTotalChars) {
      findings.push({
        detector: 'limits',
        path,
        severity: 'high',
        detail: `more than ${limits.maxTotalChars} characters of strings: the rest was not scanned`,
      });
      return false;
    }
    totalChars += text.length;
    sites.push({ path, value: text, key, isKey });
    return true;
  };
  while (stack.length > 0) {
    const frame = stack.pop() as Frame;
    nodes += 1;
    if (nodes > limits.maxNodes) {
      findings.push({
        detector: 'limits',
        path: frame.path,
        severity: 'high',
        detail: `more than ${limits.maxNodes} values: the rest was not scanned`,
      });
      break;
    }
    const { value } = frame;
    if (typeof value === 'string') {
      if (!addString(value, frame.path, frame.key, false)) break;
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (frame.depth >= limits.maxDepth) {
      if (!depthReported) {
        findings.push({
          detector: 'limits',
          path: frame.path,
          severity: 'high',
          detail: `nesting deeper than ${limits.maxDepth} levels: deeper values were not scanned`,
        });
        depthReported = true;
      }
      continue;
    }
    if (seen.has(value)) continue;
    seen.add(value);
    const children: Frame[] = [];
    const room = limits.maxNodes - nodes - stack.length;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length && i <= room; i += 1) {
        children.push({
          value: value[i],
          path: appendPointer(frame.path, i),
          key: frame.key,
          depth: frame.depth + 1,
        });
      }
    } else {
      for (const key in value) {
        if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
        if (children.length > room) break;
        const child = (value as Record<string, unknown>)[key];
        const path = appendPointer(frame.path, key);
        if (!addString(key, path, key, true)) return sites;
        children.push({ value: child, path, key, depth: frame.depth + 1 });
      }
    }
    // Reverse so that the stack pops children in document order.
    for (let i = children.length - 1; i >= 0; i -= 1) stack.push(children[i]);
  }
  return sites;
}
