import type { Body, Expr, Module, RefTerm, Rule, Term, WithModifier } from '../ast/ast';
import { forEachVar } from './term-utils';

/** Globals visible in a module: name → absolute ref terms (imports and the package's rules). */
export type Globals = Map<string, Term[]>;

/** Absolute path of a module's package, e.g. ['a', 'b'] for `package a.b` (without `data`). */
export function packagePath(mod: Module): string[] {
  return mod.package.path.slice(1).map((t) => (t.type === 'string' ? t.value : ''));
}

/** The name a rule is referred to by inside its package: the first segment of its head ref. */
export function ruleName(rule: Rule): string {
  const head = rule.head.ref[0];
  return head.type === 'var' ? head.name : '';
}

/** Builds the globals of a module given the rule names of every package. */
export function moduleGlobals(mod: Module, rulesByPackage: Map<string, Set<string>>): Globals {
  const globals: Globals = new Map();
  const pkg = packagePath(mod);
  for (const name of rulesByPackage.get(pkg.join('.')) ?? []) {
    globals.set(name, [
      { type: 'var', name: 'data', loc: mod.package.loc },
      ...pkg.map((p): Term => ({ type: 'string', value: p, loc: mod.package.loc })),
      { type: 'string', value: name, loc: mod.package.loc },
    ]);
  }
  // Imports take precedence over the package's rule names.
  for (const imp of mod.imports) {
    const [head] = imp.path.terms;
    if (head.type !== 'var' || head.name === 'future' || head.name === 'rego') continue;
    const last = imp.path.terms[imp.path.terms.length - 1];
    const alias =
      imp.alias ?? (last.type === 'string' ? last.value : last.type === 'var' ? last.name : undefined);
    if (alias === undefined || alias === 'input' || alias === 'data') continue;
    globals.set(alias, imp.path.terms);
  }
  return globals;
}

/** Vars declared in a rule (args, `:=`, `some`, `every`): these shadow globals of the same name. */
function declaredVars(rule: Rule): Set<string> {
  const out = new Set<string>();
  const add = (t: Term): void => forEachVar(t, (v) => out.add(v.name), false);
  for (const a of rule.head.args ?? []) add(a);
  const visitBody = (body: Body): void => {
    for (const e of body) visitExpr(e);
  };
  const visitTerm = (t: Term): void => {
    switch (t.type) {
      case 'arraycomp':
      case 'setcomp':
        visitTerm(t.term);
        visitBody(t.body);
        return;
      case 'objectcomp':
        visitTerm(t.key);
        visitTerm(t.value);
        visitBody(t.body);
        return;
      case 'ref':
        t.terms.forEach(visitTerm);
        return;
      case 'call':
        t.args.forEach(visitTerm);
        return;
      case 'array':
      case 'set':
        t.items.forEach(visitTerm);
        return;
      case 'object':
        for (const [k, v] of t.items) {
          visitTerm(k);
          visitTerm(v);
        }
        return;
      default:
        return;
    }
  };
  const visitExpr = (e: Expr): void => {
    switch (e.kind) {
      case 'call':
        if (
          e.operator.terms.length === 1 &&
          e.operator.terms[0].type === 'var' &&
          e.operator.terms[0].name === 'assign'
        )
          add(e.args[0]);
        e.args.forEach(visitTerm);
        break;
      case 'term':
        visitTerm(e.term);
        break;
      case 'some':
        e.vars.forEach(add);
        break;
      case 'somein':
        if (e.key) add(e.key);
        add(e.value);
        visitTerm(e.collection);
        break;
      case 'every':
        if (e.key) add(e.key);
        add(e.value);
        visitTerm(e.domain);
        visitBody(e.body);
        break;
      case 'not':
        visitBody(e.body);
        break;
    }
    for (const w of e.with) visitTerm(w.value);
  };
  for (let r: Rule | undefined = rule; r; r = r.else) visitBody(r.body);
  return out;
}

/** Rewrites refs to absolute form (imports, package rules). */
export class RefResolver {
  constructor(
    private readonly globals: Globals,
    private readonly declared: Set<string>,
  ) {}

  static forRule(rule: Rule, globals: Globals): RefResolver {
    return new RefResolver(globals, declaredVars(rule));
  }

  static forQuery(): RefResolver {
    return new RefResolver(new Map(), new Set());
  }

  private global(name: string): Term[] | undefined {
    if (this.declared.has(name) || name === '_' || name === 'input' || name === 'data') return undefined;
    return this.globals.get(name);
  }

  term(t: Term): Term {
    switch (t.type) {
      case 'var': {
        const g = this.global(t.name);
        if (!g) return t;
        return { type: 'ref', terms: g.map((x) => ({ ...x, loc: t.loc })), loc: t.loc };
      }
      case 'ref':
        return this.ref(t);
      case 'array':
        return { ...t, items: t.items.map((x) => this.term(x)) };
      case 'set':
        return { ...t, items: t.items.map((x) => this.term(x)) };
      case 'object':
        return { ...t, items: t.items.map(([k, v]): [Term, Term] => [this.term(k), this.term(v)]) };
      case 'call':
        return { ...t, operator: this.operator(t.operator), args: t.args.map((x) => this.term(x)) };
      case 'arraycomp':
      case 'setcomp':
        return { ...t, term: this.term(t.term), body: this.body(t.body) };
      case 'objectcomp':
        return { ...t, key: this.term(t.key), value: this.term(t.value), body: this.body(t.body) };
      default:
        return t;
    }
  }

  ref(r: RefTerm): RefTerm {
    const [head, ...rest] = r.terms;
    const operands = rest.map((x) => this.term(x));
    if (head.type === 'var') {
      const g = this.global(head.name);
      if (g) return { ...r, terms: [...g.map((x) => ({ ...x, loc: head.loc })), ...operands] };
      return { ...r, terms: [head, ...operands] };
    }
    return { ...r, terms: [this.term(head), ...operands] };
  }

  /** A function name: package functions and imports resolve, builtins stay as they are. */
  operator(r: RefTerm): RefTerm {
    return this.ref(r);
  }

  body(body: Body): Body {
    return body.map((e) => this.expr(e));
  }

  expr(e: Expr): Expr {
    const withs = e.with.map((w): WithModifier => ({
      ...w,
      target: this.ref(w.target),
      value: this.term(w.value),
    }));
    switch (e.kind) {
      case 'term':
        return { ...e, term: this.term(e.term), with: withs };
      case 'call':
        return {
          ...e,
          operator: this.operator(e.operator),
          args: e.args.map((x) => this.term(x)),
          with: withs,
        };
      case 'some':
        return { ...e, with: withs };
      case 'somein': {
        const out: Expr = {
          ...e,
          value: this.term(e.value),
          collection: this.term(e.collection),
          with: withs,
        };
        if (e.key) out.key = this.term(e.key);
        return out;
      }
      case 'every':
        return { ...e, domain: this.term(e.domain), body: this.body(e.body), with: withs };
      case 'not':
        return { ...e, body: this.body(e.body), with: withs };
    }
  }
}
