import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './free-port';
import { probeRedis } from './test-services';

/**
 * A private redis-server on its own port (never the shared one on 6379) that a test may stop and start
 * to simulate an outage. Spawned directly (no shell). Data is not persisted.
 */
export class DedicatedRedis {
  private process: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async onFreePort(): Promise<DedicatedRedis> {
    return new DedicatedRedis(await freePort());
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.process) return;
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    this.process = child;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
      if ((await probeRedis(this.url)).available) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('redis-server did not start within 10 s');
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child) return;
    this.process = undefined;
    if (child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}
