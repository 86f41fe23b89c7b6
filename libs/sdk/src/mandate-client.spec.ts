import { describe, expect, it } from 'vitest';
import { MandateRequestError, MandateUnavailableError } from './errors';
import type { FetchLike } from './http-transport';
import { MandateClient } from './mandate-client';
import type { DecisionRequest } from './types';

interface Seen {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fake fetch answering from a script: each entry is a Response or an error to throw. */
function scripted(script: Array<Response | Error | ((seen: Seen) => Response)>): {
  fetch: FetchLike;
  seen: Seen[];
} {
  const seen: Seen[] = [];
  const fetch: FetchLike = (url, init) => {
    const entry: Seen = {
      url,
      method: init.method ?? 'GET',
      headers: init.headers as Record<string, string>,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    seen.push(entry);
    const next = script.shift();
    if (!next) return Promise.reject(new Error('script exhausted'));
    if (next instanceof Error) return Promise.reject(next);
    return Promise.resolve(typeof next === 'function' ? next(entry) : next);
  };
  return { fetch, seen };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const refused = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
const reset = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });

const answer = {
  decision: 'allow',
  decisionId: 'd1',
  reasons: [],
  obligations: {},
  approval: null,
  policyRevision: 2,
  consistencyToken: 'mct1.x',
};
const request: DecisionRequest = {
  agent: 'coder',
  server: { name: 'fs' },
  tool: { name: 'read_file' },
  arguments: { path: '/a' },
  phase: 'call',
};

const client = (fetch: FetchLike, extra = {}) =>
  new MandateClient({
    baseUrl: 'http://mandate.test/',
    apiKey: 'mnd_k',
    fetch,
    backoffMs: 1,
    retries: 2,
    ...extra,
  });

describe('MandateClient', () => {
  it('posts a decision with the key, a request id and the trace headers', async () => {
    const { fetch, seen } = scripted([json(200, answer)]);
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const got = await client(fetch).decide(request, { traceparent, requestId: 'req-1' });
    expect(got).toMatchObject({ decision: 'allow', decisionId: 'd1', source: 'remote' });
    expect(seen[0].url).toBe('http://mandate.test/v1/decisions');
    expect(seen[0].headers).toMatchObject({
      authorization: 'Bearer mnd_k',
      'x-request-id': 'req-1',
      traceparent,
    });
    expect(seen[0].body).toEqual(request);
  });

  it('retries a decision only when it cannot have been processed, with the same request id', async () => {
    const { fetch, seen } = scripted([refused(), json(503, {}), json(200, answer)]);
    await expect(client(fetch).decide(request)).resolves.toMatchObject({ decision: 'allow' });
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((s) => s.headers['x-request-id'])).size).toBe(1);

    const once = scripted([reset(), json(200, answer)]);
    await expect(client(once.fetch).decide(request)).rejects.toBeInstanceOf(MandateUnavailableError);
    expect(once.seen).toHaveLength(1);

    const error500 = scripted([json(500, {}), json(200, answer)]);
    await expect(client(error500.fetch).decide(request)).rejects.toBeInstanceOf(MandateUnavailableError);
    expect(error500.seen).toHaveLength(1);
  });

  it('gives up after the allowed retries and fails closed in decideOrDeny', async () => {
    const { fetch, seen } = scripted([refused(), refused(), refused(), refused()]);
    const denied = await client(fetch).decideOrDeny(request);
    expect(seen).toHaveLength(3);
    expect(denied).toMatchObject({
      decision: 'deny',
      source: 'fail_closed',
      reasons: [{ code: 'mandate_unavailable' }],
    });
  });

