import { describe, expect, it } from 'vitest';
import { DomainError } from '@mandate/common';
import { narrowedScope, type ParentScope } from './grant-narrowing';

const parent: ParentScope = {
  server: 'payments',
  tool: null,
  toolPattern: 'refund*',
  constraints: { properties: { amount: { maximum: 100 } }, required: ['amount'] },
  notBefore: null,
  expiresAt: new Date('2030-01-01T00:00:00Z'),
  maxUses: 10,
  uses: 4,
  budget: { argument: 'amount', limit: 500, windowSeconds: 86400 },
};

function widening(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return (error as DomainError).details?.field as string;
  }
  return undefined;
}

describe('narrowedScope', () => {
  it('inherits what is not given and accepts narrower values', () => {
    const scope = narrowedScope(parent, { tool: 'refund_order', maxUses: 2 });
    expect(scope).toMatchObject({
      server: 'payments',
      tool: 'refund_order',
      toolPattern: null,
      maxUses: 2,
      budget: parent.budget,
      expiresAt: parent.expiresAt,
    });
    expect(narrowedScope(parent, {}).maxUses).toBe(6);
  });

  it('refuses each widening field by name', () => {
    expect(widening(() => narrowedScope(parent, { server: 'other' }))).toBe('server');
    expect(widening(() => narrowedScope(parent, { tool: 'delete_order' }))).toBe('tool');
    expect(widening(() => narrowedScope(parent, { toolPattern: '*' }))).toBe('toolPattern');
    expect(
      widening(() => narrowedScope(parent, { constraints: { properties: { amount: { maximum: 1000 } } } })),
    ).toBe('constraints.properties.amount.maximum');
    expect(widening(() => narrowedScope(parent, { expiresAt: new Date('2031-01-01T00:00:00Z') }))).toBe(
      'expiresAt',
    );
    expect(widening(() => narrowedScope(parent, { maxUses: 7 }))).toBe('maxUses');
    expect(
      widening(() =>
        narrowedScope(parent, { budget: { argument: 'amount', limit: 600, windowSeconds: 86400 } }),
      ),
    ).toBe('budget.limit');
    expect(
      widening(() => narrowedScope(parent, { budget: { argument: 'qty', limit: 1, windowSeconds: 86400 } })),
    ).toBe('budget');
  });
});
