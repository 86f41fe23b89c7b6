import type { Body, Expr, Location, Rule, Term } from '../ast/ast';
import { nameRef } from '../parser/rego.parser';
import type { CompileContext } from './compile.context';
import { isBuiltinNameValue, mkVar, refName } from './term-utils';

const ALWAYS_SAFE = ['input', 'data'];

/**
 * Safety check with reordering (in the spirit of OPA's `reorderBodyForSafety`): each body is reordered so
 * that every expression runs after the expressions binding the vars it reads; vars that can never be bound
 * are reported as `rego_unsafe_var_error`. Also makes every call output a var bound by the call.
 */
export class SafetyChecker {
  /** Locals of the nested body being reordered (fresh vars created there belong to it). */
  private locals: Set<string> | undefined;

  constructor(
    private readonly ctx: CompileContext,
    private readonly arities: Map<string, number>,
  ) {}

  rule(rule: Rule): Rule {
    this.locals = undefined;
    const safe = new Set(ALWAYS_SAFE);
    for (const a of rule.head.args ?? []) this.termFree(a, safe);
    const { body, bound } = this.body(rule.body, safe);
    const headVars = new Set<string>();
    for (const t of rule.head.ref.slice(1)) this.termFree(t, headVars);
    if (rule.head.key) this.termFree(rule.head.key, headVars);
    if (rule.head.value) this.termFree(rule.head.value, headVars);
    const unsafe = [...headVars].filter((v) => !bound.has(v));
    if (unsafe.length > 0 && !this.bodyFailed) this.reportUnsafe(unsafe, rule.head.loc);
    const out: Rule = { ...rule, body };
    if (rule.else) out.else = this.rule(rule.else);
    return out;
  }

  query(body: Body): Body {
    this.locals = undefined;
    return this.body(body, new Set(ALWAYS_SAFE)).body;
  }

  private bodyFailed = false;

  private reportUnsafe(vars: string[], loc: Location): void {
    const names = [...new Set(vars.map((v) => this.ctx.displayName(v)))];
    const user = names.filter((n) => !n.startsWith('__'));
    for (const n of user.length > 0 ? user : names)
      this.ctx.error('rego_unsafe_var_error', loc, `var ${n} is unsafe`);
  }

  /* ------------------------------------------------------------------ free vars (what an expr reads) */

  private termFree(t: Term, out: Set<string>): void {
    switch (t.type) {
      case 'var':
        out.add(t.name);
        return;
      case 'ref':
        for (const x of t.terms) this.termFree(x, out);
        return;
      case 'array':
      case 'set':
        for (const x of t.items) this.termFree(x, out);
        return;
      case 'object':
        for (const [k, v] of t.items) {
          this.termFree(k, out);
          this.termFree(v, out);
        }
        return;
      case 'call':
        for (const x of t.args) this.termFree(x, out);
        return;
      case 'arraycomp':
      case 'setcomp':
        this.nestedFree(t.body, [t.term], out);
        return;
      case 'objectcomp':
        this.nestedFree(t.body, [t.key, t.value], out);
        return;
      default:
        return;
    }
  }

  private nestedFree(body: Body, heads: Term[], out: Set<string>): void {
    const inner = new Set<string>();
    for (const h of heads) this.termFree(h, inner);
    for (const e of body) this.exprFree(e, inner);
    const locals = this.ctx.localsOf.get(body);
    for (const v of inner) if (!locals?.has(v)) out.add(v);
  }

  private exprFree(e: Expr, out: Set<string>): void {
    switch (e.kind) {
      case 'term':
        this.termFree(e.term, out);
        break;
      case 'call':
        for (const a of e.args) this.termFree(a, out);
        break;
      case 'every': {
        this.termFree(e.domain, out);
        const inner = new Set<string>();
        this.nestedFree(e.body, [], inner);
        for (const v of inner) if (v !== e.value.name && v !== e.key?.name) out.add(v);
        break;
      }
      case 'not':
        this.nestedFree(e.body, [], out);
        break;
      case 'somein':
        this.termFree(e.collection, out);
        this.termFree(e.value, out);
        if (e.key) this.termFree(e.key, out);
        break;
      case 'some':
        break;
    }
    for (const w of e.with) if (!isBuiltinNameValue(w)) this.termFree(w.value, out);
  }

