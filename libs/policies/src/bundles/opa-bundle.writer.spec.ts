import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { compactVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { readBundle } from './bundle-reader';
import { opaFileDigest, writeOpaBundle } from './opa-bundle.writer';

describe('writeOpaBundle', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const wasm = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
  const input = {
    orgId: '3f1c2a4e-0000-4000-8000-000000000001',
    revision: 7,
    versionId: 'v-7',
    wasm,
    activatedAt: new Date('2026-12-01T00:00:00Z'),
    signer: { kid: 'kid-1', privateKey },
  };

  it('packs manifest, policy.wasm, data.json and a signature over their OPA digests', async () => {
    const { body, manifest } = await writeOpaBundle(input);
    const files = await readBundle(body);
    expect([...files.keys()].sort()).toEqual(['.manifest', '.signatures.json', 'data.json', 'policy.wasm']);
    expect(Buffer.from(files.get('policy.wasm')!).equals(Buffer.from(wasm))).toBe(true);
    expect(JSON.parse(files.get('.manifest')!.toString())).toEqual(manifest);
    expect(manifest).toMatchObject({ revision: '7', roots: ['mandate'] });
    const [jwt] = JSON.parse(files.get('.signatures.json')!.toString()).signatures as string[];
    const { payload, protectedHeader } = await compactVerify(jwt, createPublicKey(privateKey));
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: 'kid-1' });
    const claims = JSON.parse(Buffer.from(payload).toString()) as {
      files: Array<{ name: string; hash: string }>;
    };
    const hashes = Object.fromEntries(claims.files.map((f) => [f.name, f.hash]));
    expect(hashes['policy.wasm']).toBe(createHash('sha256').update(wasm).digest('hex'));
    expect(hashes['data.json']).toBe(createHash('sha256').update('{}').digest('hex'));
    expect(hashes['.manifest']).toBe(opaFileDigest(JSON.parse(files.get('.manifest')!.toString()), true));
  });

  it('hashes JSON as OPA does: keys sorted, no whitespace, whatever the input order', () => {
    const a = opaFileDigest({ b: [1, { d: 'x', c: true }], a: null }, true);
    expect(a).toBe(createHash('sha256').update('{"a":null,"b":[1,{"c":true,"d":"x"}]}').digest('hex'));
  });
});
