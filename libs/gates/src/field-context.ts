/** What a string argument is used for, guessed from its member name and its schema. */
export type FieldKind = 'command' | 'path' | 'url' | 'sql' | 'text';

const COMMAND_NAME =
  /(?:^|[^a-z])(?:command|cmd|exec|execute|shell|script|argv|args|program|entrypoint|bash|sh)(?:$|[^a-z])/;
const PATH_NAME =
  /(?:^|[^a-z])(?:path|paths|file|files|filename|filepath|dir|dirs|directory|folder|cwd|workdir|dest|destination|source|src|target|location)(?:$|[^a-z])/;
const URL_NAME =
  /(?:^|[^a-z])(?:url|urls|uri|href|link|endpoint|host|hostname|domain|webhook|callback|origin|server|address|proxy|redirect)(?:$|[^a-z])/;
const SQL_NAME = /(?:^|[^a-z])(?:sql|query|where|filter|orderby|order|sort|statement)(?:$|[^a-z])/;

/** Splits camelCase / PascalCase into lower-case words joined by `_`, so `filePath` → `file_path`. */
function normaliseName(name: string): string {
  return name
    .slice(0, 128)
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

function kindFromName(name: string): FieldKind | undefined {
  if (name === '') return undefined;
  const n = normaliseName(name);
  if (COMMAND_NAME.test(n)) return 'command';
  if (URL_NAME.test(n)) return 'url';
  if (PATH_NAME.test(n)) return 'path';
  if (SQL_NAME.test(n)) return 'sql';
  return undefined;
}

const URL_FORMATS = new Set([
  'uri',
  'url',
  'iri',
  'uri-reference',
  'iri-reference',
  'hostname',
  'idn-hostname',
  'ipv4',
  'ipv6',
]);

function kindFromSchema(schema: Record<string, unknown> | undefined): FieldKind | undefined {
  if (!schema) return undefined;
  const format = typeof schema.format === 'string' ? schema.format : '';
  if (URL_FORMATS.has(format)) return 'url';
  if (format === 'path' || format === 'file-path') return 'path';
  const text = `${typeof schema.title === 'string' ? schema.title : ''} ${
    typeof schema.description === 'string' ? schema.description.slice(0, 500) : ''
  }`.toLowerCase();
  if (/\b(?:shell|command line|command to (?:run|execute)|bash|executable)\b/.test(text)) return 'command';
  if (/\b(?:url|uri|endpoint|hostname)\b/.test(text)) return 'url';
  if (/\b(?:file ?path|file name|filename|directory|folder|path to)\b/.test(text)) return 'path';
  if (/\b(?:sql|query)\b/.test(text)) return 'sql';
  return undefined;
}

/** Decodes a JSON pointer into its reference tokens. */
export function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Follows a local `$ref` (`#/...`) a few times; remote references are not followed. */
function deref(
  root: Record<string, unknown>,
  schema: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  let current = schema;
  for (let hops = 0; hops < 8 && current && typeof current.$ref === 'string'; hops += 1) {
    const ref = current.$ref;
    if (!ref.startsWith('#')) return current;
    let target: unknown = root;
    for (const token of pointerTokens(decodeURIComponentSafe(ref.slice(1))))
      target = asObject(target)?.[token];
    current = asObject(target);
  }
  return current;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The sub-schema that describes the value at `pointer` (best effort: properties, items, combinators). */
export function subSchemaAt(schema: unknown, pointer: string): Record<string, unknown> | undefined {
  const root = asObject(schema);
  if (!root) return undefined;
  let current = deref(root, root);
  for (const token of pointerTokens(pointer)) {
    if (!current) return undefined;
    const properties = asObject(current.properties);
    let next: Record<string, unknown> | undefined;
    if (properties && Object.prototype.hasOwnProperty.call(properties, token))
      next = asObject(properties[token]);
    else if (/^\d+$/.test(token) && Array.isArray(current.prefixItems))
      next = asObject(current.prefixItems[Number(token)]);
    if (!next && /^\d+$/.test(token))
      next =
        asObject(current.items) ??
        (Array.isArray(current.items) ? asObject(current.items[Number(token)]) : undefined);
    if (!next) next = asObject(current.additionalProperties);
    if (!next) {
      for (const combinator of ['anyOf', 'oneOf', 'allOf'] as const) {
        const options = current[combinator];
        if (!Array.isArray(options)) continue;
        for (const option of options) {
          const candidate = asObject(asObject(deref(root, asObject(option)))?.properties)?.[token];
          if (candidate) {
            next = asObject(candidate);
            break;
          }
        }
        if (next) break;
      }
    }
    current = deref(root, next);
  }
  return current;
}

/** The kind of field a string sits in: the member name wins, then the schema's format and description. */
export function fieldKind(key: string, schema: Record<string, unknown> | undefined): FieldKind {
  return kindFromName(key) ?? kindFromSchema(schema) ?? 'text';
}
