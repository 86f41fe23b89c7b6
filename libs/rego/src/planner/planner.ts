import type * as A from '../ast/ast';
import { lookupBuiltin } from '../builtins/catalog';
import type { CompiledProgram, CompiledQuery, RuleTreeNode } from '../compiler/compiled-program';
import { DATA, INPUT } from '../ir/ir';
import type { Block, BuiltinRef, Func, Local, Location, Operand, Plan, Policy, Stmt } from '../ir/ir';
import { PlanError } from './plan.error';
import type { RuleNode } from './rule-node';
import { RuleTree } from './rule-tree';
import { VarScope } from './var-scope';

export interface PlanOptions {
  /** Entrypoints as slash-separated paths below `data` (`mandate/decision`); each becomes a plan of that name. */
  entrypoints?: string[];
  /** A compiled query, planned as the plan `eval`. Defaults to `program.query` when the program has one. */
  query?: CompiledQuery;
  /**
   * Host-provided builtins beyond the catalog (compile()'s `customBuiltins`): name → arity. Planned as calls of
   * builtins that are neither relations nor variadic; a name also in the catalog takes this arity.
   */
  customBuiltins?: Record<string, number>;
}

/**
 * Plans a compiled program into Mandate's IR (see ../ir/ir.ts for the execution model).
 *
 * Plans come in order: one per entrypoint (result set `[{result: <value>}]`, empty when undefined), then
 * `eval` for the query (one binding object per solution, with the query's user variables).
 */
export function plan(program: CompiledProgram, options: PlanOptions = {}): Policy {
  return new Planner(program, options.customBuiltins ?? {}).run(options);
}

/** Continuation: plans whatever follows once the current construct has succeeded. */
type Iter = () => void;

interface BasePtr {
  /** Local holding the base document the path starts from. */
  local: Local;
  /** Ground ref operands still to apply to `local`. */
  path: A.Term[];
}

/** A `with` replacement of a function or builtin: calls go to another function or yield a value. */
type Mock =
  { kind: 'value'; value: Operand; term: A.Term; frame: number } | { kind: 'func'; operator: A.RefTerm };

const ROOT_VARS: ReadonlyMap<string, Local> = new Map([
  ['input', INPUT],
  ['data', DATA],
]);

const FAIL: Stmt = { op: 'equal', a: { kind: 'bool', value: true }, b: { kind: 'bool', value: false } };

const INT_TEXT = /^-?(0|[1-9][0-9]{0,9})$/;

function loc(local: Local): Operand {
  return { kind: 'local', local };
}

class Planner {
  private readonly strings: string[] = [];
  private readonly stringIndex = new Map<string, number>();
  private readonly files: string[] = [];
  private readonly fileIndex = new Map<string, number>();
  private readonly builtins = new Map<string, number>();
  private readonly funcs: Func[] = [];
  /** Planned funcs by rule path, one map per generation (a `with` that shadows rules starts a new one). */
  private readonly funcCache: { gen: number; names: Map<string, string> }[] = [{ gen: 0, names: new Map() }];
  private nextGen = 1;
  private readonly inProgress = new Set<string>();
  /** Paths of the funcs being planned, outermost first (parallel to `inProgress`). */
  private readonly inProgressKeys: string[] = [];
  private readonly tree = new RuleTree<A.Rule>();
  /** Active `with` replacements of functions, innermost last. */
  private readonly mocks: Map<string, Mock>[] = [];

  // State of the body being planned.
  private curr: Block = { stmts: [] };
  private lnext = 2;
  private vars = new VarScope(ROOT_VARS);
  private ltarget: Operand = { kind: 'bool', value: false };
  private loc: A.Location | undefined;
  /** Identifies the plan or func being planned (locals are only meaningful inside it). */
  private frame = 0;
  private nextFrame = 1;

  constructor(
    private readonly program: CompiledProgram,
    private readonly customBuiltins: Record<string, number>,
  ) {
    this.copyTree(program.ruleTree, []);
    // Packages without rules still exist as (empty) documents.
    for (const module of program.modules) {
      const path = module.package.path.slice(1).map((t) => (t.type === 'string' ? t.value : undefined));
      if (path.every((k): k is string => k !== undefined)) this.tree.ensure(path);
    }
  }

