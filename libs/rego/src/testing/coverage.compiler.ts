import type { CallExpr, Location, Rule } from '../ast/ast';
import { CodegenError } from '../codegen/codegen.error';
import { runtimeWasm } from '../codegen/runtime.loader';
import { generateWasm } from '../codegen/wasm.generator';
import { compileModules } from '../compiler/compile-modules';
import type { CompiledProgram, RuleTreeNode } from '../compiler/compiled-program';
import { RegoCompileError, type RegoErrorCode } from '../compiler/rego-compile.error';
import { HOST_BUILTINS, hostImportName, type HostBuiltin } from '../host/host-builtins';
import { PlanError } from '../planner/plan.error';
import { plan } from '../planner/planner';

/** One instrumented rule definition. */
export interface CoverageProbe {
  id: number;
  location: Location;
}

export interface CoverageCompileOptions {
  modules: Record<string, string>;
  entrypoints: string[];
  /** Appends a probe to every rule body that is not a test. */
  instrument: boolean;
}

export interface CoverageCompileResult {
  wasm: Uint8Array<ArrayBuffer>;
  builtins: Record<string, HostBuiltin>;
  /** The instrumented rule definitions (when instrumented). */
  probes?: CoverageProbe[];
}

/**
 * The builtin a probe calls: `trace("<MARKER><id>")`. Mandate never compiles `trace` for production (see the
 * catalog), so here it is declared host-implemented and served by the runner, which records the id.
 */
export const PROBE_BUILTIN = 'trace';
export const PROBE_MARKER = '\u0000mandate.coverage.probe:';

function isTestRule(node: RuleTreeNode, rule: Rule): boolean {
  return node.key.startsWith('test_') || rule.loc.file.endsWith('_test.rego');
}

function probeExpr(id: number, loc: Location): CallExpr {
  return {
    kind: 'call',
    operator: { type: 'ref', terms: [{ type: 'var', name: PROBE_BUILTIN, loc }], loc },
    args: [{ type: 'string', value: `${PROBE_MARKER}${id}`, loc }],
    loc,
    with: [],
  };
}

/**
 * Appends `trace("<MARKER><id>")` as the last expression of every non-test rule body (each `else`
 * branch too). Bodies are already ordered for safety, so the probe runs exactly when the body has succeeded;
 * the host side records the id and returns true. The probe binds no var, so results are unchanged.
 */
function instrument(program: CompiledProgram): CoverageProbe[] {
  const probes: CoverageProbe[] = [];
  const visit = (node: RuleTreeNode): void => {
    for (const first of node.rules) {
      for (let rule: Rule | undefined = first; rule; rule = rule.else) {
        if (isTestRule(node, rule)) continue;
        const probe = { id: probes.length, location: rule.loc };
        probes.push(probe);
        rule.body.push(probeExpr(probe.id, rule.loc));
      }
    }
    for (const child of node.children.values()) visit(child);
  };
  visit(program.ruleTree);
  return probes;
}

function failure(error: { file?: string; row?: number; col?: number; code: RegoErrorCode; message: string }) {
  return new RegoCompileError([
    {
      file: error.file ?? '',
      row: error.row ?? 0,
      col: error.col ?? 0,
      code: error.code,
      message: error.message,
    },
  ]);
}

/**
 * The pipeline of `compile()` (../index.ts) with an optional instrumentation step between the compiler passes
 * and the planner. Kept in step with compile() by hand: any change there (options, error mapping) belongs
 * here. compile()'s `customBuiltins` (in progress in the planner) is not passed through yet.
 */
export async function compileWithCoverage(options: CoverageCompileOptions): Promise<CoverageCompileResult> {
  const program = compileModules({ modules: options.modules });
  const probes = options.instrument ? instrument(program) : undefined;
  let policy;
  try {
    policy = plan(program, { entrypoints: options.entrypoints });
  } catch (err) {
    if (err instanceof PlanError) {
      // PlanError's message starts with its location; the error detail carries it separately.
      const prefix = err.loc ? `${err.loc.file || '<query>'}:${err.loc.row}:${err.loc.col}: ` : '';
      const message = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
      throw failure({ ...err.loc, code: 'rego_planner_error', message });
    }
    throw err;
  }
  try {
    const out = await generateWasm(policy, {
      runtime: runtimeWasm(),
      hostImplemented: new Set([...Object.keys(HOST_BUILTINS), ...(probes ? [PROBE_BUILTIN] : [])]),
      hostImportName,
    });
    const builtins: Record<string, HostBuiltin> = {};
    for (const [name, imported] of Object.entries(out.hostNames)) {
      if (name !== PROBE_BUILTIN) builtins[imported] = HOST_BUILTINS[name];
    }
    return { wasm: out.wasm, builtins, probes };
  } catch (err) {
    if (err instanceof CodegenError) {
      throw new RegoCompileError(err.errors.map((e) => ({ ...e, code: e.code as RegoErrorCode })));
    }
    throw err;
  }
}
