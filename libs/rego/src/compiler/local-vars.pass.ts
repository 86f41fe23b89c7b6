import type { Body, Expr, Rule, RuleHead, Term, VarTerm, WithModifier } from '../ast/ast';
import type { CompileContext } from './compile.context';
import type { QueryBinding } from './compiled-program';
import { forEachExprVar, forEachVar, isBuiltinNameValue, refName } from './term-utils';

class Scope {
  /** Declared (`:=`, `some`, args, every) name → its var name in the output. */
  readonly declared = new Map<string, string>();
  /** Undeclared vars that belong to this (nested) scope only → their unique output name. */
  readonly localRenames = new Map<string, string>();
  /** Names used as plain (not declared) vars so far in this scope or a nested one resolving here. */
  readonly used = new Set<string>();
  readonly locals = new Set<string>();

  constructor(
    readonly parent: Scope | undefined,
    /** Undeclared var names occurring directly at this body level. */
    readonly plain: Set<string>,
  ) {}
}

function isAssign(e: Expr): boolean {
  return e.kind === 'call' && refName(e.operator) === 'assign';
}

/** Names of vars occurring directly in a body (not in nested bodies, not in declaring positions). */
function plainVars(body: Body, extra: Term[] = []): Set<string> {
  const out = new Set<string>();
  const add = (v: VarTerm): void => {
    out.add(v.name);
  };
  for (const e of body) {
    if (isAssign(e) && e.kind === 'call') {
      forEachVar(e.args[1], add, false);
      for (const w of e.with) forEachVar(w.value, add, false);
    } else if (e.kind === 'somein') {
      forEachVar(e.collection, add, false);
      for (const w of e.with) forEachVar(w.value, add, false);
    } else if (e.kind !== 'some') {
      forEachExprVar(e, add, false);
    }
  }
  for (const t of extra) forEachVar(t, add, false);
  return out;
}

/**
 * Rewrites local variables: `:=` and `some` declare fresh `__local<N>__` vars (errors on re-declaration),
 * wildcards become unique vars, vars private to a nested body get unique names, `assign` becomes `eq`,
 * `some` declarations disappear.
 */
export class LocalVarRewriter {
  constructor(private readonly ctx: CompileContext) {}

  rule(rule: Rule): Rule {
    const head = rule.head;
    const root = new Scope(undefined, plainVars(rule.body, head.args ?? []));
    const args = head.args?.map((a) => this.declareArg(a, root));
    const body = this.body(rule.body, root);
    const newHead: RuleHead = {
      ...head,
      ref: head.ref.map((t, i) => (i === 0 ? t : this.term(t, root))),
    };
    if (args) newHead.args = args;
    if (head.key) newHead.key = this.term(head.key, root);
    if (head.value) newHead.value = this.term(head.value, root);
    const out: Rule = { ...rule, head: newHead, body };
    if (rule.else) out.else = this.rule(rule.else);
    return out;
  }

  query(body: Body): { body: Body; bindings: QueryBinding[] } {
    const root = new Scope(undefined, plainVars(body));
    const out = this.body(body, root);
    const bindings: QueryBinding[] = [];
    const seen = new Set<string>();
    for (const e of body) {
      forEachExprVar(
        e,
        (v) => {
          const skip = v.name === '_' || v.name.startsWith('__') || v.name === 'input' || v.name === 'data';
          if (skip || seen.has(v.name)) return;
          const mapped = root.declared.get(v.name) ?? (root.plain.has(v.name) ? v.name : undefined);
          if (mapped === undefined) return;
          seen.add(v.name);
          bindings.push({ name: v.name, var: mapped });
        },
        false,
      );
    }
    return { body: out, bindings };
  }

  private declareArg(t: Term, root: Scope): Term {
    if (t.type === 'var') {
      if (t.name === '_') return { ...t, name: this.ctx.fresh('_') };
      root.declared.set(t.name, t.name);
      return t;
    }
    if (t.type === 'array') return { ...t, items: t.items.map((x) => this.declareArg(x, root)) };
    if (t.type === 'object')
      return { ...t, items: t.items.map(([k, v]): [Term, Term] => [k, this.declareArg(v, root)]) };
    return t;
  }

  private body(body: Body, scope: Scope): Body {
    const out: Body = [];
    for (const e of body) {
      const r = this.expr(e, scope);
      if (r) out.push(r);
    }
    return out;
  }

  private nestedBody(body: Body, scope: Scope): Body {
    const out = this.body(body, scope);
    this.ctx.localsOf.set(out, scope.locals);
    return out;
  }

  private withs(ws: WithModifier[], scope: Scope): WithModifier[] {
    return ws.map((w) => (isBuiltinNameValue(w) ? w : { ...w, value: this.term(w.value, scope) }));
  }

