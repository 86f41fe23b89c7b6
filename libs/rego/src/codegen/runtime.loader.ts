import { RUNTIME_WASM_BASE64 } from './runtime-wasm';

let bytes: Uint8Array | undefined;

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** The runtime module's bytes (decoded once; works in Node and browsers). */
export function runtimeWasm(): Uint8Array {
  bytes ??= decodeBase64(RUNTIME_WASM_BASE64);
  return bytes;
}
