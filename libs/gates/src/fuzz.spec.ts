import { describe, expect, it } from 'vitest';
import { evaluateArguments } from './argument-gates';
import { scanResult } from './result-scanner';
import { scanToolDefinition } from './tool-definition-scanner';

/** Deterministic pseudo-random generator (mulberry32) so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '../',
  '..\\',
  '%',
  '%2e',
  '%c0%ae',
  '%u002e',
  '%E0%A4%A',
  '$(',
  '`',
  ';',
  '|',
  '&&',
  '\n',
  "'",
  '"',
  ' OR ',
  '=',
  'http://',
  'https://[',
  '::ffff:',
  '169.254.169.254',
  '0x7f',
  '@',
  '#',
  'union select',
  '/*!',
  '<IMPORTANT>',
  'ignore previous instructions',
  '\u200d',
  '\u202e',
  '\u{E0041}',
  '\u{E007F}',
  '\ud800',
  '\udc00',
  '\ufe0f',
  '🏴',
  '👩',
  'а',
  'ｓ',
  'api_key=',
  'eyJ',
  'ghp_',
  '-----BEGIN',
  ' PRIVATE KEY-----',
  '\u0000',
  'ß',
  '\\',
  'file:',
  '{',
  '}',
  '[',
  ']',
  'webhook.site',
  'a',
  '1',
  ' ',
];

function randomString(next: () => number): string {
  let s = '';
  const n = Math.floor(next() * 24);
  for (let i = 0; i < n; i += 1) s += PIECES[Math.floor(next() * PIECES.length)];
  return s;
}

function randomValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 4 ? 4 : 7));
  switch (pick) {
    case 0:
      return randomString(next);
    case 1:
      return next() * 1e6 - 5e5;
    case 2:
      return next() < 0.5 ? null : next() < 0.5;
    case 3:
      return randomString(next);
    case 4:
    case 5: {
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(next() * 5); i > 0; i -= 1)
        o[randomString(next)] = randomValue(next, depth + 1);
      return o;
    }
    default:
      return Array.from({ length: Math.floor(next() * 5) }, () => randomValue(next, depth + 1));
  }
}

describe('fuzz: the gates never throw and always return well-formed findings', () => {
  it('survives 1,500 random hostile-ish documents', () => {
    const next = rng(0x5eed);
    const schemas: unknown[] = [
      { type: 'object' },
      { type: 'object', additionalProperties: { type: 'string', format: 'uri' } },
      { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' },
      { type: 'object', properties: { a: { $ref: '#/$defs/nope' } } },
    ];
    for (let i = 0; i < 1_500; i += 1) {
      const args = randomValue(next, 0);
      const schema = schemas[i % schemas.length];
      const all = [
        ...evaluateArguments({ schema, arguments: args }),
        ...scanResult(args),
        ...scanToolDefinition(
          { name: randomString(next), description: randomString(next), inputSchema: args },
          { knownToolNames: ['read_file', randomString(next)] },
        ),
      ];
      for (const f of all) {
        expect(['low', 'medium', 'high', 'critical']).toContain(f.severity);
        expect(typeof f.detail).toBe('string');
        expect(f.path === '' || f.path.startsWith('/')).toBe(true);
      }
    }
  });
});