  private expr(e: Expr, scope: Scope): Expr | undefined {
    switch (e.kind) {
      case 'call': {
        const withs = this.withs(e.with, scope);
        if (isAssign(e)) {
          const rhs = this.term(e.args[1], scope);
          const lhs = this.declarePattern(e.args[0], scope, 'assign');
          return {
            kind: 'call',
            operator: { ...e.operator, terms: [{ type: 'var', name: 'eq', loc: e.operator.loc }] },
            args: [lhs, rhs],
            with: withs,
            loc: e.loc,
          };
        }
        return { ...e, args: e.args.map((a) => this.term(a, scope)), with: withs };
      }
      case 'term':
        return { ...e, term: this.term(e.term, scope), with: this.withs(e.with, scope) };
      case 'some':
        for (const v of e.vars) this.declare(v, scope, 'some');
        return undefined;
      case 'somein': {
        const collection = this.term(e.collection, scope);
        const withs = this.withs(e.with, scope);
        const out: Expr = {
          ...e,
          collection,
          with: withs,
          value: this.declarePattern(e.value, scope, 'some'),
        };
        if (e.key) out.key = this.declarePattern(e.key, scope, 'some');
        return out;
      }
      case 'every': {
        const domain = this.term(e.domain, scope);
        const withs = this.withs(e.with, scope);
        const child = new Scope(scope, plainVars(e.body));
        const value = this.declare(e.value, child, 'every');
        const key = e.key ? this.declare(e.key, child, 'every') : undefined;
        const body = this.nestedBody(e.body, child);
        const out: Expr = { ...e, domain, value, body, with: withs };
        if (key) out.key = key;
        return out;
      }
      case 'not': {
        // Negation is not a scope: every var in it (wildcards too) must be bound outside it (OPA semantics).
        const withs = this.withs(e.with, scope);
        const body = this.body(e.body, scope);
        this.ctx.localsOf.set(body, new Set());
        return { ...e, body, with: withs };
      }
    }
  }

  /** Declares the vars of an assignment / `some … in` pattern and returns the renamed pattern. */
  private declarePattern(t: Term, scope: Scope, how: 'assign' | 'some'): Term {
    switch (t.type) {
      case 'var':
        return this.declare(t, scope, how);
      case 'array':
        return { ...t, items: t.items.map((x) => this.declarePattern(x, scope, how)) };
      case 'object':
        return {
          ...t,
          items: t.items.map(([k, v]): [Term, Term] => [
            this.term(k, scope),
            this.declarePattern(v, scope, how),
          ]),
        };
      case 'ref':
      case 'call':
        if (how === 'assign') {
          this.ctx.error(
            'rego_compile_error',
            t.loc,
            `cannot assign to ${t.type === 'ref' ? 'ref' : 'call'}`,
          );
          return t;
        }
        return this.term(t, scope);
      case 'arraycomp':
      case 'setcomp':
      case 'objectcomp':
      case 'set':
        if (how === 'assign') {
          this.ctx.error('rego_compile_error', t.loc, `cannot assign to ${t.type}`);
          return t;
        }
        return this.term(t, scope);
      default:
        if (how === 'assign') this.ctx.error('rego_compile_error', t.loc, `cannot assign to ${t.type}`);
        return t;
    }
  }

  private declare(v: VarTerm, scope: Scope, how: 'assign' | 'some' | 'every'): VarTerm {
    if (v.name === '_') return this.wildcard(v, scope);
    if (v.name === 'input' || v.name === 'data') {
      this.ctx.error('rego_compile_error', v.loc, `cannot assign to ${v.name}`);
      return v;
    }
    if (scope.declared.has(v.name)) {
      this.ctx.error(
        'rego_compile_error',
        v.loc,
        how === 'some' ? `var ${v.name} declared above` : `var ${v.name} assigned above`,
      );
      return { ...v, name: scope.declared.get(v.name) ?? v.name };
    }
    if (scope.used.has(v.name)) {
      this.ctx.error('rego_compile_error', v.loc, `var ${v.name} referenced above`);
    }
    const name = this.ctx.fresh(v.name);
    scope.declared.set(v.name, name);
    if (scope.parent) scope.locals.add(name);
    return { ...v, name };
  }

  private wildcard(v: VarTerm, scope: Scope): VarTerm {
    const name = this.ctx.fresh('_');
    if (scope.parent) scope.locals.add(name);
    return { ...v, name };
  }

  private lookup(v: VarTerm, scope: Scope): VarTerm {
    if (v.name === '_') return this.wildcard(v, scope);
    if (v.name === 'input' || v.name === 'data') return v;
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      const d = s.declared.get(v.name) ?? s.localRenames.get(v.name);
      if (d !== undefined) return d === v.name ? v : { ...v, name: d };
    }
    scope.used.add(v.name);
    let owner: Scope | undefined;
    for (let s: Scope | undefined = scope; s; s = s.parent) if (s.plain.has(v.name)) owner = s;
    owner ??= scope;
    if (!owner.parent) return v;
    const name = this.ctx.fresh(v.name);
    owner.localRenames.set(v.name, name);
    owner.locals.add(name);
    return { ...v, name };
  }

  private term(t: Term, scope: Scope): Term {
    switch (t.type) {
      case 'var':
        return this.lookup(t, scope);
      case 'ref':
        return { ...t, terms: t.terms.map((x) => this.term(x, scope)) };
      case 'array':
        return { ...t, items: t.items.map((x) => this.term(x, scope)) };
      case 'set':
        return { ...t, items: t.items.map((x) => this.term(x, scope)) };
      case 'object':
        return {
          ...t,
          items: t.items.map(([k, v]): [Term, Term] => [this.term(k, scope), this.term(v, scope)]),
        };
      case 'call':
        return { ...t, args: t.args.map((x) => this.term(x, scope)) };
      case 'arraycomp':
      case 'setcomp': {
        const child = new Scope(scope, plainVars(t.body, [t.term]));
        const body = this.nestedBody(t.body, child);
        return { ...t, body, term: this.term(t.term, child) };
      }
      case 'objectcomp': {
        const child = new Scope(scope, plainVars(t.body, [t.key, t.value]));
        const body = this.nestedBody(t.body, child);
        return { ...t, body, key: this.term(t.key, child), value: this.term(t.value, child) };
      }
      default:
        return t;
    }
  }
}
