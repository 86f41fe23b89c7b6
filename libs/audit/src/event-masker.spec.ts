import { describe, expect, it } from 'vitest';
import { DEFAULT_MASK_REPLACEMENT, EventMasker, isCredentialName, isCredentialValue } from './event-masker';
import { formatConcretePath, parseJsonPath } from './json-path';

describe('parseJsonPath', () => {
  it('parses names, quoted names, indexes, wildcards and descendants', () => {
    expect(parseJsonPath(`$.data.arguments['x-key'][2].*..token..*[*]`)).toEqual([
      { kind: 'key', name: 'data' },
      { kind: 'key', name: 'arguments' },
      { kind: 'key', name: 'x-key' },
      { kind: 'index', index: 2 },
      { kind: 'wildcard' },
      { kind: 'descendant', name: 'token' },
      { kind: 'descendant', name: null },
      { kind: 'wildcard' },
    ]);
  });

  it('rejects malformed paths', () => {
    for (const bad of ['data.x', '$.', '$[', '$[abc]', '$..', '$.a b']) {
      expect(() => parseJsonPath(bad), bad).toThrow(SyntaxError);
    }
  });

  it('formats concrete paths, quoting names that are not identifiers', () => {
    expect(formatConcretePath(['data', 'a', 0, "it's", 'b-c'])).toBe(`$.data.a[0]['it\\'s']['b-c']`);
  });
});

