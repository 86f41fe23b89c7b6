import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO = resolve(__dirname, '..', '..');

/** The child: starts createApp on port 0, reports the port, bootstraps an organisation on request. */
const LAUNCHER = `
const { createApp } = require('./apps/server/src/create-app');
const { OrganisationService } = require('./libs/identity/src/index');
(async () => {
  const app = await createApp({ env: JSON.parse(process.env.REPLICA_ENV) });
  await app.listen(0, '127.0.0.1');
  process.on('message', async (message) => {
    if (message.type === 'bootstrap') {
      const boot = await app.get(OrganisationService).bootstrap({ name: message.name, ownerEmail: message.email });
      process.send({ type: 'bootstrapped', orgId: boot.org.id, adminKey: boot.apiKey.key, ownerId: boot.owner.id });
    } else if (message.type === 'stop') {
      await app.close();
      process.exit(0);
    }
  });
  process.send({ type: 'ready', port: app.getHttpServer().address().port });
})().catch((error) => { console.error(error); process.exit(1); });
`;

/** One real server process (a replica) listening on a loopback port. */
export interface ServerProcess {
  child: ChildProcess;
  port: number;
}

/**
 * Real server processes (createApp, compiled with swc into a scratch folder below dist/) for tests that
 * need separate replicas on one database: cross-process caches, LISTEN/NOTIFY, locks.
 */
export class ServerProcesses {
  readonly replicas: ServerProcess[] = [];
  private readonly mains: ChildProcess[] = [];
  private readonly build: string;

  /** Compiles the server into a scratch folder named after `label` (takes a few seconds). */
  constructor(label: string) {
    this.build = join(REPO, 'dist', `.${label}-${process.pid}-${randomBytes(3).toString('hex')}`);
    mkdirSync(this.build, { recursive: true });
    execFileSync(
      join(REPO, 'node_modules', '.bin', 'swc'),
      ['apps', 'libs', 'migrations', '-d', this.build, '-q'].concat([
        '--ignore',
        '**/*.spec.ts',
        '--ignore',
        'libs/rego/runtime/**',
      ]),
      { cwd: REPO, stdio: 'inherit' },
    );
    writeFileSync(join(this.build, 'replica-launcher.js'), LAUNCHER);
  }

  /** Starts one more process with these configuration variables (libs/config names). */
  async start(env: Record<string, string>): Promise<ServerProcess> {
    const child = fork(join(this.build, 'replica-launcher.js'), [], {
      cwd: this.build,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { ...process.env, REPLICA_ENV: JSON.stringify(env) },
    });
    const { port } = await message<{ port: number }>(child, 'ready');
    const replica = { child, port };
    this.replicas.push(replica);
    return replica;
  }

  /**
   * Starts the server's real entry point (apps/server/src/main.js, as `npm start` runs it) with exactly
   * these environment variables plus PATH; its stdout (JSON log lines) is kept in `output`. Stopped by
   * the caller (signals) or by stop().
   */
  startMain(env: Record<string, string>): { child: ChildProcess; output: string[] } {
    const child = spawn(process.execPath, [join(this.build, 'apps', 'server', 'src', 'main.js')], {
      cwd: this.build,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    const output: string[] = [];
    let rest = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      output.push(...lines);
    });
    this.mains.push(child);
    return { child, output };
  }

  /** Creates an organisation with an owner and an admin API key through `replica`. */
  async bootstrap(
    replica: ServerProcess,
    name: string,
  ): Promise<{ orgId: string; adminKey: string; ownerId: string }> {
    replica.child.send({
      type: 'bootstrap',
      name,
      email: `owner-${randomBytes(3).toString('hex')}@replicas.example`,
    });
    return message(replica.child, 'bootstrapped');
  }

  /** Stops every process (SIGKILL after 10 s) and removes the scratch build. */
  async stop(): Promise<void> {
    await Promise.all(
      this.replicas.map(
        (r) =>
          new Promise<void>((done) => {
            if (r.child.exitCode !== null) return done();
            const timer = setTimeout(() => r.child.kill('SIGKILL'), 10_000);
            r.child.once('exit', () => {
              clearTimeout(timer);
              done();
            });
            r.child.send({ type: 'stop' });
          }),
      ),
    );
    for (const main of this.mains)
      if (main.exitCode === null && main.signalCode === null) main.kill('SIGKILL');
    rmSync(this.build, { recursive: true, force: true });
  }
}

function message<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolveMessage, reject) => {
    const onMessage = (m: { type?: string }) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      resolveMessage(m as T);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
  });
}
