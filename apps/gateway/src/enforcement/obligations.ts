/** What replaces a redacted value. */
export const REDACTED = '[redacted]';

/** Most paths of one obligation the gateway applies (a policy cannot make it walk without bound). */
const MAX_PATHS = 1000;

/**
 * The obligations of a decision the gateway applies (other keys are the server's business, e.g.
 * `consume_grants`). Each is a list of paths: a JSON pointer (`/user/email`, RFC 6901) or a dot path
 * (`user.email`, `items.0.token`), relative to the arguments or the result; a leading `arguments.` /
 * `result.` (as the baseline policy writes them) is accepted.
 *
 * - `mask_arguments`: replaced by "[redacted]" in the arguments SENT TO THE TOOL.
 * - `redact_arguments`: replaced in everything the gateway reports or logs about the call (the tool still
 *   gets the real value).
 * - `redact_result`: replaced in the tool's result before the client (the model) sees it.
 * - `block_result: true` (result phase): the result is withheld altogether (the enforcer checks it).
 */
export interface GatewayObligations {
  maskArguments: string[][];
  redactArguments: string[][];
  redactResult: string[][];
}

export function obligationsOf(...sources: Array<Record<string, unknown> | undefined>): GatewayObligations {
  const out: GatewayObligations = { maskArguments: [], redactArguments: [], redactResult: [] };
  for (const source of sources) {
    if (!source) continue;
    out.maskArguments.push(...pathsOf(source.mask_arguments, 'arguments'));
    out.redactArguments.push(...pathsOf(source.redact_arguments, 'arguments'));
    out.redactResult.push(...pathsOf(source.redact_result, 'result'));
  }
  return out;
}

function pathsOf(value: unknown, root: 'arguments' | 'result'): string[][] {
  if (!Array.isArray(value)) return [];
  const out: string[][] = [];
  for (const entry of value.slice(0, MAX_PATHS)) {
    if (typeof entry !== 'string') continue;
    const tokens = parsePath(entry, root);
    if (tokens) out.push(tokens);
  }
  return out;
}

/** A path as reference tokens; undefined when malformed. `""` / `/` / `arguments` alone mean the whole value. */
export function parsePath(path: string, root?: string): string[] | undefined {
  if (path.length > 4096) return undefined;
  if (path === '' || path === '/') return [];
  if (path.startsWith('/')) {
    return path
      .slice(1)
      .split('/')
      .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  const tokens = path.split('.');
  if (tokens.some((t) => t.length === 0)) return undefined;
  if (root !== undefined && tokens[0] === root) tokens.shift();
  return tokens;
}

/** A copy of `value` with every value at `paths` replaced by "[redacted]" (missing paths are ignored). */
export function redact<T>(value: T, paths: string[][]): T {
  if (paths.length === 0) return value;
  if (paths.some((p) => p.length === 0)) return REDACTED as T;
  const copy = structuredClone(value);
  for (const path of paths) replaceAt(copy, path);
  return copy;
}

function replaceAt(root: unknown, path: string[]): void {
  let node: unknown = root;
  for (let i = 0; i < path.length - 1; i += 1) {
    node = child(node, path[i]);
    if (node === undefined) return;
  }
  const last = path[path.length - 1];
  if (Array.isArray(node)) {
    const index = arrayIndex(last, node.length);
    if (index !== undefined) node[index] = REDACTED;
  } else if (node !== null && typeof node === 'object' && Object.hasOwn(node, last)) {
    (node as Record<string, unknown>)[last] = REDACTED;
  }
}

function child(node: unknown, token: string): unknown {
  if (Array.isArray(node)) {
    const index = arrayIndex(token, node.length);
    return index === undefined ? undefined : (node[index] as unknown);
  }
  if (node !== null && typeof node === 'object' && Object.hasOwn(node, token)) {
    return (node as Record<string, unknown>)[token];
  }
  return undefined;
}

function arrayIndex(token: string, length: number): number | undefined {
  if (!/^(0|[1-9]\d{0,8})$/.test(token)) return undefined;
  const index = Number(token);
  return index < length ? index : undefined;
}
