import { ValidateBy, type ValidationOptions } from 'class-validator';

export interface JsonBounds {
  /** Deepest nesting of objects and arrays (the value itself is depth 1). */
  maxDepth: number;
  /** Largest size of the value as JSON text, in bytes. */
  maxBytes: number;
}

/**
 * Why a JSON object is refused, or null when it is acceptable: it must be a plain object within the bounds,
 * and no string (or key) may contain U+0000, which PostgreSQL cannot store in jsonb.
 */
export function jsonBoundsViolation(value: unknown, bounds: JsonBounds): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'must be an object';
  if (!withinDepth(value, bounds.maxDepth)) return `must not be nested deeper than ${bounds.maxDepth} levels`;
  const text = JSON.stringify(value);
  if (Buffer.byteLength(text, 'utf8') > bounds.maxBytes)
    return `must not exceed ${bounds.maxBytes} bytes as JSON`;
  if (text.includes('\\u0000')) return 'must not contain the character U+0000';
  return null;
}

function withinDepth(root: unknown, maxDepth: number): boolean {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (value === null || typeof value !== 'object') continue;
    if (depth > maxDepth) return false;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return true;
}

/** Validates a JSON object property against size and depth bounds (see jsonBoundsViolation). */
export function IsBoundedJsonObject(bounds: JsonBounds, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isBoundedJsonObject',
      validator: {
        validate: (value: unknown) => jsonBoundsViolation(value, bounds) === null,
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} ${jsonBoundsViolation(args?.value, bounds) ?? 'is invalid'}`,
      },
    },
    options,
  );
}
