import { afterAll, beforeAll, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { runCli } from '../../../apps/cli/src/run-cli';
import { INIT_EXISTS_EXIT_CODE, InitCommand } from '../../../apps/cli/src/commands/init.command';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../../support';
import { call, startIdentityApp } from './identity-harness';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) }, out, err };
}

describeWithPostgres('mandate init', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const init = (args: string[]) => {
    const c = capture();
    return runCli(['init', ...args], [new InitCommand()], {
      io: c.io,
      env: { DATABASE_URL: db.url, LOG_LEVEL: 'silent' },
    }).then((code) => ({ code, ...c }));
  };

  it('creates the organisation, its owner and an admin key, and prints them once as JSON', async () => {
    const r = await init(['--org', 'Acme Corp', '--owner-email', 'Founder@Acme.example', '--json']);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(1);
    const printed = JSON.parse(r.out[0]);
    expect(printed.org).toMatchObject({ name: 'Acme Corp', slug: 'acme-corp' });
    expect(printed.owner.email).toBe('founder@acme.example');
    expect(printed.owner.password.length).toBeGreaterThanOrEqual(20);
    expect(printed.apiKey).toMatch(/^mnd_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);

    const ds = new DataSource({ type: 'postgres', url: db.url });
    await ds.initialize();
    try {
      const [member] = await ds.query(`SELECT roles, password_hash FROM members WHERE email = $1`, [
        'founder@acme.example',
      ]);
      expect(member.roles).toEqual(['owner']);
      expect(member.password_hash).toMatch(/^\$argon2id\$/);
      expect(member.password_hash).not.toContain(printed.owner.password);
      const keys = await ds.query(`SELECT key_hash, role, scopes FROM api_keys`);
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({ role: 'admin', scopes: ['admin'] });
      expect(JSON.stringify(keys)).not.toContain(printed.apiKey);
    } finally {
      await ds.destroy();
    }

    // The printed credentials work against the API.
    const h = await startIdentityApp({ DATABASE_URL: db.url });
    try {
      const login = await call(h.app, {
        method: 'POST',
        url: '/v1/auth/login',
        body: { orgSlug: 'acme-corp', email: printed.owner.email, password: printed.owner.password },
      });
      expect(login.status).toBe(200);
      const me = await call(h.app, { method: 'GET', url: '/v1/auth/me', token: printed.apiKey });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ kind: 'api_key', orgId: printed.org.id, roles: ['admin'] });
    } finally {
      await h.app.close();
    }
  });

  it('refuses to create an organisation that exists, with a clear message and a non-zero exit', async () => {
    const r = await init(['--org', 'Acme Corp', '--owner-email', 'someone@acme.example', '--json']);
    expect(r.code).toBe(INIT_EXISTS_EXIT_CODE);
    expect(r.out).toEqual([]);
    expect(r.err.join('\n')).toMatch(/already exists/);
    const again = await init(['--org', 'ACME corp!', '--owner-email', 'someone@acme.example']);
    expect(again.code).toBe(INIT_EXISTS_EXIT_CODE);
  });

  it('prints human-readable text without --json', async () => {
    const r = await init(['--org', 'Globex', '--owner-email', 'hank@globex.example']);
    expect(r.code).toBe(0);
    const text = r.out.join('\n');
    expect(text).toContain('Created organisation "Globex"');
    expect(text).toMatch(/Password: \S{20,}/);
    expect(text).toMatch(/API key: +mnd_/);
  });

  it('rejects missing or bad arguments with exit code 2', async () => {
    expect((await init(['--owner-email', 'a@b.example'])).code).toBe(2);
    expect((await init(['--org', 'X'])).code).toBe(2);
    expect((await init(['--org', 'X', '--owner-email', 'not-an-email'])).code).toBe(2);
    expect((await init(['--org', '!!!', '--owner-email', 'a@b.example'])).code).toBe(2);
    expect((await init(['--org', 'X', '--owner-email', 'a@b.example', '--bogus'])).code).toBe(2);
  });
});
