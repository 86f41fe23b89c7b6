import { describe, expect, it } from 'vitest';
import { jsonBoundsViolation } from '../http/bounded-json.validator';
import { decodeConsistencyToken, encodeConsistencyToken } from './consistency-token';
import { outcomeOf } from './decision-outcome';

describe('outcomeOf (policy result → decision)', () => {
  it('denies on any deny reason, even when allow is true', () => {
    expect(outcomeOf({ allow: true, deny: ['no', 'never'], obligations: { a: 1 } })).toEqual({
      decision: 'deny',
      reasons: [
        { code: 'policy_deny', message: 'no' },
        { code: 'policy_deny', message: 'never' },
      ],
      obligations: { a: 1 },
      approval: null,
    });
  });

  it('allows, asks for approval, or denies by default', () => {
    expect(outcomeOf({ allow: true, deny: [], require_approval: { reason: 'x' } }).decision).toBe('allow');
    expect(outcomeOf({ allow: false, deny: [], require_approval: { reason: 'big refund' } })).toMatchObject({
      decision: 'pending_approval',
      reasons: [{ code: 'approval_required', message: 'big refund' }],
      approval: { reason: 'big refund' },
    });
    expect(outcomeOf({ allow: false, require_approval: null })).toMatchObject({
      decision: 'deny',
      reasons: [{ code: 'not_allowed' }],
    });
  });

  it('denies undefined and malformed results', () => {
    expect(outcomeOf(undefined).reasons[0].code).toBe('undefined_result');
    for (const bad of [
      true,
      [],
      { allow: 'yes' },
      { allow: true, deny: 'no' },
      { allow: true, deny: [1] },
      { allow: false, require_approval: 'please' },
      { allow: true, obligations: [] },
    ]) {
      expect(outcomeOf(bad), JSON.stringify(bad)).toMatchObject({ decision: 'deny' });
      expect(outcomeOf(bad).reasons[0].code).toBe('malformed_result');
    }
  });
});

describe('consistency token', () => {
  it('round-trips (organisation, revision) and rejects anything else', () => {
    const orgId = '0b6f3a52-7c55-4d4e-9a55-4d1e3b8c9f10';
    const token = encodeConsistencyToken({ orgId, revision: 42 });
    expect(decodeConsistencyToken(token)).toEqual({ orgId, revision: 42 });
    expect(decodeConsistencyToken('garbage')).toBeNull();
    expect(decodeConsistencyToken('mct1.' + Buffer.from('x:1').toString('base64url'))).toBeNull();
    expect(decodeConsistencyToken('mct1.' + Buffer.from(`${orgId}:-1`).toString('base64url'))).toBeNull();
  });
});

describe('JSON bounds', () => {
  const bounds = { maxDepth: 3, maxBytes: 50 };
  it('accepts small shallow objects and refuses the rest', () => {
    expect(jsonBoundsViolation({ a: { b: [1] } }, bounds)).toBeNull();
    expect(jsonBoundsViolation({ a: { b: [[1]] } }, bounds)).toMatch(/nested/);
    expect(jsonBoundsViolation({ a: 'x'.repeat(60) }, bounds)).toMatch(/bytes/);
    expect(jsonBoundsViolation({ a: 'x\u0000' }, bounds)).toMatch(/U\+0000/);
    expect(jsonBoundsViolation([1], bounds)).toMatch(/object/);
    expect(jsonBoundsViolation(null, bounds)).toMatch(/object/);
  });
});
