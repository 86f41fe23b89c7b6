import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JSONWebKeySet } from 'jose';
import { readBundle, type PolicyBundle } from './bundle-reader';
import { verifyBundle } from './bundle-signature';
import { LocalPolicy } from './local-policy';
import type { MandateClient } from './mandate-client';

export interface BundlePollerOptions {
  client: MandateClient;
  /** The organisation whose bundle to fetch (`GET /v1/bundles/{org}`). */
  org: string;
  /** Where the last good bundle is kept (survives restarts while Mandate is down). Optional. */
  cacheDir?: string;
  /** Poll interval (default 10 s). */
  intervalMs?: number;
  /** Called with every failed poll (the last good policy stays in use). */
  onError?: (error: unknown) => void;
  /**
   * The organisation's bundle signing keys (JWKS from `GET /v1/bundles/{org}/keys`, pinned in the gateway's
   * configuration). When set, a bundle whose signature does not verify is never used (nor written to disk).
   */
  keys?: JSONWebKeySet;
  /** Called when a new bundle is in use. */
  onUpdate?: (policy: LocalPolicy, etag: string | null) => void;
}

const BUNDLE_FILE = 'bundle.tar.gz';
const ETAG_FILE = 'bundle.etag';

/**
 * Keeps the organisation's compiled policy available locally: polls the bundle API with `If-None-Match`,
 * loads each new bundle, and writes it to `cacheDir` only after it loaded (so the disk always holds the last
 * GOOD bundle). On start it loads the disk copy first, so a gateway restarted during an outage still has one.
 */
export class BundlePoller {
  private policy: LocalPolicy | undefined;
  private etag: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(private readonly options: BundlePollerOptions) {}

  /** The policy in use, if any bundle was ever loaded. */
  current(): LocalPolicy | undefined {
    return this.policy;
  }

  currentEtag(): string | undefined {
    return this.etag;
  }

  /** Loads the disk copy, polls once, then every `intervalMs` (the timer does not keep Node alive). */
  async start(): Promise<void> {
    await this.loadFromDisk();
    await this.pollOnce();
    this.timer = setInterval(() => void this.pollOnce(), this.options.intervalMs ?? 10_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One poll; failures are reported to `onError` and leave the current policy in place. */
  pollOnce(): Promise<void> {
    this.polling ??= this.poll().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async poll(): Promise<void> {
    try {
      const answer = await this.options.client.fetchBundle(this.options.org, this.etag);
      if (answer.notModified) return;
      const policy = await LocalPolicy.load(await this.checked(answer.bytes));
      this.policy = policy;
      this.etag = answer.etag ?? undefined;
      await this.saveToDisk(answer.bytes, answer.etag);
      this.options.onUpdate?.(policy, answer.etag);
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  private async loadFromDisk(): Promise<void> {
    const dir = this.options.cacheDir;
    if (!dir) return;
    try {
      const bytes = await readFile(join(dir, BUNDLE_FILE));
      const etag = await readFile(join(dir, ETAG_FILE), 'utf8').catch(() => '');
      this.policy = await LocalPolicy.load(await this.checked(bytes));
      this.etag = etag.trim() || undefined;
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') this.options.onError?.(error);
    }
  }

  /** Reads the bundle and, with pinned keys, verifies its signature. */
  private async checked(bytes: Uint8Array): Promise<PolicyBundle> {
    const bundle = await readBundle(bytes);
    if (this.options.keys) await verifyBundle(bundle, this.options.keys);
    return bundle;
  }

  private async saveToDisk(bytes: Uint8Array, etag: string | null): Promise<void> {
    const dir = this.options.cacheDir;
    if (!dir) return;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = join(dir, `${BUNDLE_FILE}.${process.pid}.tmp`);
    await writeFile(tmp, bytes, { mode: 0o600 });
    await rename(tmp, join(dir, BUNDLE_FILE));
    await writeFile(join(dir, ETAG_FILE), etag ?? '', { mode: 0o600 });
  }
}
