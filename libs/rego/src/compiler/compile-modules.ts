import type { Body, Module, Rule, Term, VarTerm } from '../ast/ast';
import { parseModule, parseQuery } from '../parser/rego.parser';
import { CompileContext } from './compile.context';
import type { CompiledProgram, CompiledQuery } from './compiled-program';
import { ExprRewriter } from './expr-terms.pass';
import { LocalVarRewriter } from './local-vars.pass';
import { RegoCompileError } from './rego-compile.error';
import { moduleGlobals, packagePath, RefResolver, ruleName, type Globals } from './resolve-refs.pass';
import { buildRuleTree, checkRecursion, checkRuleConflicts } from './rule-tree.builder';
import { SafetyChecker } from './safety.pass';
import { forEachBodyVar, forEachVar } from './term-utils';
import { TypeChecker } from './type-check.pass';

export interface CompileModulesInput {
  /** File name → Rego v1 source. */
  modules: Record<string, string>;
  /** An optional query (a body), compiled against the modules. */
  query?: string;
  /** Extra (host-provided) builtins the modules may call: name → arity. */
  builtins?: Record<string, number>;
}

function throwIfErrors(ctx: CompileContext): void {
  if (ctx.errors.length === 0) return;
  const sorted = [...ctx.errors].sort(
    (a, b) => a.file.localeCompare(b.file) || a.row - b.row || a.col - b.col,
  );
  throw new RegoCompileError(sorted);
}

function mapChain(rule: Rule, fn: (r: Rule) => Rule): Rule {
  const out = fn(rule);
  if (rule.else) out.else = mapChain(rule.else, fn);
  else delete out.else;
  return out;
}

function resolveRule(rule: Rule, globals: Globals, pkg: string[]): Rule {
  const resolver = RefResolver.forRule(rule, globals);
  return mapChain(rule, (r) => {
    const loc = r.head.loc;
    const [, ...rest] = r.head.ref;
    const ref: Term[] = [
      { type: 'var', name: 'data', loc },
      ...pkg.map((p): Term => ({ type: 'string', value: p, loc })),
      { type: 'string', value: ruleName(r), loc: r.head.ref[0].loc },
      ...rest.map((t) => resolver.term(t)),
    ];
    const head = { ...r.head, ref };
    if (r.head.key) head.key = resolver.term(r.head.key);
    if (r.head.value) head.value = resolver.term(r.head.value);
    return { ...r, head, body: resolver.body(r.body), packagePath: ['data', ...pkg] };
  });
}

/** Remembers user vars named like generated ones so that fresh names never collide with them. */
function reserveUserNames(ctx: CompileContext, modules: Module[], query: Body | undefined): void {
  const add = (v: VarTerm): void => {
    if (v.name.startsWith('__')) ctx.reserved.add(v.name);
  };
  for (const mod of modules) {
    for (const rule of mod.rules) {
      for (let r: Rule | undefined = rule; r; r = r.else) {
        forEachBodyVar(r.body, add);
        const h = r.head;
        for (const t of [
          ...h.ref,
          ...(h.args ?? []),
          ...(h.key ? [h.key] : []),
          ...(h.value ? [h.value] : []),
        ])
          forEachVar(t, add);
      }
    }
  }
  if (query) forEachBodyVar(query, add);
}

/**
 * Compiles Rego v1 modules (and an optional query) through the front-end passes; see ./README.md for what
 * the result guarantees. Throws RegoCompileError listing every error found (at most MAX_ERRORS).
 */
export function compileModules(input: CompileModulesInput): CompiledProgram {
  try {
    return compileAll(input);
  } catch (e) {
    // Safety net for hostile input the parser's depth limits did not catch.
    if (e instanceof RangeError)
      throw new RegoCompileError([
        {
          file: '',
          row: 1,
          col: 1,
          code: 'rego_compile_error',
          message: 'policy too deeply nested to compile',
        },
      ]);
    throw e;
  }
}

function compileAll(input: CompileModulesInput): CompiledProgram {
  const ctx = new CompileContext();
  const files = Object.keys(input.modules).sort();
  let modules: Module[] = [];
  for (const file of files) {
    try {
      modules.push(parseModule(file, input.modules[file]));
    } catch (e) {
      if (!(e instanceof RegoCompileError)) throw e;
      ctx.errors.push(...e.errors);
    }
  }
  let query: Body | undefined;
  if (input.query !== undefined) {
    try {
      query = parseQuery(input.query);
    } catch (e) {
      if (!(e instanceof RegoCompileError)) throw e;
      ctx.errors.push(...e.errors);
    }
  }
  throwIfErrors(ctx);
  reserveUserNames(ctx, modules, query);

  // 1. resolve refs (imports, package rules) — rule heads become absolute.
  const rulesByPackage = new Map<string, Set<string>>();
  for (const mod of modules) {
    const key = packagePath(mod).join('.');
    const names = rulesByPackage.get(key) ?? new Set<string>();
    for (const r of mod.rules) names.add(ruleName(r));
    rulesByPackage.set(key, names);
  }
  modules = modules.map((mod) => {
    const globals = moduleGlobals(mod, rulesByPackage);
    const pkg = packagePath(mod);
    return { ...mod, rules: mod.rules.map((r) => resolveRule(r, globals, pkg)) };
  });
  if (query) query = RefResolver.forQuery().body(query);

  // 2. rule tree and conflicts.
  const tree = buildRuleTree(modules);
  checkRuleConflicts(tree, ctx);

  // 3. local variables.
  const locals = new LocalVarRewriter(ctx);
  modules = modules.map((mod) => ({ ...mod, rules: mod.rules.map((r) => locals.rule(r)) }));
  let bindings: CompiledQuery['bindings'] = [];
  if (query) ({ body: query, bindings } = locals.query(query));

  // 4. type check (functions exist, arities) and `with` targets.
  const arities = new Map<string, number>(Object.entries(input.builtins ?? {}));
  const types = new TypeChecker(ctx, tree, arities);
  for (const mod of modules) {
    for (const rule of mod.rules) {
      for (let r: Rule | undefined = rule; r; r = r.else) {
        types.body(r.body);
        if (r.head.value) types.term(r.head.value);
        if (r.head.key) types.term(r.head.key);
        for (const t of r.head.ref.slice(1)) types.term(t);
      }
    }
  }
  if (query) types.body(query);
  throwIfErrors(ctx);

  // 5. simple expressions.
  const exprs = new ExprRewriter(ctx);
  modules = modules.map((mod) => ({ ...mod, rules: mod.rules.map((r) => exprs.rule(r)) }));
  if (query) query = exprs.query(query);
  throwIfErrors(ctx);

  // 6. safety and reordering.
  const safety = new SafetyChecker(ctx, arities);
  modules = modules.map((mod) => ({ ...mod, rules: mod.rules.map((r) => safety.rule(r)) }));
  if (query) query = safety.query(query);
  throwIfErrors(ctx);

  // 7. final rule tree and recursion.
  const ruleTree = buildRuleTree(modules);
  checkRecursion(ruleTree, ctx);
  throwIfErrors(ctx);

  const program: CompiledProgram = { modules, ruleTree, files };
  if (query) program.query = { body: query, bindings };
  return program;
}
