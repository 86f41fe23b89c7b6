import type { Body, Expr, Location, RefTerm, Term, VarTerm, WithModifier } from '../ast/ast';
import { lookupBuiltin } from '../builtins/catalog';

/** The dotted name of a ref made of a var head and string operands (`object.get`), else undefined. */
export function refName(ref: RefTerm): string | undefined {
  const [head, ...rest] = ref.terms;
  if (head.type !== 'var') return undefined;
  const parts = [head.name];
  for (const t of rest) {
    if (t.type !== 'string') return undefined;
    parts.push(t.value);
  }
  return parts.join('.');
}

/**
 * True when a `with` value names a builtin function (`with time.now_ns as opa.runtime`): the target is not
 * `input…` and the value is a var / ref spelling a builtin's name. Such a value is a function name, not a read.
 */
export function isBuiltinNameValue(w: WithModifier): boolean {
  const head = w.target.terms[0];
  if (head.type === 'var' && head.name === 'input') return false;
  const v = w.value;
  const name = v.type === 'var' ? v.name : v.type === 'ref' ? refName(v) : undefined;
  return name !== undefined && lookupBuiltin(name) !== undefined;
}

/** The ground string prefix of a ref's operands (after its var head). */
export function groundPrefix(terms: Term[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < terms.length; i++) {
    const t = terms[i];
    if (t.type !== 'string') break;
    out.push(t.value);
  }
  return out;
}

export function mkVar(name: string, loc: Location): VarTerm {
  return { type: 'var', name, loc };
}

export function isScalar(t: Term): boolean {
  return t.type === 'null' || t.type === 'boolean' || t.type === 'number' || t.type === 'string';
}

/** True when a term contains no var, ref, call or comprehension. */
export function isGround(t: Term): boolean {
  switch (t.type) {
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
      return true;
    case 'array':
    case 'set':
      return t.items.every(isGround);
    case 'object':
      return t.items.every(([k, v]) => isGround(k) && isGround(v));
    default:
      return false;
  }
}

/** True when a term contains a call, a comprehension or a ref anywhere. */
export function hasDynamic(t: Term): boolean {
  switch (t.type) {
    case 'ref':
    case 'call':
    case 'arraycomp':
    case 'setcomp':
    case 'objectcomp':
      return true;
    case 'array':
    case 'set':
      return t.items.some(hasDynamic);
    case 'object':
      return t.items.some(([k, v]) => hasDynamic(k) || hasDynamic(v));
    default:
      return false;
  }
}

/** Calls `fn` on every var of a term, descending into refs, composites, calls and (unless told) nested bodies. */
export function forEachVar(t: Term, fn: (v: VarTerm) => void, intoBodies = true): void {
  switch (t.type) {
    case 'var':
      fn(t);
      return;
    case 'ref':
      for (const x of t.terms) forEachVar(x, fn, intoBodies);
      return;
    case 'array':
    case 'set':
      for (const x of t.items) forEachVar(x, fn, intoBodies);
      return;
    case 'object':
      for (const [k, v] of t.items) {
        forEachVar(k, fn, intoBodies);
        forEachVar(v, fn, intoBodies);
      }
      return;
    case 'call':
      for (const x of t.args) forEachVar(x, fn, intoBodies);
      return;
    case 'arraycomp':
    case 'setcomp':
      if (intoBodies) {
        forEachVar(t.term, fn, true);
        forEachBodyVar(t.body, fn);
      }
      return;
    case 'objectcomp':
      if (intoBodies) {
        forEachVar(t.key, fn, true);
        forEachVar(t.value, fn, true);
        forEachBodyVar(t.body, fn);
      }
      return;
    default:
      return;
  }
}

/** Calls `fn` on every var of an expression (including `with` values and nested bodies). */
export function forEachExprVar(e: Expr, fn: (v: VarTerm) => void, intoBodies = true): void {
  switch (e.kind) {
    case 'term':
      forEachVar(e.term, fn, intoBodies);
      break;
    case 'call':
      for (const a of e.args) forEachVar(a, fn, intoBodies);
      break;
    case 'some':
      for (const v of e.vars) fn(v);
      break;
    case 'somein':
      if (e.key) forEachVar(e.key, fn, intoBodies);
      forEachVar(e.value, fn, intoBodies);
      forEachVar(e.collection, fn, intoBodies);
      break;
    case 'every':
      if (e.key) fn(e.key);
      fn(e.value);
      forEachVar(e.domain, fn, intoBodies);
      if (intoBodies) forEachBodyVar(e.body, fn);
      break;
    case 'not':
      if (intoBodies) forEachBodyVar(e.body, fn);
      break;
  }
  for (const w of e.with) forEachVar(w.value, fn, intoBodies);
}

export function forEachBodyVar(body: Body, fn: (v: VarTerm) => void): void {
  for (const e of body) forEachExprVar(e, fn, true);
}

/** A short Rego rendering of a term, for error messages. */
export function termToString(t: Term): string {
  switch (t.type) {
    case 'null':
      return 'null';
    case 'boolean':
      return String(t.value);
    case 'number':
      return t.text;
    case 'string':
      return JSON.stringify(t.value);
    case 'var':
      return t.name;
    case 'ref':
      return t.terms
        .map((x, i) => {
          if (i === 0) return termToString(x);
          if (x.type === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(x.value)) return '.' + x.value;
          return `[${termToString(x)}]`;
        })
        .join('');
    case 'array':
      return `[${t.items.map(termToString).join(', ')}]`;
    case 'set':
      return t.items.length === 0 ? 'set()' : `{${t.items.map(termToString).join(', ')}}`;
    case 'object':
      return `{${t.items.map(([k, v]) => `${termToString(k)}: ${termToString(v)}`).join(', ')}}`;
    case 'call':
      return `${termToString(t.operator)}(${t.args.map(termToString).join(', ')})`;
    case 'arraycomp':
      return `[${termToString(t.term)} | ${bodyToString(t.body)}]`;
    case 'setcomp':
      return `{${termToString(t.term)} | ${bodyToString(t.body)}}`;
    case 'objectcomp':
      return `{${termToString(t.key)}: ${termToString(t.value)} | ${bodyToString(t.body)}}`;
  }
}

/** Renders an expression as Rego-like text (operators shown as their builtin calls). */
export function exprToString(e: Expr): string {
  let s: string;
  switch (e.kind) {
    case 'term':
      s = termToString(e.term);
      break;
    case 'call':
      s = `${refName(e.operator) ?? termToString(e.operator)}(${e.args.map(termToString).join(', ')})`;
      break;
    case 'some':
      s = `some ${e.vars.map((v) => v.name).join(', ')}`;
      break;
    case 'somein':
      s = `some ${e.key ? termToString(e.key) + ', ' : ''}${termToString(e.value)} in ${termToString(e.collection)}`;
      break;
    case 'every':
      s = `every ${e.key ? e.key.name + ', ' : ''}${e.value.name} in ${termToString(e.domain)} { ${bodyToString(e.body)} }`;
      break;
    case 'not':
      s = `not { ${bodyToString(e.body)} }`;
      break;
  }
  for (const w of e.with) s += ` with ${termToString(w.target)} as ${termToString(w.value)}`;
  return s;
}

export function bodyToString(body: Body): string {
  return body.map(exprToString).join('; ');
}
