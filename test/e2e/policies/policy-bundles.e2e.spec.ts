import { gzipSync } from 'node:zlib';
import { ActivePolicyReader } from '@mandate/policies';
import { compile } from '@mandate/rego';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../../support';
import {
  call,
  eventsOf,
  seedOrg,
  startIdentityApp,
  type IdentityHarness,
  type SeededOrg,
} from '../identity/identity-harness';
import { DECISION_REGO, PASSING_TESTS_REGO } from './policy-fixtures';
import { createHash, randomBytes } from 'node:crypto';

async function tarGz(files: Record<string, Buffer | string>): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => tar.on('end', resolve));
  for (const [name, content] of Object.entries(files)) tar.entry({ name, mode: 0o644 }, content);
  tar.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

async function wasmFor(modules: Record<string, string>, entrypoint = 'mandate/decision'): Promise<Buffer> {
  const { wasm } = await compile({ modules, entrypoints: [entrypoint] });
  return Buffer.from(wasm);
}

describeWithPostgres('policy store: OPA bundle upload', () => {
  let h: IdentityHarness;
  let org: SeededOrg;

  beforeAll(async () => {
    h = await startIdentityApp();
    org = await seedOrg(h.app, 'pbundle');
  });
  afterAll(async () => {
    await h?.close();
  });

  const upload = (payload: Buffer, token = org.tokens.policy_author, type = 'application/gzip', query = '') =>
    h.app.inject({
      method: 'POST',
      url: `/v1/policies/bundles${query}`,
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      payload,
    });

  it('stores a valid bundle as a version, runs its tests on activation and serves its module', async () => {
    const wasm = await wasmFor({ 'decision.rego': DECISION_REGO });
    const bundle = await tarGz({
      '/.manifest': JSON.stringify({
        revision: 'build-7',
        roots: [''],
        wasm: [{ entrypoint: 'mandate/decision', module: '/policy.wasm' }],
      }),
      '/policy.wasm': wasm,
      '/data.json': '{}',
      '/decision.rego': DECISION_REGO,
      '/decision_test.rego': PASSING_TESTS_REGO,
    });
    const res = await upload(bundle, org.tokens.policy_author, 'application/gzip', '?message=from%20CI');
    expect(res.statusCode, res.body).toBe(201);
    const version = res.json();
    expect(version).toMatchObject({
      number: 1,
      source: 'bundle',
      message: 'from CI',
      fileNames: ['decision.rego', 'decision_test.rego'],
      wasmSha256: createHash('sha256').update(wasm).digest('hex'),
      wasmSize: wasm.length,
    });
    const [event] = await eventsOf(h.dataSource, 'policy.version_created', org.orgId);
    expect(event.data).toMatchObject({ source: 'bundle', bundle: { manifestRevision: 'build-7' } });

    const activated = await call(h.app, {
      method: 'POST',
      url: `/v1/policies/versions/${version.id}/activate`,
      token: org.tokens.policy_author,
      body: {},
    });
    expect(activated.status).toBe(200);
    expect(activated.body.tests).toMatchObject({ total: 2, passed: 2 });
    const active = await h.app.get(ActivePolicyReader).getActive(org.orgId);
    expect(active?.versionId).toBe(version.id);
    expect(Buffer.from(active!.wasm).equals(wasm)).toBe(true);
  });

  it('accepts a bundle without sources (tests are then skipped)', async () => {
    const bundle = await tarGz({ 'policy.wasm': await wasmFor({ 'decision.rego': DECISION_REGO }) });
    const res = await upload(bundle, org.tokens.admin, 'application/x-gzip');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ number: 2, fileNames: [] });
  });

  it('rejects bundles that are malformed, lack the decision entrypoint or carry base data', async () => {
    const good = await wasmFor({ 'decision.rego': DECISION_REGO });
    const cases: Array<[string, Buffer, RegExp]> = [
      ['not gzip', Buffer.from('plain text'), /gzip/],
      ['gzip of garbage', gzipSync(Buffer.from('x'.repeat(1000))), /tar|policy\.wasm/],
      ['no policy.wasm', await tarGz({ '.manifest': '{}' }), /policy\.wasm/],
      ['not wasm', await tarGz({ 'policy.wasm': Buffer.from('nope') }), /does not load/],
      [
        'other entrypoint',
        await tarGz({ 'policy.wasm': await wasmFor({ 'x.rego': 'package other\n\nx := 1\n' }, 'other/x') }),
        /mandate\/decision/,
      ],
      ['bad manifest', await tarGz({ 'policy.wasm': good, '.manifest': '{nope' }), /manifest/],
      ['base data', await tarGz({ 'policy.wasm': good, 'data.json': '{"a": 1}' }), /data\.json/],
      ['unsafe rego name', await tarGz({ 'policy.wasm': good, '../evil.rego': 'package x' }), /File names/],
    ];
    for (const [label, payload, message] of cases) {
      const res = await upload(payload);
      expect(res.statusCode, `${label}: ${res.body}`).toBe(400);
      expect(res.json().message, label).toMatch(message);
    }
    const versions = await call(h.app, {
      method: 'GET',
      url: '/v1/policies/versions',
      token: org.tokens.auditor,
    });
    expect(versions.body.items).toHaveLength(2); // nothing stored by the refused uploads
  });

  it('checks media type, size and permission', async () => {
    const bundle = await tarGz({ 'policy.wasm': await wasmFor({ 'decision.rego': DECISION_REGO }) });
    expect((await upload(bundle, org.tokens.policy_author, 'application/octet-stream')).statusCode).toBe(415);
    expect((await upload(bundle, org.tokens.auditor)).statusCode).toBe(403);
    expect((await upload(bundle, org.tokens.approver)).statusCode).toBe(403);
    // Larger than the JSON body limit (1 MiB) but within the bundle limit (4 MiB): accepted.
    const padded = await tarGz({
      'policy.wasm': await wasmFor({ 'decision.rego': DECISION_REGO }),
      'pad.bin': randomBytes(2 * 1024 * 1024),
    });
    expect(padded.length).toBeGreaterThan(2 * 1024 * 1024);
    expect((await upload(padded)).statusCode).toBe(201);
    const huge = Buffer.alloc(5 * 1024 * 1024, 1);
    expect((await upload(huge)).statusCode).toBe(413);
  });

  it('documents the policy endpoints in the OpenAPI document', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const paths = Object.keys(res.json<{ paths: Record<string, unknown> }>().paths);
    for (const path of [
      '/v1/policies/draft',
      '/v1/policies/versions',
      '/v1/policies/versions/{id}',
      '/v1/policies/versions/{id}/diff',
      '/v1/policies/versions/{id}/activate',
      '/v1/policies/rollback',
      '/v1/policies/active',
      '/v1/policies/activations',
      '/v1/policies/bundles',
    ]) {
      expect(paths).toContain(path);
    }
  });
});
