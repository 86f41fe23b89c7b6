import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createTestDatabase,
  describeWithPostgres,
  freePort,
  ServerProcesses,
  type TestDatabase,
} from '../../support';

/**
 * SERVER_PROCESSES=2 through the real entry point (main.js): a primary that only supervises and two
 * server processes sharing one port; both answer, a crashed one is replaced, SIGTERM stops them all, and a
 * server that cannot start does not restart forever.
 */
describeWithPostgres('server cluster (SERVER_PROCESSES)', () => {
  let db: TestDatabase;
  let processes: ServerProcesses;

  beforeAll(async () => {
    db = await createTestDatabase();
    processes = new ServerProcesses('cluster');
  }, 120_000);

  afterAll(async () => {
    await processes?.stop();
    await db?.drop();
  });

  it('serves from two processes on one port, replaces a crashed one and stops on SIGTERM', async () => {
    const port = await freePort();
    const { child: primary, output } = processes.startMain({
      DATABASE_URL: db.url,
      PORT: String(port),
      SERVER_PROCESSES: '2',
      LOG_LEVEL: 'info',
    });
    const started = Date.now();
    await until(async () => (await healthz(port)) === 200, 60_000);
    await until(() => childrenOf(primary).length === 2, 30_000);
    const first = childrenOf(primary);

    // New connections are handed out round robin: once both processes listen, both answer (each request
    // line names its pid). The second may still be starting: keep asking.
    await until(async () => {
      for (let i = 0; i < 4; i++) expect(await healthz(port)).toBe(200);
      return servingPids(output).size === 2;
    }, 60_000);
    expect([...servingPids(output)].sort()).toEqual([...first].sort());

    // A process that dies after running for a while (over the 10 s crash-loop window) is replaced.
    await new Promise((r) => setTimeout(r, Math.max(0, 14_000 - (Date.now() - started))));
    process.kill(first[0], 'SIGKILL');
    await until(() => {
      const now = childrenOf(primary);
      return now.length === 2 && !now.includes(first[0]);
    }, 30_000);
    await until(async () => (await healthz(port)) === 200, 30_000);

    const workers = childrenOf(primary);
    const exit = exitOf(primary);
    primary.kill('SIGTERM');
    expect(await exit).toEqual({ code: 0, signal: null });
    for (const pid of workers) expect(alive(pid)).toBe(false);
  }, 180_000);

  it('gives up, non-zero, when the server processes die right after starting', async () => {
    const missing = new URL(db.url);
    missing.pathname = '/mandate_cluster_missing_database';
    const { child: primary } = processes.startMain({
      DATABASE_URL: missing.toString(),
      PORT: String(await freePort()),
      SERVER_PROCESSES: '2',
      LOG_LEVEL: 'warn',
    });
    const exit = await exitOf(primary);
    expect(exit.code).toBe(1);
  }, 60_000);
});

async function healthz(port: number): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { connection: 'close' } });
    await res.text();
    return res.status;
  } catch {
    return 0;
  }
}

/** Child process ids of `child` (Linux /proc). */
function childrenOf(child: ChildProcess): number[] {
  try {
    const text = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
    return text === '' ? [] : text.split(/\s+/).map(Number);
  } catch {
    return [];
  }
}

/** Pids of the processes that logged a completed /healthz request. */
function servingPids(output: string[]): Set<number> {
  const pids = new Set<number>();
  for (const line of output) {
    if (!line.includes('"request completed"')) continue;
    const entry = JSON.parse(line) as { pid: number; req?: { path?: string } };
    if (entry.req?.path === '/healthz') pids.add(entry.pid);
  }
  return pids;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolveExit) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolveExit({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once('exit', (code, signal) => resolveExit({ code, signal }));
  });
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
