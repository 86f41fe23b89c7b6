import { describe, expect, it } from 'vitest';
import { RuleTree } from './rule-tree';

describe('RuleTree', () => {
  function tree(): RuleTree<string> {
    const t = new RuleTree<string>();
    t.add(['a', 'p'], 'a.p');
    t.add(['a', 'q'], 'a.q');
    t.add(['b', 'r'], 'b.r');
    t.ensure(['c', 'empty']);
    return t;
  }

  it('finds nodes by path and lists children in sorted order', () => {
    const t = tree();
    expect(t.root.childKeys()).toEqual(['a', 'b', 'c']);
    expect(t.lookup(['a', 'q'])?.rules).toEqual(['a.q']);
    expect(t.lookup(['c', 'empty'])?.rules).toEqual([]);
    expect(t.lookup(['a', 'missing'])).toBeUndefined();
  });

  it('hides a shadowed subtree until it is released, nesting shadows', () => {
    const t = tree();
    const node = t.shadow(['a', 'p']);
    expect(node?.path).toEqual(['data', 'a', 'p']);
    expect(t.lookup(['a', 'p'])).toBeUndefined();
    expect(t.lookup(['a'])?.childKeys()).toEqual(['q']);
    expect(t.lookupIgnoringShadows(['a', 'p'])?.rules).toEqual(['a.p']);
    const again = t.shadow(['a']);
    if (node === undefined || again === undefined) throw new Error('expected nodes');
    t.unshadow(node);
    expect(t.lookup(['a', 'p'])).toBeUndefined();
    t.unshadow(again);
    expect(t.lookup(['a', 'p'])?.rules).toEqual(['a.p']);
    t.reshadow(node);
    expect(t.lookup(['a', 'p'])).toBeUndefined();
  });

  it('shadows every top-level node for `with data as …` and nothing for unknown paths', () => {
    const t = tree();
    expect(t.shadow(['nope'])).toBeUndefined();
    const root = t.shadow([]);
    expect(root).toBe(t.root);
    expect(t.root.childKeys()).toEqual([]);
    if (root !== undefined) t.unshadow(root);
    expect(t.root.childKeys()).toEqual(['a', 'b', 'c']);
  });
});
