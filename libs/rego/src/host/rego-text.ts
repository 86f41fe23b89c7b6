/** Rego's text form of a JSON value (OPA's `Term.String()`): `[1, "a"]`, `{"a": 1}`, `null`, `true`. */
export function regoText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(regoText).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${regoText(v)}`).join(', ')}}`;
  }
  return typeof value === 'bigint' ? value.toString() : '';
}
