/**
 * `json.verify_schema` and `json.match_schema` on Ajv (JSON Schema draft-07 by default). Messages follow OPA's
 * (gojsonschema) wording where the conformance cases pin them; others are Ajv's.
 */
import Ajv, { type ErrorObject } from 'ajv';
import type { HostBuiltin } from './host-builtins';

const PRIMITIVE_TYPES = ['array', 'boolean', 'integer', 'number', 'null', 'object', 'string'];

let ajv: Ajv | undefined;

function instance(): Ajv {
  ajv ??= new Ajv({ allErrors: true, strict: false, validateSchema: true });
  return ajv;
}

function schemaOf(x: unknown): object | boolean | undefined {
  if (typeof x === 'string') {
    try {
      const parsed: unknown = JSON.parse(x);
      return typeof parsed === 'object' && parsed !== null
        ? parsed
        : typeof parsed === 'boolean'
          ? parsed
          : undefined;
    } catch {
      return undefined;
    }
  }
  if (typeof x === 'object' && x !== null) return x;
  return typeof x === 'boolean' ? x : undefined;
}

function findBadType(schema: unknown): string | undefined {
  if (Array.isArray(schema)) {
    for (const s of schema) {
      const bad = findBadType(s);
      if (bad) return bad;
    }
    return undefined;
  }
  if (typeof schema !== 'object' || schema === null) return undefined;
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'type') {
      const types: unknown[] = Array.isArray(value) ? (value as unknown[]) : [value];
      const bad = types.find((t) => typeof t === 'string' && !PRIMITIVE_TYPES.includes(t));
      if (typeof bad === 'string') return bad;
    }
    const nested = findBadType(value);
    if (nested) return nested;
  }
  return undefined;
}

/** Undefined when valid, else OPA's error text. */
function schemaError(schema: object | boolean): string | undefined {
  const bad = findBadType(schema);
  if (bad) {
    return `jsonschema: has a primitive type that is NOT VALID -- given: /${bad}/ Expected valid values are:[${PRIMITIVE_TYPES.join(' ')}]`;
  }
  try {
    instance().compile(schema);
    return undefined;
  } catch (err) {
    return `jsonschema: ${err instanceof Error ? err.message : String(err)}`;
  }
}

function field(e: ErrorObject): string {
  const path = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (e.keyword === 'required')
    path.push(String((e.params as { missingProperty?: string }).missingProperty ?? ''));
  return path.length === 0 ? '(root)' : path.join('.');
}

function matchSchema(document: unknown, schemaArg: unknown): unknown {
  const schema = schemaOf(schemaArg);
  if (schema === undefined || schemaError(schema) !== undefined) return undefined;
  let doc = document;
  if (typeof document === 'string') {
    try {
      doc = JSON.parse(document) as unknown;
    } catch {
      return undefined;
    }
  }
  const validate = instance().compile(schema);
  if (validate(doc)) return [true, []];
  const errors = (validate.errors ?? []).map((e) => {
    const f = field(e);
    const desc =
      e.keyword === 'required' ? `${f.split('.').pop() ?? f} is required` : (e.message ?? e.keyword);
    return { error: `${f}: ${desc}`, type: e.keyword, field: f, desc };
  });
  return [false, errors];
}

export const SCHEMA_BUILTINS: Record<string, HostBuiltin> = {
  'json.verify_schema': (x) => {
    const schema = schemaOf(x);
    if (schema === undefined) return undefined;
    const error = schemaError(schema);
    return error === undefined ? [true, null] : [false, error];
  },
  'json.match_schema': matchSchema,
};
