import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../../support';

/**
 * Two server processes (two replicas) on one PostgreSQL database, each caching API keys: a key revoked
 * through replica A stops working on replica B — which has it cached — within one second (B learns of it
 * through LISTEN `mandate_api_key_changed`, fed by a trigger on api_keys).
 *
 * The replicas run the real server (createApp) compiled with swc into a scratch folder below dist/.
 */
const REPO = resolve(__dirname, '..', '..', '..');

const LAUNCHER = `
const { createApp } = require('./apps/server/src/create-app');
const { OrganisationService } = require('./libs/identity/src/index');
(async () => {
  const app = await createApp({ env: JSON.parse(process.env.REPLICA_ENV) });
  await app.listen(0, '127.0.0.1');
  process.on('message', async (message) => {
    if (message.type === 'bootstrap') {
      const boot = await app.get(OrganisationService).bootstrap({ name: message.name, ownerEmail: 'owner@keys.example' });
      process.send({ type: 'bootstrapped', adminKey: boot.apiKey.key });
    } else if (message.type === 'stop') {
      await app.close();
      process.exit(0);
    }
  });
  process.send({ type: 'ready', port: app.getHttpServer().address().port });
})().catch((error) => { console.error(error); process.exit(1); });
`;

interface Replica {
  child: ChildProcess;
  port: number;
}

function message<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolveMessage, reject) => {
    const onMessage = (m: { type?: string }) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      resolveMessage(m as T);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`replica exited with ${code}`)));
  });
}

async function request(
  port: number,
  method: string,
  path: string,
  key: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describeWithPostgres('identity: a revoked API key stops working on every replica within 1 s', () => {
  let db: TestDatabase;
  let build: string;
  const replicas: Replica[] = [];
  let adminKey: string;

  async function start(): Promise<Replica> {
    const child = fork(join(build, 'replica-launcher.js'), [], {
      cwd: build,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: {
        ...process.env,
        REPLICA_ENV: JSON.stringify({
          DATABASE_URL: db.url,
          LOG_LEVEL: 'warn',
          MANDATE_MIGRATE_ON_START: 'false',
        }),
      },
    });
    const { port } = await message<{ port: number }>(child, 'ready');
    const replica = { child, port };
    replicas.push(replica);
    return replica;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    build = join(REPO, 'dist', `.key-replicas-${process.pid}-${randomBytes(3).toString('hex')}`);
    mkdirSync(build, { recursive: true });
    execFileSync(
      join(REPO, 'node_modules', '.bin', 'swc'),
      [
        'apps',
        'libs',
        'migrations',
        '-d',
        build,
        '-q',
        '--ignore',
        '**/*.spec.ts',
        '--ignore',
        'libs/rego/runtime/**',
      ],
      { cwd: REPO, stdio: 'inherit' },
    );
    writeFileSync(join(build, 'replica-launcher.js'), LAUNCHER);
    const a = await start();
    await start();
    a.child.send({ type: 'bootstrap', name: `Key replicas ${Date.now()}` });
    adminKey = (await message<{ adminKey: string }>(a.child, 'bootstrapped')).adminKey;
  }, 120_000);

  afterAll(async () => {
    await Promise.all(
      replicas.map(
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
    if (build) rmSync(build, { recursive: true, force: true });
    await db?.drop();
  });

  it('revoked through A, the key B has cached answers 401 on B within one second', async () => {
    const [a, b] = replicas;
    const created = await request(a.port, 'POST', '/v1/api-keys', adminKey, {
      name: 'replicated',
      scopes: ['admin'],
      role: 'auditor',
    });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    // Both replicas use it (and cache it once their listeners are up: give them a moment).
    for (const replica of [a, b])
      expect((await request(replica.port, 'GET', '/v1/org', key)).status).toBe(200);
    // Each replica holds its LISTEN connection, so each serves the key from its cache.
    const listeners = new Client({ connectionString: db.url });
    await listeners.connect();
    try {
      const deadline = Date.now() + 5000;
      let n = 0;
      while (n < 2 && Date.now() < deadline) {
        const rows = await listeners.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE application_name = 'mandate-api-key-listener' AND datname = current_database()`,
        );
        n = rows.rows[0].n;
        if (n < 2) await new Promise((r) => setTimeout(r, 50));
      }
      expect(n).toBe(2);
    } finally {
      await listeners.end();
    }
    for (const replica of [a, b])
      expect((await request(replica.port, 'GET', '/v1/org', key)).status).toBe(200);

    const started = Date.now();
    const revoked = await request(
      a.port,
      'POST',
      `/v1/api-keys/${String(created.body.id)}/revoke`,
      adminKey,
      {},
    );
    expect(revoked.status).toBe(200);
    expect((await request(a.port, 'GET', '/v1/org', key)).status).toBe(401);
    let status = 200;
    while (Date.now() - started < 1000) {
      status = (await request(b.port, 'GET', '/v1/org', key)).status;
      if (status === 401) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(status).toBe(401);
    expect(Date.now() - started).toBeLessThan(1000);
    // And it stays revoked.
    expect((await request(b.port, 'GET', '/v1/org', key)).status).toBe(401);
  });
});
