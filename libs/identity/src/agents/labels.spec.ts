import { describe, expect, it } from 'vitest';
import { labelMapProblem } from './labels';

describe('labelMapProblem', () => {
  it('accepts string maps with safe keys', () => {
    expect(labelMapProblem({})).toBeNull();
    expect(labelMapProblem({ team: 'payments', 'app.kubernetes.io/name': 'bot', env: '' })).toBeNull();
  });

  it.each([
    [null, 'object'],
    [[], 'object'],
    ['team=x', 'object'],
    [{ team: 1 }, 'must be a string'],
    [{ team: { nested: 'x' } }, 'must be a string'],
    [{ '': 'x' }, 'label key'],
    [{ 'bad key': 'x' }, 'label key'],
    [{ "x'; DROP TABLE agents; --": 'x' }, 'label key'],
    [{ team: 'x'.repeat(257) }, 'longer than'],
    [Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])), 'at most 64'],
  ])('rejects %j', (value, message) => {
    expect(labelMapProblem(value)).toContain(message);
  });
});
