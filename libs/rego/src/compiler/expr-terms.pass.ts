import type { Body, Expr, Location, RefTerm, Rule, RuleHead, Term, WithModifier } from '../ast/ast';
import { nameRef } from '../parser/rego.parser';
import type { CompileContext } from './compile.context';
import { hasDynamic, mkVar, refName } from './term-utils';

/**
 * Makes every expression simple for the planner: nested calls and comprehensions become separate
 * expressions binding fresh vars, `some … in` becomes ref iteration, rule head values with refs / calls /
 * comprehensions move into the body.
 */
export class ExprRewriter {
  /** Locals of the nested body being rewritten (fresh vars created there belong to it). */
  private locals: Set<string> | undefined;

  constructor(private readonly ctx: CompileContext) {}

  rule(rule: Rule): Rule {
    this.locals = undefined;
    const body = this.body(rule.body);
    const head: RuleHead = { ...rule.head };
    const tail: Body = [];
    const lift = (t: Term): Term => {
      if (!hasDynamic(t)) return t;
      if (rule.default && !isClosedComprehensionValue(t)) {
        this.ctx.error('rego_compile_error', t.loc, 'default rule value cannot contain refs or calls');
        return t;
      }
      const v = mkVar(this.fresh(), t.loc);
      tail.push(this.eq(v, t, t.loc, []));
      return v;
    };
    head.ref = rule.head.ref.map((t, i) => (i === 0 ? t : lift(t)));
    if (rule.head.key) head.key = lift(rule.head.key);
    if (rule.head.value) head.value = lift(rule.head.value);
    for (const e of tail) this.expr(e, body);
    const out: Rule = { ...rule, head, body };
    if (rule.else) out.else = this.rule(rule.else);
    return out;
  }

  query(body: Body): Body {
    this.locals = undefined;
    return this.body(body);
  }

  private fresh(): string {
    const name = this.ctx.fresh();
    this.locals?.add(name);
    return name;
  }

  private eq(a: Term, b: Term, loc: Location, withs: WithModifier[]): Expr {
    return { kind: 'call', operator: nameRef('eq', loc), args: [a, b], with: withs, loc };
  }

  private body(body: Body): Body {
    const out: Body = [];
    for (const e of body) this.expr(e, out);
    return out;
  }

  private nested(body: Body): Body {
    const saved = this.locals;
    const locals = new Set(this.ctx.localsOf.get(body) ?? []);
    this.locals = locals;
    try {
      const out = this.body(body);
      this.ctx.localsOf.set(out, locals);
      return out;
    } finally {
      this.locals = saved;
    }
  }

  private expr(e: Expr, out: Body): void {
    const pre: Body = [];
    const withs = e.with.map((w): WithModifier => ({ ...w, value: this.operand(w.value, pre, []) }));
    out.push(...pre);
    const own: Body = [];
    switch (e.kind) {
      case 'term': {
        const t = this.simplify(e.term, own, withs);
        own.push({ kind: 'term', term: t, with: withs, loc: e.loc });
        break;
      }
      case 'call': {
        const name = refName(e.operator);
        if (name === 'eq' && e.args.length === 2) {
          let [a, b] = e.args;
          if (a.type === 'call' && b.type !== 'call') [a, b] = [b, a];
          if (b.type === 'call') {
            const args = b.args.map((x) => this.operand(x, own, withs));
            const output = this.simplify(a, own, withs);
            own.push({
              kind: 'call',
              operator: b.operator,
              args: [...args, output],
              with: withs,
              loc: e.loc,
            });
          } else {
            own.push(this.eq(this.simplify(a, own, withs), this.simplify(b, own, withs), e.loc, withs));
          }
        } else {
          const args = e.args.map((x) => this.operand(x, own, withs));
          own.push({ kind: 'call', operator: e.operator, args, with: withs, loc: e.loc });
        }
        break;
      }
      case 'somein': {
        let coll = this.simplify(e.collection, own, withs);
        if (coll.type !== 'var' && coll.type !== 'ref') coll = this.hoist(coll, own, withs);
        const value = this.simplify(e.value, own, withs);
        const key = e.key ? this.simplify(e.key, own, withs) : undefined;
        const keyVar = key && (key.type === 'var' || !hasVars(key)) ? key : mkVar(this.fresh(), e.loc);
        const ref: RefTerm =
          coll.type === 'ref'
            ? { ...coll, terms: [...coll.terms, keyVar] }
            : { type: 'ref', terms: [coll, keyVar], loc: coll.loc };
        own.push(this.eq(ref, value, e.loc, withs));
        if (key && key !== keyVar) own.push(this.eq(keyVar, key, e.loc, withs));
        break;
      }
      case 'every': {
        let domain = this.simplify(e.domain, own, withs);
        if (domain.type !== 'var' && domain.type !== 'ref') domain = this.hoist(domain, own, withs);
        own.push({ ...e, domain, body: this.nested(e.body), with: withs });
        break;
      }
      case 'not':
        own.push({ ...e, body: this.nested(e.body), with: withs });
        break;
      case 'some':
        break;
    }
    out.push(...own);
  }

