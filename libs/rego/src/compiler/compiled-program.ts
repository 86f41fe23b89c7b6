import type { Body, Module, Rule } from '../ast/ast';

/** A node of the rule tree: rules whose ground head prefix is `path`. */
export interface RuleTreeNode {
  key: string;
  /** Absolute path, e.g. ['data', 'pkg', 'p']. */
  path: string[];
  rules: Rule[];
  children: Map<string, RuleTreeNode>;
}

export interface QueryBinding {
  /** The name the user wrote. */
  name: string;
  /** The var that holds it in the compiled body. */
  var: string;
}

export interface CompiledQuery {
  body: Body;
  /** The query's user-visible vars (not `_`, not `__`-prefixed), in order of first appearance. */
  bindings: QueryBinding[];
}

export interface CompiledProgram {
  modules: Module[];
  ruleTree: RuleTreeNode;
  query?: CompiledQuery;
  files: string[];
}
