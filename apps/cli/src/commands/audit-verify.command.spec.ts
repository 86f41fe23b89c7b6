import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditChain, signExportManifest, writeExport } from '@mandate/audit';
import { runCli } from '../run-cli';
import { AUDIT_VERIFY_FAILED, AuditVerifyCommand } from './audit-verify.command';

const dir = mkdtempSync(join(tmpdir(), 'mandate-audit-cli-'));
const exportPath = join(dir, 'export.jsonl');
const manifestPath = join(dir, 'manifest.json');
const pemPath = join(dir, 'org.pub.pem');
const jwkPath = join(dir, 'org.pub.jwk');
const { privateKey, publicKey } = generateKeyPairSync('ed25519');

beforeAll(async () => {
  const chain = new AuditChain('org-1');
  const records = Array.from({ length: 50 }, (_, i) =>
    chain.append({
      id: `e${i + 1}`,
      org: 'org-1',
      time: new Date(Date.UTC(2026, 10, 1, 0, 0, i)),
      type: 'member.invited',
      actor: { type: 'member', id: 'u1' },
      data: { n: i + 1 },
    }),
  );
  const checkpoint = chain.checkpoint(privateKey);
  const summary = await writeExport(records, 'jsonl', createWriteStream(exportPath));
  const manifest = signExportManifest(
    {
      org: 'org-1',
      summary,
      fileName: 'export.jsonl',
      prevHash: '00'.repeat(32),
      merkleFrontier: [],
      checkpoints: [checkpoint],
    },
    privateKey,
  );
  writeFileSync(manifestPath, JSON.stringify(manifest));
  writeFileSync(pemPath, publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(jwkPath, JSON.stringify(publicKey.export({ format: 'jwk' })));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, [new AuditVerifyCommand()], {
    io: { out: (l) => out.push(l), err: (l) => err.push(l) },
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('mandate audit verify', () => {
  it('verifies an untouched export with a PEM or a JWK public key', async () => {
    for (const key of [pemPath, jwkPath]) {
      const result = await run(['audit', 'verify', exportPath, '--manifest', manifestPath, '--key', key]);
      expect(result.code).toBe(0);
      expect(result.out).toMatch(/^OK: 50 events \(seq 1…50\), 1 checkpoint\(s\), file sha256 [0-9a-f]{64}$/);
    }
  });

  it('reports the first bad sequence number of a tampered export (exit 4)', async () => {
    const lines = readFileSync(exportPath, 'utf8').split('\n');
    lines.splice(29, 1); // delete seq 30
    const tampered = join(dir, 'tampered.jsonl');
    writeFileSync(tampered, lines.join('\n'));
    const result = await run(['audit', 'verify', tampered, '--manifest', manifestPath, '--key', pemPath]);
    expect(result.code).toBe(AUDIT_VERIFY_FAILED);
    expect(result.out).toContain('first bad sequence number: 30');
    expect(result.out).toContain('sequence_gap (seq 30)');

    const json = await run([
      'audit',
      'verify',
      tampered,
      '--manifest',
      manifestPath,
      '--key',
      pemPath,
      '--json',
    ]);
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, firstBadSeq: 30, eventsVerified: 29 });
  });

  it('fails with a key that did not sign the export', async () => {
    const other = join(dir, 'other.pem');
    writeFileSync(other, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const result = await run(['audit', 'verify', exportPath, '--manifest', manifestPath, '--key', other]);
    expect(result.code).toBe(AUDIT_VERIFY_FAILED);
    expect(result.out).toContain('manifest_signature');
  });

  it('finds <export>.manifest.json by default and picks the manifest key out of a JWK set', async () => {
    writeFileSync(`${exportPath}.manifest.json`, readFileSync(manifestPath));
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { keyId: string };
    const other = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
    const setPath = join(dir, 'keys.json');
    writeFileSync(
      setPath,
      JSON.stringify({
        keys: [
          { ...other, kid: 'other', retiredAt: null },
          {
            ...publicKey.export({ format: 'jwk' }),
            kid: manifest.keyId,
            retiredAt: '2026-11-30T00:00:00.000Z',
          },
        ],
      }),
    );
    const result = await run(['audit', 'verify', exportPath, '--key', setPath]);
    expect(result.code, result.out + result.err).toBe(0);
    expect(result.out).toContain('OK: 50 events');
  });

  it('rejects bad arguments with exit code 2', async () => {
    expect((await run(['audit', 'verify', exportPath, '--manifest', manifestPath])).code).toBe(2);
    expect(
      (await run(['audit', 'check', exportPath, '--manifest', manifestPath, '--key', pemPath])).code,
    ).toBe(2);
    expect((await run(['audit', 'verify', '--manifest', manifestPath, '--key', pemPath])).code).toBe(2);
  });
});
