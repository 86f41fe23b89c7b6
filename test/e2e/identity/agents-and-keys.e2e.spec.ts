import { randomUUID } from 'node:crypto';
import { AgentService } from '@mandate/identity';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../../support';
import { call, seedOrg, startIdentityApp, type IdentityHarness, type SeededOrg } from './identity-harness';

describeWithPostgres('identity: agents and API keys', () => {
  let h: IdentityHarness;
  let org: SeededOrg;

  beforeAll(async () => {
    h = await startIdentityApp();
    org = await seedOrg(h.app, 'agents');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('registers an agent owned by the caller by default, with labels and trust level', async () => {
    const res = await call(h.app, {
      method: 'POST',
      url: '/v1/agents',
      token: org.tokens.admin,
      body: {
        name: 'invoice-bot',
        labels: { team: 'payments', 'app.example/tier': 'gold' },
        trustLevel: 2,
        description: 'pays invoices',
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'invoice-bot',
      ownerId: org.members.admin.id,
      labels: { team: 'payments', 'app.example/tier': 'gold' },
      trustLevel: 2,
      enabled: true,
    });
    const dup = await call(h.app, {
      method: 'POST',
      url: '/v1/agents',
      token: org.tokens.admin,
      body: { name: 'invoice-bot' },
    });
    expect(dup.status).toBe(409);
    const patched = await call(h.app, {
      method: 'PATCH',
      url: `/v1/agents/${res.body.id}`,
      token: org.ownerToken,
      body: { enabled: false, labels: {} },
    });
    expect(patched.body).toMatchObject({ enabled: false, labels: {}, trustLevel: 2 });
    // The decision pipeline resolves agents by name, within one organisation only.
    const agents = h.app.get(AgentService);
    expect((await agents.findByName(org.orgId, 'invoice-bot'))?.id).toBe(res.body.id);
    expect(await agents.findByName(randomUUID(), 'invoice-bot')).toBeNull();
  });

  it('requires an explicit owner from the same organisation', async () => {
    const other = await seedOrg(h.app, 'agents-other');
    const foreignOwner = await call(h.app, {
      method: 'POST',
      url: '/v1/agents',
      token: org.ownerToken,
      body: { name: 'stolen-owner', ownerId: other.members.owner.id },
    });
    expect(foreignOwner.status).toBe(400);
    const byKey = await call(h.app, {
      method: 'POST',
      url: '/v1/agents',
      token: org.adminKey,
      body: { name: 'key-made' },
    });
    expect(byKey.status).toBe(400);
    expect(byKey.body.details).toEqual({ field: 'ownerId' });
  });

  it('shows an API key once; lists and reads never include the secret or its hash', async () => {
    const created = await call(h.app, {
      method: 'POST',
      url: '/v1/api-keys',
      token: org.ownerToken,
      body: { name: 'gateway-eu', scopes: ['decisions:evaluate'] },
    });
    expect(created.status).toBe(201);
    const key: string = created.body.key;
    expect(key).toMatch(new RegExp(`^mnd_${created.body.prefix}_`));
    const secret = key.split('_').slice(2).join('_');
    const [row] = await h.dataSource.query(`SELECT key_hash FROM api_keys WHERE id = $1`, [created.body.id]);
    expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(secret);

    const list = await call(h.app, { method: 'GET', url: '/v1/api-keys', token: org.ownerToken });
    const one = await call(h.app, {
      method: 'GET',
      url: `/v1/api-keys/${created.body.id}`,
      token: org.ownerToken,
    });
    for (const raw of [list.raw, one.raw]) {
      expect(raw).not.toContain(secret);
      expect(raw).not.toContain(row.key_hash);
      expect(raw).not.toContain('"key"');
    }
    expect(one.body).toMatchObject({
      name: 'gateway-eu',
      scopes: ['decisions:evaluate'],
      role: null,
      revokedAt: null,
    });
  });

  it('scopes a gateway key to decisions: it cannot read the admin API', async () => {
    const created = await call(h.app, {
      method: 'POST',
      url: '/v1/api-keys',
      token: org.ownerToken,
      body: { name: 'gw', scopes: ['decisions:evaluate'] },
    });
    const key = created.body.key;
    expect((await call(h.app, { method: 'GET', url: '/v1/agents', token: key })).status).toBe(403);
    const me = await call(h.app, { method: 'GET', url: '/v1/auth/me', token: key });
    expect(me.body).toMatchObject({
      kind: 'api_key',
      apiKeyId: created.body.id,
      permissions: ['account:self', 'decisions:evaluate'],
    });
  });

  it('does not let a caller mint a key more powerful than itself', async () => {
    const viaAdmin = await call(h.app, {
      method: 'POST',
      url: '/v1/api-keys',
      token: org.tokens.admin,
      body: { name: 'escalate', scopes: ['admin'], role: 'owner' },
    });
    expect(viaAdmin.status).toBe(403);
    const auditorKey = await call(h.app, {
      method: 'POST',
      url: '/v1/api-keys',
      token: org.tokens.admin,
      body: { name: 'read-only', scopes: ['admin'], role: 'auditor' },
    });
    expect(auditorKey.status).toBe(201);
    // The auditor key can read but not write.
    expect(
      (await call(h.app, { method: 'GET', url: '/v1/members', token: auditorKey.body.key })).status,
    ).toBe(200);
    expect(
      (
        await call(h.app, {
          method: 'POST',
          url: '/v1/agents',
          token: auditorKey.body.key,
          body: { name: 'nope', ownerId: org.members.owner.id },
        })
      ).status,
    ).toBe(403);
  });

  it('revokes a key with immediate effect, idempotently', async () => {
    const created = await call(h.app, {
      method: 'POST',
      url: '/v1/api-keys',
      token: org.ownerToken,
      body: { name: 'short-lived', scopes: ['admin'], role: 'auditor' },
    });
    const key = created.body.key;
    expect((await call(h.app, { method: 'GET', url: '/v1/org', token: key })).status).toBe(200);
    const revoked = await call(h.app, {
      method: 'POST',
      url: `/v1/api-keys/${created.body.id}/revoke`,
      token: org.ownerToken,
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expect((await call(h.app, { method: 'GET', url: '/v1/org', token: key })).status).toBe(401);
    const again = await call(h.app, {
      method: 'POST',
      url: `/v1/api-keys/${created.body.id}/revoke`,
      token: org.ownerToken,
    });
    expect(again.status).toBe(200);
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
  });

  it('honours expiry and records last use at most once a minute', async () => {
    const created = await call(h.app, {
      method: 'POST',
      url: '/v1/api-keys',
      token: org.ownerToken,
      body: {
        name: 'expiring',
        scopes: ['admin'],
        role: 'auditor',
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      },
    });
    const key = created.body.key;
    const id = created.body.id;
    expect((await call(h.app, { method: 'GET', url: '/v1/org', token: key })).status).toBe(200);
    const [first] = await h.dataSource.query(`SELECT last_used_at FROM api_keys WHERE id = $1`, [id]);
    expect(first.last_used_at).not.toBeNull();
    expect((await call(h.app, { method: 'GET', url: '/v1/org', token: key })).status).toBe(200);
    const [second] = await h.dataSource.query(`SELECT last_used_at FROM api_keys WHERE id = $1`, [id]);
    expect(second.last_used_at.getTime()).toBe(first.last_used_at.getTime());

    await h.dataSource.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      id,
    ]);
    // A change made in SQL reaches the key cache through NOTIFY (a trigger), within a second.
    const deadline = Date.now() + 1000;
    let status = 0;
    while ((status = (await call(h.app, { method: 'GET', url: '/v1/org', token: key })).status) !== 401) {
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(401);
  });

  it('updates the organisation name and slug (unique), and login follows the new slug', async () => {
    const res = await call(h.app, {
      method: 'PATCH',
      url: '/v1/org',
      token: org.ownerToken,
      body: { name: 'Agents Renamed', slug: 'agents-renamed' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: org.orgId, name: 'Agents Renamed', slug: 'agents-renamed' });
    const other = await seedOrg(h.app, 'agents-clash');
    const clash = await call(h.app, {
      method: 'PATCH',
      url: '/v1/org',
      token: other.ownerToken,
      body: { slug: 'agents-renamed' },
    });
    expect(clash.status).toBe(409);
    const login = await call(h.app, {
      method: 'POST',
      url: '/v1/auth/login',
      body: {
        orgSlug: 'agents-renamed',
        email: org.members.auditor.email,
        password: org.members.auditor.password,
      },
    });
    expect(login.status).toBe(200);
  });
});
