/**
 * @mandate/rego — Mandate's Rego → WebAssembly compiler.
 *
 * `compile()` = parse → compiler passes → planner (IR) → code generator (Wasm). The module follows the OPA
 * Wasm ABI and runs unmodified under `@open-policy-agent/opa-wasm`; pass the returned `builtins` as the custom
 * builtins of `loadPolicy` (they implement the builtins the module imports from the host).
 * Runs in Node and in browsers (no Node-only API on this path).
 */
import { HOST_BUILTINS, hostImportName, type HostBuiltin } from './host/host-builtins';

export { compile, type CompileErrorCode, type CompileOptions, type CompileResult } from './compile.pipeline';
export { BUILTINS, lookupBuiltin, type BuiltinSpec } from './builtins/catalog';
export { RegoCompileError, type RegoErrorDetail } from './compiler/rego-compile.error';
export { HOST_BUILTINS, type HostBuiltin } from './host/host-builtins';
export type { CompiledProgram } from './compiler/compiled-program';
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
