import { describe, expect, it } from 'vitest';
import { RuntimeHarness } from './runtime.harness';

const rt = new RuntimeHarness();
const q = (s: string): string => JSON.stringify(s);
const match = (pattern: string, value: string): string | undefined =>
  rt.call('regex.match', q(pattern), q(value));

describe('native builtins: regular expressions', () => {
  it('agrees with JavaScript on a table of patterns (unanchored search)', () => {
    const cases: Array<[string, string[]]> = [
      ['abc', ['abc', 'xabcx', 'ab', '']],
      ['^abc$', ['abc', 'abcd', ' abc']],
      ['a.c', ['abc', 'a\nc', 'ac']],
      ['a*b+c?', ['b', 'aab', 'aabbc', 'c', 'ac']],
      ['x{2,3}y', ['xy', 'xxy', 'xxxxy']],
      ['x{2}$', ['x', 'xx', 'xxx']],
      ['(ab|cd)+e', ['abe', 'cdabe', 'ace', 'e']],
      ['[a-c]+[^0-9]', ['abz', 'ab1', 'cc-']],
      ['\\d{3}-\\d{4}', ['555-1234', '55-1234', 'tel: 555-12345']],
      ['\\w+@\\w+\\.com', ['me@example.com', 'me@example.org', '@x.com']],
      ['\\bcat\\b', ['cat', 'a cat!', 'concat', 'cats']],
      ['\\Bcat', ['concat', 'cat']],
      ['\\s+', ['a b', 'ab', '\t']],
      ['[[:alpha:]]+[[:digit:]]', ['abc1', '1', 'ab']],
      ['(?i)hello', ['HeLLo', 'help']],
      ['(?i:a)b', ['Ab', 'AB', 'ab']],
      ['^(a|ab)(c|bcd)(d*)$', ['abcd', 'abcdd', 'acd']],
      ['(a*)*b', ['aaab', 'aaaa', 'b']],
      ['é+', ['café', 'cafe']],
      ['[é-ë]', ['ê', 'e']],
      ['.', ['😀', '']],
      ['^.$', ['😀', 'ab']],
      ['a|', ['b', '']],
      ['\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\^\\$\\\\', ['.*+?()[]{}|^$\\', 'x']],
      ['\\x41\\x{42}', ['AB', 'ab']],
      ['(?m)^b$', ['a\nb\nc', 'ab']],
      ['(?s)a.b', ['a\nb']],
      ['\\Aab\\z', ['ab', 'ab\n']],
    ];
    for (const [pattern, values] of cases) {
      const js = new RegExp(
        pattern
          .replace('(?i)', '')
          .replace('(?i:a)', '[aA]')
          .replace('(?m)', '')
          .replace('(?s)', '')
          .replace('[[:alpha:]]', '[A-Za-z]')
          .replace('[[:digit:]]', '[0-9]')
          .replace('\\x{42}', '\\x42')
          .replace('\\A', '^')
          .replace('\\z', '$'),
        (pattern.startsWith('(?i)') ? 'i' : '') +
          (pattern.startsWith('(?m)') ? 'm' : '') +
          (pattern.startsWith('(?s)') ? 's' : '') +
          'u',
      );
      for (const v of values) {
        expect(match(pattern, v), `${pattern} ~ ${JSON.stringify(v)}`).toBe(String(js.test(v)));
      }
    }
  });

  it('treats a brace that is not a repetition as a literal, like RE2', () => {
    expect(match('a{,2}', 'a{,2}')).toBe('true');
    expect(match('a{,2}', 'aa')).toBe('false');
    expect(match('a{x', 'a{x')).toBe('true');
  });

  it('bounds pattern and program size instead of exhausting the stack', () => {
    expect(match('a'.repeat(7000), 'a'.repeat(7000))).toBe('true');
    expect(match('a'.repeat(9000), 'a'.repeat(9000))).toBeUndefined();
    expect(match('(x{1000}){100}', 'x')).toBeUndefined();
  });

  it('rejects invalid patterns', () => {
    for (const bad of ['(', 'a)', '[a', 'a**', '*a', 'x{1001}', '\\p{Greek}', '(?z)', '[z-a]', '\\1']) {
      expect(rt.call('regex.is_valid', q(bad)), bad).toBe('false');
      expect(match(bad, 'a'), bad).toBeUndefined();
    }
    expect(rt.call('regex.is_valid', q('(?P<name>a+)(?:b|c)*'))).toBe('true');
    expect(rt.call('regex.is_valid', '1')).toBe('false');
    expect(rt.call('re_match', q('^a+$'), q('aaa'))).toBe('true');
  });

  it('handles pathological patterns (a backtracking engine would not finish)', () => {
    expect(match('^(a+)+$', 'a'.repeat(5000) + 'b')).toBe('false');
    expect(match('^(a|aa)*$', 'a'.repeat(5000))).toBe('true');
  });

  it('finds all submatches with Go semantics', () => {
    expect(rt.call('regex.find_all_string_submatch_n', q('a(x*)b'), q('-ab-axxb-'), '-1')).toBe(
      '[["ab",""],["axxb","xx"]]',
    );
    expect(rt.call('regex.find_all_string_submatch_n', q('a(x*)b'), q('-ab-axxb-'), '1')).toBe('[["ab",""]]');
    expect(rt.call('regex.find_all_string_submatch_n', q('(a)|(b)'), q('ab'), '-1')).toBe(
      '[["a","a",""],["b","","b"]]',
    );
    expect(rt.call('regex.find_all_string_submatch_n', q('x*'), q('abc'), '-1')).toBe(
      '[[""],[""],[""],[""]]',
    );
    expect(rt.call('regex.find_all_string_submatch_n', q('a*?'), q('baaab'), '-1')).toBe(
      '[[""],[""],[""],[""],[""],[""]]',
    );
    expect(rt.call('regex.find_all_string_submatch_n', q('(\\w+)@(\\w+)'), q('a@b c@d'), '-1')).toBe(
      '[["a@b","a","b"],["c@d","c","d"]]',
    );
    expect(rt.call('regex.find_n', q('[0-9]+'), q('a1b22c333'), '2')).toBe('["1","22"]');
    expect(rt.call('regex.find_n', q('a*'), q('baaac'), '-1')).toBe('["","aaa",""]');
  });

  it('splits and replaces', () => {
    expect(rt.call('regex.split', q(',\\s*'), q('a, b,c'))).toBe('["a","b","c"]');
    expect(rt.call('regex.split', q('x*'), q('axbc'))).toBe('["a","b","c"]');
    expect(rt.call('regex.split', q(','), q(''))).toBe('[""]');
    expect(rt.call('regex.replace', q('a1b22'), q('[0-9]+'), q('#'))).toBe('"a#b#"');
    expect(rt.call('regex.replace', q('john smith'), q('(\\w+) (\\w+)'), q('$2 ${1}'))).toBe('"smith john"');
  });
});

