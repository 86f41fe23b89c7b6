/**
 * Tool names the gateway shows its client: `<upstream>__<tool>` (two underscores). Upstream names cannot
 * contain `_`, so the first `__` always ends the upstream name and the tool name may contain anything.
 */
export const NAMESPACE_SEPARATOR = '__';

export function namespacedToolName(upstream: string, tool: string): string {
  return `${upstream}${NAMESPACE_SEPARATOR}${tool}`;
}

/** Splits a namespaced tool name; undefined when it has no separator or an empty part. */
export function splitToolName(name: string): { upstream: string; tool: string } | undefined {
  const at = name.indexOf(NAMESPACE_SEPARATOR);
  if (at <= 0) return undefined;
  const tool = name.slice(at + NAMESPACE_SEPARATOR.length);
  if (tool.length === 0) return undefined;
  return { upstream: name.slice(0, at), tool };
}
