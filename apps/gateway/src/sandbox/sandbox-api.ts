import type { ViolationKind, ViolationSource } from '@mandate/sandbox';

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ResolvedSandbox {
  profile: { name: string; revision: number; digest: string; spec: Record<string, unknown> } | null;
  quarantine: { kind: string; detail: string; since: string } | null;
}

export interface ViolationReport {
  server: string;
  tool?: string;
  kind: ViolationKind;
  source: ViolationSource;
  detail: string;
  profileDigest?: string;
  gateway?: string;
}

/** The two sandbox endpoints a gateway calls (API key with `decisions:evaluate`). */
export interface SandboxApi {
  resolve(server: string): Promise<ResolvedSandbox>;
  report(violation: ViolationReport): Promise<void>;
}

/** SandboxApi over HTTP: `GET /v1/sandbox/profiles/resolve`, `POST /v1/sandbox/violations`. */
export function httpSandboxApi(options: {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  fetch?: FetchLike;
}): SandboxApi {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const request = async (path: string, init: RequestInit = {}): Promise<unknown> => {
    const response = await doFetch(`${base}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${options.apiKey}`,
        accept: 'application/json',
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`Mandate answered ${response.status} to ${path}: ${text.slice(0, 200)}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
  return {
    async resolve(server) {
      const body = (await request(
        `/v1/sandbox/profiles/resolve?server=${encodeURIComponent(server)}`,
      )) as ResolvedSandbox;
      return { profile: body.profile ?? null, quarantine: body.quarantine ?? null };
    },
    async report(violation) {
      await request('/v1/sandbox/violations', { method: 'POST', body: JSON.stringify(violation) });
    },
  };
}
