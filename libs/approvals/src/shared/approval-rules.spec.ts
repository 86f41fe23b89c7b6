import { describe, expect, it } from 'vitest';
import {
  argumentsHash,
  conflictOfInterest,
  effectiveState,
  parseRequirement,
  redactArguments,
  tally,
} from './approval-rules';

describe('argumentsHash', () => {
  it('binds the canonical arguments: key order does not matter, values do', () => {
    const a = argumentsHash({ path: '/x', force: true });
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(argumentsHash({ force: true, path: '/x' })).toBe(a);
    expect(argumentsHash({ force: false, path: '/x' })).not.toBe(a);
    expect(argumentsHash({ path: '/x', force: true, extra: null })).not.toBe(a);
  });
});

describe('parseRequirement', () => {
  it('reads the issue shape', () => {
    expect(
      parseRequirement({
        groups: ['sre', 'BAD GROUP'],
        quorum: 2,
        reason_required: true,
        ttl: 600,
        escalate_after: 300,
        escalate_to: ['leads'],
        mode: 'window',
        window: 900,
        reason: 'destructive',
      }),
    ).toEqual({
      groups: ['sre'],
      quorum: 2,
      reasonRequired: true,
      ttlSeconds: 600,
      escalateAfterSeconds: 300,
      escalateTo: ['leads'],
      mode: 'window',
      windowSeconds: 900,
      reason: 'destructive',
    });
  });

  it('fills safe defaults and bounds hostile values', () => {
    const r = parseRequirement({ quorum: -3, ttl: 1e12, escalate_after: 1e12, mode: 'forever', window: 5 });
    expect(r).toMatchObject({ groups: ['approvers'], quorum: 1, mode: 'once', windowSeconds: null });
    expect(r.ttlSeconds).toBe(30 * 24 * 3600);
    expect(r.escalateAfterSeconds).toBeNull(); // not before the expiry
    expect(
      parseRequirement({ approver_groups: ['ops'], approvals_required: 3, ttl_seconds: 60 }),
    ).toMatchObject({ groups: ['ops'], quorum: 3, ttlSeconds: 60 });
  });
});

describe('conflictOfInterest', () => {
  const parties = {
    agentOwnerId: 'owner-1',
    principalId: 'principal-1',
    principalEmail: 'Ann@Example.com',
    grantIssuerIds: ['issuer-1'],
  };
  it('refuses the agent owner, the principal (by id or e-mail) and a grant issuer', () => {
    expect(conflictOfInterest(parties, { memberId: 'owner-1', email: null })).toMatch(/owner/);
    expect(conflictOfInterest(parties, { memberId: 'principal-1', email: null })).toMatch(/principal/);
    expect(conflictOfInterest(parties, { memberId: 'm-9', email: 'ann@example.com' })).toMatch(/principal/);
    expect(conflictOfInterest(parties, { memberId: 'issuer-1', email: null })).toMatch(/grant/);
  });
  it('allows anybody else', () => {
    expect(conflictOfInterest(parties, { memberId: 'm-2', email: 'bob@example.com' })).toBeNull();
    expect(
      conflictOfInterest(
        { agentOwnerId: null, principalId: null, principalEmail: null, grantIssuerIds: [] },
        { memberId: 'm-2', email: null },
      ),
    ).toBeNull();
  });
});

describe('tally', () => {
  it('approves at quorum, stays pending below, and one deny vetoes', () => {
    expect(tally([{ vote: 'approve' }], 2)).toBe('pending');
    expect(tally([{ vote: 'approve' }, { vote: 'approve' }], 2)).toBe('approved');
    expect(tally([{ vote: 'approve' }, { vote: 'approve' }, { vote: 'deny' }], 2)).toBe('denied');
    expect(tally([], 1)).toBe('pending');
  });
});

describe('effectiveState', () => {
  it('treats an overdue pending request as expired', () => {
    const now = new Date('2026-01-01T00:00:10Z');
    expect(effectiveState('pending', new Date('2026-01-01T00:00:05Z'), now)).toBe('expired');
    expect(effectiveState('pending', new Date('2026-01-01T00:00:15Z'), now)).toBe('pending');
    expect(effectiveState('approved', new Date('2026-01-01T00:00:05Z'), now)).toBe('approved');
  });
});

describe('redactArguments', () => {
  it('redacts JSON pointers without touching the original', () => {
    const args = { card: { number: '4111', exp: '12/30' }, 'a/b': 1, list: ['x'] };
    const out = redactArguments(args, ['/card/number', '/a~1b', '/missing/deep', '/list/0']);
    expect(out).toEqual({
      card: { number: '[REDACTED]', exp: '12/30' },
      'a/b': '[REDACTED]',
      list: ['[REDACTED]'],
    });
    expect(args.card.number).toBe('4111');
  });
});