  it('does not retry a 4xx and reports its problem code', async () => {
    const { fetch, seen } = scripted([json(403, { code: 'forbidden', message: 'no', requestId: 'r' })]);
    const error = await client(fetch)
      .decide(request)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MandateRequestError);
    expect(error).toMatchObject({ status: 403, code: 'forbidden', requestId: 'r' });
    expect(seen).toHaveLength(1);
  });

  it('treats a malformed answer as no answer (never as an allow)', async () => {
    const { fetch } = scripted([json(200, { decision: 'yes' })]);
    expect(await client(fetch).decideOrDeny(request)).toMatchObject({ decision: 'deny' });
  });

  it('times out an attempt that does not answer', async () => {
    const hang: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) =>
        init.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    const error = await client(hang, { timeoutMs: 20, retries: 0 })
      .decide(request)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MandateUnavailableError);
    expect((error as Error).message).toContain('within 20 ms');
  });

  it('splits batches at 100 items and keeps the order', async () => {
    const many = Array.from({ length: 150 }, (_, i) => ({ ...request, tool: { name: `t${i}` } }));
    const reply = (seen: Seen) =>
      json(200, {
        items: (seen.body as { items: DecisionRequest[] }).items.map((r) => ({
          ...answer,
          decisionId: r.tool.name,
        })),
      });
    const { fetch, seen } = scripted([reply, reply]);
    const got = await client(fetch).decideBatch(many);
    expect(seen.map((s) => (s.body as { items: unknown[] }).items.length)).toEqual([100, 50]);
    expect(got.map((d) => d.decisionId)).toEqual(many.map((r) => r.tool.name));
  });

  it('sends the result with phase result only, and the outcome only when enabled', async () => {
    const withResult = {
      ...request,
      phase: 'result' as const,
      result: { content: [] },
      outcome: { status: 'ok' as const, durationMs: 3 },
    };
    const off = scripted([json(200, answer), json(200, answer)]);
    await client(off.fetch).decide(withResult);
    await client(off.fetch).decide({ ...withResult, phase: 'call' });
    expect(off.seen[0].body).toMatchObject({ result: { content: [] } });
    expect(off.seen[0].body).not.toHaveProperty('outcome');
    expect(off.seen[1].body).not.toHaveProperty('result');
    const on = scripted([json(200, answer)]);
    await client(on.fetch, { sendOutcome: true }).decide(withResult);
    expect(on.seen[0].body).toMatchObject({ result: { content: [] }, outcome: { status: 'ok' } });
  });

  it('long-polls an approval until it leaves pending or the time runs out', async () => {
    const { fetch, seen } = scripted([
      json(200, { id: 'a1', state: 'pending' }),
      json(200, { id: 'a1', state: 'pending' }),
      json(200, { id: 'a1', state: 'approved', mode: 'once' }),
    ]);
    const state = await client(fetch).waitForApproval('a1', 45_000);
    expect(state.state).toBe('approved');
    // The first look does not wait; each long-poll asks for the time left (at most 60 s).
    expect(seen.map((s) => s.url)).toEqual([
      'http://mandate.test/v1/approvals/a1/status',
      'http://mandate.test/v1/approvals/a1/status?wait=45',
      'http://mandate.test/v1/approvals/a1/status?wait=45',
    ]);
    const capped = scripted([
      json(200, { id: 'a1', state: 'pending' }),
      json(200, { id: 'a1', state: 'expired' }),
    ]);
    expect((await client(capped.fetch).waitForApproval('a1', 600_000)).state).toBe('expired');
    expect(capped.seen[1].url).toMatch(/wait=60$/);
  });

  it('retries idempotent calls on 5xx and fetches bundles with If-None-Match', async () => {
    const { fetch, seen } = scripted([
      json(502, {}),
      new Response(new Uint8Array([1, 2, 3]), { status: 200, headers: { etag: '"r1"' } }),
      new Response(null, { status: 304 }),
    ]);
    const c = client(fetch);
    const first = await c.fetchBundle('org-1');
    expect(first).toMatchObject({ notModified: false, etag: '"r1"' });
    expect(await c.fetchBundle('org-1', '"r1"')).toEqual({ notModified: true });
    expect(seen[2].headers['if-none-match']).toBe('"r1"');
  });

  it('refuses a Mandate URL that is not http(s)', () => {
    expect(() => new MandateClient({ baseUrl: 'file:///etc', apiKey: 'k' })).toThrow(/http/);
  });
});
