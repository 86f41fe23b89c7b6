import { createHash } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JSONWebKeySet } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PolicyBundle } from './bundle-reader';
import { verifyBundle } from './bundle-signature';

const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

describe('bundle signature verification', () => {
  let keys: JSONWebKeySet;
  let other: JSONWebKeySet;
  let sign: (files: Array<{ name: string; hash: string }>) => Promise<string>;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    const stranger = await generateKeyPair('ES256');
    keys = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }] };
    other = { keys: [{ ...(await exportJWK(stranger.publicKey)), kid: 'k1', alg: 'ES256' }] };
    sign = (files) =>
      new SignJWT({ files: files.map((f) => ({ ...f, algorithm: 'SHA-256' })) })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer('mandate')
        .sign(pair.privateKey);
  });

  async function bundle(
    over: Record<string, Buffer> = {},
    signed?: Record<string, string>,
  ): Promise<PolicyBundle> {
    const manifest = Buffer.from('{"roots":["mandate"],"revision":"3"}');
    const wasm = Buffer.from([0, 97, 115, 109]);
    const data = Buffer.from('{"b":1,"a":{"d":2,"c":3}}');
    const token = await sign(
      Object.entries(
        signed ?? {
          '.manifest': sha('{"revision":"3","roots":["mandate"]}'),
          'policy.wasm': sha(wasm),
          'data.json': sha('{"a":{"c":3,"d":2},"b":1}'),
        },
      ).map(([name, hash]) => ({ name, hash })),
    );
    const files = new Map<string, Buffer>([
      ['.manifest', manifest],
      ['policy.wasm', wasm],
      ['data.json', data],
      ['.signatures.json', Buffer.from(JSON.stringify({ signatures: [token] }))],
      ...Object.entries(over),
    ]);
    return { wasm, data: {}, manifest: {}, entrypoint: 'mandate/decision', files };
  }

  it('accepts a bundle signed by a pinned key, digesting JSON files as OPA does (sorted keys)', async () => {
    await expect(verifyBundle(await bundle(), keys)).resolves.toBeUndefined();
  });

  it('refuses another key, an altered or extra file, and an unsigned bundle', async () => {
    await expect(verifyBundle(await bundle(), other)).rejects.toThrow();
    await expect(verifyBundle(await bundle({ 'data.json': Buffer.from('{"b":2}') }), keys)).rejects.toThrow(
      /altered/,
    );
    await expect(verifyBundle(await bundle({ 'extra.rego': Buffer.from('x') }), keys)).rejects.toThrow(
      /differ|not signed/,
    );
    const unsigned = await bundle();
    (unsigned.files as Map<string, Buffer>).delete('.signatures.json');
    await expect(verifyBundle(unsigned, keys)).rejects.toThrow(/not signed/);
  });
});
