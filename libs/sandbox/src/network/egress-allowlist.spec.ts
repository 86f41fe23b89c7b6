import { describe, expect, it } from 'vitest';
import { matchEgress, parseEgressRule } from './egress-allowlist';

describe('egress allowlist', () => {
  const rules = ['api.example.com', '*.github.com:443', 'files.example.org:8443', '10.0.0.5:5432'].map(
    parseEgressRule,
  );

  it.each([
    ['api.example.com', 443, true],
    ['API.Example.com.', 443, true],
    ['api.example.com', 80, false],
    ['evil-api.example.com', 443, false],
    ['raw.github.com', 443, true],
    ['github.com', 443, false],
    ['files.example.org', 8443, true],
    ['files.example.org', 443, false],
    ['10.0.0.5', 5432, true],
    ['10.0.0.6', 5432, false],
  ])('%s:%i → %s', (host, port, allowed) => {
    expect(matchEgress(rules, host, port) !== undefined).toBe(allowed);
  });

  it('marks IP literals (they may name private addresses explicitly)', () => {
    expect(parseEgressRule('10.0.0.5:5432')).toMatchObject({ literalIp: true, port: 5432 });
    expect(parseEgressRule('api.example.com')).toMatchObject({
      literalIp: false,
      port: 443,
      wildcard: false,
    });
    expect(() => parseEgressRule('host:99999')).toThrow();
  });
});
