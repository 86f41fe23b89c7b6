import { describe, expect, it } from 'vitest';
import { obligationsOf, parsePath, redact, REDACTED } from './obligations';

describe('obligations the gateway applies', () => {
  it('reads JSON pointers and dot paths, with or without the arguments./result. prefix', () => {
    expect(parsePath('/user/email')).toEqual(['user', 'email']);
    expect(parsePath('/a~1b/c~0d')).toEqual(['a/b', 'c~d']);
    expect(parsePath('arguments.user.email', 'arguments')).toEqual(['user', 'email']);
    expect(parsePath('items.0.token')).toEqual(['items', '0', 'token']);
    expect(parsePath('a..b')).toBeUndefined();
  });

  it('redacts values at the paths in a copy, leaving the original and missing paths alone', () => {
    const args = {
      user: { email: 'ann@acme.example', name: 'Ann' },
      items: [{ token: 't1' }, { token: 't2' }],
    };
    const out = redact(args, [parsePath('/user/email')!, parsePath('items.1.token')!, parsePath('/nope/x')!]);
    expect(out).toEqual({
      user: { email: REDACTED, name: 'Ann' },
      items: [{ token: 't1' }, { token: REDACTED }],
    });
    expect(args.user.email).toBe('ann@acme.example');
  });

  it('redacts text content of an MCP result by pointer, and a whole value by the root path', () => {
    const result = { content: [{ type: 'text', text: 'secret 42' }] };
    expect(redact(result, [['content', '0', 'text']])).toEqual({
      content: [{ type: 'text', text: REDACTED }],
    });
    expect(redact(result, [[]])).toBe(REDACTED);
  });

  it('does not follow inherited properties or out-of-range indices', () => {
    const value = { list: [1] };
    expect(
      redact(value, [
        ['list', '5'],
        ['constructor', 'name'],
        ['__proto__', 'x'],
      ]),
    ).toEqual({ list: [1] });
  });

  it('collects mask_arguments, redact_arguments and redact_result from several decisions, ignoring junk', () => {
    const duties = obligationsOf(
      { mask_arguments: ['/password'], redact_arguments: ['arguments.email', 7], consume_grants: ['g1'] },
      { redact_result: ['/content/0/text'], mask_arguments: 'not a list' },
      undefined,
    );
    expect(duties).toEqual({
      maskArguments: [['password']],
      redactArguments: [['email']],
      redactResult: [['content', '0', 'text']],
    });
  });
});
