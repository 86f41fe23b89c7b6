import opa from '@open-policy-agent/opa-wasm';
import { hostBuiltinsByImportName } from '@mandate/rego';

type OpaPolicy = Awaited<ReturnType<typeof opa.loadPolicy>>;

/** 64 KiB Wasm pages a policy may use at most (32 MiB): a hostile policy traps instead of exhausting memory. */
export const DEFAULT_MAX_MEMORY_PAGES = 512;

const encoder = new TextEncoder();
let builtins: Record<string, (...args: unknown[]) => unknown> | undefined;

/**
 * One compiled policy instantiated with `@open-policy-agent/opa-wasm`, its linear memory capped. Evaluation
 * is synchronous (one instance serves one request at a time on Node's single thread). After a trap the
 * instance's memory may be left grown or inconsistent: callers discard it (see `failed`).
 */
export class WasmPolicy {
  /** True once an evaluation trapped; the instance must then be replaced. */
  failed = false;

  private constructor(
    private readonly policy: OpaPolicy,
    private readonly entrypointId: number,
  ) {}

  /** Compiles the module once; `instantiate` makes fresh instances of it (e.g. after a trap). */
  static compile(wasm: Uint8Array): Promise<WebAssembly.Module> {
    return WebAssembly.compile(new Uint8Array(wasm));
  }

  static async load(
    wasm: Uint8Array | WebAssembly.Module,
    entrypoint: string,
    maxMemoryPages = DEFAULT_MAX_MEMORY_PAGES,
  ): Promise<WasmPolicy> {
    builtins ??= hostBuiltinsByImportName();
    const module = wasm instanceof WebAssembly.Module ? wasm : await WasmPolicy.compile(wasm);
    const policy = await opa.loadPolicy(module, { initial: 5, maximum: maxMemoryPages }, builtins);
    const entrypoints = policy.entrypoints as Record<string, number>;
    const id = entrypoints[entrypoint];
    if (typeof id !== 'number') throw new Error(`the policy has no entrypoint ${entrypoint}`);
    return new WasmPolicy(policy, id);
  }

  /**
   * Evaluates the entrypoint on an input given as JSON text. Returns the entrypoint's value, or undefined
   * when the result set is empty (the rule is undefined). Throws when the policy traps.
   */
  evaluate(inputJson: string): unknown {
    const bytes = encoder.encode(inputJson);
    const exact =
      bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
    try {
      const resultSet: unknown = this.policy.evaluate(exact.buffer, this.entrypointId);
      if (!Array.isArray(resultSet) || resultSet.length === 0) return undefined;
      const first: unknown = resultSet[0];
      if (first === null || typeof first !== 'object' || !('result' in first)) return undefined;
      return first.result;
    } catch (error) {
      this.failed = true;
      throw error instanceof Error ? error : new Error(String(error));
    }
  }
}
