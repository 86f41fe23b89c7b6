import type { Body, Expr, Module, Rule, Term } from '../ast/ast';
import type { CompileContext } from './compile.context';
import type { RuleTreeNode } from './compiled-program';
import { packagePath } from './resolve-refs.pass';
import { groundPrefix } from './term-utils';

function newNode(path: string[]): RuleTreeNode {
  return { key: path[path.length - 1], path, rules: [], children: new Map() };
}

export function ensureNode(root: RuleTreeNode, keys: string[]): RuleTreeNode {
  let node = root;
  for (const key of keys) {
    let next = node.children.get(key);
    if (!next) {
      next = newNode([...node.path, key]);
      node.children.set(key, next);
    }
    node = next;
  }
  return node;
}

/** The node for a path below `data` (e.g. ['pkg', 'p']), if it exists. */
export function findNode(root: RuleTreeNode, keys: string[]): RuleTreeNode | undefined {
  let node: RuleTreeNode | undefined = root;
  for (const key of keys) {
    node = node.children.get(key);
    if (!node) return undefined;
  }
  return node;
}

/** True when the rule's head ref is fully ground (no var key below the node it sits at). */
export function isGroundHead(rule: Rule): boolean {
  return groundPrefix(rule.head.ref).length === rule.head.ref.length - 1;
}

function pathString(path: string[]): string {
  return path.join('.');
}

/** Builds the rule tree of compiled modules (absolute head refs); every package gets a node. */
export function buildRuleTree(modules: Module[]): RuleTreeNode {
  const root = newNode(['data']);
  for (const mod of modules) {
    ensureNode(root, packagePath(mod));
    for (const rule of mod.rules) ensureNode(root, groundPrefix(rule.head.ref)).rules.push(rule);
  }
  return root;
}

function* nodes(root: RuleTreeNode): Generator<RuleTreeNode> {
  const stack = [root];
  while (stack.length) {
    const n = stack.pop() as RuleTreeNode;
    yield n;
    for (const c of n.children.values()) stack.push(c);
  }
}

function hasRulesBelow(node: RuleTreeNode): boolean {
  for (const c of node.children.values()) if (c.rules.length > 0 || hasRulesBelow(c)) return true;
  return false;
}

function firstRulePathBelow(node: RuleTreeNode): string {
  for (const c of node.children.values()) {
    if (c.rules.length > 0) return pathString(c.path);
    const deeper = firstRulePathBelow(c);
    if (deeper) return deeper;
  }
  return '';
}

/** Conflicting kinds, function arities, several defaults, complete rules with rules below them. */
export function checkRuleConflicts(root: RuleTreeNode, ctx: CompileContext): void {
  for (const node of nodes(root)) {
    if (node.rules.length === 0) continue;
    const name = pathString(node.path);
    const first = node.rules[0];
    const kinds = new Set(node.rules.map((r) => r.head.kind));
    if (kinds.size > 1) {
      ctx.error('rego_type_error', first.loc, `conflicting rules ${name} found`);
      continue;
    }
    const grounds = new Set(node.rules.map(isGroundHead));
    if (grounds.size > 1 && first.head.kind !== 'function') {
      ctx.error('rego_type_error', first.loc, `conflicting rules ${name} found`);
      continue;
    }
    if (first.head.kind === 'function') {
      const arities = new Set(node.rules.map((r) => r.head.args?.length ?? 0));
      if (arities.size > 1)
        ctx.error(
          'rego_type_error',
          first.loc,
          `conflicting rules ${name} found: functions with different arities`,
        );
    }
    const defaults = node.rules.filter((r) => r.default);
    if (defaults.length > 1)
      ctx.error('rego_type_error', defaults[1].loc, `multiple default rules ${name} found`);
    if (node.rules.some(isGroundHead) && hasRulesBelow(node))
      ctx.error('rego_type_error', first.loc, `rule ${name} conflicts with [${firstRulePathBelow(node)}]`);
  }
}

