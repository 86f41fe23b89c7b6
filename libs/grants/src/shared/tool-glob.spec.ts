import { describe, expect, it } from 'vitest';
import { globMatches, patternWithin } from './tool-glob';

describe('tool globs', () => {
  it('match like Rego glob.match with the default "." delimiter', () => {
    expect(globMatches('write_*', 'write_file')).toBe(true);
    expect(globMatches('write_*', 'read_file')).toBe(false);
    expect(globMatches('write_*', 'write_a.b')).toBe(false);
    expect(globMatches('fs.**', 'fs.a.b')).toBe(true);
    expect(globMatches('get_?', 'get_x')).toBe(true);
    expect(globMatches('a+b*', 'a+bc')).toBe(true);
  });

  it('prove a pattern within another only when it is', () => {
    expect(patternWithin('write_*', 'write_*')).toBe(true);
    expect(patternWithin('write_*', 'write_file*')).toBe(true);
    expect(patternWithin('write_*', 'writ*')).toBe(false);
    expect(patternWithin('write_*', 'write_x.*')).toBe(false);
    expect(patternWithin('w?ite_*', 'write_*')).toBe(false);
  });
});
