import { isDeepStrictEqual } from 'node:util';

type Schema = Record<string, unknown>;

/** Keywords where a smaller child value is tighter. */
const UPPER_BOUNDS = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'];
/** Keywords where a larger child value is tighter. */
const LOWER_BOUNDS = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'];
/** Keywords a child may add (each only narrows what it applies to). */
const ADDABLE = new Set([
  ...UPPER_BOUNDS,
  ...LOWER_BOUNDS,
  'const',
  'enum',
  'type',
  'multipleOf',
  'pattern',
  'format',
  'uniqueItems',
  'required',
  'properties',
  'items',
  'additionalProperties',
  'title',
  'description',
]);
/** Annotations: no effect on validation, never compared. */
const ANNOTATIONS = new Set(['title', 'description', '$comment', 'examples', 'default']);

function isSchema(value: unknown): value is Schema {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function types(value: unknown): string[] | null {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((t) => typeof t === 'string')) return value;
  return null;
}

/**
 * Where `child` (a JSON Schema) is not provably at least as strict as `parent`: the path of the first
 * keyword that widens or that cannot be proven narrower (e.g. `properties.amount.maximum`), or null when
 * every value `child` accepts is provably accepted by `parent`. Conservative on purpose: the child must
 * keep every keyword of the parent with an equal or tighter value, and may only add keywords whose
 * effect is a plain conjunction (bounds, const/enum, type, required, properties, …).
 */
export function schemaWidening(parent: unknown, child: unknown, path = ''): string | null {
  const here = (key: string) => (path ? `${path}.${key}` : key);
  if (parent === undefined || parent === true || (isSchema(parent) && Object.keys(parent).length === 0)) {
    return child === undefined || child === true || isSchema(child) ? null : path || '$';
  }
  if (child === false) return null;
  if (!isSchema(parent) || !isSchema(child)) return isDeepStrictEqual(parent, child) ? null : path || '$';
  for (const [key, value] of Object.entries(parent)) {
    if (ANNOTATIONS.has(key)) continue;
    const mine = child[key];
    if (mine === undefined) {
      // A parent const/enum is still enforced when the child pins a const inside it.
      if ((key === 'enum' || key === 'type') && 'const' in child && constWithin(key, value, child.const))
        continue;
      return here(key);
    }
    if (!tighter(key, value, mine, here(key))) return here(key);
    if (key === 'properties' || key === 'items' || key === 'additionalProperties') {
      const nested = nestedWidening(key, value, mine, here(key));
      if (nested) return nested;
    }
  }
  for (const key of Object.keys(child)) {
    if (key in parent || ANNOTATIONS.has(key)) continue;
    if (!ADDABLE.has(key)) return here(key);
    // New properties are only narrowing while the parent does not restrict additional properties.
    if (key === 'properties' && 'additionalProperties' in parent) return here(key);
  }
  if ('additionalProperties' in parent && isSchema(child.properties)) {
    const known = isSchema(parent.properties) ? parent.properties : {};
    for (const name of Object.keys(child.properties)) {
      if (!(name in known)) return here(`properties.${name}`);
    }
  }
  return null;
}

function constWithin(key: string, parentValue: unknown, value: unknown): boolean {
  if (key === 'enum')
    return Array.isArray(parentValue) && parentValue.some((v) => isDeepStrictEqual(v, value));
  const allowed = types(parentValue);
  return allowed !== null && allowed.includes(jsonType(value));
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function tighter(key: string, parent: unknown, child: unknown, _path: string): boolean {
  if (UPPER_BOUNDS.includes(key))
    return typeof child === 'number' && typeof parent === 'number' && child <= parent;
  if (LOWER_BOUNDS.includes(key))
    return typeof child === 'number' && typeof parent === 'number' && child >= parent;
  switch (key) {
    case 'enum':
      return (
        Array.isArray(parent) &&
        Array.isArray(child) &&
        child.every((v) => parent.some((p) => isDeepStrictEqual(p, v)))
      );
    case 'type': {
      const p = types(parent);
      const c = types(child);
      return (
        p !== null && c !== null && c.every((t) => p.includes(t) || (t === 'integer' && p.includes('number')))
      );
    }
    case 'required':
      return Array.isArray(parent) && Array.isArray(child) && parent.every((name) => child.includes(name));
    case 'multipleOf':
      return (
        typeof parent === 'number' &&
        typeof child === 'number' &&
        parent > 0 &&
        Number.isInteger(child / parent)
      );
    case 'uniqueItems':
      return parent !== true || child === true;
    case 'properties':
      return isSchema(parent) && isSchema(child);
    case 'items':
      return (
        (isSchema(parent) || typeof parent === 'boolean') && (isSchema(child) || typeof child === 'boolean')
      );
    case 'additionalProperties':
      return child === false || (parent !== false && (isSchema(child) || child === true));
    default:
      // const, pattern, format and every keyword not understood here: only an identical value is provable.
      return isDeepStrictEqual(parent, child);
  }
}

function nestedWidening(key: string, parent: unknown, child: unknown, path: string): string | null {
  if (key === 'properties') {
    const p = parent as Schema;
    const c = child as Schema;
    for (const name of Object.keys(p)) {
      if (!(name in c)) return `${path}.${name}`;
      const widened = schemaWidening(p[name], c[name], `${path}.${name}`);
      if (widened) return widened;
    }
    return null;
  }
  if (key === 'additionalProperties' && child === false) return null;
  return schemaWidening(parent, child, path);
}
