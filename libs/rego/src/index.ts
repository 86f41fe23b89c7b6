/**
 * @mandate/rego — Mandate's Rego → WebAssembly compiler.
 *
 * `compile()` = parse → compiler passes → planner (IR) → code generator (Wasm). The module follows the OPA
 * Wasm ABI and runs unmodified under `@open-policy-agent/opa-wasm`; pass the returned `builtins` as the custom
 * builtins of `loadPolicy` (they implement the builtins the module imports from the host).
 * Runs in Node and in browsers (no Node-only API on this path).
 */
import { CodegenError } from './codegen/codegen.error';
import { runtimeWasm } from './codegen/runtime.loader';
import { generateWasm } from './codegen/wasm.generator';
import { compileModules } from './compiler/compile-modules';
import { RegoCompileError, type RegoErrorCode } from './compiler/rego-compile.error';
import { HOST_BUILTINS, hostImportName, type HostBuiltin } from './host/host-builtins';
import { PlanError } from './planner/plan.error';
import { plan } from './planner/planner';

export { BUILTINS, lookupBuiltin, type BuiltinSpec } from './builtins/catalog';
export { RegoCompileError, type RegoErrorDetail } from './compiler/rego-compile.error';
export { HOST_BUILTINS, type HostBuiltin } from './host/host-builtins';
export type { Policy as IrPolicy } from './ir/ir';
export {
  runPolicyTests,
  type FileCoverage,
  type PolicyCoverage,
  type PolicyTestOptions,
  type PolicyTestReport,
  type PolicyTestResult,
} from './testing/policy-test.runner';

/**
 * Every host builtin keyed by the import name a compiled module uses (see `hostImportName`): pass it as the
 * custom builtins of `loadPolicy` for a module compiled earlier (e.g. stored wasm), whose `builtins` map is
 * no longer at hand. Builtins the module does not import are ignored by opa-wasm.
 */
export function hostBuiltinsByImportName(): Record<string, HostBuiltin> {
  const out: Record<string, HostBuiltin> = {};
  for (const [name, fn] of Object.entries(HOST_BUILTINS)) out[hostImportName(name)] = fn;
  return out;
}

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
  let policy;
  try {
    policy = plan(program, { entrypoints });
  } catch (err) {
    if (err instanceof PlanError) {
      const loc = err.loc;
      throw failure([
        {
          file: loc?.file ?? '',
          row: loc?.row ?? 0,
          col: loc?.col ?? 0,
          code: 'rego_planner_error',
          // PlanError's message starts with its location, which the fields above already carry.
          message: loc ? err.message.replace(/^[^\n]*?:\d+:\d+: /, '') : err.message,
        },
      ]);
    }
    throw err;
  }
  try {
    const out = await generateWasm(policy, {
      runtime: runtimeWasm(),
      hostImplemented: new Set([...Object.keys(HOST_BUILTINS), ...Object.keys(custom)]),
      hostImportName: (name) => (name in custom ? name : hostImportName(name)),
      optimizeLevel: options.optimizeLevel,
    });
    const builtins: Record<string, HostBuiltin> = {};
    for (const [name, imported] of Object.entries(out.hostNames)) {
      if (!(name in custom)) builtins[imported] = HOST_BUILTINS[name];
    }
    return { wasm: out.wasm, entrypoints: out.entrypoints, builtins };
  } catch (err) {
    if (err instanceof CodegenError) {
      throw failure(err.errors.map((e) => ({ ...e, code: e.code as CompileErrorCode })));
    }
    throw err;
  }
}
