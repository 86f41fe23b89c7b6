import Ajv, { type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Finding } from './finding';
import { appendPointer } from './json-pointer';
import { LruCache } from './lru-cache';

export type CompiledSchema = { ok: true; validate: ValidateFunction } | { ok: false; reason: string };

const AJV_OPTIONS: Options = {
  allErrors: true,
  strict: false,
  validateSchema: true,
  allowUnionTypes: true,
  logger: false,
  // Remote $refs are never fetched: an unresolved reference is a compile error.
  loadSchema: undefined,
  inlineRefs: true,
  messages: true,
};

const MAX_SCHEMA_NODES = 20_000;
const MAX_SCHEMA_DEPTH = 64;
const MAX_PATTERN_LENGTH = 1_000;
/** A quantified group that itself contains a quantifier, e.g. `(a+)+`, `(\w*x?)*`, `(a|b+){2,}`. */
const NESTED_QUANTIFIER =
  /\((?:[^()\\]|\\.){0,1000}?(?:[*+]|\{\d{1,6},\d{0,6}\})(?:[^()\\]|\\.){0,1000}?\)(?:[*+]|\{\d{1,6},\d{0,6}\})/;
/** A quantified group of alternatives that can overlap, e.g. `(a|a)*`, `(\d|\w)+`. */
const QUANTIFIED_ALTERNATION =
  /\((?:[^()\\]|\\.){0,1000}?\|(?:[^()\\]|\\.){0,1000}?\)(?:[*+]|\{\d{1,6},\d{0,6}\})/;

/**
 * Checks a schema before handing it to Ajv: bounded size and depth, and no `pattern` that risks
 * catastrophic backtracking (Ajv runs patterns with JavaScript's backtracking RegExp engine, and the
 * schema comes from an MCP server, so it is untrusted). Returns a reason to refuse, or undefined.
 */
export function unsafeSchemaReason(schema: unknown): string | undefined {
  const stack: Array<{ value: unknown; depth: number; key: string }> = [{ value: schema, depth: 0, key: '' }];
  let nodes = 0;
  while (stack.length > 0) {
    const { value, depth, key } = stack.pop() as (typeof stack)[number];
    if ((nodes += 1) > MAX_SCHEMA_NODES) return `schema has more than ${MAX_SCHEMA_NODES} nodes`;
    if (depth > MAX_SCHEMA_DEPTH) return `schema nested deeper than ${MAX_SCHEMA_DEPTH} levels`;
    if (typeof value !== 'object' || value === null) {
      const reason = key === 'pattern' && typeof value === 'string' ? unsafePattern(value) : undefined;
      if (reason) return reason;
      continue;
    }
    if (key === 'patternProperties' && !Array.isArray(value)) {
      for (const p of Object.keys(value)) {
        const reason = unsafePattern(p);
        if (reason) return reason;
      }
    }
    for (const [childKey, child] of Object.entries(value as Record<string, unknown>)) {
      stack.push({ value: child, depth: depth + 1, key: Array.isArray(value) ? '' : childKey });
    }
  }
  return undefined;
}

function unsafePattern(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_LENGTH) return `pattern longer than ${MAX_PATTERN_LENGTH} characters`;
  if (NESTED_QUANTIFIER.test(pattern) || QUANTIFIED_ALTERNATION.test(pattern)) {
    return `pattern ${JSON.stringify(pattern.slice(0, 80))} risks catastrophic backtracking`;
  }
  return undefined;
}

function ajvFor(schema: unknown): Ajv {
  const dialect =
    typeof schema === 'object' && schema !== null ? (schema as { $schema?: unknown }).$schema : undefined;
  const ajv =
    typeof dialect === 'string' && dialect.includes('2020-12')
      ? new Ajv2020(AJV_OPTIONS)
      : typeof dialect === 'string' && dialect.includes('2019-09')
        ? new Ajv2019(AJV_OPTIONS)
        : new Ajv(AJV_OPTIONS);
  addFormats(ajv);
  return ajv;
}

/** Compiles a schema with a fresh Ajv instance (so `$id`s of different tools never collide). */
export function compileSchema(schema: unknown): CompiledSchema {
  if (
    typeof schema !== 'boolean' &&
    (typeof schema !== 'object' || schema === null || Array.isArray(schema))
  ) {
    return { ok: false, reason: 'input schema is not a JSON Schema object' };
  }
  const unsafe = unsafeSchemaReason(schema);
  if (unsafe) return { ok: false, reason: unsafe };
  try {
    // structuredClone: Ajv may annotate the object; the caller's schema stays untouched.
    const validate = ajvFor(schema).compile(structuredClone<object | boolean>(schema));
    return { ok: true, validate };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `invalid or unsupported input schema: ${message.slice(0, 200)}` };
  }
}

/** Compiled validators keyed by schema digest, bounded (least recently used evicted). */
export class SchemaValidatorCache {
  private readonly cache: LruCache<string, CompiledSchema>;

  constructor(capacity = 1_000) {
    this.cache = new LruCache(capacity);
  }

  get size(): number {
    return this.cache.size;
  }

  get(schemaDigest: string, schema: unknown): CompiledSchema {
    const cached = this.cache.get(schemaDigest);
    if (cached) return cached;
    const compiled = compileSchema(schema);
    this.cache.set(schemaDigest, compiled);
    return compiled;
  }
}

const MAX_SCHEMA_FINDINGS = 20;

function errorPath(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    return appendPointer(error.instancePath, params.additionalProperty);
  }
  if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
    return appendPointer(error.instancePath, params.missingProperty);
  }
  return error.instancePath;
}

/** Validates arguments against a compiled schema; each violation becomes a `schema` finding (high). */
export function schemaFindings(compiled: CompiledSchema, args: unknown): Finding[] {
  if (!compiled.ok) return [{ detector: 'schema', path: '', severity: 'high', detail: compiled.reason }];
  let valid: boolean;
  try {
    valid = compiled.validate(args);
  } catch (error) {
    return [
      {
        detector: 'schema',
        path: '',
        severity: 'high',
        detail: `validation failed: ${error instanceof Error ? error.message.slice(0, 200) : 'unknown error'}`,
      },
    ];
  }
  if (valid) return [];
  const errors = compiled.validate.errors ?? [];
  const findings: Finding[] = errors.slice(0, MAX_SCHEMA_FINDINGS).map((error) => ({
    detector: 'schema' as const,
    path: errorPath(error),
    severity: 'high' as const,
    detail: `${error.keyword}: ${error.message ?? 'invalid'}`.slice(0, 200),
  }));
  if (errors.length > MAX_SCHEMA_FINDINGS) {
    findings.push({
      detector: 'schema',
      path: '',
      severity: 'high',
      detail: `${errors.length - MAX_SCHEMA_FINDINGS} more schema violations`,
    });
  }
  return findings;
}
