/**
 * Benchmark of Mandate's audit log (prints figures; no assertions):
 * - core, in memory: N synthetic events masked, chained, folded into the Merkle tree (a signed checkpoint
 *   every 100,000) and streamed as a JSON Lines export to a temp file; then the offline verification of
 *   that export against its signed manifest (streaming, as `mandate audit verify`);
 * - database (PostgreSQL of --database-url, else TEST_DATABASE_URL, else the local server; a fresh
 *   database is made and dropped): append throughput through AuditChainAppender — one event per
 *   transaction (1 and 8 writers on one chain) and batches of 200 per transaction (the decision
 *   recorder's group commit) — then the export of the stored chain as the server streams it (keyset
 *   reads → JSON Lines file) and its offline verification.
 * RSS is sampled every 100 ms to show memory stays flat whatever N.
 *
 *   npm run bench:audit [-- --events N --db-events M --keep]
 *   (defaults N = 1,000,000, M = 200,000; --db-events 0 skips the database part; --keep leaves the files)
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { testEnvironment } from '@mandate/config';
import { createDataSource, migrateDatabase } from '@mandate/db';
import { Client } from 'pg';
import { MIGRATIONS } from '../../../migrations';
import { storedExportChunks } from '../src/db/audit-export-stream';
import {
  AuditChain,
  AuditChainAppender,
  AuditLogRepository,
  emptySummary,
  EventMasker,
  signExportManifest,
  verifyExport,
  writeExport,
  type AuditEventInput,
  type AuditRecord,
  type SignedCheckpoint,
} from '../src/index';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const N = arg('--events', 1_000_000);
const DB_EVENTS = arg('--db-events', 200_000);
/** `--database-url`, else the test harness's PostgreSQL (TEST_DATABASE_URL, via libs/config). */
const ADMIN_URL = option('--database-url') ?? testEnvironment().databaseUrl;
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

  if (DB_EVENTS > 0) await databaseBench(dir);

  if (process.argv.includes('--keep')) console.log(`files kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

function decisionEvent(org: string, n: number): AuditEventInput {
  return {
    id: randomUUID(),
    org,
    time: new Date(),
    type: 'tool_call.decided',
    actor: { type: 'agent', id: `agent-${n % 97}` },
    subject: { type: 'tool', id: 'filesystem/read_file' },
    data: {
      decision: n % 3 === 0 ? 'deny' : 'allow',
      agent: `agent-${n % 97}`,
      server: 'filesystem',
      tool: 'read_file',
      input: { arguments: { path: `/workspace/src/module-${n % 1000}.ts` } },
    },
    requestId: `req-${n}`,
  };
}

async function databaseBench(dir: string): Promise<void> {
  const name = `mandate_bench_audit_${Date.now()}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const dbUrl = url.toString();
  const clients: Client[] = [];
  const dataSource = createDataSource({
    url: dbUrl,
    migrations: [],
    poolSize: 4,
    applicationName: 'bench-audit',
  });
  try {
    await migrateDatabase(dbUrl, MIGRATIONS);
    console.log(
      `\ndatabase: PostgreSQL ${(await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v}, fresh database ${name}`,
    );
    const appender = new AuditChainAppender();
    for (let i = 0; i < 8; i += 1) {
      const c = new Client({ connectionString: dbUrl });
      await c.connect();
      clients.push(c);
    }
    const appendTx = async (c: Client, events: AuditEventInput[]): Promise<void> => {
      await c.query('BEGIN');
      await appender.appendBatch(
        async (text, values) => (await c.query<Record<string, unknown>>(text, values)).rows,
        events,
      );
      await c.query('COMMIT');
    };
    let counter = 0;

    // One event per transaction: one writer, then 8 writers contending for the same chain head.
    const single = 2000;
    const org1 = randomUUID();
    let t0 = performance.now();
    for (let i = 0; i < single; i += 1) await appendTx(clients[0], [decisionEvent(org1, (counter += 1))]);
    let ms = performance.now() - t0;
    console.log(
      `append, 1 event/transaction, 1 writer:  ${Math.round(single / (ms / 1000)).toLocaleString('en')} events/s (${single} events)`,
    );
    t0 = performance.now();
    await Promise.all(
      clients.map(async (c) => {
        for (let i = 0; i < single / clients.length; i += 1)
          await appendTx(c, [decisionEvent(org1, (counter += 1))]);
      }),
    );
    ms = performance.now() - t0;
    console.log(
      `append, 1 event/transaction, 8 writers: ${Math.round(single / (ms / 1000)).toLocaleString('en')} events/s (one chain: the head row lock serialises them)`,
    );

    // Batches of 200 per transaction (the decision recorder's group commit), one writer: also the data
    // exported below.
    const org = randomUUID();
    const sampler = new RssSampler();
    t0 = performance.now();
    for (let done = 0; done < DB_EVENTS;) {
      const size = Math.min(200, DB_EVENTS - done);
      await appendTx(
        clients[0],
        Array.from({ length: size }, () => decisionEvent(org, (counter += 1))),
      );
      done += size;
    }
    ms = performance.now() - t0;
    console.log(
      `append, 200 events/transaction:         ${Math.round(DB_EVENTS / (ms / 1000)).toLocaleString('en')} events/s (${DB_EVENTS.toLocaleString('en')} events in ${(ms / 1000).toFixed(1)} s, peak RSS ${mb(sampler.stop())})`,
    );

    await dataSource.initialize();
    const log = new AuditLogRepository(dataSource);
    const path = join(dir, 'db-export.jsonl');
    const summary = emptySummary('jsonl');
    let rss = new RssSampler();
    let cpu0 = process.cpuUsage();
    t0 = performance.now();
    await pipeline(
      Readable.from(storedExportChunks(log.records(org, 1, DB_EVENTS), 'jsonl', summary)),
      createWriteStream(path),
    );
    ms = performance.now() - t0;
    console.log(
      `export from the database: ${(ms / 1000).toFixed(2)} s (${Math.round(DB_EVENTS / (ms / 1000)).toLocaleString('en')} events/s, ${mb(summary.bytes)}) ` +
        `CPU ${cpuSeconds(cpu0).toFixed(2)} s  peak RSS ${mb(rss.stop())}   [1,000,000 in ≤ 30 s]`,
    );
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const manifest = signExportManifest(
      {
        org,
        summary,
        fileName: 'db-export.jsonl',
        prevHash: '00'.repeat(32),
        merkleFrontier: [],
        checkpoints: [],
      },
      privateKey,
    );
    rss = new RssSampler();
    cpu0 = process.cpuUsage();
    t0 = performance.now();
    const report = await verifyExport(
      createReadStream(path, { highWaterMark: 1024 * 1024 }),
      manifest,
      publicKey,
    );
    ms = performance.now() - t0;
    console.log(
      `offline verify of it:     ${(ms / 1000).toFixed(2)} s (${Math.round(DB_EVENTS / (ms / 1000)).toLocaleString('en')} events/s, ok=${report.ok}) ` +
        `CPU ${cpuSeconds(cpu0).toFixed(2)} s  peak RSS ${mb(rss.stop())}`,
    );
    if (!report.ok) console.log(report.problems);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    for (const c of clients) await c.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
