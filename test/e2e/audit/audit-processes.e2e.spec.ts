import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  AuditExportService,
  AuditSigningKeys,
  loadAuditPublicKey,
  verifyExport,
  type VerificationReport,
} from '@mandate/audit';
import { OrganisationService } from '@mandate/identity';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../../apps/server/src/create-app';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../../support';
import { newMasterKey } from './audit-harness';

/**
 * Acceptance tests of the audit chain across real OS processes: each child is the server application
 * (createApp) compiled with swc and run by node, appending through the real code paths.
 * AUDIT_CONCURRENCY_SECONDS shortens the two-process run (default: the 30 s the acceptance asks for).
 */
const ROOT = resolve(__dirname, '../../..');
const CONCURRENT_SECONDS = Number(process.env.AUDIT_CONCURRENCY_SECONDS ?? '30');

interface Child {
  process: ChildProcess;
  acked: string[];
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

describeWithPostgres('audit log under load in separate server processes', () => {
  let db: TestDatabase;
  let build: string;
  let app: NestFastifyApplication;
  const masterKey = newMasterKey();

  beforeAll(async () => {
    db = await createTestDatabase();
    // Inside node_modules so the compiled code resolves packages and finds policies/ as the build does.
    build = join(ROOT, 'node_modules', '.cache', `mandate-audit-processes-${process.pid}`);
    await mkdir(build, { recursive: true });
    const swc = spawnSync(
      join(ROOT, 'node_modules', '.bin', 'swc'),
      [
        'apps',
        'libs',
        'migrations',
        'test/e2e/audit/support',
        '-d',
        build,
        '-q',
        '--ignore',
        '**/*.spec.ts',
        '--ignore',
        'libs/rego/runtime/**',
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    if (swc.status !== 0) throw new Error(`swc failed: ${swc.stderr}`);
    app = await createApp({
      env: {
        DATABASE_URL: db.url,
        LOG_LEVEL: 'silent',
        MANDATE_MIGRATE_ON_START: 'false',
        MANDATE_MASTER_KEY: masterKey,
      },
    });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await db?.drop();
    if (build) await rm(build, { recursive: true, force: true });
  });

  function startChild(org: string, name: string, durationMs: number): Child {
    const child = spawn(
      process.execPath,
      [join(build, 'test', 'e2e', 'audit', 'support', 'audit-load.child.js')],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          DATABASE_URL: db.url,
          MANDATE_MASTER_KEY: masterKey,
          AUDIT_LOAD_ORG: org,
          AUDIT_LOAD_MS: String(durationMs),
          AUDIT_LOAD_NAME: name,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const acked: string[] = [];
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((r) => (markReady = r));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('ack ')) acked.push(line.slice(4));
      else if (line.startsWith('ready ')) markReady();
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((r) =>
      child.on('exit', (code, signal) => r({ code, signal, stderr })),
    );
    return { process: child, acked, ready, exited };
  }

  async function newOrg(name: string): Promise<string> {
    const boot = await app.get(OrganisationService).bootstrap({ name, ownerEmail: `owner@${name}.example` });
    return boot.org.id;
  }

  /** Stored chain of `org`: seq list and event ids. */
  async function chainOf(org: string): Promise<{ seqs: number[]; ids: Set<string> }> {
    const rows: Array<{ seq: string; event_id: string }> = await app
      .get(DataSource)
      .query(`SELECT seq, event_id FROM audit_events WHERE org_id = $1 ORDER BY seq`, [org]);
    return { seqs: rows.map((r) => Number(r.seq)), ids: new Set(rows.map((r) => r.event_id)) };
  }

  /** Exports the whole chain through the export service and runs the offline verifier on it. */
  async function verifyChain(org: string, toSeq: number): Promise<VerificationReport> {
    const exports = app.get(AuditExportService);
    const opened = await exports.open(org, { type: 'system', id: 'test' }, { format: 'jsonl', toSeq }, {});
    const chunks: Buffer[] = [];
    for await (const chunk of opened.chunks) chunks.push(chunk);
    const manifest = await exports.manifest(org, { format: 'jsonl', fromSeq: 1, toSeq });
    const jwk = (await app.get(AuditSigningKeys).publicKeys(org)).at(-1)!;
    return verifyExport(chunks, manifest, loadAuditPublicKey(jwk as unknown as Record<string, unknown>));
  }

  it(
    `two server processes appending concurrently for ${CONCURRENT_SECONDS} s build one gap-free chain that verifies`,
    async () => {
      const org = await newOrg(`procs-${Date.now()}`);
      const [before] = (await chainOf(org)).seqs.slice(-1);
      const loaded = [
        startChild(org, 'a', CONCURRENT_SECONDS * 1000),
        startChild(org, 'b', CONCURRENT_SECONDS * 1000),
      ];
      const results = await Promise.all(loaded.map((c) => c.exited));
      for (const r of results) expect(r.code, r.stderr).toBe(0);
      const acked = loaded.flatMap((c) => c.acked);
      // Both processes really wrote, and interleaved on the one chain.
      for (const c of loaded) expect(c.acked.length).toBeGreaterThan(100);
      const chain = await chainOf(org);
      expect(chain.seqs).toEqual(chain.seqs.map((_, i) => i + 1));
      expect(chain.seqs.length).toBe((before ?? 0) + acked.length);
      expect(acked.filter((id) => !chain.ids.has(id))).toEqual([]);
      const report = await verifyChain(org, chain.seqs.length);
      expect(report.problems).toEqual([]);
      expect(report.eventsVerified).toBe(chain.seqs.length);
      expect(report.checkpointsVerified).toBeGreaterThan(0);
      console.log(
        `audit processes: ${acked.length} events from 2 processes in ${CONCURRENT_SECONDS} s (${loaded
          .map((c) => c.acked.length)
          .join(' + ')}), ${report.checkpointsVerified} checkpoints verified`,
      );
    },
    CONCURRENT_SECONDS * 1000 + 120_000,
  );

  it('a server process killed with SIGKILL under write load loses no acknowledged event; the chain verifies and continues', async () => {
    const org = await newOrg(`sigkill-${Date.now()}`);
    const victim = startChild(org, 'victim', 120_000);
    const bystander = startChild(org, 'bystander', 8_000);
    await victim.ready;
    while (victim.acked.length < 300) {
      const exited = await Promise.race([
        victim.exited.then(() => true),
        new Promise<false>((r) => setTimeout(() => r(false), 50)),
      ]);
      if (exited) throw new Error(`the load process ended early: ${(await victim.exited).stderr}`);
    }
    victim.process.kill('SIGKILL');
    const killed = await victim.exited;
    expect(killed.signal).toBe('SIGKILL');
    const acked = [...victim.acked];
    const other = await bystander.exited; // kept appending to the same chain across the kill
    expect(other.code, other.stderr).toBe(0);
    expect(bystander.acked.length).toBeGreaterThan(0);

    const chain = await chainOf(org);
    expect(acked.filter((id) => !chain.ids.has(id))).toEqual([]);
    expect(bystander.acked.filter((id) => !chain.ids.has(id))).toEqual([]);
    expect(chain.seqs).toEqual(chain.seqs.map((_, i) => i + 1));
    const report = await verifyChain(org, chain.seqs.length);
    expect(report.problems).toEqual([]);
    expect(report.eventsVerified).toBe(chain.seqs.length);
    console.log(
      `audit SIGKILL: ${acked.length} acknowledged before the kill, all present; chain of ${chain.seqs.length} verifies`,
    );
  }, 180_000);
});
