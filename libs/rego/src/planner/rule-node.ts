/**
 * A node of the rule tree (see rule-tree.ts): the rules defined at exactly its path and its children.
 * A node shadowed by `with data.<path> as …` is invisible to `child` and `childKeys`.
 */
export class RuleNode<R> {
  readonly children = new Map<string, RuleNode<R>>();
  readonly rules: R[] = [];
  /** How many `with` modifiers currently shadow this node. */
  shadowed = 0;

  constructor(readonly path: readonly string[]) {}

  /** The visible child at `key`, if any. */
  child(key: string): RuleNode<R> | undefined {
    const node = this.children.get(key);
    return node === undefined || node.shadowed > 0 ? undefined : node;
  }

  /** Visible child keys in sorted order. */
  childKeys(): string[] {
    return [...this.children.entries()]
      .filter(([, node]) => node.shadowed === 0)
      .map(([key]) => key)
      .sort();
  }
}
