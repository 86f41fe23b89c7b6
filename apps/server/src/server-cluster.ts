import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';

/** A worker that dies this soon after its start is not restarted in a loop: the primary gives up. */
const CRASH_LOOP_MS = 10_000;
/** How long the primary waits for its workers after forwarding a stop signal. */
const STOP_TIMEOUT_MS = 30_000;

/**
 * The primary of a server cluster (SERVER_PROCESSES > 1): forks `count` server processes that listen on
 * the same port (Node's cluster hands each accepted connection to one of them, round robin) and only
 * supervises them. A worker that exits unexpectedly is replaced, unless it died within seconds of its
 * start (a configuration or database problem would otherwise restart forever): then every worker is
 * stopped and the primary exits non-zero. SIGTERM / SIGINT are forwarded; the primary exits when all
 * workers have stopped (or after a timeout, killing the rest).
 */
export function superviseServerProcesses(count: number, logger: Logger): void {
  const started = new Map<number, number>();
  let stopping = false;
  let exitCode = 0;

  const fork = (): Worker => {
    const worker = cluster.fork();
    started.set(worker.id, Date.now());
    return worker;
  };

  const stopAll = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping server processes');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    setTimeout(() => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      process.exit(1);
    }, STOP_TIMEOUT_MS).unref();
  };

  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (started.get(worker.id) ?? 0);
    started.delete(worker.id);
    if (!stopping) {
      logger.error({ pid: worker.process.pid, code, signal }, 'server process exited');
      if (lived < CRASH_LOOP_MS) {
        exitCode = 1;
        stopAll('SIGTERM');
      } else {
        fork();
      }
    }
    if (stopping && started.size === 0) process.exit(exitCode);
  });

  process.once('SIGTERM', () => stopAll('SIGTERM'));
  process.once('SIGINT', () => stopAll('SIGINT'));
  for (let i = 0; i < count; i++) fork();
  logger.info({ processes: count, pid: process.pid }, 'server cluster started');
}