  run(options: PlanOptions): Policy {
    const plans: Plan[] = [];
    for (const entrypoint of options.entrypoints ?? []) plans.push(this.planEntrypoint(entrypoint));
    const query = options.query ?? this.program.query;
    if (query !== undefined) plans.push(this.planQuery(query));
    const builtins: BuiltinRef[] = [...this.builtins.entries()]
      .map(([name, arity]) => ({ name, arity }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { strings: this.strings, files: this.files, builtins, funcs: this.funcs, plans };
  }

  /* ------------------------------------------------------------------------------------------ setup */

  private copyTree(node: RuleTreeNode, path: string[]): void {
    const target = this.tree.ensure(path);
    for (const rule of node.rules) target.rules.push(rule);
    for (const [key, child] of node.children) this.copyTree(child, [...path, key]);
  }

  /* ------------------------------------------------------------------------------------------ plans */

  private planEntrypoint(entrypoint: string): Plan {
    const segments = entrypoint.split('/').filter((s) => s.length > 0);
    const at: A.Location = { file: '', row: 1, col: 1 };
    const ref: A.RefTerm = {
      type: 'ref',
      terms: [
        { type: 'var', name: 'data', loc: at },
        ...segments.map((value): A.Term => ({ type: 'string', value, loc: at })),
      ],
      loc: at,
    };
    const block = this.startBody();
    this.loc = undefined;
    this.planRef(ref, () => {
      const result = this.newLocal();
      this.emit({ op: 'makeObject', target: result });
      this.emit({ op: 'objectInsert', key: this.str('result'), value: this.ltarget, object: result });
      this.emit({ op: 'resultSetAdd', value: result });
    });
    return { name: segments.join('/'), blocks: [block] };
  }

  private planQuery(query: CompiledQuery): Plan {
    const block = this.startBody();
    const bindings = [...query.bindings].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.planBody(query.body, 0, () => {
      const result = this.newLocal();
      this.emit({ op: 'makeObject', target: result });
      for (const binding of bindings) {
        const local = this.vars.get(binding.var);
        if (local === undefined) continue;
        this.emit({ op: 'objectInsert', key: this.str(binding.name), value: loc(local), object: result });
      }
      this.emit({ op: 'resultSetAdd', value: result });
    });
    return { name: 'eval', blocks: [block] };
  }

  /** Resets the body state for a new plan and returns its (only) block. */
  private startBody(): Block {
    const block: Block = { stmts: [] };
    this.curr = block;
    this.lnext = 2;
    this.vars = new VarScope(ROOT_VARS);
    this.frame = this.nextFrame++;
    return block;
  }

  /* ------------------------------------------------------------------------------------------ rules */

  /** True when some rule at `node` continues its ref below it with variables (`p[k] := v`). */
  private isDynamic(node: RuleNode<A.Rule>): boolean {
    return node.rules.some((r) => r.head.ref.length > node.path.length);
  }

  private isFunctionNode(node: RuleNode<A.Rule>): boolean {
    return node.rules[0]?.head.kind === 'function';
  }

  /**
   * The error for a rule whose value depends on itself through a read the front end cannot attribute to one
   * rule (all of `data`, a whole package, `object.get(data, …)`, `walk(data)`…): OPA rejects these at compile
   * time with `rego_recursion_error` and the cycle of rule names, so does Mandate.
   */
  private recursionError(name: string, node: RuleNode<A.Rule>): PlanError {
    const names = [...this.inProgress];
    const start = names.indexOf(name);
    const cycle = [...this.inProgressKeys.slice(start < 0 ? 0 : start), node.path.join('.')];
    const first = cycle[0] ?? node.path.join('.');
    return new PlanError(
      `rule ${first} is recursive: ${cycle.join(' -> ')}`,
      node.rules[0]?.loc,
      'rego_recursion_error',
    );
  }

  /** Plans the func computing the rules at `node` (once per generation) and returns its name. */
  private planRules(node: RuleNode<A.Rule>): string {
    const key = node.path.join('.');
    const cache = this.funcCache[this.funcCache.length - 1];
    if (cache === undefined) throw new PlanError('internal: empty func cache');
    const cached = cache.names.get(key);
    if (cached !== undefined) return cached;
    const name = `g${cache.gen}.${key}`;
    if (this.inProgress.has(name)) throw this.recursionError(name, node);
    this.inProgress.add(name);
    this.inProgressKeys.push(key);

    const saved = {
      curr: this.curr,
      lnext: this.lnext,
      vars: this.vars,
      ltarget: this.ltarget,
      loc: this.loc,
      frame: this.frame,
    };
    this.frame = this.nextFrame++;
    const rules = node.rules;
    const first = rules[0];
    if (first === undefined) throw new PlanError(`internal: no rules at ${key}`);
    this.lnext = 2;
    const arity = first.head.kind === 'function' ? (first.head.args ?? []).length : 0;
    const params: Local[] = [INPUT, DATA];
    for (let i = 0; i < arity; i++) params.push(this.newLocal());
    const ret = this.newLocal();
    const fn: Func = { name, params, ret, blocks: [], path: [...node.path] };
    const dynamic = this.isDynamic(node);

    if (dynamic) this.planDynamicRules(node, fn);
    else if (first.head.kind === 'multi') this.planSetRules(rules, fn);
    else this.planCompleteRules(rules, fn);

    fn.blocks.push({ stmts: [{ op: 'returnLocal', source: ret }] });
    this.funcs.push(fn);
    cache.names.set(key, name);
    this.inProgress.delete(name);
    this.inProgressKeys.pop();

    this.curr = saved.curr;
    this.lnext = saved.lnext;
    this.vars = saved.vars;
    this.ltarget = saved.ltarget;
    this.loc = saved.loc;
    this.frame = saved.frame;
    return name;
  }

  /** Starts a rule body block inside a func: fresh variables; locals restart after the func's own. */
  private startRuleBlock(firstFree: number): Block {
    const block: Block = { stmts: [] };
    this.curr = block;
    this.lnext = firstFree;
    this.vars = new VarScope(ROOT_VARS);
    return block;
  }

  /** Complete rules and functions: one value; conflicting values are a runtime error. */
  private planCompleteRules(rules: A.Rule[], fn: Func): void {
    const lresult = this.newLocal();
    const firstFree = this.lnext;
    const args = fn.params.slice(2);
    let defaultRule: A.Rule | undefined;

    for (const rule of rules) {
      if (rule.default) {
        defaultRule = rule;
        continue;
      }
      let blocks = fn.blocks;
      if (rule.else !== undefined) {
        const wrapper: Stmt = { op: 'block', blocks: [] };
        fn.blocks.push({ stmts: [wrapper] });
        blocks = wrapper.blocks;
      }
      let prev: A.Rule | undefined;
      for (let cur: A.Rule | undefined = rule; cur !== undefined; prev = cur, cur = cur.else) {
        const current: A.Rule = cur;
        blocks.push(this.startRuleBlock(firstFree));
        this.loc = current.head.loc;
        this.emit(
          prev === undefined ? { op: 'resetLocal', target: lresult } : { op: 'isUndefined', source: lresult },
        );
        this.planParams(args, current.head.args ?? [], 0, () =>
          this.planBody(current.body, 0, () => {
            this.loc = current.head.loc;
            this.planTerm(this.headValue(current), () => {
              this.emit({
                op: 'assignVarOnce',
                source: this.ltarget,
                target: lresult,
                loc: this.irLoc(current.head.loc),
              });
            });
          }),
        );
      }
      blocks.push({
        stmts: [
          { op: 'isDefined', source: lresult },
          { op: 'assignVarOnce', source: loc(lresult), target: fn.ret, loc: this.irLoc(rule.head.loc) },
        ],
      });
    }

    if (defaultRule !== undefined) {
      const rule = defaultRule;
      const block = this.startRuleBlock(firstFree);
      fn.blocks.push(block);
      this.loc = rule.head.loc;
      this.emit({ op: 'isUndefined', source: fn.ret });
      this.planParams(args, rule.head.args ?? [], 0, () =>
        this.planBody(rule.body, 0, () => {
          this.loc = rule.head.loc;
          this.planTerm(this.headValue(rule), () => {
            this.emit({
              op: 'assignVarOnce',
              source: this.ltarget,
              target: fn.ret,
              loc: this.irLoc(rule.head.loc),
            });
          });
        }),
      );
    }
  }

  /** Multi-value rules with a ground ref: a set of all the rules' elements. */
  private planSetRules(rules: A.Rule[], fn: Func): void {
    fn.blocks.push({ stmts: [{ op: 'makeSet', target: fn.ret }] });
    const firstFree = this.lnext;
    for (const rule of rules) {
      fn.blocks.push(this.startRuleBlock(firstFree));
      this.loc = rule.head.loc;
      this.planBody(rule.body, 0, () => {
        this.loc = rule.head.loc;
        const key = rule.head.key;
        if (key === undefined) throw new PlanError('multi-value rule without element', rule.head.loc);
        this.planTerm(key, () => this.emit({ op: 'setAdd', value: this.ltarget, set: fn.ret }));
      });
    }
  }

  /**
   * Rules whose ref continues below the node with variables (`p[k] := v`, `a.b[x].c[y] := z`,
   * `a[x] contains y`): the node's value is an object built level by level; the last level takes the value
   * (insert-once: conflicting values are a runtime error) or, for multi-value rules, a set of elements.
   */
  private planDynamicRules(node: RuleNode<A.Rule>, fn: Func): void {
    fn.blocks.push({ stmts: [{ op: 'makeObject', target: fn.ret }] });
    const depth = node.path.length;
    const lresult = this.newLocal();
    const firstFree = this.lnext;
    // Rules further down the tree (`p.b contains "foo"` next to `p[q] contains r`) add to the same object.
    // Deeper refs first: intermediate objects then exist before a shallower rule inserts its value at their
    // path, so a value that would be extended by a deeper rule is an insert conflict, as in OPA.
    const rules = this.subtreeRules(node).sort((a, b) => b.head.ref.length - a.head.ref.length);
    for (const rule of rules) {
      if (rule.default) continue;
      const rest = rule.head.ref.slice(depth);
      if (rest.length === 0) throw new PlanError('rule conflicts with rules below it', rule.head.loc);
      if (rule.else === undefined) {
        fn.blocks.push(this.startRuleBlock(firstFree));
        this.loc = rule.head.loc;
        this.planBody(rule.body, 0, () => {
          this.loc = rule.head.loc;
          this.planNestedInsert(fn.ret, rest, 0, rule, (k) =>
            this.planTerm(this.headValue(rule), () => k(this.ltarget)),
          );
        });
        continue;
      }
      // An else chain (ground ref): its value is computed as for complete rules, then inserted.
      const wrapper: Stmt = { op: 'block', blocks: [] };
      fn.blocks.push({ stmts: [wrapper] });
      let prev: A.Rule | undefined;
      for (let cur: A.Rule | undefined = rule; cur !== undefined; prev = cur, cur = cur.else) {
        const current: A.Rule = cur;
        wrapper.blocks.push(this.startRuleBlock(firstFree));
        this.loc = current.head.loc;
        this.emit(
          prev === undefined ? { op: 'resetLocal', target: lresult } : { op: 'isUndefined', source: lresult },
        );
        this.planBody(current.body, 0, () => {
          this.loc = current.head.loc;
          this.planTerm(this.headValue(current), () => {
            this.emit({
              op: 'assignVarOnce',
              source: this.ltarget,
              target: lresult,
              loc: this.irLoc(current.head.loc),
            });
          });
        });
      }
      wrapper.blocks.push(this.startRuleBlock(firstFree));
      this.emit({ op: 'isDefined', source: lresult });
      this.planNestedInsert(fn.ret, rest, 0, rule, (k) => k(loc(lresult)));
    }
    // Defaults below the node (`default p.b.c := 0`): inserted when nothing else defined that path.
    for (const rule of rules) {
      const rest = rule.head.ref.slice(depth);
      if (!rule.default || rest.length === 0) continue;
      fn.blocks.push(this.startRuleBlock(firstFree));
      this.loc = rule.head.loc;
      const probe: Block = { stmts: [] };
      let source: Local = fn.ret;
      for (const key of rest) {
        if (key.type !== 'string')
          throw new PlanError('default rule with a variable in its ref', rule.head.loc);
        const target = this.newLocal();
        probe.stmts.push({ op: 'dot', source: loc(source), key: this.str(key.value), target });
        source = target;
      }
      this.emit({ op: 'not', block: probe });
      this.planNestedInsert(fn.ret, rest, 0, rule, (k) =>
        this.planTerm(this.headValue(rule), () => k(this.ltarget)),
      );
    }
  }

  /** The non-function rules at `node` and at its visible descendants. */
  private subtreeRules(node: RuleNode<A.Rule>): A.Rule[] {
    const out: A.Rule[] = [];
    const visit = (n: RuleNode<A.Rule>): void => {
      if (!this.isFunctionNode(n)) out.push(...n.rules);
      for (const key of n.childKeys()) {
        const child = n.child(key);
        if (child !== undefined) visit(child);
      }
    };
    visit(node);
    return out;
  }

  /**
   * Inserts the rule's value (or, for multi-value rules, its element) at `keys` below `object`, creating
   * intermediate objects; the last level is insert-once, so conflicting values are a runtime error.
   */
  private planNestedInsert(
    object: Local,
    keys: A.Term[],
    index: number,
    rule: A.Rule,
    value: (k: (v: Operand) => void) => void,
  ): void {
    const keyTerm = keys[index];
    if (keyTerm === undefined) throw new PlanError('internal: empty dynamic ref', rule.head.loc);
    const last = index === keys.length - 1;
    this.planTerm(keyTerm, () => {
      const key = this.ltarget;
      if (last && rule.head.kind !== 'multi') {
        value((v) =>
          this.emit({ op: 'objectInsertOnce', key, value: v, object, loc: this.irLoc(rule.head.loc) }),
        );
        return;
      }
      const child = this.getOrCreate(object, key, last ? 'makeSet' : 'makeObject');
      if (!last) {
        this.planNestedInsert(child, keys, index + 1, rule, value);
        return;
      }
      const element = rule.head.key;
      if (element === undefined) throw new PlanError('multi-value rule without element', rule.head.loc);
      this.planTerm(element, () => this.emit({ op: 'setAdd', value: this.ltarget, set: child }));
    });
  }

  /** `child = object[key]`, creating an empty object/set there when the key is absent. */
  private getOrCreate(object: Local, key: Operand, make: 'makeObject' | 'makeSet'): Local {
    const child = this.newLocal();
    this.emit({ op: 'resetLocal', target: child });
    this.emit({ op: 'block', blocks: [{ stmts: [{ op: 'dot', source: loc(object), key, target: child }] }] });
    this.emit({
      op: 'block',
      blocks: [
        {
          stmts: [
            { op: 'isUndefined', source: child },
            { op: make, target: child },
            { op: 'objectInsert', key, value: loc(child), object },
          ],
        },
      ],
    });
    return child;
  }

  private headValue(rule: A.Rule): A.Term {
    return rule.head.value ?? { type: 'boolean', value: true, loc: rule.head.loc };
  }

  private planParams(params: Local[], args: A.Term[], index: number, iter: Iter): void {
    const param = params[index];
    const arg = args[index];
    if (param === undefined || arg === undefined) {
      iter();
      return;
    }
    this.planUnifyLocal(loc(param), arg, () => this.planParams(params, args, index + 1, iter));
  }

  /* ------------------------------------------------------------------------------------ expressions */

  private planBody(body: A.Body, index: number, iter: Iter): void {
    const expr = body[index];
    if (expr === undefined) {
      iter();
      return;
    }
    const outer = this.loc;
    this.loc = expr.loc;
    this.planExpr(expr, () => this.planBody(body, index + 1, iter));
    this.loc = outer;
  }

  private planExpr(expr: A.Expr, iter: Iter): void {
    if (expr.with.length > 0) {
      this.planWith(expr, iter);
      return;
    }
    switch (expr.kind) {
      case 'term':
        this.planTerm(expr.term, () => {
          this.emit({ op: 'notEqual', a: this.ltarget, b: { kind: 'bool', value: false } });
          iter();
        });
        return;
      case 'call':
        this.planCallExpr(expr, iter);
        return;
      case 'not':
        this.planNot(expr, iter);
        return;
      case 'every':
        this.planEvery(expr, iter);
        return;
      case 'some':
        iter();
        return;
      case 'somein':
        this.planSomeIn(expr, iter);
        return;
    }
  }

  private planNot(expr: A.NotExpr, iter: Iter): void {
    this.planNegation(expr.body);
    iter();
  }

  /**
   * Emits statements that are undefined when `body` has a solution. A straight-line body becomes a `not`
   * statement. A body that iterates (scan), branches (block) or uses `with` may reach the end of its block
   * without a solution, so it sets a flag when its last expression succeeds and the flag is tested after.
   */
  private planNegation(body: A.Body): void {
    const block: Block = { stmts: [] };
    const prev = this.curr;
    this.curr = block;
    this.vars.push();
    const flag = this.newLocal();
    this.planBody(body, 0, () =>
      this.emit({ op: 'assignVar', source: { kind: 'bool', value: true }, target: flag }),
    );
    this.vars.pop();
    this.curr = prev;
    const straight = block.stmts.every((st) => st.op !== 'scan' && st.op !== 'block' && st.op !== 'with');
    if (straight) {
      // The flag assignment is the last statement: drop it, reaching the end is the solution.
      this.emit({
        op: 'not',
        block: { stmts: block.stmts.filter((st) => !(st.op === 'assignVar' && st.target === flag)) },
      });
      return;
    }
    this.emit({ op: 'resetLocal', target: flag });
    this.emit({ op: 'block', blocks: [block] });
    this.emit({ op: 'isUndefined', source: flag });
  }

  /**
   * `every k, v in xs { body }`: a flag records a counterexample (an element for which the body has no
   * solution); the scan stops at the first one.
   */
  private planEvery(expr: A.EveryExpr, iter: Iter): void {
    this.planTerm(expr.domain, () => {
      const domain = this.toLocal(this.ltarget);
      // Only collections can be iterated: `every x in 42 {…}` is undefined.
      const iterable = this.newLocal();
      this.emit({ op: 'resetLocal', target: iterable });
      this.emit({
        op: 'block',
        blocks: (['isArray', 'isObject', 'isSet'] as const).map((op) => ({
          stmts: [
            { op, source: loc(domain) },
            { op: 'assignVar', source: { kind: 'bool', value: true }, target: iterable },
          ],
        })),
      });
      this.emit({ op: 'isDefined', source: iterable });
      const found = this.newLocal();
      this.emit({ op: 'resetLocal', target: found });
      const key = this.newLocal();
      const value = this.newLocal();
      const scanBlock: Block = { stmts: [] };
      const prev = this.curr;
      this.curr = scanBlock;
      this.vars.push();
      if (expr.key !== undefined) this.vars.put(expr.key.name, key);
      this.vars.put(expr.value.name, value);
      this.planNegation(expr.body);
      this.emit({ op: 'assignVar', source: { kind: 'bool', value: true }, target: found });
      // Leaves the scan body and the block around the scan.
      this.emit({ op: 'break', index: 1 });
      this.vars.pop();
      this.curr = prev;
      this.emit({
        op: 'block',
        blocks: [{ stmts: [{ op: 'scan', source: domain, key, value, block: scanBlock }] }],
      });
      this.emit({ op: 'isUndefined', source: found });
      iter();
    });
  }

  /** `some k, v in xs` (normally rewritten by the compiler): iterate xs and unify key and value. */
  private planSomeIn(expr: A.SomeInExpr, iter: Iter): void {
    this.planTerm(expr.collection, () => {
      const source = this.toLocal(this.ltarget);
      const key = this.newLocal();
      const value = this.newLocal();
      const block: Block = { stmts: [] };
      const prev = this.curr;
      this.curr = block;
      const unifyValue = (): void => this.planUnifyLocal(loc(value), expr.value, iter);
      if (expr.key !== undefined) this.planUnifyLocal(loc(key), expr.key, unifyValue);
      else unifyValue();
      this.curr = prev;
      this.emit({ op: 'scan', source, key, value, block });
    });
  }

  /* ------------------------------------------------------------------------------------------- with */

  private planWith(expr: A.Expr, iter: Iter): void {
    const plain: A.Expr = { ...expr, with: [] };
    // A function replaced by another function needs no value (a function cannot be planned as one).
    const replacements = expr.with.map((w) =>
      this.targetsFunction(w.target) ? this.functionRef(w.value) : undefined,
    );
    const values = expr.with.map((w, i): A.Term =>
      replacements[i] === undefined ? w.value : { type: 'boolean', value: true, loc: w.loc },
    );
    this.planTerms(values, 0, [], (operands) => {
      const docs: { local: Local; path: number[]; value: Operand }[] = [];
      const dataPaths: string[][] = [];
      const mocks = new Map<string, Mock>();
      expr.with.forEach((w, i) => {
        const value = operands[i];
        if (value === undefined) throw new PlanError('internal: with value', w.loc);
        const head = w.target.terms[0];
        const segments = w.target.terms.slice(1);
        const root = head?.type === 'var' ? head.name : '';
        const stringPath = segments.every((t) => t.type === 'string')
          ? segments.map((t) => (t.type === 'string' ? t.value : ''))
          : undefined;
        if ((root === 'input' || root === 'data') && stringPath !== undefined) {
          const fnNode = root === 'data' ? this.tree.lookup(stringPath) : undefined;
          if (fnNode !== undefined && this.isFunctionNode(fnNode)) {
            mocks.set(this.operatorName(w.target), this.mockFor(w.value, value, replacements[i]));
            return;
          }
          docs.push({
            local: root === 'input' ? INPUT : DATA,
            path: stringPath.map((s) => this.strIndex(s)),
            value,
          });
          if (root === 'data') dataPaths.push(stringPath);
          return;
        }
        if (root === 'input' || root === 'data') throw new PlanError('invalid with target', w.loc);
        mocks.set(this.operatorName(w.target), this.mockFor(w.value, value, replacements[i]));
      });

      // Keep the original documents so the rest of the query (planned inside the `with` blocks) sees them.
      const saved: { local: Local; copy: Local }[] = [];
      for (const local of [...new Set(docs.map((d) => d.local))].sort()) {
        const copy = this.newLocal();
        this.emit({ op: 'assignVar', source: loc(local), target: copy });
        saved.push({ local, copy });
      }

      const shadowed = dataPaths
        .map((p) => this.tree.shadow(p))
        .filter((n): n is RuleNode<A.Rule> => n !== undefined);
      const fresh = shadowed.length > 0 || mocks.size > 0;
      const enter = (): void => {
        if (!fresh) return;
        this.funcCache.push({ gen: this.nextGen++, names: new Map() });
        if (mocks.size > 0) this.mocks.push(mocks);
      };
      const leave = (): void => {
        if (!fresh) return;
        this.funcCache.pop();
        if (mocks.size > 0) this.mocks.pop();
      };
      enter();
      this.planWithDocs(docs, 0, () =>
        this.planExpr(plain, () => {
          leave();
          for (const node of shadowed) this.tree.unshadow(node);
          this.planRestore(saved, 0, iter);
          for (const node of shadowed) this.tree.reshadow(node);
          enter();
        }),
      );
      leave();
      for (const node of shadowed) this.tree.unshadow(node);
    });
  }

  /** True when a `with` target names a function (user function or builtin) rather than a document. */
  private targetsFunction(target: A.RefTerm): boolean {
    const head = target.terms[0];
    if (head?.type !== 'var') return false;
    if (head.name === 'input') return false;
    if (head.name !== 'data') return true;
    const node = this.lookupFunction(target);
    return node !== undefined && this.isFunctionNode(node);
  }

  /** The function a `with` value names (a user function or a builtin), if it names one. */
  private functionRef(term: A.Term): A.RefTerm | undefined {
    if (term.type !== 'ref' && term.type !== 'var') return undefined;
    const operator: A.RefTerm = term.type === 'ref' ? term : { type: 'ref', terms: [term], loc: term.loc };
    const head = operator.terms[0];
    if (head?.type !== 'var' || head.name === 'input') return undefined;
    if (head.name === 'data') {
      const node = this.lookupFunction(operator);
      return node !== undefined && this.isFunctionNode(node) ? operator : undefined;
    }
    if (this.vars.has(head.name)) return undefined;
    const named = operator.terms.every((t) => t.type === 'var' || t.type === 'string');
    return named && this.builtinSpec(this.operatorName(operator)) !== undefined ? operator : undefined;
  }

  /** A `with` replacement of a function: another function, or a value. */
  private mockFor(term: A.Term, value: Operand, replacement: A.RefTerm | undefined): Mock {
    if (replacement !== undefined) return { kind: 'func', operator: replacement };
    return { kind: 'value', value, term, frame: this.frame };
  }

  private planWithDocs(
    docs: { local: Local; path: number[]; value: Operand }[],
    index: number,
    iter: Iter,
  ): void {
    const doc = docs[index];
    if (doc === undefined) {
      iter();
      return;
    }
    const block: Block = { stmts: [] };
    const prev = this.curr;
    this.curr = block;
    this.planWithDocs(docs, index + 1, iter);
    this.curr = prev;
    this.emit({ op: 'with', local: doc.local, path: doc.path, value: doc.value, block });
  }

  private planRestore(saved: { local: Local; copy: Local }[], index: number, iter: Iter): void {
    const entry = saved[index];
    if (entry === undefined) {
      iter();
      return;
    }
    const block: Block = { stmts: [] };
    const prev = this.curr;
    this.curr = block;
    this.planRestore(saved, index + 1, iter);
    this.curr = prev;
    this.emit({ op: 'with', local: entry.local, path: [], value: loc(entry.copy), block });
  }

  /* ------------------------------------------------------------------------------------------ calls */

  private operatorName(operator: A.RefTerm): string {
    return operator.terms
      .map((t) => {
        if (t.type === 'var') return t.name;
        if (t.type === 'string') return t.value;
        throw new PlanError('invalid function name', operator.loc);
      })
      .join('.');
  }

  private lookupFunction(operator: A.RefTerm): RuleNode<A.Rule> | undefined {
    const path: string[] = [];
    for (const term of operator.terms.slice(1)) {
      if (term.type !== 'string') return undefined;
      path.push(term.value);
    }
    const node = this.tree.lookupIgnoringShadows(path);
    return node !== undefined && node.rules.length > 0 ? node : undefined;
  }

  private findMock(name: string): Mock | undefined {
    for (let i = this.mocks.length - 1; i >= 0; i--) {
      const mock = this.mocks[i]?.get(name);
      if (mock !== undefined) return mock;
    }
    return undefined;
  }

  private planCallExpr(expr: A.CallExpr, iter: Iter): void {
    this.planCall(expr.operator, expr.args, expr.loc, iter);
  }

  private planCall(operator: A.RefTerm, args: A.Term[], at: A.Location, iter: Iter): void {
    const name = this.operatorName(operator);
    if (name === 'eq' || name === 'assign') {
      const [a, b] = args;
      if (a === undefined || b === undefined || args.length !== 2)
        throw new PlanError(`${name} takes 2 arguments`, at);
      this.planUnify(a, b, iter);
      return;
    }

    const mock = this.findMock(name);
    if (mock !== undefined) {
      if (mock.kind === 'func') {
        const replacement = this.operatorName(mock.operator);
        if (replacement !== name) {
          this.planCall(mock.operator, args, at, iter);
          return;
        }
      } else {
        const arity = this.calleeArity(operator, name, at);
        const withValue = (k: (value: Operand) => void): void => {
          if (mock.frame === this.frame) {
            k(mock.value);
            return;
          }
          // The mock was planned in another func: evaluate its value again here (no local vars allowed).
          if (usesLocalVars(mock.term)) {
            throw new PlanError(`with: the value replacing ${name} uses local variables of another rule`, at);
          }
          const outer = this.mocks.splice(0, this.mocks.length);
          this.planTerm(mock.term, () => {
            this.mocks.push(...outer);
            k(this.ltarget);
          });
        };
        this.planTerms(args.slice(0, arity), 0, [], () =>
          withValue((value) => {
            if (args.length > arity) {
              const out = args[arity];
              if (out === undefined) throw new PlanError('internal: call output', at);
              this.planUnifyLocal(value, out, iter);
              return;
            }
            this.emit({ op: 'notEqual', a: value, b: { kind: 'bool', value: false } });
            iter();
          }),
        );
        return;
      }
    }

    const head = operator.terms[0];
    if (head?.type === 'var' && head.name === 'data') {
      const node = this.lookupFunction(operator);
      if (node === undefined) throw new PlanError(`undefined function ${name}`, at);
      const fname = this.planRules(node);
      const arity = (node.rules[0]?.head.args ?? []).length;
      this.planInvoke({ kind: 'func', name: fname }, [loc(INPUT), loc(DATA)], arity, false, args, at, iter);
      return;
    }

    const spec = this.builtinSpec(name);
    if (spec === undefined) throw new PlanError(`unknown function ${name}`, at);
    const arity = spec.arity < 0 ? args.length : spec.arity;
    this.builtins.set(name, arity);
    this.planInvoke({ kind: 'builtin', name }, [], arity, spec.relation, args, at, iter);
  }

  private calleeArity(operator: A.RefTerm, name: string, at: A.Location): number {
    const head = operator.terms[0];
    if (head?.type === 'var' && head.name === 'data') {
      const node = this.lookupFunction(operator);
      if (node === undefined) throw new PlanError(`undefined function ${name}`, at);
      return (node.rules[0]?.head.args ?? []).length;
    }
    const spec = this.builtinSpec(name);
    if (spec === undefined) throw new PlanError(`unknown function ${name}`, at);
    return spec.arity;
  }

  /** A builtin's arity and relation flag: a custom builtin (see PlanOptions), else the catalog's entry. */
  private builtinSpec(name: string): { arity: number; relation: boolean } | undefined {
    const custom = Object.hasOwn(this.customBuiltins, name) ? this.customBuiltins[name] : undefined;
    if (custom !== undefined) return { arity: custom, relation: false };
    return lookupBuiltin(name);
  }

  private planInvoke(
    target: { kind: 'func' | 'builtin'; name: string },
    prefix: Operand[],
    arity: number,
    relation: boolean,
    args: A.Term[],
    at: A.Location,
    iter: Iter,
  ): void {
    if (args.length !== arity && args.length !== arity + 1) {
      throw new PlanError(`${target.name}: wrong number of arguments (${args.length}, want ${arity})`, at);
    }
    this.planTerms(args.slice(0, arity), 0, [], (operands) => {
      const result = this.newLocal();
      this.emit({ op: 'call', target, args: [...prefix, ...operands], result, loc: this.irLoc(at) });
      const out = args[arity];
      if (relation) {
        // A relation's result is an array of solutions.
        if (out === undefined) {
          const size = this.newLocal();
          const zero = this.newLocal();
          this.emit({ op: 'len', source: loc(result), target: size });
          this.emit({ op: 'makeNumberInt', value: 0, target: zero });
          this.emit({ op: 'notEqual', a: loc(size), b: loc(zero) });
          iter();
          return;
        }
        this.planScanValues(result, out, iter);
        return;
      }
      if (out === undefined) {
        this.emit({ op: 'notEqual', a: loc(result), b: { kind: 'bool', value: false } });
        iter();
        return;
      }
      this.planUnifyLocal(loc(result), out, iter);
    });
  }

  private planTerms(
    terms: A.Term[],
    index: number,
    acc: Operand[],
    iter: (operands: Operand[]) => void,
  ): void {
    const term = terms[index];
    if (term === undefined) {
      iter(acc);
      return;
    }
    this.planTerm(term, () => this.planTerms(terms, index + 1, [...acc, this.ltarget], iter));
  }

  /* --------------------------------------------------------------------------------------- unification */

  /** Vars of `term` not bound yet (closures excluded: comprehension bodies bind their own). */
  private hasUnbound(term: A.Term): boolean {
    switch (term.type) {
      case 'var':
        return !this.vars.has(term.name);
      case 'ref':
        return term.terms.some((t) => this.hasUnbound(t));
      case 'array':
      case 'set':
        return term.items.some((t) => this.hasUnbound(t));
      case 'object':
        return term.items.some(([k, v]) => this.hasUnbound(k) || this.hasUnbound(v));
      case 'call':
        return term.args.some((t) => this.hasUnbound(t));
      default:
        return false;
    }
  }

  /** An array/object term with unbound vars to be bound by unification (not by planning it as a value). */
  private isPattern(term: A.Term): boolean {
    return (term.type === 'array' || term.type === 'object' || term.type === 'var') && this.hasUnbound(term);
  }

  private planUnify(a: A.Term, b: A.Term, iter: Iter): void {
    // `data` alone is the whole virtual document, not the base document in local 1.
    if (a.type === 'var' && a.name === 'data') a = { type: 'ref', terms: [a], loc: a.loc };
    if (b.type === 'var' && b.name === 'data') b = { type: 'ref', terms: [b], loc: b.loc };
    if (a.type === 'var') {
      this.planUnifyVar(a, b, iter);
      return;
    }
    if (b.type === 'var') {
      this.planUnifyVar(b, a, iter);
      return;
    }
    if (this.isPattern(a) || this.isPattern(b)) {
      if (a.type === 'array' && b.type === 'array') {
        if (a.items.length !== b.items.length) {
          this.emit(FAIL);
          return;
        }
        this.planUnifyPairs(
          a.items.map((x, i) => [x, b.items[i] ?? x]),
          0,
          iter,
        );
        return;
      }
      if (a.type === 'object' && b.type === 'object') {
        this.planUnifyObjects(a, b, iter);
        return;
      }
      if ((a.type === 'array' || a.type === 'object') && (b.type === 'array' || b.type === 'object')) {
        this.emit(FAIL);
        return;
      }
      if (this.isPattern(a)) {
        this.planTerm(b, () => this.planUnifyLocal(this.ltarget, a, iter));
        return;
      }
    }
    this.planTerm(a, () => this.planUnifyLocal(this.ltarget, b, iter));
  }

  private planUnifyPairs(pairs: [A.Term, A.Term][], index: number, iter: Iter): void {
    const pair = pairs[index];
    if (pair === undefined) {
      iter();
      return;
    }
    this.planUnify(pair[0], pair[1], () => this.planUnifyPairs(pairs, index + 1, iter));
  }

  private planUnifyObjects(a: A.ObjectTerm, b: A.ObjectTerm, iter: Iter): void {
    if (a.items.length !== b.items.length) {
      this.emit(FAIL);
      return;
    }
    const keyOf = (t: A.Term): string | undefined =>
      isGround(t) ? JSON.stringify(groundValue(t)) : undefined;
    const pairs: [A.Term, A.Term][] = [];
    for (const [ka, va] of a.items) {
      const k = keyOf(ka);
      const match = k === undefined ? undefined : b.items.find(([kb]) => keyOf(kb) === k);
      if (match === undefined) {
        // Keys that are not constants (or differ): compare the objects as values once both are bound.
        this.planTerm(a, () => {
          const left = this.ltarget;
          this.planUnifyLocal(left, b, iter);
        });
        return;
      }
      pairs.push([va, match[1]]);
    }
    this.planUnifyPairs(pairs, 0, iter);
  }

  private planUnifyVar(v: A.VarTerm, term: A.Term, iter: Iter): void {
    const bound = this.vars.get(v.name);
    if (bound !== undefined) {
      this.planUnifyLocal(loc(bound), term, iter);
      return;
    }
    if (term.type === 'var' && !this.vars.has(term.name)) {
      throw new PlanError(`unsafe unification of ${v.name} and ${term.name}`, v.loc);
    }
    this.planTerm(term, () => {
      const target = this.newLocal();
      this.emit({ op: 'assignVar', source: this.ltarget, target });
      this.vars.put(v.name, target);
      iter();
    });
  }

  /** Unifies the value in `a` with `term`, binding the term's unbound vars. */
  private planUnifyLocal(a: Operand, term: A.Term, iter: Iter): void {
    if (term.type === 'var') {
      const bound = this.vars.get(term.name);
      if (bound !== undefined) {
        this.emit({ op: 'equal', a, b: loc(bound) });
        iter();
        return;
      }
      const target = this.newLocal();
      this.emit({ op: 'assignVar', source: a, target });
      this.vars.put(term.name, target);
      iter();
      return;
    }
    if (term.type === 'array' && this.hasUnbound(term)) {
      this.emit({ op: 'isArray', source: a });
      this.emitLenCheck(a, term.items.length);
      this.planUnifyElems(a, term.items, 0, iter);
      return;
    }
    if (term.type === 'object' && this.hasUnbound(term)) {
      this.emit({ op: 'isObject', source: a });
      this.emitLenCheck(a, term.items.length);
      this.planUnifyMembers(a, term.items, 0, iter);
      return;
    }
    this.planTerm(term, () => {
      this.emit({ op: 'equal', a, b: this.ltarget });
      iter();
    });
  }

  private emitLenCheck(a: Operand, n: number): void {
    const size = this.newLocal();
    const want = this.newLocal();
    this.emit({ op: 'len', source: a, target: size });
    this.emit({ op: 'makeNumberInt', value: n, target: want });
    this.emit({ op: 'equal', a: loc(size), b: loc(want) });
  }

  private planUnifyElems(a: Operand, items: A.Term[], index: number, iter: Iter): void {
    const item = items[index];
    if (item === undefined) {
      iter();
      return;
    }
    const key = this.newLocal();
    const value = this.newLocal();
    this.emit({ op: 'makeNumberInt', value: index, target: key });
    this.emit({ op: 'dot', source: a, key: loc(key), target: value });
    this.planUnifyLocal(loc(value), item, () => this.planUnifyElems(a, items, index + 1, iter));
  }

  private planUnifyMembers(a: Operand, items: [A.Term, A.Term][], index: number, iter: Iter): void {
    const item = items[index];
    if (item === undefined) {
      iter();
      return;
    }
    this.planTerm(item[0], () => {
      const value = this.newLocal();
      this.emit({ op: 'dot', source: a, key: this.ltarget, target: value });
      this.planUnifyLocal(loc(value), item[1], () => this.planUnifyMembers(a, items, index + 1, iter));
    });
  }

  /* ------------------------------------------------------------------------------------------ terms */

  private planTerm(term: A.Term, iter: Iter): void {
    switch (term.type) {
      case 'null': {
        const target = this.newLocal();
        this.emit({ op: 'makeNull', target });
        this.ltarget = loc(target);
        iter();
        return;
      }
      case 'boolean':
        this.ltarget = { kind: 'bool', value: term.value };
        iter();
        return;
      case 'number': {
        const target = this.newLocal();
        if (INT_TEXT.test(term.text) && Math.abs(Number(term.text)) <= 0x7fffffff) {
          this.emit({ op: 'makeNumberInt', value: Number(term.text), target });
        } else {
          this.emit({ op: 'makeNumberRef', index: this.strIndex(term.text), target });
        }
        this.ltarget = loc(target);
        iter();
        return;
      }
      case 'string':
        this.ltarget = this.str(term.value);
        iter();
        return;
      case 'var': {
        if (term.name === 'data') {
          this.planRef({ type: 'ref', terms: [term], loc: term.loc }, iter);
          return;
        }
        let local = this.vars.get(term.name);
        if (local === undefined) {
          local = this.newLocal();
          this.vars.put(term.name, local);
        }
        // `input` may be absent: reading it as a value is then undefined.
        if (local === INPUT) this.emit({ op: 'isDefined', source: INPUT });
        this.ltarget = loc(local);
        iter();
        return;
      }
      case 'ref':
        this.planRef(term, iter);
        return;
      case 'array': {
        const target = this.newLocal();
        this.emit({ op: 'makeArray', capacity: term.items.length, target });
        this.planTerms(term.items, 0, [], (items) => {
          for (const value of items) this.emit({ op: 'arrayAppend', value, array: target });
          this.ltarget = loc(target);
          iter();
        });
        return;
      }
      case 'set': {
        const target = this.newLocal();
        this.emit({ op: 'makeSet', target });
        this.planTerms(term.items, 0, [], (items) => {
          for (const value of items) this.emit({ op: 'setAdd', value, set: target });
          this.ltarget = loc(target);
          iter();
        });
        return;
      }
      case 'object': {
        const target = this.newLocal();
        this.emit({ op: 'makeObject', target });
        const flat = term.items.flatMap(([k, v]) => [k, v]);
        this.planTerms(flat, 0, [], (ops) => {
          for (let i = 0; i + 1 < ops.length; i += 2) {
            const key = ops[i];
            const value = ops[i + 1];
            if (key !== undefined && value !== undefined)
              this.emit({ op: 'objectInsert', key, value, object: target });
          }
          this.ltarget = loc(target);
          iter();
        });
        return;
      }
      case 'arraycomp':
        this.planComprehension(
          'makeArray',
          term.body,
          term.loc,
          (target) =>
            this.planTerm(term.term, () =>
              this.emit({ op: 'arrayAppend', value: this.ltarget, array: target }),
            ),
          iter,
        );
        return;
      case 'setcomp':
        this.planComprehension(
          'makeSet',
          term.body,
          term.loc,
          (target) =>
            this.planTerm(term.term, () => this.emit({ op: 'setAdd', value: this.ltarget, set: target })),
          iter,
        );
        return;
      case 'objectcomp':
        this.planComprehension(
          'makeObject',
          term.body,
          term.loc,
          (target) =>
            this.planTerm(term.key, () => {
              const key = this.ltarget;
              this.planTerm(term.value, () =>
                this.emit({
                  op: 'objectInsertOnce',
                  key,
                  value: this.ltarget,
                  object: target,
                  loc: this.irLoc(term.loc),
                }),
              );
            }),
          iter,
        );
        return;
      case 'call': {
        this.planCall(
          term.operator,
          [...term.args, { type: 'var', name: this.freshName(), loc: term.loc }],
          term.loc,
          iter,
        );
        return;
      }
    }
  }

  private freshCounter = 0;

  /** A var name no program uses (for call terms the compiler left nested). */
  private freshName(): string {
    return `__planner${this.freshCounter++}__`;
  }

  private planComprehension(
    make: 'makeArray' | 'makeSet' | 'makeObject',
    body: A.Body,
    at: A.Location,
    head: (target: Local) => void,
    iter: Iter,
  ): void {
    const target = this.newLocal();
    this.emit(make === 'makeArray' ? { op: 'makeArray', capacity: 0, target } : { op: make, target });
    const block: Block = { stmts: [] };
    const prev = this.curr;
    const outer = this.loc;
    this.curr = block;
    this.vars.push();
    this.loc = at;
    this.planBody(body, 0, () => head(target));
    this.vars.pop();
    this.loc = outer;
    this.curr = prev;
    this.emit({ op: 'block', blocks: [block] });
    this.ltarget = loc(target);
    iter();
  }

  /* ------------------------------------------------------------------------------------------- refs */

  private planRef(ref: A.RefTerm, iter: Iter): void {
    const head = ref.terms[0];
    if (head === undefined) throw new PlanError('empty ref', ref.loc);
    if (head.type === 'var' && head.name === 'data') {
      this.planRefData(this.tree.root, { local: DATA, path: [] }, ref.terms, 1, iter);
      return;
    }
    if (head.type === 'var') {
      const local = this.vars.get(head.name);
      if (local === undefined) throw new PlanError(`unsafe var ${head.name} in ref`, ref.loc);
      this.ltarget = loc(local);
      this.planRefRec(ref.terms, 1, iter);
      return;
    }
    this.planTerm(head, () => this.planRefRec(ref.terms, 1, iter));
  }

  /** Applies operands `terms[index..]` to the value in `ltarget`: dot for bound keys, scan otherwise. */
  private planRefRec(terms: A.Term[], index: number, iter: Iter, baseDoc = false): void {
    const operand = terms[index];
    if (operand === undefined) {
      iter();
      return;
    }
    const next = (): void => this.planRefRec(terms, index + 1, iter, baseDoc);
    if (baseDoc && operand.type === 'number') {
      // Base documents are JSON: `data.x[2]` also finds the key "2" of an object (as in OPA's storage).
      const source = this.ltarget;
      const target = this.newLocal();
      this.planTerm(operand, () => {
        const key = this.ltarget;
        this.emit({ op: 'resetLocal', target });
        this.emit({ op: 'block', blocks: [{ stmts: [{ op: 'dot', source, key, target }] }] });
        this.emit({
          op: 'block',
          blocks: [
            {
              stmts: [
                { op: 'isUndefined', source: target },
                { op: 'isObject', source },
                { op: 'dot', source, key: this.str(operand.text), target },
              ],
            },
          ],
        });
        this.emit({ op: 'isDefined', source: target });
        this.ltarget = loc(target);
        next();
      });
      return;
    }
    if (!this.hasUnbound(operand)) {
      const source = this.ltarget;
      this.planTerm(operand, () => {
        const target = this.newLocal();
        this.emit({ op: 'dot', source, key: this.ltarget, target });
        this.ltarget = loc(target);
        next();
      });
      return;
    }
    this.planScan(operand, () => next());
  }

  /** Scans the collection in `ltarget`, unifying each key with `keyTerm`; the continuation gets the element. */
  private planScan(keyTerm: A.Term, iter: Iter): void {
    const source = this.toLocal(this.ltarget);
    const key = this.newLocal();
    const value = this.newLocal();
    const block: Block = { stmts: [] };
    const prev = this.curr;
    this.curr = block;
    this.planUnifyLocal(loc(key), keyTerm, () => {
      this.ltarget = loc(value);
      iter();
    });
    this.curr = prev;
    this.emit({ op: 'scan', source, key, value, block });
  }

  /** Scans the values of the array/set in `source`, unifying each with `term`. */
  private planScanValues(source: Local, term: A.Term, iter: Iter): void {
    const key = this.newLocal();
    const value = this.newLocal();
    const block: Block = { stmts: [] };
    const prev = this.curr;
    this.curr = block;
    this.planUnifyLocal(loc(value), term, iter);
    this.curr = prev;
    this.emit({ op: 'scan', source, key, value, block });
  }

  /**
   * The virtual document model: walks the rule tree along the ref. A ground key that names rules calls
   * their func and continues on its value; a variable key enumerates the rule tree's children (each in its
   * own block) and then the base document's other keys; the end of the ref materialises the whole subtree.
   */
  private planRefData(
    node: RuleNode<A.Rule> | undefined,
    base: BasePtr,
    terms: A.Term[],
    index: number,
    iter: Iter,
  ): void {
    if (index >= terms.length) {
      this.planExtent(node, base, iter);
      return;
    }
    const operand = terms[index];
    if (operand === undefined) throw new PlanError('internal: ref operand');
    if (node === undefined) {
      this.ltarget = loc(base.local);
      this.planRefRec([...base.path, ...terms.slice(index)], 0, iter, true);
      return;
    }
    if (operand.type === 'string') {
      const child = node.child(operand.value);
      if (child !== undefined && child.rules.length > 0) {
        if (this.isFunctionNode(child))
          throw new PlanError(`function ${child.path.join('.')} used as a value`, operand.loc);
        this.planNodeValue(child, () => this.planRefRec(terms, index + 1, iter));
        return;
      }
      this.planRefData(child, { local: base.local, path: [...base.path, operand] }, terms, index + 1, iter);
      return;
    }
    if (isGround(operand)) {
      // Only string keys name rules: other constants can only reach base documents.
      this.planRefData(
        undefined,
        { local: base.local, path: [...base.path, operand] },
        terms,
        index + 1,
        iter,
      );
      return;
    }

    const keys = node.childKeys().filter((k) => {
      const child = node.child(k);
      return child !== undefined && !this.isFunctionNode(child);
    });
    if (keys.length === 0) {
      this.planRefData(undefined, base, terms, index, iter);
      return;
    }
    if (this.hasUnbound(operand)) {
      // Iteration: materialise the whole subtree (rules merged with base documents) and scan it, so the
      // rest of the body is planned once rather than once per child.
      this.planExtent(node, base, () => this.planRefRec(terms, index, iter));
      return;
    }

    // A key known only at run time. Each child gets a block that tests the key and follows the ref's next
    // operands (as long as they bind nothing) into `value`; a last block reads the base document. At most
    // one block matches, so the rest of the body is planned once, after the blocks.
    let end = index + 1;
    while (end < terms.length && !this.hasUnbound(terms[end] ?? operand)) end++;
    const head = terms.slice(0, end);
    const value = this.newLocal();
    const assign = (): void => this.emit({ op: 'assignVar', source: this.ltarget, target: value });
    this.emit({ op: 'resetLocal', target: value });
    const blocks: Block[] = [];
    const prev = this.curr;
    for (const key of keys) {
      const block: Block = { stmts: [] };
      this.curr = block;
      this.planUnifyLocal(this.str(key), operand, () => {
        const copy = [...head];
        copy[index] = { type: 'string', value: key, loc: operand.loc };
        this.planRefData(node, base, copy, index, assign);
      });
      blocks.push(block);
    }
    const exclude = this.newLocal();
    const baseBlock: Block = { stmts: [{ op: 'makeSet', target: exclude }] };
    for (const key of keys) baseBlock.stmts.push({ op: 'setAdd', value: this.str(key), set: exclude });
    this.curr = baseBlock;
    this.planTerm(operand, () => {
      const ignored = this.newLocal();
      this.emit({
        op: 'not',
        block: { stmts: [{ op: 'dot', source: loc(exclude), key: this.ltarget, target: ignored }] },
      });
      this.ltarget = loc(base.local);
      this.planRefRec([...base.path, ...head.slice(index)], 0, assign, true);
    });
    blocks.push(baseBlock);
    this.curr = prev;
    this.emit({ op: 'block', blocks });
    this.emit({ op: 'isDefined', source: value });
    this.ltarget = loc(value);
    this.planRefRec(terms, end, iter);
  }

  /** The value of the rules at `node`, merged with the subtree below it when there is one. */
  private planNodeValue(node: RuleNode<A.Rule>, iter: Iter): void {
    const fname = this.planRules(node);
    const result = this.newLocal();
    this.emit({
      op: 'call',
      target: { kind: 'func', name: fname },
      args: [loc(INPUT), loc(DATA)],
      result,
      loc: this.irLoc(this.loc),
    });
    if (!this.isDynamic(node) && node.childKeys().length > 0) {
      const below = this.planVirtualObject(node);
      const merged = this.newLocal();
      this.emit({ op: 'objectMerge', a: result, b: below, target: merged });
      this.ltarget = loc(merged);
    } else {
      this.ltarget = loc(result);
    }
    iter();
  }

  /** An object of the values of all rules below `node` (functions skipped; undefined rules left out). */
  private planVirtualObject(node: RuleNode<A.Rule>): Local {
    const target = this.newLocal();
    this.emit({ op: 'makeObject', target });
    for (const key of node.childKeys()) {
      const child = node.child(key);
      if (child === undefined || this.isFunctionNode(child)) continue;
      if (child.rules.length > 0) {
        const block: Block = { stmts: [] };
        const prev = this.curr;
        this.curr = block;
        this.planNodeValue(child, () =>
          this.emit({ op: 'objectInsert', key: this.str(key), value: this.ltarget, object: target }),
        );
        this.curr = prev;
        this.emit({ op: 'block', blocks: [block] });
      } else {
        const value = this.planVirtualObject(child);
        this.emit({ op: 'objectInsert', key: this.str(key), value: loc(value), object: target });
      }
    }
    return target;
  }

  /**
   * The full document at the ref's end: base document merged with the rules below `node` (the rules alone
   * when there is no base document; the base document when the two conflict).
   */
  private planExtent(node: RuleNode<A.Rule> | undefined, base: BasePtr, iter: Iter): void {
    if (node === undefined) {
      this.ltarget = loc(base.local);
      this.planRefRec(base.path, 0, iter, true);
      return;
    }
    const virtual = this.planVirtualObject(node);
    const target = this.newLocal();
    const inner: Block = { stmts: [] };
    const prev = this.curr;
    this.curr = inner;
    this.ltarget = loc(base.local);
    this.planRefRec(
      base.path,
      0,
      () => {
        const doc = this.toLocal(this.ltarget);
        // Merged when possible (leaves 3 blocks); when base and rules conflict the base document wins, as in
        // OPA's Wasm (leaves 2 blocks).
        this.emit({
          op: 'block',
          blocks: [
            {
              stmts: [
                { op: 'objectMerge', a: doc, b: virtual, target },
                { op: 'break', index: 2 },
              ],
            },
          ],
        });
        this.emit({ op: 'assignVar', source: loc(doc), target });
        this.emit({ op: 'break', index: 1 });
      },
      true,
    );
    this.curr = prev;
    this.emit({
      op: 'block',
      blocks: [
        {
          stmts: [
            { op: 'block', blocks: [inner] },
            { op: 'assignVar', source: loc(virtual), target },
          ],
        },
      ],
    });
    this.ltarget = loc(target);
    iter();
  }

  /* ------------------------------------------------------------------------------------------ utils */

  private emit(stmt: Stmt): void {
    this.curr.stmts.push(stmt);
  }

  private newLocal(): Local {
    return this.lnext++;
  }

  private toLocal(op: Operand): Local {
    if (op.kind === 'local') return op.local;
    const target = this.newLocal();
    this.emit({ op: 'assignVar', source: op, target });
    return target;
  }

  private strIndex(value: string): number {
    let index = this.stringIndex.get(value);
    if (index === undefined) {
      index = this.strings.length;
      this.strings.push(value);
      this.stringIndex.set(value, index);
    }
    return index;
  }

  private str(value: string): Operand {
    return { kind: 'string', index: this.strIndex(value) };
  }

  private irLoc(at: A.Location | undefined): Location | undefined {
    if (at === undefined) return undefined;
    const name = at.file === '' ? '<query>' : at.file;
    let file = this.fileIndex.get(name);
    if (file === undefined) {
      file = this.files.length;
      this.files.push(name);
      this.fileIndex.set(name, file);
    }
    return { file, row: at.row, col: at.col };
  }
}

/** True for scalars and arrays/objects/sets made only of scalars. */
function isGround(term: A.Term): boolean {
  switch (term.type) {
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
      return true;
    case 'array':
    case 'set':
      return term.items.every(isGround);
    case 'object':
      return term.items.every(([k, v]) => isGround(k) && isGround(v));
    default:
      return false;
  }
}

/** A JSON-like rendering of a ground term, used to compare constant object keys. */
function groundValue(term: A.Term): unknown {
  switch (term.type) {
    case 'null':
      return null;
    case 'boolean':
      return term.value;
    case 'number':
      return { n: term.text };
    case 'string':
      return term.value;
    case 'array':
      return term.items.map(groundValue);
    case 'set':
      return { set: term.items.map(groundValue) };
    case 'object':
      return { obj: term.items.map(([k, v]) => [groundValue(k), groundValue(v)]) };
    default:
      return undefined;
  }
}

/** True when `term` reads a variable other than `input` and `data`. */
function usesLocalVars(term: A.Term): boolean {
  switch (term.type) {
    case 'var':
      return term.name !== 'input' && term.name !== 'data';
    case 'ref':
      return term.terms.some(usesLocalVars);
    case 'array':
    case 'set':
      return term.items.some(usesLocalVars);
    case 'object':
      return term.items.some(([k, v]) => usesLocalVars(k) || usesLocalVars(v));
    case 'call':
      return term.args.some(usesLocalVars);
    case 'arraycomp':
    case 'setcomp':
    case 'objectcomp':
      return true;
    default:
      return false;
  }
}
