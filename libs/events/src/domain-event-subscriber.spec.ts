import { describe, expect, it } from 'vitest';
import { subscriptionMatches } from './domain-event-subscriber';

describe('subscriptionMatches', () => {
  it('matches exact types, prefixes and the wildcard', () => {
    expect(subscriptionMatches({ name: 'a', types: ['member.invited'] }, 'member.invited')).toBe(true);
    expect(subscriptionMatches({ name: 'a', types: ['member.invited'] }, 'member.removed')).toBe(false);
    expect(subscriptionMatches({ name: 'a', types: ['member.*'] }, 'member.removed')).toBe(true);
    expect(subscriptionMatches({ name: 'a', types: ['member.*'] }, 'members.removed')).toBe(false);
    expect(subscriptionMatches({ name: 'a', types: ['*'] }, 'policy.activated')).toBe(true);
  });
});
