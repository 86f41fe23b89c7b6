/**
 * compile(): parse → compiler passes → (optional instrumentation hook) → planner (IR) → code generator (Wasm).
 * Re-exported by ./index.ts; kept apart so internal users (testing/coverage.compiler.ts) import it without a
 * cycle through the index.
 */
import { CodegenError } from './codegen/codegen.error';
import { runtimeWasm } from './codegen/runtime.loader';
import { generateWasm } from './codegen/wasm.generator';
import { compileModules } from './compiler/compile-modules';
import type { CompiledProgram } from './compiler/compiled-program';
import { RegoCompileError, type RegoErrorCode } from './compiler/rego-compile.error';
import { HOST_BUILTINS, hostImportName, type HostBuiltin } from './host/host-builtins';
import { PlanError } from './planner/plan.error';
import { plan } from './planner/planner';

export interface CompileOptions {
  /** Rego sources by file name. */
  modules: Record<string, string>;
  /** A query planned as the entrypoint `eval` (result: one binding object per solution). */
  query?: string;
  /** Entrypoints as paths below `data`, e.g. `mandate/decision` (result: `[{result: <value>}]`). */
  entrypoints?: string[];
  /**
   * Custom builtins (name → arity, at most 4 arguments) that the modules may call: the module imports them from
   * the host and the caller passes their implementations to `loadPolicy` as custom builtins (same names).
   */
  customBuiltins?: Record<string, number>;
  /** binaryen optimisation level of the generated code (0–3, default 0; see bench/bench-rego.ts). */
  optimizeLevel?: number;
  /**
   * Hook between the compiler passes and the planner: receives the compiled program (refs resolved, vars
   * rewritten, bodies ordered for safety) and may change it in place, e.g. append expressions to rule bodies.
   * `policy test --coverage` uses it to add a probe call to every rule (testing/coverage.compiler.ts); a
   * builtin such a probe calls must be declared in `customBuiltins`. The program's shape is internal to the
   * compiler, not a stable API.
   */
  instrument?: (program: CompiledProgram) => void;
}

export interface CompileResult {
  /** The Wasm module (OPA Wasm ABI 1.3). */
  wasm: Uint8Array<ArrayBuffer>;
  /** Entrypoint name → id (`eval` for the query). */
  entrypoints: Record<string, number>;
  /**
   * Mandate's host builtins the module imports, by import name: pass to `loadPolicy(wasm, memory, builtins)`
   * (merged with the implementations of any `customBuiltins`).
   */
  builtins: Record<string, HostBuiltin>;
}

/**
 * Error codes beyond the front end's: `rego_unsupported_builtin` (a builtin Mandate cannot compile),
 * `rego_planner_error` (a construct the planner rejects) and `rego_internal_error` (a bug of the compiler).
 */
export type CompileErrorCode =
  RegoErrorCode | 'rego_unsupported_builtin' | 'rego_planner_error' | 'rego_internal_error';

function failure(
  errors: { file: string; row: number; col: number; code: CompileErrorCode; message: string }[],
): RegoCompileError {
  return new RegoCompileError(errors);
}

/** Compiles Rego modules (and a query and/or entrypoints) into a Wasm policy module. */
export async function compile(options: CompileOptions): Promise<CompileResult> {
  const entrypoints = options.entrypoints ?? [];
  if (entrypoints.length === 0 && options.query === undefined) {
    throw failure([
      {
        file: '',
        row: 0,
        col: 0,
        code: 'rego_compile_error',
        message: 'no entrypoint and no query to compile',
      },
    ]);
  }
  const custom = options.customBuiltins ?? {};
  const program = compileModules({ modules: options.modules, query: options.query, builtins: custom });
  options.instrument?.(program);
  let policy;
  try {
    policy = plan(program, { entrypoints, customBuiltins: custom });
  } catch (err) {
    if (err instanceof PlanError) {
      const loc = err.loc;
      // The location goes in the fields (RegoCompileError prints it once); `detail` is the bare message.
      throw failure([
        {
          file: loc?.file ?? '',
          row: loc?.row ?? 0,
          col: loc?.col ?? 0,
          code: err.code,
          message: err.detail,
        },
      ]);
    }
    throw err;
  }
  try {
    const out = await generateWasm(policy, {
      runtime: runtimeWasm(),
      hostImplemented: new Set([...Object.keys(HOST_BUILTINS), ...Object.keys(custom)]),
      hostImportName: (name) => (Object.hasOwn(custom, name) ? name : hostImportName(name)),
      optimizeLevel: options.optimizeLevel,
    });
    const builtins: Record<string, HostBuiltin> = {};
    for (const [name, imported] of Object.entries(out.hostNames)) {
      if (!Object.hasOwn(custom, name)) builtins[imported] = HOST_BUILTINS[name];
    }
    return { wasm: out.wasm, entrypoints: out.entrypoints, builtins };
  } catch (err) {
    if (err instanceof CodegenError) {
      throw failure(err.errors.map((e) => ({ ...e, code: e.code as CompileErrorCode })));
    }
    throw err;
  }
}
