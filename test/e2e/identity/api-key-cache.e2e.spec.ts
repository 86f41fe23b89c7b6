import { ApiKeyCache } from '@mandate/identity';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../../support';
import { call, seedOrg, startIdentityApp, type IdentityHarness, type SeededOrg } from './identity-harness';

/** Polls `check` every 20 ms until it holds or `ms` elapsed; returns the elapsed time (or throws). */
async function within(ms: number, check: () => boolean | Promise<boolean>): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The API key cache of one server process (two processes: api-key-replicas.e2e.spec.ts). Passport keeps
 * its strategies process-wide, so two apps in one process would share one cache; hence one app here.
 */
describeWithPostgres('identity: API key cache (LISTEN/NOTIFY)', () => {
  let a: IdentityHarness;
  let org: SeededOrg;

  beforeAll(async () => {
    a = await startIdentityApp();
    org = await seedOrg(a.app, 'keycache');
  });
  afterAll(async () => {
    await a?.close();
  });

  const whoAmI = (key: string) =>
    call(a.app, { method: 'GET', url: '/v1/org', token: key }).then((r) => r.status);
  const cache = () => a.app.get(ApiKeyCache);

  async function newKey(expiresAt?: string): Promise<{ id: string; key: string }> {
    const created = await call(a.app, {
      method: 'POST',
      url: '/v1/api-keys',
      token: org.ownerToken,
      body: { name: `k-${Date.now()}`, scopes: ['admin'], role: 'auditor', expiresAt },
    });
    expect(created.status).toBe(201);
    return { id: created.body.id as string, key: created.body.key as string };
  }

  /** A key that is valid and cached (the listener is up). */
  async function cachedKey(): Promise<{ id: string; key: string }> {
    const created = await newKey();
    expect(await whoAmI(created.key)).toBe(200);
    await within(5000, () => cache().state().listening);
    const before = cache().state().size;
    expect(await whoAmI(created.key)).toBe(200);
    expect(cache().state().size).toBeGreaterThanOrEqual(Math.max(1, before));
    return created;
  }

  it('drops a cached key on revocation at once', async () => {
    const { id, key } = await cachedKey();
    const revoked = await call(a.app, {
      method: 'POST',
      url: `/v1/api-keys/${id}/revoke`,
      token: org.ownerToken,
    });
    expect(revoked.status).toBe(200);
    expect(await whoAmI(key)).toBe(401);
  });

  it('drops a cached key changed by hand in SQL within 1 s (the trigger NOTIFYs)', async () => {
    const { id, key } = await cachedKey();
    const started = Date.now();
    await a.dataSource.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [id]);
    await within(1000, async () => (await whoAmI(key)) === 401);
    expect(Date.now() - started).toBeLessThan(1000);
    const other = await cachedKey();
    await a.dataSource.query(`DELETE FROM api_keys WHERE id = $1`, [other.id]);
    await within(1000, async () => (await whoAmI(other.key)) === 401);
  });

  it('never caches a wrong secret, and honours expiry from the cache', async () => {
    const { key } = await cachedKey();
    const wrong = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    expect(await whoAmI(wrong)).toBe(401);
    expect(await whoAmI(key)).toBe(200);
    const expiring = await newKey(new Date(Date.now() + 1500).toISOString());
    expect(await whoAmI(expiring.key)).toBe(200);
    expect(await whoAmI(expiring.key)).toBe(200);
    await within(3000, async () => (await whoAmI(expiring.key)) === 401);
  });

  it('drops every entry and stops caching while the listener is disconnected', async () => {
    const { key } = await cachedKey();
    // Kill the listener's connection from the server side, as a network failure or a restart would.
    await a.dataSource.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'mandate-api-key-listener' AND datname = current_database()`,
    );
    await within(2000, () => !cache().state().listening);
    expect(cache().state().size).toBe(0);
    expect(await whoAmI(key)).toBe(200); // still served, from the database
    expect(cache().state().size).toBe(0);
    // It reconnects and caches again.
    await within(5000, () => cache().state().listening);
    await whoAmI(key);
    expect(cache().state().size).toBeGreaterThan(0);
  });
});
