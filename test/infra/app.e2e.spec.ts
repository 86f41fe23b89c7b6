import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../apps/server/src/create-app';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../support';
import { ProbeModule } from './probe.module';

describeWithPostgres('createApp (HTTP edge)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  const logLines: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createApp({
      env: { DATABASE_URL: db.url, LOG_LEVEL: 'info', BODY_LIMIT_BYTES: '2048' },
      logDestination: { write: (line: string) => void logLines.push(line) },
      modules: [ProbeModule],
    });
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('serves /healthz and /readyz', async () => {
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', checks: { database: 'up' } });
  });

  it('echoes a sane x-request-id and replaces a hostile one', async () => {
    const sane = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(sane.headers['x-request-id']).toBe('abc-123');
    const hostile = await app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'x'.repeat(300) },
    });
    expect(hostile.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('returns the error shape for unknown routes', async () => {
    const res = await app.inject({ method: 'GET', url: '/nope', headers: { 'x-request-id': 'rid-404' } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'not_found', requestId: 'rid-404' });
    expect(typeof res.json().message).toBe('string');
  });

  it('maps malformed JSON to 400 and oversized bodies to 413 with the error shape', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/healthz',
      headers: { 'content-type': 'application/json', 'x-request-id': 'rid-json' },
      payload: '{"a":',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({
      code: 'bad_request',
      message: 'Malformed JSON body',
      requestId: 'rid-json',
    });

    const big = await app.inject({
      method: 'POST',
      url: '/healthz',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ blob: 'x'.repeat(4096) }),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ code: 'payload_too_large', requestId: big.headers['x-request-id'] });
  });

  it('exposes Prometheus metrics with the HTTP histogram by route', async () => {
    await app.inject({ method: 'GET', url: '/healthz' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toMatch(
      /http_request_duration_seconds_count\{[^}]*route="\/healthz"[^}]*status_code="200"[^}]*\} [1-9]/,
    );
    expect(res.body).toContain('process_cpu_user_seconds_total');
  });

  it('serves the OpenAPI document', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toContain('/readyz');
    // The decision route is a plain Fastify route, described beside the controllers' operations.
    const decide = doc.paths['/v1/decisions']?.post;
    expect(decide?.operationId).toBe('DecisionRoute_decide');
    for (const ref of [
      decide.requestBody.content['application/json'].schema.$ref,
      decide.responses['200'].content['application/json'].schema.$ref,
    ]) {
      expect(doc.components.schemas[String(ref).replace('#/components/schemas/', '')]).toBeDefined();
    }
    const ui = await app.inject({ method: 'GET', url: '/docs' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');
  });

  it('validates bodies with whitelist, forbidNonWhitelisted and transform', async () => {
    const ok = await app.inject({ method: 'POST', url: '/probe', payload: { name: 'a', count: 3 } });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toEqual({ name: 'a', count: 3, isDto: true });
    const extra = await app.inject({
      method: 'POST',
      url: '/probe',
      payload: { name: 'a', count: 3, admin: true },
    });
    expect(extra.statusCode).toBe(400);
    expect(extra.json()).toMatchObject({
      code: 'validation_failed',
      details: { errors: ['property admin should not exist'] },
    });
    const wrong = await app.inject({ method: 'POST', url: '/probe', payload: { name: 5, count: 99 } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().details.errors).toHaveLength(2);
  });

  it('maps domain errors to statuses and hides 5xx causes', async () => {
    const conflict = await app.inject({
      method: 'GET',
      url: '/probe/fail/conflict',
      headers: { 'x-request-id': 'r1' },
    });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toEqual({
      code: 'conflict',
      message: 'probe conflict',
      requestId: 'r1',
      details: { probe: true },
    });
    const forbidden = await app.inject({ method: 'GET', url: '/probe/fail/forbidden' });
    expect(forbidden.statusCode).toBe(403);
    const crash = await app.inject({
      method: 'GET',
      url: '/probe/fail/crash',
      headers: { 'x-request-id': 'r2' },
    });
    expect(crash.statusCode).toBe(500);
    expect(crash.json()).toEqual({ code: 'internal', message: 'Internal server error', requestId: 'r2' });
    // The cause is logged (with the request id), never returned.
    const logged = logLines.map((l) => JSON.parse(l)).find((l) => l.requestId === 'r2' && l.err);
    expect(logged?.err.message).toBe('secret internal detail');
  });

  it('writes JSON request logs with the request id, never bodies, query strings or credentials', async () => {
    await app.inject({
      method: 'POST',
      url: '/probe?token=query-secret-123',
      headers: { 'x-request-id': 'rid-log', authorization: 'Bearer header-secret-456' },
      payload: { name: 'body-secret-789', count: 2 },
    });
    const lines = logLines.filter((l) => l.includes('"rid-log"')).map((l) => JSON.parse(l));
    // One line per request, when it completes: what was asked, the answer's status and the time taken.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      requestId: 'rid-log',
      msg: 'request completed',
      req: { method: 'POST', path: '/probe', route: '/probe' },
      res: { statusCode: expect.any(Number) },
    });
    expect(typeof lines[0].responseTime).toBe('number');
    const text = logLines.join('');
    for (const secret of ['query-secret-123', 'header-secret-456', 'body-secret-789'])
      expect(text).not.toContain(secret);
  });
});
