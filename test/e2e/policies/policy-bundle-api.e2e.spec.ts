import { createHash, randomBytes } from 'node:crypto';
import canonicalize from 'canonicalize';
import opa from '@open-policy-agent/opa-wasm';
import { hostBuiltinsByImportName } from '@mandate/rego';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readBundle } from '../../../libs/policies/src/bundles/bundle-reader';
import { describeWithPostgres } from '../../support';
import { createAgent, gatewayKey, TEST_POLICY } from '../decisions/decisions-harness';
import {
  call,
  eventsOf,
  seedOrg,
  startIdentityApp,
  type IdentityHarness,
  type SeededOrg,
} from '../identity/identity-harness';
import { activateFiles } from './policy-flow';

interface Fetched {
  status: number;
  headers: Record<string, unknown>;
  body: Buffer;
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

describeWithPostgres('bundle API: GET /v1/bundles/{org} (signed OPA bundles, ETag, long polling)', () => {
  let h: IdentityHarness;
  let org: SeededOrg;
  let other: SeededOrg;
  let gw: string;
  let otherGw: string;

  const fetchBundle = async (
    headers: Record<string, string> = {},
    query = '',
    orgId = org.orgId,
    key = gw,
  ): Promise<Fetched> => {
    const res = await h.app.inject({
      method: 'GET',
      url: `/v1/bundles/${orgId}${query}`,
      headers: { authorization: `Bearer ${key}`, ...headers },
    });
    return { status: res.statusCode, headers: res.headers, body: res.rawPayload };
  };
  const jwks = async (key = gw): Promise<JSONWebKeySet & { keys: Array<Record<string, unknown>> }> => {
    const res = await call(h.app, { method: 'GET', url: `/v1/bundles/${org.orgId}/keys`, token: key });
    expect(res.status, res.raw).toBe(200);
    return res.body;
  };

  /** Verifies the bundle as an OPA agent would: signature against the JWKS, every file's digest. */
  async function verify(body: Buffer): Promise<{ files: Map<string, Buffer>; kid: string }> {
    const files = await readBundle(body);
    expect([...files.keys()].sort()).toEqual(['.manifest', '.signatures.json', 'data.json', 'policy.wasm']);
    const { signatures } = JSON.parse(files.get('.signatures.json')!.toString()) as { signatures: string[] };
    expect(signatures).toHaveLength(1);
    const keySet = createLocalJWKSet(await jwks());
    const { payload, protectedHeader } = await jwtVerify(signatures[0], keySet, {
      algorithms: ['ES256'],
      issuer: 'mandate',
    });
    const listed = payload.files as Array<{ name: string; hash: string; algorithm: string }>;
    expect(listed.map((f) => f.name).sort()).toEqual(['.manifest', 'data.json', 'policy.wasm']);
    for (const file of listed) {
      expect(file.algorithm).toBe('SHA-256');
      const content = files.get(file.name)!;
      // OPA hashes JSON files in a canonical form (sorted keys, no whitespace); binary files as bytes.
      const expected = file.name.endsWith('.wasm')
        ? sha256(content)
        : sha256(canonicalize(JSON.parse(content.toString())) as string);
      expect(file.hash, file.name).toBe(expected);
    }
    return { files, kid: protectedHeader.kid! };
  }

  async function evaluateBundle(wasm: Buffer, input: unknown): Promise<unknown> {
    const policy = await opa.loadPolicy(wasm, undefined, hostBuiltinsByImportName());
    policy.setData({});
    const result = policy.evaluate(input, 'mandate/decision') as Array<{ result: unknown }>;
    return result[0]?.result;
  }

  beforeAll(async () => {
    h = await startIdentityApp({
      LOG_LEVEL: 'silent',
      MANDATE_MASTER_KEY: randomBytes(32).toString('base64'),
    });
    org = await seedOrg(h.app, 'bundles');
    other = await seedOrg(h.app, 'bundles-other');
    gw = await gatewayKey(h.app, org);
    otherGw = await gatewayKey(h.app, other);
    await createAgent(h.app, org, 'coder');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('serves the baseline (revision 0) as a signed bundle with an ETag, and 304 for If-None-Match', async () => {
    const first = await fetchBundle();
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('application/gzip');
    expect(first.headers['x-mandate-policy-revision']).toBe('0');
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"r0-[0-9a-f]{32}"$/);
    const { files, kid } = await verify(first.body);
    const manifest = JSON.parse(files.get('.manifest')!.toString());
    expect(manifest).toMatchObject({
      revision: '0',
      roots: ['mandate'],
      wasm: [{ entrypoint: 'mandate/decision', module: '/policy.wasm' }],
      metadata: { mandate: { orgId: org.orgId, revision: 0, versionId: 'baseline' } },
    });
    expect(JSON.parse(files.get('data.json')!.toString())).toEqual({});
    expect((await jwks()).keys[0]).toMatchObject({
      kid,
      kty: 'EC',
      crv: 'P-256',
      alg: 'ES256',
      retiredAt: null,
    });

    const again = await fetchBundle({ 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.headers.etag).toBe(etag);
    expect(again.body.length).toBe(0);
    expect((await fetchBundle({ 'if-none-match': `W/${etag}, "other"` })).status).toBe(304);
    expect((await fetchBundle({ 'if-none-match': '"stale"' })).status).toBe(200);
  });

  it('serves the active policy: opa-wasm evaluates policy.wasm with the same answers as the decision API', async () => {
    await activateFiles(h.app, org.tokens.policy_author, { 'policy.rego': TEST_POLICY });
    const res = await fetchBundle();
    expect(res.status).toBe(200);
    expect(res.headers['x-mandate-policy-revision']).toBe('1');
    const { files } = await verify(res.body);
    const wasm = files.get('policy.wasm')!;
    for (const [tool, path, expected] of [
      ['read_file', '/workspace/a.txt', 'allow'],
      ['read_file', '/etc/secret', 'deny'],
      ['write_file', '/workspace/a.txt', 'deny'],
    ] as const) {
      const decided = await call(h.app, {
        method: 'POST',
        url: '/v1/decisions',
        token: gw,
        body: {
          agent: 'coder',
          server: { name: 'fs' },
          tool: { name: tool },
          arguments: { path },
          phase: 'call',
        },
      });
      expect(decided.status, decided.raw).toBe(200);
      expect(decided.body.policyRevision).toBe(1);
      const [row] = await h.dataSource.query<Array<{ input: unknown }>>(
        'SELECT input FROM decisions WHERE id = $1',
        [decided.body.decisionId],
      );
      const local = (await evaluateBundle(wasm, row.input)) as { allow: boolean; deny: string[] };
      const localDecision = local.deny.length > 0 ? 'deny' : local.allow ? 'allow' : 'deny';
      expect(localDecision, `${tool} ${path}`).toBe(decided.body.decision);
      expect(decided.body.decision, `${tool} ${path}`).toBe(expected);
    }
  });

  it('long-polls: answers as soon as a new revision is active, or 304 when the wait ends', async () => {
    const current = await fetchBundle();
    const etag = current.headers.etag as string;
    const started = Date.now();
    const timedOut = await fetchBundle({ 'if-none-match': etag }, '?wait=1');
    expect(timedOut.status).toBe(304);
    expect(timedOut.headers['content-type']).toBe('application/vnd.openpolicyagent.bundles');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);

    const waiting = fetchBundle({ 'if-none-match': etag, prefer: 'wait=20' });
    const alsoWaiting = fetchBundle({ 'if-none-match': etag }, '?wait=20');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const activatedAt = Date.now();
    const { revision } = await activateFiles(h.app, org.tokens.policy_author, {
      'policy.rego': `${TEST_POLICY}\n# v2\n`,
    });
    const answered = await waiting;
    expect(answered.status).toBe(200);
    expect(answered.headers['content-type']).toBe('application/vnd.openpolicyagent.bundles');
    expect(answered.headers['x-mandate-policy-revision']).toBe(String(revision));
    expect(answered.headers.etag).not.toBe(etag);
    const other = await alsoWaiting;
    expect(other.status).toBe(200);
    expect(other.headers.etag).toBe(answered.headers.etag);
    // Woken by the notification (or the 1 s re-check), never by the 20 s timeout.
    expect(Date.now() - activatedAt).toBeLessThan(5000);
    await verify(answered.body);
  });

  it('rotates the signing key: new bundles carry the new kid, the old key stays published', async () => {
    const before = await fetchBundle();
    const oldKid = (await verify(before.body)).kid;
    const denied = await call(h.app, {
      method: 'POST',
      url: `/v1/bundles/${org.orgId}/keys/rotate`,
      token: org.tokens.policy_author,
    });
    expect(denied.status).toBe(403);
    const rotated = await call(h.app, {
      method: 'POST',
      url: `/v1/bundles/${org.orgId}/keys/rotate`,
      token: org.tokens.admin,
    });
    expect(rotated.status, rotated.raw).toBe(200);
    expect(rotated.body).toMatchObject({ retired: oldKid });
    expect(rotated.body.kid).not.toBe(oldKid);
    const keys = (await jwks()).keys;
    expect(keys.map((k) => k.kid)).toEqual([rotated.body.kid, oldKid]);
    expect(keys[1].retiredAt).toEqual(expect.any(String));
    expect((await fetchBundle({ 'if-none-match': before.headers.etag as string })).status).toBe(200);
    const after = await fetchBundle();
    expect(after.headers.etag).not.toBe(before.headers.etag);
    const { kid } = await verify(after.body);
    expect(kid).toBe(rotated.body.kid);
    expect(
      decodeProtectedHeader(
        JSON.parse((await readBundle(after.body)).get('.signatures.json')!.toString())
          .signatures[0] as string,
      ).alg,
    ).toBe('ES256');
    const [event] = await eventsOf(h.dataSource, 'policy.bundle_key_rotated', org.orgId);
    expect(event.data).toMatchObject({ kid: rotated.body.kid, retired: oldKid });
  });

  it("answers 404 for another organisation's id (or a non-id), 401/403 for wrong credentials", async () => {
    expect((await fetchBundle({}, '', other.orgId)).status).toBe(404);
    expect((await fetchBundle({}, '', 'not-an-id')).status).toBe(404);
    expect((await fetchBundle({}, '', org.orgId, otherGw)).status).toBe(404);
    const foreignKeys = await call(h.app, {
      method: 'GET',
      url: `/v1/bundles/${other.orgId}/keys`,
      token: gw,
    });
    expect(foreignKeys.status).toBe(404);
    expect((await fetchBundle({}, '', org.orgId, 'mnd_garbage')).status).toBe(401);
    const auditor = await call(h.app, {
      method: 'GET',
      url: `/v1/bundles/${org.orgId}`,
      token: org.tokens.auditor,
    });
    expect(auditor.status).toBe(403);
    expect((await fetchBundle({}, '?wait=61')).status).toBe(400);
    expect((await fetchBundle({}, '?wait=abc')).status).toBe(400);
  });
});

describeWithPostgres('bundle API without a master key (external database)', () => {
  let h: IdentityHarness;
  let org: SeededOrg;

  beforeAll(async () => {
    h = await startIdentityApp({ LOG_LEVEL: 'silent' });
    org = await seedOrg(h.app, 'bundles-nokey');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses to serve unsigned bundles with a clear 409', async () => {
    const key = await gatewayKey(h.app, org);
    const res = await call(h.app, { method: 'GET', url: `/v1/bundles/${org.orgId}`, token: key });
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/MANDATE_MASTER_KEY/);
  });
});
