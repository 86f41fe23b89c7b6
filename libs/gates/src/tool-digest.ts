import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { appendPointer } from './json-pointer';
import type { ToolDefinition } from './tool-definition';

/** The fields of a tool definition that are pinned (anything else a server sends, e.g. `_meta`, is not). */
export const PINNED_FIELDS = [
  'name',
  'title',
  'description',
  'inputSchema',
  'outputSchema',
  'annotations',
] as const;
export type PinnedField = (typeof PINNED_FIELDS)[number];

function pinnedView(definition: ToolDefinition): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  const source = definition as unknown as Record<string, unknown>;
  for (const field of PINNED_FIELDS) {
    if (source[field] !== undefined) view[field] = source[field];
  }
  return view;
}

/** RFC 8785 canonical JSON text of the pinned fields of a definition. */
export function canonicalToolJson(definition: ToolDefinition): string {
  const text = canonicalize(pinnedView(definition));
  if (text === undefined) throw new TypeError('tool definition cannot be canonicalised');
  return text;
}

/** `sha256:<hex>` of any JSON value's RFC 8785 canonical form. */
export function jsonDigest(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value cannot be canonicalised');
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/**
 * Canonical digest of a tool definition: SHA-256 over the RFC 8785 canonical JSON of its pinned fields
 * (name, title, description, inputSchema, outputSchema, annotations). Key order and whitespace do not
 * matter; any change to any pinned field, however small, changes the digest.
 */
export function toolDigest(definition: ToolDefinition): string {
  return `sha256:${createHash('sha256').update(canonicalToolJson(definition), 'utf8').digest('hex')}`;
}

export type ChangeKind = 'added' | 'removed' | 'modified';

/** One difference inside a field: a JSON pointer relative to the field's value. */
export interface ValueChange {
  path: string;
  kind: ChangeKind;
}

export interface FieldChange {
  field: PinnedField;
  kind: ChangeKind;
  /** For schemas and annotations: where inside the field the values differ ('' = the whole value). */
  changes: ValueChange[];
}

export interface DefinitionDiff {
  changed: boolean;
  before: string;
  after: string;
  fields: FieldChange[];
}

/** At most this many changes are listed per field; the rest are summarised by the parent's pointer. */
const MAX_CHANGES_PER_FIELD = 200;
const MAX_DIFF_DEPTH = 64;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return canonicalize(a) === canonicalize(b);
}

function diffValues(a: unknown, b: unknown, pointer: string, out: ValueChange[], depth: number): void {
  if (out.length >= MAX_CHANGES_PER_FIELD) return;
  if (sameJson(a, b)) return;
  if (depth < MAX_DIFF_DEPTH && isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const key of keys) {
      const path = appendPointer(pointer, key);
      if (!(key in b)) out.push({ path, kind: 'removed' });
      else if (!(key in a)) out.push({ path, kind: 'added' });
      else diffValues(a[key], b[key], path, out, depth + 1);
      if (out.length >= MAX_CHANGES_PER_FIELD) return;
    }
    return;
  }
  if (depth < MAX_DIFF_DEPTH && Array.isArray(a) && Array.isArray(b)) {
    const length = Math.max(a.length, b.length);
    for (let i = 0; i < length; i += 1) {
      const path = appendPointer(pointer, i);
      if (i >= b.length) out.push({ path, kind: 'removed' });
      else if (i >= a.length) out.push({ path, kind: 'added' });
      else diffValues(a[i], b[i], path, out, depth + 1);
      if (out.length >= MAX_CHANGES_PER_FIELD) return;
    }
    return;
  }
  out.push({ path: pointer, kind: 'modified' });
}

/**
 * Field-by-field difference between two versions of a tool definition (what an admin reviews before
 * approving a changed, quarantined tool). Inside structured fields (schemas, annotations) each change
 * carries a JSON pointer relative to that field, e.g. field `inputSchema`, path `/properties/path/pattern`.
 */
export function diffDefinitions(a: ToolDefinition, b: ToolDefinition): DefinitionDiff {
  const before = pinnedView(a);
  const after = pinnedView(b);
  const fields: FieldChange[] = [];
  for (const field of PINNED_FIELDS) {
    const hasA = field in before;
    const hasB = field in after;
    if (!hasA && !hasB) continue;
    if (!hasB) fields.push({ field, kind: 'removed', changes: [{ path: '', kind: 'removed' }] });
    else if (!hasA) fields.push({ field, kind: 'added', changes: [{ path: '', kind: 'added' }] });
    else {
      const changes: ValueChange[] = [];
      diffValues(before[field], after[field], '', changes, 0);
      if (changes.length > 0) fields.push({ field, kind: 'modified', changes });
    }
  }
  return { changed: fields.length > 0, before: toolDigest(a), after: toolDigest(b), fields };
}
