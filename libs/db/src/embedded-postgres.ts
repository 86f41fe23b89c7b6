import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgresOptions {
  /** Folder holding the database files (created if missing). */
  dataDir: string;
  /** Concurrent socket connections; must exceed the pg pool size (the default of 1 breaks pools). */
  maxConnections?: number;
}

/**
 * PostgreSQL in WebAssembly (PGlite) with its files in a data folder, exposed on 127.0.0.1 at a free port
 * through pglite-socket so the ordinary `pg` driver, TypeORM and the migrations work unchanged.
 * A pid lock file keeps a second process from opening the same data folder.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    private readonly lockPath: string,
    readonly port: number,
    readonly dataDir: string,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    const dataDir = resolve(options.dataDir);
    await mkdir(dirname(dataDir), { recursive: true });
    const lockPath = `${dataDir}.lock`;
    await acquireLock(lockPath);
    let db: PGlite | undefined;
    try {
      db = await PGlite.create({ dataDir });
      const port = await freePort();
      const server = new PGLiteSocketServer({
        db,
        host: '127.0.0.1',
        port,
        maxConnections: options.maxConnections ?? 32,
      });
      await server.start();
      return new EmbeddedPostgres(db, server, lockPath, port, dataDir);
    } catch (error) {
      if (db) await db.close().catch(() => undefined);
      await rm(lockPath, { force: true });
      throw error;
    }
  }

  /** Closes client connections, flushes and closes PGlite, releases the data folder. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    try {
      await this.server.stop();
    } finally {
      try {
        if (!this.db.closed) await this.db.close();
      } finally {
        await rm(this.lockPath, { force: true });
      }
    }
  }

  private stopped = false;
}

async function acquireLock(lockPath: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new Error(
          `The embedded database folder is in use by process ${owner} (lock ${lockPath}). ` +
            'Stop that process, or set DATABASE_URL to share a PostgreSQL server between processes.',
        );
      }
      await rm(lockPath, { force: true }); // stale lock from a crashed process
    }
  }
  throw new Error(`Could not acquire ${lockPath}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => {
        if (address && typeof address === 'object') resolvePort(address.port);
        else reject(new Error('Could not find a free port'));
      });
    });
  });
}