describe('native builtins: glob.match', () => {
  const glob = (pattern: string, delims: string, value: string): string | undefined =>
    rt.call('glob.match', q(pattern), delims, q(value));

  it('matches like gobwas/glob', () => {
    expect(glob('*.example.com', '["."]', 'api.example.com')).toBe('true');
    expect(glob('*.example.com', '["."]', 'a.b.example.com')).toBe('false');
    expect(glob('**.example.com', '["."]', 'a.b.example.com')).toBe('true');
    expect(glob('*.example.com', '[]', 'a.b.example.com')).toBe('false');
    expect(glob('*.example.com', 'null', 'a.b.example.com')).toBe('true');
    expect(glob('a?c', '["."]', 'abc')).toBe('true');
    expect(glob('a?c', '["."]', 'a.c')).toBe('false');
    expect(glob('[abc]at', '[]', 'bat')).toBe('true');
    expect(glob('[!abc]at', '[]', 'bat')).toBe('false');
    expect(glob('[a-c]at', '[]', 'cat')).toBe('true');
    expect(glob('{cat,dog}s', '[]', 'dogs')).toBe('true');
    expect(glob('{cat,dog}s', '[]', 'cows')).toBe('false');
    expect(glob('tools/*/read', '["/"]', 'tools/fs/read')).toBe('true');
    expect(glob('tools/*/read', '["/"]', 'tools/fs/x/read')).toBe('false');
    expect(glob('tools/**', '["/"]', 'tools/fs/x/read')).toBe('true');
    expect(glob('a\\*b', '[]', 'a*b')).toBe('true');
    expect(glob('a\\*b', '[]', 'axb')).toBe('false');
    expect(glob('(x)+', '[]', '(x)+')).toBe('true');
    expect(glob('*', '[":"]', 'a:b')).toBe('false');
    expect(glob('[', '[]', 'x')).toBeUndefined();
    expect(glob('a', '["ab"]', 'a')).toBeUndefined();
  });
});