  /* ------------------------------------------------------------------ output vars (what an expr binds) */

  /** Vars bound by iterating refs inside `t` (ref operands not yet bound). */
  private refOutputs(t: Term, safe: Set<string>, out: Set<string>): void {
    switch (t.type) {
      case 'ref': {
        const head = t.terms[0];
        if (head.type !== 'var' || !(safe.has(head.name) || out.has(head.name))) {
          if (head.type !== 'var') this.refOutputs(head, safe, out);
          return;
        }
        for (const x of t.terms.slice(1)) {
          if (x.type === 'var' || x.type === 'array' || x.type === 'object') this.patternBind(x, safe, out);
          this.refOutputs(x, safe, out);
        }
        return;
      }
      case 'array':
      case 'set':
        for (const x of t.items) this.refOutputs(x, safe, out);
        return;
      case 'object':
        for (const [k, v] of t.items) {
          this.refOutputs(k, safe, out);
          this.refOutputs(v, safe, out);
        }
        return;
      default:
        return;
    }
  }

  private evaluable(t: Term, s: Set<string>, out: Set<string>): boolean {
    const vars = new Set<string>();
    this.termFree(t, vars);
    for (const v of vars) if (!s.has(v) && !out.has(v)) return false;
    return true;
  }

  /** Vars in pattern positions of `t` (vars, array items, object values) that are not bound. */
  private patternBind(t: Term, s: Set<string>, out: Set<string>): void {
    switch (t.type) {
      case 'var':
        if (!s.has(t.name)) out.add(t.name);
        return;
      case 'array':
        for (const x of t.items) this.patternBind(x, s, out);
        return;
      case 'object':
        for (const [, v] of t.items) this.patternBind(v, s, out);
        return;
      default:
        return;
    }
  }

  private unify(a: Term, b: Term, s: Set<string>, out: Set<string>): void {
    if (this.evaluable(a, s, out)) return this.patternBind(b, s, out);
    if (this.evaluable(b, s, out)) return this.patternBind(a, s, out);
    if (a.type === 'array' && b.type === 'array' && a.items.length === b.items.length) {
      for (;;) {
        const before = out.size;
        a.items.forEach((x, i) => this.unify(x, b.items[i], s, out));
        if (out.size === before) return;
      }
    }
    if (a.type === 'object' && b.type === 'object' && a.items.length === b.items.length) {
      const key = (k: Term): string =>
        JSON.stringify(k, (name, v: unknown) => (name === 'loc' ? undefined : v));
      const bValues = new Map(b.items.map(([k, v]) => [key(k), v]));
      for (;;) {
        const before = out.size;
        for (const [k, v] of a.items) {
          const other = bValues.get(key(k));
          if (other) this.unify(v, other, s, out);
        }
        if (out.size === before) return;
      }
    }
  }

  private outputs(e: Expr, safe: Set<string>): Set<string> {
    const out = new Set<string>();
    if (e.kind === 'term') this.refOutputs(e.term, safe, out);
    else if (e.kind === 'call') {
      const name = refName(e.operator) ?? '';
      if (name === 'eq' && e.args.length === 2) {
        const [a, b] = e.args;
        this.refOutputs(a, safe, out);
        this.refOutputs(b, safe, out);
        this.unify(a, b, safe, out);
      } else {
        const arity = this.arities.get(name) ?? e.args.length;
        e.args.forEach((a, i) => {
          if (arity >= 0 && i === arity) this.patternBind(a, safe, out);
          this.refOutputs(a, safe, out);
        });
      }
    }
    return out;
  }

  /* ------------------------------------------------------------------ reordering */

