import type { Body, Expr, Rule, Term } from '../ast/ast';
import { lookupBuiltin } from '../builtins/catalog';
import type { CompiledProgram } from './compiled-program';
import { findNode } from './rule-tree.builder';
import { exprToString, forEachExprVar, forEachVar, refName, termToString } from './term-utils';

/**
 * Checks a compiled program against the guarantees in ./README.md and returns the violations (empty when the
 * program keeps them). Used by tests over the conformance corpus; handy for debugging the planner's input.
 */
export function checkInvariants(
  program: CompiledProgram,
  extraBuiltins: Record<string, number> = {},
): string[] {
  const problems: string[] = [];
  const arity = (op: Term): number | undefined => {
    if (op.type !== 'ref') return undefined;
    const name = refName(op);
    if (name === undefined) return undefined;
    if (name === 'eq') return 2;
    if (name in extraBuiltins) return extraBuiltins[name];
    if (name.startsWith('data.')) {
      const node = findNode(program.ruleTree, name.split('.').slice(1));
      return node?.rules[0]?.head.args?.length;
    }
    return lookupBuiltin(name)?.arity;
  };

  /** A term allowed as an operand: no calls, no comprehensions, refs with var heads. */
  const simple = (t: Term, where: string): void => {
    switch (t.type) {
      case 'call':
      case 'arraycomp':
      case 'setcomp':
      case 'objectcomp':
        problems.push(`${where}: nested ${t.type} ${termToString(t)}`);
        return;
      case 'var':
        if (t.name === '_') problems.push(`${where}: wildcard remains`);
        return;
      case 'ref':
        if (t.terms[0].type !== 'var') problems.push(`${where}: ref head is not a var in ${termToString(t)}`);
        t.terms.slice(1).forEach((x) => simple(x, where));
        return;
      case 'array':
      case 'set':
        t.items.forEach((x) => simple(x, where));
        return;
      case 'object':
        t.items.forEach(([k, v]) => {
          simple(k, where);
          simple(v, where);
        });
        return;
      default:
        return;
    }
  };

  const noRefs = (t: Term, where: string): void => {
    const check = (x: Term): void => {
      if (x.type === 'ref' || x.type === 'call' || x.type.endsWith('comp'))
        problems.push(`${where}: head term ${termToString(t)} contains ${x.type}`);
      else if (x.type === 'array' || x.type === 'set') x.items.forEach(check);
      else if (x.type === 'object') x.items.forEach(([k, v]) => (check(k), check(v)));
    };
    check(t);
  };

  const body = (b: Body, bound: Set<string>, where: string): void => {
    if (b.length === 0) problems.push(`${where}: empty body`);
    const seen = new Set(bound);
    for (const e of b) {
      expr(e, seen, where);
      forEachExprVar(e, (v) => seen.add(v.name), false);
    }
  };

  const expr = (e: Expr, seen: Set<string>, where: string): void => {
    const at = `${where} [${exprToString(e)}]`;
    for (const w of e.with) {
      simple(w.value, at);
      if (w.target.terms[0].type !== 'var') problems.push(`${at}: with target head`);
    }
    switch (e.kind) {
      case 'term':
        simple(e.term, at);
        break;
      case 'call': {
        const name = refName(e.operator);
        if (name === undefined || name === 'assign')
          problems.push(`${at}: operator ${termToString(e.operator)}`);
        if (name === 'eq') {
          const [a, b] = e.args;
          if (b.type === 'arraycomp' || b.type === 'setcomp' || b.type === 'objectcomp') {
            if (a.type !== 'var' || seen.has(a.name) || !a.name.startsWith('__local'))
              problems.push(`${at}: comprehension not bound to a fresh var`);
            const closure = new Set(seen);
            if (b.type === 'objectcomp') {
              body(b.body, closure, at);
              simple(b.key, at);
              simple(b.value, at);
            } else {
              body(b.body, closure, at);
              simple(b.term, at);
            }
            simple(a, at);
            break;
          }
        }
        e.args.forEach((x) => simple(x, at));
        const n = arity(e.operator);
        if (n === undefined) problems.push(`${at}: unknown function`);
        else if (n >= 0 && name !== 'eq' && e.args.length === n + 1) {
          const out = e.args[n];
          if (out.type !== 'var' || seen.has(out.name)) problems.push(`${at}: output is not an unbound var`);
        } else if (n >= 0 && e.args.length !== n)
          problems.push(`${at}: ${e.args.length} args for arity ${n}`);
        break;
      }
      case 'not':
        body(e.body, seen, at);
        break;
      case 'every': {
        if (e.domain.type !== 'var' && e.domain.type !== 'ref') problems.push(`${at}: every domain`);
        simple(e.domain, at);
        const inner = new Set(seen);
        inner.add(e.value.name);
        if (e.key) inner.add(e.key.name);
        body(e.body, inner, at);
        break;
      }
      case 'some':
      case 'somein':
        problems.push(`${at}: ${e.kind} remains`);
        break;
    }
  };

  const rule = (r: Rule): void => {
    const where = termToString({ type: 'ref', terms: r.head.ref, loc: r.loc });
    const head = r.head.ref[0];
    if (head.type !== 'var' || head.name !== 'data') problems.push(`${where}: head ref is not absolute`);
    if (!r.packagePath) problems.push(`${where}: no packagePath`);
    r.head.ref.slice(1).forEach((t) => noRefs(t, where));
    if (r.head.key) noRefs(r.head.key, where);
    if (r.head.value) noRefs(r.head.value, where);
    const bound = new Set<string>();
    for (const a of r.head.args ?? []) {
      noRefs(a, where);
      forEachVar(a, (v) => bound.add(v.name));
    }
    body(r.body, bound, where);
    if (r.else) rule(r.else);
  };

  for (const m of program.modules) m.rules.forEach(rule);
  if (program.query) body(program.query.body, new Set(), 'query');
  return problems;
}
