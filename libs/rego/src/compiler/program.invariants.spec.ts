import { describe, expect, it } from 'vitest';
import { parseModule } from '../parser/rego.parser';
import { compileModules } from './compile-modules';
import { checkInvariants } from './program.invariants';
import { buildRuleTree } from './rule-tree.builder';

const SRC = `package p
r contains x if {
  some x in input.xs
  y := count(input.ys) + 1
  not f(y)
}
f(a) := a
`;

describe('checkInvariants', () => {
  it('finds nothing wrong in a compiled program', () => {
    expect(checkInvariants(compileModules({ modules: { 'p.rego': SRC } }))).toEqual([]);
  });

  it('reports the constructs the compiler must have removed (on a parsed, uncompiled module)', () => {
    const mod = parseModule('p.rego', SRC);
    const problems = checkInvariants({ modules: [mod], ruleTree: buildRuleTree([]), files: ['p.rego'] });
    const text = problems.join('\n');
    expect(text).toContain('head ref is not absolute');
    expect(text).toContain('somein remains');
    expect(text).toContain('operator assign');
    expect(text).toContain('nested call');
  });
});
