import { Client } from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createTestDatabase,
  describeWithPostgres,
  ServerProcesses,
  type ServerProcess,
  type TestDatabase,
} from '../../support';

/**
 * Two server processes (two replicas) on one PostgreSQL database, each caching API keys: a key revoked
 * through replica A stops working on replica B — which has it cached — within one second (B learns of it
 * through LISTEN `mandate_api_key_changed`, fed by a trigger on api_keys).
 *
 * The replicas run the real server (createApp) compiled with swc into a scratch folder below dist/.
 */
type Replica = ServerProcess;

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
  let servers: ServerProcesses | undefined;
  let adminKey: string;

  const start = (): Promise<Replica> =>
    servers!.start({ DATABASE_URL: db.url, LOG_LEVEL: 'warn', MANDATE_MIGRATE_ON_START: 'false' });

  beforeAll(async () => {
    db = await createTestDatabase();
    servers = new ServerProcesses('key-replicas');
    const a = await start();
    await start();
    adminKey = (await servers.bootstrap(a, `Key replicas ${Date.now()}`)).adminKey;
  }, 120_000);

  afterAll(async () => {
    await servers?.stop();
    await db?.drop();
  });

  it('revoked through A, the key B has cached answers 401 on B within one second', async () => {
    const [a, b] = servers!.replicas;
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