describe('EventMasker', () => {
  it('replaces configured paths and records them, without touching its input', () => {
    const input = { arguments: { path: '/etc/hosts', ssn_number: '123' }, keep: 1 };
    const result = new EventMasker({ paths: ['$.data.arguments.path'] }).mask(input);
    expect(result.data).toEqual({ arguments: { path: '[MASKED]', ssn_number: '123' }, keep: 1 });
    expect(result.masked).toEqual(['$.data.arguments.path']);
    expect(input.arguments.path).toBe('/etc/hosts');
  });

  it('removes values in remove mode (array elements become null)', () => {
    const masker = new EventMasker({ paths: ['$.data.a.b', '$.data.list[1]'], mode: 'remove' });
    const result = masker.mask({ a: { b: 1, c: 2 }, list: ['x', 'y', 'z'] });
    expect(result.data).toEqual({ a: { c: 2 }, list: ['x', null, 'z'] });
    expect(result.masked).toEqual(['$.data.a.b', '$.data.list[1]']);
  });

  it('expands wildcards and descendant names to the concrete paths that exist', () => {
    const masker = new EventMasker({ paths: ['$.data.users[*].email', '$.data..ssn'] });
    const result = masker.mask({
      users: [{ email: 'a@x' }, { name: 'no email' }, { email: 'b@x' }],
      deep: { deeper: { ssn: '1' }, list: [{ ssn: '2' }] },
    });
    expect(result.masked).toEqual([
      '$.data.deep.deeper.ssn',
      '$.data.deep.list[0].ssn',
      '$.data.users[0].email',
      '$.data.users[2].email',
    ]);
    expect(result.data.users).toEqual([{ email: '[MASKED]' }, { name: 'no email' }, { email: '[MASKED]' }]);
  });

  it('records only the outermost of nested matches', () => {
    const result = new EventMasker({ paths: ['$.data.a', '$.data.a.b'] }).mask({ a: { b: 1 } });
    expect(result).toEqual({ data: { a: '[MASKED]' }, masked: ['$.data.a'] });
  });

  it('always masks credential-looking fields, by name and by value, at any depth', () => {
    const result = new EventMasker().mask({
      arguments: {
        password: 'hunter2',
        dbPassword: 'x',
        'X-Api-Key': 'k',
        clientSecret: 's',
        headers: { Authorization: 'Basic Zm9vOmJhcg==' },
        max_tokens: 512,
        token_count: 3,
        note: 'Bearer abcdefghijklmnop',
        url: 'postgres://app:s3cret@db/x',
        items: ['plain', '-----BEGIN PRIVATE KEY-----\nMC4C...'],
        emptyPassword: '',
      },
    });
    expect(result.masked).toEqual([
      '$.data.arguments.clientSecret',
      '$.data.arguments.dbPassword',
      '$.data.arguments.headers.Authorization',
      '$.data.arguments.items[1]',
      '$.data.arguments.note',
      '$.data.arguments.password',
      '$.data.arguments.url',
      "$.data.arguments['X-Api-Key']",
    ]);
    const args = result.data.arguments as Record<string, unknown>;
    expect(args.max_tokens).toBe(512);
    expect(args.token_count).toBe(3);
    expect(args.emptyPassword).toBe('');
    expect(JSON.stringify(result.data)).not.toMatch(/hunter2|s3cret|abcdefghijklmnop|Zm9v/);
  });

  it('classifies names and values', () => {
    for (const name of ['password', 'api_key', 'accessToken', 'refresh-token', 'Cookie', 'private_key']) {
      expect(isCredentialName(name), name).toBe(true);
    }
    for (const name of ['path', 'tokens', 'maxTokens', 'next_page_token', 'author', 'keyboard']) {
      expect(isCredentialName(name), name).toBe(false);
    }
    expect(isCredentialValue('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig')).toBe(true);
    expect(isCredentialValue('AKIAABCDEFGHIJKLMNOP')).toBe(true);
    expect(isCredentialValue('an ordinary sentence')).toBe(false);
  });

  it('copies the payload as JSON would (Dates, undefined, non-finite numbers)', () => {
    const input = { at: new Date(0), gone: undefined, list: [undefined, Number.NaN, 1], n: Infinity };
    const { data, masked } = new EventMasker().mask(input);
    expect(data).toEqual(JSON.parse(JSON.stringify(input)));
    expect(Object.keys(data)).toEqual(['at', 'list', 'n']);
    expect(masked).toEqual([]);
  });

  it('records a rule on an ancestor instead of the credentials below it, and never a path twice', () => {
    const masker = new EventMasker({
      paths: ['$.data.auth_header', '$.data.arguments', '$.data.db.password'],
      mode: 'remove',
    });
    const result = masker.mask({
      arguments: { password: 'x', user: 'u' },
      db: { password: 'y', host: 'h' },
      keep: true,
    });
    expect(result).toEqual({
      data: { db: { host: 'h' }, keep: true },
      masked: ['$.data.arguments', '$.data.db.password'],
    });
  });

  it('returns plain payloads as they are, and anything else exactly as the copying pass would', () => {
    const plainMasker = new EventMasker();
    // A rule that never matches forces the copying pass: the reference for every payload below.
    const copying = new EventMasker({ paths: ['$.data.never_present_member'] });
    const payloads: Array<Record<string, unknown>> = [
      { input: { tool: { name: 't' }, arguments: { path: '/x', n: 1, ok: true, list: [1, 'a', null] } } },
      { nested: { deeper: [{ a: [] }, {}] }, empty: '' },
      { arguments: { password: 'hunter2', user: 'u' } },
      { headers: ['Bearer abcdefghijklmnop'] },
      { when: new Date('2026-01-02T03:04:05Z') },
      { gone: undefined, kept: 1 },
      { ratio: Number.NaN, list: [undefined, Number.POSITIVE_INFINITY] },
      { already: DEFAULT_MASK_REPLACEMENT },
      Object.assign(Object.create({ inherited: 'x' }) as Record<string, unknown>, { own: 1 }),
    ];
    for (const payload of payloads) {
      expect(plainMasker.mask(payload)).toEqual(copying.mask(payload));
    }
    const plain = payloads[0];
    expect(plainMasker.mask(plain).data).toBe(plain);
    expect(plainMasker.mask(payloads[2]).data).not.toBe(payloads[2]);
  });

  it('refuses masking paths outside $.data', () => {
    expect(() => new EventMasker({ paths: ['$.actor.id'] })).toThrow(/\$\.data/);
  });
});
