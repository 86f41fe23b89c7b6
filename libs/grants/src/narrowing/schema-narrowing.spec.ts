import { describe, expect, it } from 'vitest';
import { schemaWidening } from './schema-narrowing';

const parent = {
  type: 'object',
  properties: { repo: { const: 'acme/web' }, amount: { type: 'number', maximum: 100 } },
  required: ['amount'],
};

describe('schemaWidening', () => {
  it('accepts the same schema and tighter bounds, added const/enum subsets and added properties', () => {
    expect(schemaWidening(parent, parent)).toBeNull();
    expect(
      schemaWidening(parent, {
        ...parent,
        properties: {
          ...parent.properties,
          amount: { type: 'integer', maximum: 50, minimum: 1 },
          note: { type: 'string', maxLength: 20 },
        },
        required: ['amount', 'note'],
      }),
    ).toBeNull();
    expect(schemaWidening({ enum: ['a', 'b', 'c'] }, { enum: ['a', 'c'] })).toBeNull();
    expect(schemaWidening({ enum: ['a', 'b'] }, { const: 'b' })).toBeNull();
    expect(schemaWidening(undefined, { properties: { x: { const: 1 } } })).toBeNull();
  });

  it('names the widening keyword', () => {
    const looser = {
      ...parent,
      properties: { ...parent.properties, amount: { type: 'number', maximum: 500 } },
    };
    expect(schemaWidening(parent, looser)).toBe('properties.amount.maximum');
    expect(schemaWidening(parent, { ...parent, required: [] })).toBe('required');
    expect(schemaWidening(parent, { type: 'object', required: ['amount'] })).toBe('properties');
    expect(schemaWidening(parent, { ...parent, properties: { amount: parent.properties.amount } })).toBe(
      'properties.repo',
    );
    expect(
      schemaWidening(parent, {
        ...parent,
        properties: { ...parent.properties, repo: { const: 'acme/api' } },
      }),
    ).toBe('properties.repo.const');
    expect(schemaWidening({ enum: ['a'] }, { enum: ['a', 'b'] })).toBe('enum');
    expect(schemaWidening({ minimum: 5 }, { minimum: 1 })).toBe('minimum');
    expect(schemaWidening(parent, undefined)).toBe('$');
  });

  it('refuses what it cannot prove narrower', () => {
    expect(schemaWidening(parent, { ...parent, anyOf: [{ required: ['x'] }] })).toBe('anyOf');
    expect(schemaWidening({ pattern: '^a' }, { pattern: '^ab' })).toBe('pattern');
    const closed = { properties: { a: { type: 'string' } }, additionalProperties: false };
    expect(schemaWidening(closed, { ...closed, properties: { a: { type: 'string' }, b: {} } })).toBe(
      'properties.b',
    );
    expect(schemaWidening(closed, { properties: closed.properties })).toBe('additionalProperties');
  });
});
