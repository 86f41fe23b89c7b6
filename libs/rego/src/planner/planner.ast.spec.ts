import { describe, expect, it } from 'vitest';
import type * as A from '../ast/ast';
import type { CompiledProgram, RuleTreeNode } from '../compiler/compiled-program';
import { plan } from './planner';
import { IrInterpreter } from './testing/ir-interpreter';

// Programs built by hand in the compiler's output form, so the planner is tested on its own.
const at: A.Location = { file: 'test.rego', row: 1, col: 1 };
const v = (name: string): A.VarTerm => ({ type: 'var', name, loc: at });
const s = (value: string): A.StringTerm => ({ type: 'string', value, loc: at });
const n = (text: string): A.NumberTerm => ({ type: 'number', text, loc: at });
const ref = (...terms: A.Term[]): A.RefTerm => ({ type: 'ref', terms, loc: at });
const arr = (...items: A.Term[]): A.ArrayTerm => ({ type: 'array', items, loc: at });
const call = (name: string, ...args: A.Term[]): A.CallExpr => ({
  kind: 'call',
  operator: ref(...name.split('.').map((p, i) => (i === 0 ? v(p) : s(p)))),
  args,
  with: [],
  loc: at,
});

function rule(path: string[], value: A.Term, body: A.Body = [], extra: Partial<A.Rule> = {}): A.Rule {
  return {
    head: { ref: [v('data'), ...path.map(s)], kind: 'single', value, assign: true, loc: at },
    body,
    default: false,
    loc: at,
    packagePath: ['data', ...path.slice(0, 1)],
    ...extra,
  };
}

function program(rules: A.Rule[], query?: A.Body, bindings: string[] = []): CompiledProgram {
  const root: RuleTreeNode = { key: 'data', path: ['data'], rules: [], children: new Map() };
  for (const r of rules) {
    let node = root;
    for (const t of r.head.ref.slice(1)) {
      if (t.type !== 'string') break;
      let next = node.children.get(t.value);
      if (!next) {
        next = { key: t.value, path: [...node.path, t.value], rules: [], children: new Map() };
        node.children.set(t.value, next);
      }
      node = next;
    }
    node.rules.push(r);
  }
  return {
    modules: [],
    ruleTree: root,
    files: ['test.rego'],
    query: query ? { body: query, bindings: bindings.map((b) => ({ name: b, var: b })) } : undefined,
  };
}

describe('planner on hand-built programs', () => {
  it('plans a query with unification and a builtin call', () => {
    const policy = plan(
      program([], [call('eq', v('x'), n('1')), call('plus', v('x'), n('1'), v('y'))], ['x', 'y']),
    );
    expect(policy.builtins).toEqual([{ name: 'plus', arity: 2 }]);
    expect(policy.plans.map((p) => p.name)).toEqual(['eval']);
    expect(new IrInterpreter(policy).run('eval')).toEqual([{ x: 1, y: 2 }]);
  });

  it('plans an entrypoint calling a complete rule', () => {
    const policy = plan(program([rule(['test', 'p'], n('7'))]), { entrypoints: ['test/p'] });
    expect(policy.funcs.map((f) => f.name)).toEqual(['g0.data.test.p']);
    expect(policy.funcs[0]?.params).toEqual([0, 1]);
    expect(new IrInterpreter(policy).run('test/p')).toEqual([{ result: 7 }]);
  });

  it('reports conflicting complete rule values at run time with the head location', () => {
    const body: A.Body = [call('eq', v('x'), ref(arr(n('1'), n('2')), v('i')))];
    const policy = plan(program([rule(['test', 'p'], v('x'), body)]), { entrypoints: ['test/p'] });
    const once = policy.funcs[0]?.blocks.flatMap((b) => b.stmts).find((st) => st.op === 'assignVarOnce');
    expect(once).toMatchObject({ loc: { file: 0, row: 1, col: 1 } });
    expect(() => new IrInterpreter(policy).run('test/p')).toThrow('test.rego:1:1: var assignment conflict');
  });
});