  /** Binds a (simplified) term to a fresh var and returns the var. */
  private hoist(t: Term, pre: Body, withs: WithModifier[]): Term {
    const v = mkVar(this.fresh(), t.loc);
    pre.push(this.eq(v, t, t.loc, withs));
    return v;
  }

  /** A call argument / ref operand / with value: simplified, calls and comprehensions hoisted. */
  private operand(t: Term, pre: Body, withs: WithModifier[]): Term {
    return this.simplify(t, pre, withs);
  }

  /** Returns a term with no nested call or comprehension, pushing the expressions that compute them. */
  private simplify(t: Term, pre: Body, withs: WithModifier[]): Term {
    switch (t.type) {
      case 'ref': {
        let head = t.terms[0];
        if (head.type !== 'var') head = this.simplify(head, pre, withs);
        if (head.type !== 'var') head = this.hoist(head, pre, withs);
        const terms = [head, ...t.terms.slice(1).map((x) => this.simplify(x, pre, withs))];
        if (head.type === 'var' && terms.length === 1) return head;
        return { ...t, terms };
      }
      case 'array':
        return { ...t, items: t.items.map((x) => this.simplify(x, pre, withs)) };
      case 'set':
        return { ...t, items: t.items.map((x) => this.simplify(x, pre, withs)) };
      case 'object':
        return {
          ...t,
          items: t.items.map(([k, v]): [Term, Term] => [
            this.simplify(k, pre, withs),
            this.simplify(v, pre, withs),
          ]),
        };
      case 'call': {
        const args = t.args.map((x) => this.simplify(x, pre, withs));
        const out = mkVar(this.fresh(), t.loc);
        pre.push({ kind: 'call', operator: t.operator, args: [...args, out], with: withs, loc: t.loc });
        return out;
      }
      case 'arraycomp':
      case 'setcomp': {
        const saved = this.locals;
        const body = this.nested(t.body);
        const locals = this.ctx.localsOf.get(body);
        this.locals = locals;
        const term = this.simplify(t.term, body, []);
        this.locals = saved;
        return this.hoist({ ...t, term, body }, pre, withs);
      }
      case 'objectcomp': {
        const saved = this.locals;
        const body = this.nested(t.body);
        this.locals = this.ctx.localsOf.get(body);
        const key = this.simplify(t.key, body, []);
        const value = this.simplify(t.value, body, []);
        this.locals = saved;
        return this.hoist({ ...t, key, value, body }, pre, withs);
      }
      default:
        return t;
    }
  }
}

function hasVars(t: Term): boolean {
  switch (t.type) {
    case 'var':
      return true;
    case 'array':
    case 'set':
      return t.items.some(hasVars);
    case 'object':
      return t.items.some(([k, v]) => hasVars(k) || hasVars(v));
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
      return false;
    default:
      return true;
  }
}

/** Default values may contain comprehensions (evaluated once), but no refs or calls outside them. */
function isClosedComprehensionValue(t: Term): boolean {
  switch (t.type) {
    case 'arraycomp':
    case 'setcomp':
    case 'objectcomp':
      return true;
    case 'array':
    case 'set':
      return t.items.every(isClosedComprehensionValue);
    case 'object':
      return t.items.every(([k, v]) => isClosedComprehensionValue(k) && isClosedComprehensionValue(v));
    case 'ref':
    case 'call':
    case 'var':
      return false;
    default:
      return true;
  }
}
