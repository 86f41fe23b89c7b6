import type { Rule } from '../ast/ast';
import { bodyToString, termToString } from './term-utils';

export { bodyToString, exprToString } from './term-utils';

/** Renders a rule (and its else chain) as Rego-like text. */
export function ruleToString(rule: Rule): string {
  const h = rule.head;
  let s = (rule.default ? 'default ' : '') + termToString({ type: 'ref', terms: h.ref, loc: h.loc });
  if (h.args) s += `(${h.args.map(termToString).join(', ')})`;
  if (h.key) s += ` contains ${termToString(h.key)}`;
  if (h.value) s += ` := ${termToString(h.value)}`;
  s += ` if { ${bodyToString(rule.body)} }`;
  if (rule.else) s += ` else ${ruleToString(rule.else)}`;
  return s;
}
