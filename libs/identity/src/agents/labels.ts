import { registerDecorator, type ValidationOptions } from 'class-validator';

export const MAX_LABELS = 64;
const KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]{0,62}[A-Za-z0-9])?$/;
const MAX_VALUE_LENGTH = 256;

/** Why a value is not a valid label map (`{string: string}`), or null when it is. */
export function labelMapProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'labels must be an object';
  if (Object.getPrototypeOf(value) !== Object.prototype) return 'labels must be a plain object';
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_LABELS) return `labels can hold at most ${MAX_LABELS} entries`;
  for (const [key, label] of entries) {
    if (!KEY.test(key))
      return `label key "${key.slice(0, 64)}" must be 1-64 characters of letters, digits, . _ / -`;
    if (typeof label !== 'string') return `label "${key}" must be a string`;
    if (label.length > MAX_VALUE_LENGTH)
      return `label "${key}" is longer than ${MAX_VALUE_LENGTH} characters`;
  }
  return null;
}

/** class-validator decorator: a map of at most 64 string labels with safe keys. */
export function IsLabelMap(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isLabelMap',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => labelMapProblem(value) === null,
        defaultMessage: (args) => labelMapProblem(args?.value) ?? 'labels are invalid',
      },
    });
  };
}
