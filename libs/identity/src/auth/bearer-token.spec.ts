import { describe, expect, it } from 'vitest';
import { bearerToken } from './bearer-token';

const basic = (userInfo: string) => ({
  headers: { authorization: `Basic ${Buffer.from(userInfo, 'utf8').toString('base64')}` },
});

describe('bearerToken', () => {
  it('reads Bearer credentials', () => {
    expect(bearerToken({ headers: { authorization: 'Bearer mnd_abc_def' } })).toBe('mnd_abc_def');
    expect(bearerToken({ headers: { authorization: 'bearer eyJ.x.y' } })).toBe('eyJ.x.y');
  });

  it('accepts an API key as the password of Basic credentials, and nothing else that way', () => {
    expect(bearerToken(basic('toolhive:mnd_abc_def'))).toBe('mnd_abc_def');
    expect(bearerToken(basic(':mnd_abc_def'))).toBe('mnd_abc_def');
    expect(bearerToken(basic('toolhive:eyJhbGciOiJFZERTQSJ9.e30.sig'))).toBeNull(); // no member tokens
    expect(bearerToken(basic('mnd_abc_def'))).toBeNull(); // no password part
    expect(bearerToken(basic('toolhive:mnd_ has space'))).toBeNull();
    expect(bearerToken({ headers: { authorization: 'Basic !!!' } })).toBeNull();
  });

  it('ignores missing, repeated and other schemes', () => {
    expect(bearerToken({ headers: {} })).toBeNull();
    expect(bearerToken({ headers: { authorization: ['Bearer a', 'Bearer b'] } })).toBeNull();
    expect(bearerToken({ headers: { authorization: 'Digest x' } })).toBeNull();
  });
});
