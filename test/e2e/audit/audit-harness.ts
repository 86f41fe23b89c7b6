import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadAuditPublicJwkSet } from './audit-keys.fixture';
import { verifyExport, type ExportManifest, type VerificationReport } from '@mandate/audit';
import { call } from '../identity/identity-harness';

/** A fresh master key (base64 of 32 random bytes) for MANDATE_MASTER_KEY. */
export function newMasterKey(): string {
  return randomBytes(32).toString('base64');
}

export interface ExportResult {
  file: string;
  fromSeq: number;
  toSeq: number;
  manifest: ExportManifest;
  report: VerificationReport;
}

/**
 * Exports through the API (streamed JSON Lines), fetches the manifest of the same range, fetches the
 * organisation's public key and runs the offline verifier on the file — as an auditor would.
 */
export async function exportAndVerify(
  app: NestFastifyApplication,
  token: string,
  dir: string,
  query = '',
): Promise<ExportResult> {
  const res = await app.inject({
    method: 'GET',
    url: `/v1/audit/export?format=jsonl${query}`,
    headers: { authorization: `Bearer ${token}` },
  });
  if (res.statusCode !== 200) throw new Error(`export failed: ${res.statusCode} ${res.body}`);
  const file = join(dir, `export-${Date.now()}-${randomBytes(3).toString('hex')}.jsonl`);
  await writeFile(file, res.rawPayload);
  const fromSeq = Number(res.headers['x-mandate-export-from-seq']);
  const toSeq = Number(res.headers['x-mandate-export-to-seq']);
  const manifestRes = await call(app, {
    method: 'GET',
    url: `/v1/audit/export/manifest?format=jsonl&fromSeq=${fromSeq}&toSeq=${toSeq}`,
    token,
  });
  if (manifestRes.status !== 200)
    throw new Error(`manifest failed: ${manifestRes.status} ${manifestRes.raw}`);
  const keys = await call(app, { method: 'GET', url: '/v1/audit/keys', token });
  const publicKey = loadAuditPublicJwkSet(keys.body);
  const manifest = manifestRes.body as ExportManifest;
  const report = await verifyExport([await readFile(file)], manifest, publicKey);
  return { file, fromSeq, toSeq, manifest, report };
}
