import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';

/** The parts of an OPA bundle the local evaluator uses. */
export interface PolicyBundle {
  wasm: Uint8Array;
  /** `data.json` (an object; `{}` when absent). */
  data: Record<string, unknown>;
  /** `.manifest` (`{revision, roots, wasm: [{entrypoint, module}], …}`), `{}` when absent. */
  manifest: Record<string, unknown>;
  /** The entrypoint to evaluate (`mandate/decision` unless the manifest names only another one). */
  entrypoint: string;
  /** Every regular file of the bundle by path (no leading `/`), for signature verification. */
  files: ReadonlyMap<string, Buffer>;
}

const MAX_ENTRY_BYTES = 32 * 1024 * 1024;
const MAX_TOTAL_BYTES = 64 * 1024 * 1024;
const DEFAULT_ENTRYPOINT = 'mandate/decision';

/** Reads an OPA bundle (`.tar.gz`: `.manifest`, `policy.wasm`, `data.json`). Throws on anything malformed. */
export async function readBundle(bytes: Uint8Array): Promise<PolicyBundle> {
  const files = new Map<string, Buffer>();
  const extract = tar.extract();
  let total = 0;
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        total += chunk.length;
        if (size > MAX_ENTRY_BYTES || total > MAX_TOTAL_BYTES) {
          stream.destroy(new Error('the bundle is too large'));
          return;
        }
        chunks.push(chunk);
      });
      stream.on('error', reject);
      stream.on('end', () => {
        if (header.type === 'file') files.set(header.name.replace(/^\.?\/+/, ''), Buffer.concat(chunks));
        next();
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  const gunzip = createGunzip();
  gunzip.on('error', (error) => extract.destroy(error));
  Readable.from([Buffer.from(bytes)])
    .pipe(gunzip)
    .pipe(extract);
  await done;

  const manifest = parseObject(files.get('.manifest'), '.manifest');
  const wasmEntries = Array.isArray(manifest.wasm) ? (manifest.wasm as Array<Record<string, unknown>>) : [];
  const named = wasmEntries.find((w) => w.entrypoint === DEFAULT_ENTRYPOINT) ?? wasmEntries[0];
  const modulePath = typeof named?.module === 'string' ? named.module.replace(/^\.?\/+/, '') : 'policy.wasm';
  const wasm = files.get(modulePath);
  if (!wasm) throw new Error(`the bundle has no ${modulePath}`);
  return {
    wasm: new Uint8Array(wasm),
    data: parseObject(files.get('data.json'), 'data.json'),
    manifest,
    entrypoint: typeof named?.entrypoint === 'string' ? named.entrypoint : DEFAULT_ENTRYPOINT,
    files,
  };
}

function parseObject(bytes: Buffer | undefined, name: string): Record<string, unknown> {
  if (!bytes || bytes.length === 0) return {};
  const value: unknown = JSON.parse(bytes.toString('utf8'));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${name} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}