/** Rule-tree nodes a ref (absolute, `data…`) may read. */
function refNodes(root: RuleTreeNode, terms: Term[], out: Set<RuleTreeNode>): void {
  const head = terms[0];
  if (head.type !== 'var' || head.name !== 'data') return;
  const walk = (node: RuleTreeNode, i: number): void => {
    if (node.rules.length > 0) out.add(node);
    if (i >= terms.length) {
      for (const n of nodes(node)) if (n.rules.length > 0) out.add(n);
      return;
    }
    const t = terms[i];
    if (t.type === 'string') {
      const c = node.children.get(t.value);
      if (c) walk(c, i + 1);
    } else if (t.type !== 'number' && t.type !== 'boolean' && t.type !== 'null') {
      for (const c of node.children.values()) walk(c, i + 1);
    }
  };
  walk(root, 1);
}

function termDeps(root: RuleTreeNode, t: Term, out: Set<RuleTreeNode>): void {
  switch (t.type) {
    case 'ref':
      refNodes(root, t.terms, out);
      for (const x of t.terms) termDeps(root, x, out);
      return;
    case 'array':
    case 'set':
      for (const x of t.items) termDeps(root, x, out);
      return;
    case 'object':
      for (const [k, v] of t.items) {
        termDeps(root, k, out);
        termDeps(root, v, out);
      }
      return;
    case 'call':
      refNodes(root, t.operator.terms, out);
      for (const x of t.args) termDeps(root, x, out);
      return;
    case 'arraycomp':
    case 'setcomp':
      termDeps(root, t.term, out);
      bodyDeps(root, t.body, out);
      return;
    case 'objectcomp':
      termDeps(root, t.key, out);
      termDeps(root, t.value, out);
      bodyDeps(root, t.body, out);
      return;
    default:
      return;
  }
}

function exprDeps(root: RuleTreeNode, e: Expr, out: Set<RuleTreeNode>): void {
  switch (e.kind) {
    case 'term':
      termDeps(root, e.term, out);
      break;
    case 'call':
      refNodes(root, e.operator.terms, out);
      for (const a of e.args) termDeps(root, a, out);
      break;
    case 'somein':
      termDeps(root, e.collection, out);
      break;
    case 'every':
      termDeps(root, e.domain, out);
      bodyDeps(root, e.body, out);
      break;
    case 'not':
      bodyDeps(root, e.body, out);
      break;
    case 'some':
      break;
  }
  for (const w of e.with) termDeps(root, w.value, out);
}

function bodyDeps(root: RuleTreeNode, body: Body, out: Set<RuleTreeNode>): void {
  for (const e of body) exprDeps(root, e, out);
}

/** Reports `rego_recursion_error` for every cycle between rule-tree nodes. */
export function checkRecursion(root: RuleTreeNode, ctx: CompileContext): void {
  const deps = new Map<RuleTreeNode, Set<RuleTreeNode>>();
  for (const node of nodes(root)) {
    if (node.rules.length === 0) continue;
    const out = new Set<RuleTreeNode>();
    for (const rule of node.rules) {
      for (let r: Rule | undefined = rule; r; r = r.else) {
        bodyDeps(root, r.body, out);
        for (const t of r.head.ref.slice(1)) termDeps(root, t, out);
        if (r.head.key) termDeps(root, r.head.key, out);
        if (r.head.value) termDeps(root, r.head.value, out);
      }
    }
    deps.set(node, out);
  }
  const state = new Map<RuleTreeNode, 1 | 2>();
  const stack: RuleTreeNode[] = [];
  const reported = new Set<RuleTreeNode>();
  const visit = (n: RuleTreeNode): void => {
    state.set(n, 1);
    stack.push(n);
    for (const d of deps.get(n) ?? []) {
      const s = state.get(d);
      if (s === 1) {
        if (!reported.has(d)) {
          reported.add(d);
          const cycle = stack.slice(stack.indexOf(d)).concat(d);
          ctx.error(
            'rego_recursion_error',
            d.rules[0].loc,
            `rule ${pathString(d.path)} is recursive: ${cycle.map((c) => pathString(c.path)).join(' -> ')}`,
          );
        }
      } else if (s === undefined) visit(d);
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const n of deps.keys()) if (!state.has(n)) visit(n);
}
