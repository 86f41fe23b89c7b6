import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HOST_BUILTINS, hostImportName } from './host-builtins';

const call = (name: string, ...args: unknown[]): unknown => {
  const fn = HOST_BUILTINS[name];
  if (!fn) throw new Error(`no host builtin ${name}`);
  return fn(...args);
};

describe('host builtins', () => {
  it('renames builtins the npm package would shadow', () => {
    expect(hostImportName('sprintf')).toBe('mandate.sprintf');
    expect(hostImportName('yaml.marshal')).toBe('mandate.yaml.marshal');
    expect(hostImportName('glob.match')).toBe('glob.match');
  });

  it('parses units', () => {
    expect(call('units.parse_bytes', '10KiB')).toBe(10240);
    expect(call('units.parse_bytes', '1.1KB')).toBe(1100);
    expect(call('units.parse_bytes', '"100TIB"')).toBe(109951162777600);
    expect(call('units.parse_bytes', '100 kb')).toBeUndefined();
    expect(call('units.parse', '500m')).toBe(0.5);
    expect(call('units.parse', '2Mi')).toBe(2097152);
    expect(call('units.parse', '8g')).toBe(8e9);
    expect(call('units.parse', 'foo')).toBeUndefined();
  });

  it('handles CIDRs (IPv4 and IPv6)', () => {
    expect(call('net.cidr_contains', '10.0.0.0/8', '10.1.2.3')).toBe(true);
    expect(call('net.cidr_contains', '10.0.0.0/8', '11.0.0.1')).toBe(false);
    expect(call('net.cidr_contains', 'fd00::/8', 'fd12::1')).toBe(true);
    expect(call('net.cidr_intersects', '192.168.0.0/16', '192.168.1.0/24')).toBe(true);
    expect(call('net.cidr_expand', '192.168.1.1/30')).toEqual([
      '192.168.1.0',
      '192.168.1.1',
      '192.168.1.2',
      '192.168.1.3',
    ]);
    expect(call('net.cidr_merge', ['192.0.128.0/24', '192.0.129.0/24'])).toEqual(['192.0.128.0/23']);
    expect(call('net.cidr_merge', ['2601:600:8a80:207e:a57d:7567:e2c9:e7b3/64'])).toEqual([
      '2601:600:8a80:207e::/64',
    ]);
    expect(call('net.cidr_contains_matches', ['1.1.2.0/24', '1.1.1.0/24'], ['1.1.1.1', '1.1.2.1'])).toEqual([
      [0, 1],
      [1, 0],
    ]);
    expect(call('net.cidr_contains', 'nonsense', '1.1.1.1')).toBeUndefined();
  });

  it('matches globs and regular expressions (RE2 syntax)', () => {
    expect(call('glob.match', '*.github.com', ['.'], 'api.github.com')).toBe(true);
    expect(call('glob.match', '*.github.com', ['.'], 'api.cdn.github.com')).toBe(false);
    expect(call('glob.match', 'api.**.com', ['.'], 'api.cdn.github.com')).toBe(true);
    expect(call('glob.match', '{cat,bat,[fr]at}', [], 'fat')).toBe(true);
    expect(call('glob.match', '[!a-c]at', [], 'bat')).toBe(false);
    expect(call('regex.match', '(?i)^ab+c$', 'ABBC')).toBe(true);
    expect(call('regex.is_valid', '++')).toBe(false);
    expect(call('regex.split', 'z+', 'pizza')).toEqual(['pi', 'a']);
    expect(call('regex.replace', '-wxy-wy-', 'w(x*)y', '0')).toBe('-0-0-');
    expect(call('regex.replace', 'foo', '(foo)', '$1$1')).toBe('foofoo');
    expect(call('regex.find_n', 'a.', 'paranormal', -1)).toEqual(['ar', 'an', 'al']);
    expect(call('regex.find_all_string_submatch_n', 'a(x*)b', '-axxb-ab-', -1)).toEqual([
      ['axxb', 'xx'],
      ['ab', ''],
    ]);
    expect(call('regex.template_match', 'urn:foo:{.*}', 'urn:foo:bar:baz', '{', '}')).toBe(true);
    expect(call('regex.globs_match', 'a.a.[0-9]+z', '.b.b2359825792*594823z')).toBe(true);
    expect(call('regex.globs_match', '[a-z]+', '[0-9]*')).toBe(false);
    expect(call('regex.globs_match', 'pqrs]', '[a-b]+')).toBeUndefined();
  });

  it('hashes, signs and verifies JWTs (HMAC)', () => {
    expect(call('crypto.sha256', 'abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(call('crypto.md5', 'abc')).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(call('crypto.hmac.sha256', 'message', 'key')).toBe(
      '6e9ef29b75fffc5b7abae527d58fdadb2fe42e7219011976917343065f58ed4a',
    );
    expect(call('crypto.hmac.equal', 'a', 'a')).toBe(true);
    const token = call(
      'io.jwt.encode_sign',
      { alg: 'HS256', typ: 'JWT' },
      { iss: 'opa', exp: 4102444800 },
      { kty: 'oct', k: 'c2VjcmV0' },
    ) as string;
    expect(token.split('.')).toHaveLength(3);
    expect(call('io.jwt.verify_hs256', token, 'secret')).toBe(true);
    expect(call('io.jwt.verify_hs256', token, 'wrong')).toBe(false);
    expect(call('io.jwt.decode', token)).toEqual([
      { alg: 'HS256', typ: 'JWT' },
      { iss: 'opa', exp: 4102444800 },
      expect.any(String),
    ]);
    expect(call('io.jwt.decode_verify', token, { secret: 'secret', iss: 'opa' })).toEqual([
      true,
      { alg: 'HS256', typ: 'JWT' },
      { iss: 'opa', exp: 4102444800 },
    ]);
    expect(call('io.jwt.decode_verify', token, { secret: 'secret', iss: 'other' })).toEqual([false, {}, {}]);
    expect(call('io.jwt.decode_verify', token, { secret: 'secret', time: 4102444800 * 1e9 })).toEqual([
      false,
      {},
      {},
    ]);
  });

  it('handles time', () => {
    const ns = call('time.parse_rfc3339_ns', '2017-06-02T19:00:00-07:00');
    expect(ns).toBe(1496455200000000000);
    expect(call('time.date', ns)).toEqual([2017, 6, 3]);
    expect(call('time.clock', [ns, 'America/New_York'])).toEqual([22, 0, 0]);
    expect(call('time.weekday', ns)).toBe('Saturday');
    expect(call('time.parse_ns', '2006-01-02', '2020-03-01')).toBe(1583020800000000000);
    expect(call('time.parse_duration_ns', '1h30m')).toBe(5400e9);
    expect(call('time.add_date', 0, 1, 1, 1)).toBe(Date.UTC(1971, 1, 2) * 1e6);
    expect(
      call(
        'time.diff',
        call('time.parse_ns', '2006-01-02', '2004-02-29'),
        call('time.parse_ns', '2006-01-02', '2005-03-01'),
      ),
    ).toEqual([1, 0, 1, 0, 0, 0]);
    expect(call('time.format', [0, 'UTC', 'Mon, 02 Jan 2006 15:04:05 -0700'])).toBe(
      'Thu, 01 Jan 1970 00:00:00 +0000',
    );
    expect(call('time.parse_rfc3339_ns', 'not a time')).toBeUndefined();
  });

  it('handles JSON, objects, semver, uuid and URL queries', () => {
    expect(
      call('json.patch', { a: [1] }, [
        { op: 'add', path: '/a/-', value: 2 },
        { op: 'add', path: '/b', value: 'x' },
      ]),
    ).toEqual({ a: [1, 2], b: 'x' });
    expect(call('json.patch', { a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toBeUndefined();
    expect(call('json.marshal_with_options', [1], { indent: '  ', prefix: '> ' })).toBe('> [\n>   1\n> ]');
    expect(call('object.subset', { a: { b: 1, c: 2 } }, { a: { b: 1 } })).toBe(true);
    expect(call('object.subset', { a: 1 }, { a: 2 })).toBe(false);
    expect(call('semver.compare', '1.0.0-alpha', '1.0.0')).toBe(-1);
    expect(call('semver.is_valid', '1.2')).toBe(false);
    expect(call('uuid.parse', '00000000-0000-4000-8000-000000000000')).toEqual({
      version: 4,
      variant: 'RFC4122',
    });
    expect(call('urlquery.encode_object', { b: ['1', '2'], a: 'x y' })).toBe('a=x+y&b=1&b=2');
    expect(call('urlquery.decode_object', 'a=x+y&b=1&b=2')).toEqual({ a: ['x y'], b: ['1', '2'] });
    expect(call('json.verify_schema', { type: 'object' })).toEqual([true, null]);
    expect((call('json.verify_schema', { type: 'unknown_type' }) as unknown[])[0]).toBe(false);
    expect(call('json.match_schema', { a: 1 }, { type: 'object', required: ['b'] })).toEqual([
      false,
      [{ error: 'b: b is required', type: 'required', field: 'b', desc: 'b is required' }],
    ]);
  });

  it('parses RSA private keys and rejects bad certificates (x509, Node only)', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();
    expect(call('crypto.x509.parse_rsa_private_key', pem)).toMatchObject({ kty: 'RSA', e: 'AQAB' });
    expect(call('crypto.x509.parse_rsa_private_key', 'invalid')).toBeUndefined();
    expect(call('crypto.x509.parse_certificates', 'bm90IGEgY2VydA==')).toBeUndefined();
  });

  it('turns exceptions into undefined (non-strict builtin errors)', () => {
    expect(call('time.format', [0, 'No/Such_Zone'])).toBeUndefined();
    expect(call('yaml.unmarshal', 'a: [')).toBeUndefined();
  });
});
