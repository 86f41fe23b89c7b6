import type { Body, Expr, Location, RefTerm, Term, WithModifier } from '../ast/ast';
import { lookupBuiltin } from '../builtins/catalog';
import type { CompileContext } from './compile.context';
import type { RuleTreeNode } from './compiled-program';
import { findNode } from './rule-tree.builder';
import { refName, termToString } from './term-utils';

/** Arity of functions known to the front end but not listed in the builtin catalog. */
const FRONT_END_ONLY: Record<string, number> = { eq: 2, assign: 2 };

/**
 * Limited type check: every called function exists (builtin or user function) and is called with its arity
 * (or one more argument, the output). `with` targets must be input, data, or a function. Records arities for
 * later passes in `arities` (by dotted name; -1 = variadic).
 */
export class TypeChecker {
  constructor(
    private readonly ctx: CompileContext,
    private readonly root: RuleTreeNode,
    readonly arities: Map<string, number>,
  ) {}

  /** The arity of a function by ref, or undefined (after reporting) when unknown. */
  arity(op: RefTerm, loc: Location): number | undefined {
    const name = refName(op);
    if (name === undefined) {
      this.ctx.error('rego_type_error', loc, `invalid function name ${termToString(op)}`);
      return undefined;
    }
    const known = this.arities.get(name);
    if (known !== undefined) return known;
    let arity: number | undefined;
    if (name.startsWith('data.')) {
      const node = findNode(this.root, name.split('.').slice(1));
      const rule = node?.rules[0];
      if (rule && rule.head.kind === 'function') arity = rule.head.args?.length ?? 0;
      else if (rule) {
        this.ctx.error('rego_type_error', loc, `${name} is not a function`);
        return undefined;
      }
    } else {
      arity = FRONT_END_ONLY[name] ?? lookupBuiltin(name)?.arity;
    }
    if (arity === undefined) {
      this.ctx.error('rego_type_error', loc, `undefined function ${name}`);
      return undefined;
    }
    this.arities.set(name, arity);
    return arity;
  }

  body(body: Body): void {
    for (const e of body) this.expr(e);
  }

  private checkCall(op: RefTerm, n: number, nested: boolean, loc: Location): void {
    const arity = this.arity(op, loc);
    if (arity === undefined || arity < 0) return;
    const ok = nested ? n === arity : n === arity || n === arity + 1;
    if (!ok)
      this.ctx.error(
        'rego_type_error',
        loc,
        `${refName(op) ?? termToString(op)}: arity mismatch: have ${n} argument${n === 1 ? '' : 's'}, want ${arity}`,
      );
  }

  private withs(ws: WithModifier[]): void {
    for (const w of ws) {
      const head = w.target.terms[0];
      const name = refName(w.target);
      const okRoot =
        head.type === 'var' &&
        (head.name === 'input' || head.name === 'data') &&
        w.target.terms.slice(1).every((t) => t.type === 'string');
      const isBuiltin = name !== undefined && !name.startsWith('data.') && lookupBuiltin(name) !== undefined;
      if (!okRoot && !isBuiltin)
        this.ctx.error(
          'rego_type_error',
          w.loc,
          `with keyword target must reference existing input, data, or a function (got ${termToString(w.target)})`,
        );
      this.term(w.value);
    }
  }

  private expr(e: Expr): void {
    this.withs(e.with);
    switch (e.kind) {
      case 'term':
        this.term(e.term);
        break;
      case 'call':
        this.checkCall(e.operator, e.args.length, false, e.loc);
        e.args.forEach((a) => this.term(a));
        break;
      case 'somein':
        this.term(e.collection);
        this.term(e.value);
        if (e.key) this.term(e.key);
        break;
      case 'every':
        this.term(e.domain);
        this.body(e.body);
        break;
      case 'not':
        this.body(e.body);
        break;
      case 'some':
        break;
    }
  }

  term(t: Term): void {
    switch (t.type) {
      case 'ref':
        t.terms.forEach((x) => this.term(x));
        return;
      case 'array':
      case 'set':
        t.items.forEach((x) => this.term(x));
        return;
      case 'object':
        for (const [k, v] of t.items) {
          this.term(k);
          this.term(v);
        }
        return;
      case 'call':
        this.checkCall(t.operator, t.args.length, true, t.loc);
        t.args.forEach((x) => this.term(x));
        return;
      case 'arraycomp':
      case 'setcomp':
        this.term(t.term);
        this.body(t.body);
        return;
      case 'objectcomp':
        this.term(t.key);
        this.term(t.value);
        this.body(t.body);
        return;
      default:
        return;
    }
  }
}
