import { RuleNode } from './rule-node';

/**
 * The tree of rules under `data`, keyed by path segment. A node holds the rules defined at exactly its path
 * (complete rules, partial sets, functions, or rules whose ref head continues with variables below it) and
 * its children. Packages without rules still get a node, so that materialising `data.x` yields `{"y": {}}`
 * for an empty `package x.y`.
 *
 * `with data.<path> as …` shadows the subtree at that path while the expression under `with` is planned: the
 * shadowed rules are invisible, so refs to them read the (replaced) base document instead.
 */
export class RuleTree<R> {
  /** The node for `data` itself. */
  readonly root = new RuleNode<R>(['data']);

  /** Returns the node at `path` (segments below `data`), creating it and its ancestors as needed. */
  ensure(path: readonly string[]): RuleNode<R> {
    let node = this.root;
    for (const key of path) {
      let next = node.children.get(key);
      if (next === undefined) {
        next = new RuleNode<R>([...node.path, key]);
        node.children.set(key, next);
      }
      node = next;
    }
    return node;
  }

  add(path: readonly string[], rule: R): void {
    this.ensure(path).rules.push(rule);
  }

  /** The visible node at `path` (segments below `data`). */
  lookup(path: readonly string[]): RuleNode<R> | undefined {
    let node: RuleNode<R> | undefined = this.root;
    for (const key of path) {
      node = node.child(key);
      if (node === undefined) return undefined;
    }
    return node;
  }

  /** The node at `path` whether shadowed or not (functions are not documents: `with data…` leaves them). */
  lookupIgnoringShadows(path: readonly string[]): RuleNode<R> | undefined {
    let node: RuleNode<R> | undefined = this.root;
    for (const key of path) {
      node = node.children.get(key);
      if (node === undefined) return undefined;
    }
    return node;
  }

  /**
   * Shadows the node at `path` (if it exists and is visible). Returns the node so the caller can un-shadow it
   * with `unshadow`, or undefined when nothing was shadowed.
   */
  shadow(path: readonly string[]): RuleNode<R> | undefined {
    if (path.length === 0) {
      // `with data as …` replaces the whole document: every top-level node is shadowed.
      return this.shadowChildren(this.root);
    }
    const node = this.lookup(path);
    if (node === undefined) return undefined;
    node.shadowed++;
    return node;
  }

  /** Undoes one `shadow` (or `reshadow`) of `node`. */
  unshadow(node: RuleNode<R>): void {
    this.adjust(node, -1);
  }

  /** Shadows again a node that `shadow` returned and `unshadow` released. */
  reshadow(node: RuleNode<R>): void {
    this.adjust(node, 1);
  }

  private adjust(node: RuleNode<R>, delta: number): void {
    if (node === this.root) {
      for (const child of node.children.values()) child.shadowed += delta;
      return;
    }
    node.shadowed += delta;
  }

  private shadowChildren(node: RuleNode<R>): RuleNode<R> | undefined {
    if (node.children.size === 0) return undefined;
    for (const child of node.children.values()) child.shadowed++;
    return node;
  }
}
