import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { OrganisationService } from '@mandate/identity';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../apps/server/src/create-app';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../support';

describeWithPostgres('/metrics with METRICS_PUBLIC=false', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let adminKey: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createApp({ env: { DATABASE_URL: db.url, LOG_LEVEL: 'silent', METRICS_PUBLIC: 'false' } });
    const result = await app
      .get(OrganisationService)
      .bootstrap({ name: 'Metrics Org', ownerEmail: 'owner@metrics.example' });
    adminKey = result.apiKey.key;
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('refuses anonymous and bogus callers with the error shape', async () => {
    const anonymous = await app.inject({ method: 'GET', url: '/metrics' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ code: 'unauthenticated' });
    const bogus = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer nonsense' },
    });
    expect(bogus.statusCode).toBe(401);
  });

  it('lets a credential holding metrics:read scrape (through the wired MetricsAuthorizer)', async () => {
    const ok = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('http_request_duration_seconds');
  });

  it('keeps /healthz and /readyz public', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });
});
