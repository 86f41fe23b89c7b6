import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '@mandate/rego';
import { BundlePoller } from './bundle-poller';
import { readBundle } from './bundle-reader';
import type { FetchLike } from './http-transport';
import { offlineInput } from './local-policy';
import { MandateClient } from './mandate-client';
import { ResilientDecider } from './resilient-decider';
import type { DecisionRequest } from './types';

/** JSON of arbitrary shape, asserted on by the tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const POLICY = `package mandate

default allow := false

allow if {
	input.tool.name == "read_file"
	input.context.offline
	input.agent.trust >= 1
}

deny contains "never offline" if input.tool.name == "drop"

default require_approval := null

require_approval := {"reason": "human please"} if input.tool.name == "write_file"

decision := {"allow": allow, "deny": deny, "require_approval": require_approval, "obligations": {"limit": data.settings.limit}}
`;

async function bundleOf(source: string, revision: string): Promise<Uint8Array> {
  const { wasm } = await compile({ modules: { 'p.rego': source }, entrypoints: ['mandate/decision'] });
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => tar.on('end', resolve));
  tar.entry(
    { name: '/.manifest' },
    JSON.stringify({
      revision,
      roots: [''],
      wasm: [{ entrypoint: 'mandate/decision', module: '/policy.wasm' }],
    }),
  );
  tar.entry({ name: '/policy.wasm' }, Buffer.from(wasm));
  tar.entry({ name: '/data.json' }, JSON.stringify({ settings: { limit: 5 } }));
  tar.finalize();
  await done;
  return new Uint8Array(gzipSync(Buffer.concat(chunks)));
}

const call = (tool: string): DecisionRequest => ({
  agent: 'coder',
  server: { name: 'fs' },
  tool: { name: tool, definition: { name: tool, inputSchema: { type: 'object' } } },
  arguments: {},
  phase: 'call',
});

describe('local evaluation from the bundle API', () => {
  let bundle: Uint8Array;
  const dir = mkdtempSync(join(tmpdir(), 'sdk-bundle-'));
  beforeAll(async () => {
    bundle = await bundleOf(POLICY, '7');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads an OPA bundle: wasm, data and manifest', async () => {
    const read = await readBundle(bundle);
    expect(read.entrypoint).toBe('mandate/decision');
    expect(read.data).toEqual({ settings: { limit: 5 } });
    expect(read.manifest.revision).toBe('7');
    await expect(readBundle(new Uint8Array([1, 2, 3]))).rejects.toThrow();
  });

  it('builds the offline input with the facts the gateway has', () => {
    const input = offlineInput(call('read_file'), { agent: { id: 'a1', trust: 2 } }) as Loose;
    expect(input.agent).toMatchObject({ id: 'a1', name: 'coder', trust: 2 });
    expect(input.tool.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(input.context.offline).toBe(true);
    expect(input.findings).toEqual([]);
  });

  it('polls with ETag, keeps the last good bundle on disk, and decides from it while Mandate is down', async () => {
    let up = true;
    let served = 0;
    const fetch: FetchLike = (_url, init) => {
      if (!up)
        return Promise.reject(
          Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }),
        );
      const headers = init.headers as Record<string, string>;
      if (init.method === 'GET') {
        served += 1;
        if (headers['if-none-match'] === '"7"') return Promise.resolve(new Response(null, { status: 304 }));
        return Promise.resolve(new Response(Buffer.from(bundle), { status: 200, headers: { etag: '"7"' } }));
      }
      const body = JSON.parse(init.body as string) as { items: unknown[] };
      return Promise.resolve(
        new Response(
          JSON.stringify({
            items: body.items.map((_, i) => ({
              decision: 'deny',
              decisionId: `r${i}`,
              reasons: [],
              obligations: {},
              approval: null,
              policyRevision: 7,
              consistencyToken: null,
            })),
          }),
          { status: 200 },
        ),
      );
    };
    const client = new MandateClient({ baseUrl: 'http://mandate.test', apiKey: 'k', fetch, retries: 0 });
    const poller = new BundlePoller({ client, org: 'org-1', cacheDir: dir, intervalMs: 60_000 });
    await poller.start();
    poller.stop();
    await poller.pollOnce();
    expect(served).toBe(2);
    expect(poller.currentEtag()).toBe('"7"');
    expect(readdirSync(dir).sort()).toEqual(['bundle.etag', 'bundle.tar.gz']);

    // A new poller (gateway restarted during an outage) loads the disk copy.
    up = false;
    const restarted = new BundlePoller({ client, org: 'org-1', cacheDir: dir, onError: () => undefined });
    await restarted.start();
    restarted.stop();
    expect(restarted.current()?.revision).toBe(7);

    const decider = new ResilientDecider({ client, bundles: restarted, facts: { agent: { trust: 1 } } });
    const allowed = await decider.decide(call('read_file'));
    expect(allowed).toMatchObject({
      decision: 'allow',
      source: 'local',
      policyRevision: 7,
      obligations: { limit: 5 },
    });
    expect((await decider.decide(call('drop'))).reasons).toEqual([
      { code: 'policy_deny', message: 'never offline' },
    ]);
    // No approval request can be made offline: a call that needs one is denied, saying why.
    expect((await decider.decide(call('write_file'))).reasons[0]).toMatchObject({
      code: 'approval_unavailable_offline',
    });
    expect(decider.queued).toBe(3);

    // Back online: the next remote answer triggers the replay of the queued decisions.
    up = true;
    await decider.decide(call('read_file'));
    await decider.replay();
    expect(decider.queued).toBe(0);
  });

  it('fails closed without a bundle', async () => {
    const fetch: FetchLike = () =>
      Promise.reject(Object.assign(new TypeError('x'), { cause: { code: 'ECONNREFUSED' } }));
    const client = new MandateClient({ baseUrl: 'http://mandate.test', apiKey: 'k', fetch, retries: 0 });
    const decider = new ResilientDecider({ client });
    expect(await decider.decide(call('read_file'))).toMatchObject({
      decision: 'deny',
      source: 'fail_closed',
    });
    expect(await decider.decideBatch([call('a'), call('b')])).toHaveLength(2);
  });
});