  private body(body: Body, safeIn: Set<string>): { body: Body; bound: Set<string> } {
    const safe = new Set(safeIn);
    const remaining = body.map((e) => {
      const need = new Set<string>();
      this.exprFree(e, need);
      return { e, need };
    });
    const out: Body = [];
    this.bodyFailed = false;
    while (remaining.length > 0) {
      let picked = -1;
      let outs: Set<string> | undefined;
      for (let i = 0; i < remaining.length; i++) {
        const { e, need } = remaining[i];
        const o = this.outputs(e, safe);
        let ok = true;
        for (const v of need) {
          if (!safe.has(v) && !o.has(v)) {
            ok = false;
            break;
          }
        }
        if (ok) {
          picked = i;
          outs = o;
          break;
        }
      }
      if (picked < 0) {
        const reported = new Set<string>();
        for (const { e, need } of remaining) {
          const o = this.outputs(e, safe);
          const unsafe = [...need].filter((v) => !safe.has(v) && !o.has(v) && !reported.has(v));
          unsafe.forEach((v) => reported.add(v));
          if (unsafe.length > 0) this.reportUnsafe(unsafe, e.loc);
        }
        out.push(...remaining.map((r) => r.e));
        this.bodyFailed = true;
        return { body: out, bound: safe };
      }
      const [{ e }] = remaining.splice(picked, 1);
      const before = new Set(safe);
      for (const v of outs ?? []) safe.add(v);
      out.push(...this.finish(e, before));
    }
    return { body: out, bound: safe };
  }

  /** Reorders nested bodies of `e` and makes its call output a fresh var when needed. */
  private finish(e: Expr, safe: Set<string>): Expr[] {
    const failed = this.bodyFailed;
    let result: Expr[];
    switch (e.kind) {
      case 'not':
        result = [{ ...e, body: this.nested(e.body, safe) }];
        break;
      case 'every': {
        const s = new Set(safe);
        s.add(e.value.name);
        if (e.key) s.add(e.key.name);
        result = [{ ...e, body: this.nested(e.body, s) }];
        break;
      }
      case 'call': {
        const name = refName(e.operator) ?? '';
        const args = e.args.map((a) => this.termNested(a, safe));
        const arity = this.arities.get(name);
        if (name !== 'eq' && arity !== undefined && arity >= 0 && args.length === arity + 1) {
          const last = args[arity];
          if (last.type !== 'var' || safe.has(last.name)) {
            const v = mkVar(this.ctx.fresh(), last.loc);
            this.locals?.add(v.name);
            args[arity] = v;
            result = [
              { ...e, args },
              { kind: 'call', operator: nameRef('eq', e.loc), args: [last, v], with: e.with, loc: e.loc },
            ];
            break;
          }
        }
        result = [{ ...e, args }];
        break;
      }
      default:
        result = [e];
    }
    this.bodyFailed = failed;
    return result;
  }

  private termNested(t: Term, safe: Set<string>): Term {
    switch (t.type) {
      case 'arraycomp':
      case 'setcomp':
        return { ...t, body: this.nested(t.body, safe, [t.term], t.loc) };
      case 'objectcomp':
        return { ...t, body: this.nested(t.body, safe, [t.key, t.value], t.loc) };
      default:
        return t;
    }
  }

  /** Reorders a nested body; `heads` (comprehension terms) must be bound by it. */
  private nested(body: Body, safe: Set<string>, heads: Term[] = [], loc?: Location): Body {
    const saved = this.locals;
    const locals = this.ctx.localsOf.get(body) ?? new Set<string>();
    this.locals = locals;
    try {
      const r = this.body(body, safe);
      if (loc && !this.bodyFailed) {
        const vars = new Set<string>();
        for (const h of heads) this.termFree(h, vars);
        const unsafe = [...vars].filter((v) => !r.bound.has(v));
        if (unsafe.length > 0) this.reportUnsafe(unsafe, loc);
      }
      this.ctx.localsOf.set(r.body, locals);
      return r.body;
    } finally {
      this.locals = saved;
    }
  }
}
