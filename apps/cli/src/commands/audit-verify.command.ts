import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadAuditPublicKey, verifyExport, type ExportManifest } from '@mandate/audit';
import { CliUsageError, type CliCommand, type CliContext } from '../cli-command';

/** Exit code when the export does not verify (1 stays "the command itself failed"). */
export const AUDIT_VERIFY_FAILED = 4;

/**
 * `mandate audit verify <export.jsonl> [--manifest <file>] --key <file>`: offline verification of an
 * audit export. Needs no database and no configuration: only the files and the organisation's public key.
 * The manifest defaults to `<export>.manifest.json`; the key may be a PEM, a JWK or the JWK set that
 * `GET /v1/audit/keys` returns (the key named by the manifest's keyId is used).
 */
export class AuditVerifyCommand implements CliCommand {
  readonly name = 'audit';
  readonly summary = 'Verify an audit-log export offline (audit verify <export.jsonl> --key <public key>)';
  readonly usage = [
    'Usage: mandate audit verify <export.jsonl> --key <public-key> [--manifest <manifest.json>] [--json]',
    '',
    "Recomputes every event's leaf and chain hash, checks sequence continuity, the manifest's file hash",
    'and signature, and every checkpoint signature and Merkle root. Streams the file (constant memory).',
    '',
    '  --manifest  the signed manifest delivered with the export (default: <export>.manifest.json)',
    "  --key       the organisation's Ed25519 public key: a file holding PEM, a JWK, or the JWK set of",
    '              GET /v1/audit/keys (the key whose kid the manifest names is used)',
    '  --json      print the full report as JSON',
    '',
    `Exit codes: 0 verified, ${AUDIT_VERIFY_FAILED} the export does not verify (the first bad sequence`,
    'number is printed), 2 bad arguments, 1 the files could not be read.',
  ].join('\n');

  async run(args: string[], context: CliContext): Promise<number> {
    const { values, positionals } = parse(args);
    const [sub, exportPath, ...extra] = positionals;
    if (sub !== 'verify') throw new CliUsageError(`unknown sub-command "${sub ?? ''}" (expected "verify")`);
    if (!exportPath || extra.length > 0) throw new CliUsageError('expected exactly one export file');
    if (!values.key) throw new CliUsageError('--key is required');

    const manifestPath = values.manifest ?? `${exportPath}.manifest.json`;
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as ExportManifest;
    const publicKey = loadAuditPublicKey(pickKey(await readFile(values.key, 'utf8'), manifest.keyId));
    const report = await verifyExport(createReadStream(exportPath), manifest, publicKey);

    if (values.json) {
      context.io.out(JSON.stringify(report, null, 2));
    } else if (report.ok) {
      context.io.out(
        `OK: ${report.eventsVerified} events (seq ${String(manifest.firstSeq)}…${String(manifest.lastSeq)}), ` +
          `${report.checkpointsVerified} checkpoint(s), file sha256 ${report.fileSha256}`,
      );
    } else {
      context.io.out(`FAILED: ${report.eventsVerified} event(s) verified before the first problem`);
      if (report.firstBadSeq !== null) context.io.out(`first bad sequence number: ${report.firstBadSeq}`);
      for (const p of report.problems) {
        context.io.out(`  ${p.code}${p.seq === undefined ? '' : ` (seq ${p.seq})`}: ${p.message}`);
      }
    }
    return report.ok ? 0 : AUDIT_VERIFY_FAILED;
  }
}

/** The key text itself, or from a JWK set the key whose `kid` the manifest names (else the active one). */
function pickKey(text: string, keyId: string): string | Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text; // PEM
  }
  const keys = (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) return text;
  const jwks = keys.filter((k): k is Record<string, unknown> => k !== null && typeof k === 'object');
  const chosen = jwks.find((k) => k.kid === keyId) ?? jwks.find((k) => k.retiredAt === null) ?? jwks[0];
  if (!chosen) throw new CliUsageError('the key set holds no key');
  return chosen;
}

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        manifest: { type: 'string' },
        key: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
}
