/**
 * Benchmark of Mandate's audit-log core (prints figures; no assertions):
 * - append + export: N synthetic events masked, chained, folded into the Merkle tree (a signed checkpoint
 *   every 100,000) and streamed as a JSON Lines export to a temp file;
 * - offline verification of that export against its signed manifest (streaming, as `mandate audit verify`).
 * RSS is sampled every 100 ms to show memory stays flat whatever N.
 *
 *   npm run bench:audit [-- --events N --keep]     (default N = 1,000,000; --keep leaves the files)
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuditChain,
  EventMasker,
  signExportManifest,
  verifyExport,
  writeExport,
  type AuditRecord,
  type SignedCheckpoint,
} from '../src/index';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const N = arg('--events', 1_000_000);
const CHECKPOINT_EVERY = 100_000;
const ORG = '6f1c2a9e-7a51-4d3b-9a57-0c2b8f3e4d10';
const TYPES = ['tool.called', 'decision.allowed', 'decision.denied', 'grant.created', 'policy.activated'];
const cpuSeconds = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

class RssSampler {
  private peak = process.memoryUsage.rss();
  private readonly timer = setInterval(() => {
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
  }, 100);
  stop(): number {
    clearInterval(this.timer);
    return Math.max(this.peak, process.memoryUsage.rss());
  }
}

/** Wall time spent inside AuditChain.append (masking, canonical JSON, hashes, Merkle), for the breakdown. */
let appendMs = 0;

function* events(chain: AuditChain, checkpoints: SignedCheckpoint[], key: KeyObject): Generator<AuditRecord> {
  const start = Date.UTC(2026, 10, 1);
  for (let n = 1; n <= N; n += 1) {
    const t = performance.now();
    const record = chain.append({
      id: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
      org: ORG,
      time: new Date(start + n * 10),
      type: TYPES[n % TYPES.length],
      actor: { type: 'agent', id: `agent-${n % 97}` },
      subject: { type: 'tool', id: `filesystem/read_file` },
      data: {
        server: 'filesystem',
        tool: 'read_file',
        arguments: {
          path: `/workspace/src/module-${n % 1000}.ts`,
          apiKey: n % 10 === 0 ? 'sk-live-123' : undefined,
        },
        decision: { allow: n % 3 !== 0, reasons: n % 3 === 0 ? ['tool not granted'] : [] },
      },
      requestId: `req-${n}`,
      ip: '203.0.113.7',
    });
    appendMs += performance.now() - t;
    yield record;
    if (n % CHECKPOINT_EVERY === 0 || n === N) checkpoints.push(chain.checkpoint(key));
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-bench-audit-'));
  const exportPath = join(dir, 'export.jsonl');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  console.log(`audit bench: ${N.toLocaleString('en')} events → ${exportPath}`);
  console.log(
    `RSS at start: ${mb(process.memoryUsage.rss())}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${availableParallelism()} CPUs`,
  );
  console.log(
    '(wall time includes waiting for a CPU on a shared machine; CPU = user + system time of this process)',
  );

  const chain = new AuditChain(ORG, { masker: new EventMasker({ paths: ['$.data.arguments.path'] }) });
  const checkpoints: SignedCheckpoint[] = [];
  let sampler = new RssSampler();
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  const summary = await writeExport(
    events(chain, checkpoints, privateKey),
    'jsonl',
    createWriteStream(exportPath),
  );
  const exportMs = performance.now() - t0;
  const exportCpu = cpuSeconds(cpu0);
  let peak = sampler.stop();
  console.log(
    `append + export: ${(exportMs / 1000).toFixed(2)} s  (${Math.round(N / (exportMs / 1000)).toLocaleString('en')} events/s, ` +
      `${mb(summary.bytes)} written, ${checkpoints.length} checkpoints)  CPU ${exportCpu.toFixed(2)} s  peak RSS ${mb(peak)}` +
      '   [target ≤ 30 s]',
  );

  console.log(
    `  of which AuditChain.append ${(appendMs / 1000).toFixed(2)} s; export writer (format, hash, write) ` +
      `${((exportMs - appendMs) / 1000).toFixed(2)} s = ${Math.round(N / ((exportMs - appendMs) / 1000)).toLocaleString('en')} events/s`,
  );
  const manifest = signExportManifest(
    {
      org: ORG,
      summary,
      fileName: 'export.jsonl',
      prevHash: '00'.repeat(32),
      merkleFrontier: [],
      checkpoints,
    },
    privateKey,
  );
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(join(dir, 'org.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));

  sampler = new RssSampler();
  cpu0 = process.cpuUsage();
  t0 = performance.now();
  const report = await verifyExport(
    createReadStream(exportPath, { highWaterMark: 1024 * 1024 }),
    manifest,
    publicKey,
  );
  const verifyMs = performance.now() - t0;
  const verifyCpu = cpuSeconds(cpu0);
  peak = sampler.stop();
  console.log(
    `offline verify:  ${(verifyMs / 1000).toFixed(2)} s  (${Math.round(N / (verifyMs / 1000)).toLocaleString('en')} events/s, ` +
      `ok=${report.ok}, ${report.eventsVerified.toLocaleString('en')} events, ${report.checkpointsVerified} checkpoints)  ` +
      `CPU ${verifyCpu.toFixed(2)} s  peak RSS ${mb(peak)}   [target ≤ 15 s]`,
  );
  if (!report.ok) console.log(report.problems);

  if (process.argv.includes('--keep')) console.log(`files kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