describe('native builtins: encodings', () => {
  it('encodes and decodes base64 variants, hex and url queries', () => {
    const s = 'hello?>world~ é';
    const b64 = Buffer.from(s).toString('base64');
    expect(rt.call('base64.encode', q(s))).toBe(q(b64));
    expect(rt.call('base64.decode', q(b64))).toBe(q(s));
    expect(rt.call('base64.encode', q(''))).toBe('""');
    for (const v of ['a', 'ab', 'abc', 'abcd']) {
      expect(rt.call('base64.encode', q(v))).toBe(q(Buffer.from(v).toString('base64')));
      expect(rt.call('base64.decode', q(Buffer.from(v).toString('base64')))).toBe(q(v));
    }
    expect(rt.call('base64.is_valid', q('aGVsbG8='))).toBe('true');
    expect(rt.call('base64.is_valid', q('aGVsbG8'))).toBe('false');
    expect(rt.call('base64.is_valid', q('aGV=bG8='))).toBe('false');
    expect(rt.call('base64.decode', q('a$=='))).toBeUndefined();
    expect(rt.call('base64url.encode', q(s))).toBe(q(b64.replace(/\+/g, '-').replace(/\//g, '_')));
    expect(rt.call('base64url.encode_no_pad', q(s))).toBe(q(Buffer.from(s).toString('base64url')));
    expect(rt.call('base64url.decode', q(Buffer.from(s).toString('base64url')))).toBe(q(s));
    expect(rt.call('base64url.decode', q('abcde'))).toBeUndefined();
    expect(rt.call('hex.encode', q('hi!'))).toBe('"686921"');
    expect(rt.call('hex.decode', q('686921'))).toBe('"hi!"');
    expect(rt.call('hex.decode', q('6g'))).toBeUndefined();
    expect(rt.call('urlquery.encode', q('a b&c=d/é'))).toBe('"a+b%26c%3Dd%2F%C3%A9"');
    expect(rt.call('urlquery.decode', q('a+b%26c%3Dd%2F%C3%A9'))).toBe(q('a b&c=d/é'));
    expect(rt.call('urlquery.decode', q('%zz'))).toBeUndefined();
  });
});

describe('native builtins: networks', () => {
  const c = (name: string, a: string, b?: string): string | undefined =>
    b === undefined ? rt.call(name, q(a)) : rt.call(name, q(a), q(b));

  it('checks containment of addresses and networks', () => {
    expect(c('net.cidr_contains', '10.0.0.0/8', '10.1.2.3')).toBe('true');
    expect(c('net.cidr_contains', '10.0.0.0/8', '11.1.2.3')).toBe('false');
    expect(c('net.cidr_contains', '10.0.0.0/8', '10.20.0.0/16')).toBe('true');
    expect(c('net.cidr_contains', '10.0.0.0/16', '10.0.0.0/8')).toBe('false');
    expect(c('net.cidr_contains', '192.168.1.0/24', '192.168.1.255')).toBe('true');
    expect(c('net.cidr_contains', '0.0.0.0/0', '8.8.8.8')).toBe('true');
    expect(c('net.cidr_contains', '2001:db8::/32', '2001:db8:1::1')).toBe('true');
    expect(c('net.cidr_contains', '2001:db8::/32', '2001:db9::1')).toBe('false');
    expect(c('net.cidr_contains', '2001:db8::/32', '10.0.0.1')).toBe('false');
    expect(c('net.cidr_contains', '10.0.0.0/8', '::ffff:10.0.0.1')).toBe('true');
    expect(c('net.cidr_contains', 'fe80::1:2:3:4/128', 'fe80:0:0:0:1:2:3:4')).toBe('true');
    expect(c('net.cidr_contains', '::/0', '::1')).toBe('true');
    expect(c('net.cidr_contains', '10.0.0.0', '10.0.0.1')).toBeUndefined();
    expect(c('net.cidr_contains', '10.0.0.0/33', '10.0.0.1')).toBeUndefined();
    expect(c('net.cidr_contains', '10.0.0.0/8', '10.0.0.256')).toBeUndefined();
    expect(c('net.cidr_contains', '10.0.0.0/8', 'nonsense')).toBeUndefined();
  });

  it('checks intersection, overlap and validity', () => {
    expect(c('net.cidr_intersects', '10.0.0.0/8', '10.128.0.0/9')).toBe('true');
    expect(c('net.cidr_intersects', '10.0.0.0/9', '10.128.0.0/9')).toBe('false');
    expect(c('net.cidr_intersects', '2001:db8::/64', '2001:db8::/32')).toBe('true');
    expect(c('net.cidr_overlap', '192.168.0.0/16', '192.168.10.1')).toBe('true');
    expect(c('net.cidr_overlap', '192.168.0.0/16', '192.169.0.1')).toBe('false');
    expect(c('net.cidr_is_valid', '10.0.0.0/8')).toBe('true');
    expect(c('net.cidr_is_valid', '2001:db8::/129')).toBe('false');
    expect(c('net.cidr_is_valid', '1:2:3:4:5:6:7:8:9/64')).toBe('false');
    expect(c('net.cidr_is_valid', '1::2::3/64')).toBe('false');
    expect(c('net.cidr_is_valid', '01.2.3.4/8')).toBe('false');
  });
});
