import type { ActivePolicy } from './active-policy.port';
import type { WasmPolicy } from './wasm-policy';

/** A loaded policy of one organisation at one revision. */
export interface CachedPolicy {
  orgId: string;
  revision: number;
  versionId: string;
  entrypoint: string;
  source: ActivePolicy;
  /** The compiled module, kept to re-instantiate after a trap without reading the store again. */
  module: WebAssembly.Module;
  instance: WasmPolicy;
}
