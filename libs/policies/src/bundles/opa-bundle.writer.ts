import { createHash, type KeyObject } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { SignJWT } from 'jose';
import { pack } from 'tar-stream';
import { DECISION_ENTRYPOINT } from '../compile/policy-limits';
import { BUNDLE_SIGNING_ALG } from './bundle-signing-keys';

/** What a served bundle is made of. */
export interface OpaBundleInput {
  orgId: string;
  /** The organisation's policy revision (0 = the baseline). */
  revision: number;
  versionId: string;
  wasm: Uint8Array;
  /** Time of the activation: the tar entries' mtime, so a revision always packs the same way. */
  activatedAt: Date;
  signer: { kid: string; privateKey: KeyObject };
}

/** The `.manifest` of a served bundle. */
export interface OpaBundleManifest {
  revision: string;
  roots: string[];
  wasm: Array<{ entrypoint: string; module: string }>;
  metadata: { mandate: { orgId: string; revision: number; versionId: string; wasmSha256: string } };
}

/** Issuer claim of the bundle signature. */
export const BUNDLE_SIGNATURE_ISSUER = 'mandate';

/**
 * Digest of a bundle file the way OPA computes it when it verifies a signature: raw bytes for binary
 * files; for structured files (`.manifest`, `data.json`) the JSON value with object keys sorted, no
 * whitespace, primitives JSON-encoded. Equal to OPA's digest for the ASCII-only documents Mandate writes.
 */
export function opaFileDigest(content: unknown, structured: boolean): string {
  const hash = createHash('sha256');
  if (!structured) {
    hash.update(content as Uint8Array);
  } else {
    hash.update(sortedJson(content));
  }
  return hash.digest('hex');
}

function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${sortedJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Writes an OPA bundle (gzipped tar) for a compiled policy: `/.manifest` (revision, roots `mandate`, the
 * Wasm entrypoint `mandate/decision`), `/policy.wasm`, `/data.json` (`{}`) and `/.signatures.json` — one
 * ES256 JWT whose `files` claim lists each file's SHA-256 as OPA computes it, with the key id in the
 * protected header (`kid`), verifiable with the organisation's published key.
 */
export async function writeOpaBundle(input: OpaBundleInput): Promise<{
  body: Buffer;
  manifest: OpaBundleManifest;
  signature: string;
}> {
  const wasm = Buffer.from(input.wasm.buffer, input.wasm.byteOffset, input.wasm.byteLength);
  const wasmSha256 = createHash('sha256').update(wasm).digest('hex');
  const manifest: OpaBundleManifest = {
    revision: String(input.revision),
    roots: ['mandate'],
    wasm: [{ entrypoint: DECISION_ENTRYPOINT, module: '/policy.wasm' }],
    metadata: {
      mandate: { orgId: input.orgId, revision: input.revision, versionId: input.versionId, wasmSha256 },
    },
  };
  const data = {};
  const files = [
    { name: '.manifest', hash: opaFileDigest(manifest, true), algorithm: 'SHA-256' },
    { name: 'policy.wasm', hash: wasmSha256, algorithm: 'SHA-256' },
    { name: 'data.json', hash: opaFileDigest(data, true), algorithm: 'SHA-256' },
  ];
  const signature = await new SignJWT({ files })
    .setProtectedHeader({ alg: BUNDLE_SIGNING_ALG, kid: input.signer.kid })
    .setIssuer(BUNDLE_SIGNATURE_ISSUER)
    .setIssuedAt()
    .sign(input.signer.privateKey);
  const entries: Array<[string, Buffer]> = [
    ['/.manifest', Buffer.from(sortedJson(manifest))],
    ['/policy.wasm', wasm],
    ['/data.json', Buffer.from(JSON.stringify(data))],
    ['/.signatures.json', Buffer.from(JSON.stringify({ signatures: [signature] }))],
  ];
  return { body: gzipSync(await tar(entries, input.activatedAt)), manifest, signature };
}

async function tar(entries: Array<[string, Buffer]>, mtime: Date): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    archive.on('end', resolve);
    archive.on('error', reject);
  });
  for (const [name, content] of entries) archive.entry({ name, mode: 0o644, mtime }, content);
  archive.finalize();
  await done;
  return Buffer.concat(chunks);
}
