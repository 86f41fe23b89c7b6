import { describe, expect, it } from 'vitest';
import { diffPolicyFiles } from './policy-diff';

describe('diffPolicyFiles', () => {
  it('classifies files and writes unified diffs from old to new', () => {
    const diff = diffPolicyFiles(
      { 'a.rego': 'package a\nx := 1\n', 'gone.rego': 'package g\n', 'same.rego': 'package s\n' },
      { 'a.rego': 'package a\nx := 2\n', 'new.rego': 'package n\n', 'same.rego': 'package s\n' },
      { older: 'version 1', newer: 'version 2' },
    );
    expect(diff.map((d) => [d.file, d.status])).toEqual([
      ['a.rego', 'modified'],
      ['gone.rego', 'removed'],
      ['new.rego', 'added'],
      ['same.rego', 'unchanged'],
    ]);
    const a = diff[0].patch;
    expect(a).toContain('--- a/a.rego\tversion 1');
    expect(a).toContain('+++ b/a.rego\tversion 2');
    expect(a).toContain('-x := 1');
    expect(a).toContain('+x := 2');
    expect(a).toMatch(/@@ -1,2 \+1,2 @@/);
    expect(diff[1].patch).toContain('+++ /dev/null');
    expect(diff[1].patch).toContain('-package g');
    expect(diff[2].patch).toContain('--- /dev/null');
    expect(diff[2].patch).toContain('+package n');
    expect(diff[3].patch).toBe('');
  });
});
