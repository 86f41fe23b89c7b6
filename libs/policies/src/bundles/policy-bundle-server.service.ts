import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ActivePolicyReader } from '../active/active-policy.reader';
import type { ActivePolicy } from '../active/active-policy';
import { sha256Hex } from '../shared/file-digests';
import { BundleChangeWatcher } from './bundle-change.watcher';
import { BundleSigningKeys } from './bundle-signing-keys';
import { writeOpaBundle } from './opa-bundle.writer';

/** A built, signed bundle of one organisation. */
export interface ServedBundle {
  etag: string;
  revision: number;
  body: Buffer;
}

/** Longest accepted long poll, in seconds. */
export const MAX_BUNDLE_WAIT_SECONDS = 60;
/** How long one ETag read answers the other long polls of the organisation. */
const SHARED_READ_MS = 200;
/** Organisations whose last bundle is kept in memory. */
const MAX_CACHED_BUNDLES = 1000;

interface BundleState {
  revision: number;
  versionId: string;
  wasmSha256: string;
  kid: string;
}

/**
 * Serves each organisation's active policy (or the baseline, revision 0) as a signed OPA bundle. The ETag
 * names (organisation, revision, version, module digest, signing key), so it is the same on every replica
 * and changes with an activation, a rollback or a key rotation; a cheap query answers "unchanged" without
 * reading the module. The last bundle of each organisation is kept in memory.
 */
@Injectable()
export class PolicyBundleServer {
  private readonly cache = new Map<string, ServedBundle>();
  /** Recent ETag reads shared by the long polls of one organisation (one query per wake-up, not one each). */
  private readonly sharedReads = new Map<string, { at: number; etag: Promise<string> }>();
  private baselineSha: Promise<string> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly reader: ActivePolicyReader,
    private readonly keys: BundleSigningKeys,
    private readonly watcher: BundleChangeWatcher,
  ) {
    // A notification is sent on commit: reads shared before it may predate the change.
    watcher.onNotification((orgId) => this.sharedReads.delete(orgId));
  }

  /** The current ETag (quoted) of the organisation's bundle; creates its signing key on first use. */
  async currentEtag(orgId: string): Promise<string> {
    return etagOf(orgId, await this.state(orgId));
  }

  /** The organisation's bundle, built (and signed) once per ETag. */
  async bundle(orgId: string): Promise<ServedBundle> {
    const etag = await this.currentEtag(orgId);
    const cached = this.cache.get(orgId);
    if (cached?.etag === etag) return cached;
    const active: ActivePolicy = (await this.reader.getActive(orgId)) ?? (await this.reader.getBaseline());
    const signer = await this.keys.signingKey(orgId);
    const built = await writeOpaBundle({
      orgId,
      revision: active.revision,
      versionId: active.versionId,
      wasm: active.wasm,
      activatedAt: active.revision === 0 ? new Date(0) : active.activatedAt,
      signer,
    });
    const served: ServedBundle = {
      // From what was actually packed (an activation may have landed since the ETag was read).
      etag: etagOf(orgId, {
        revision: active.revision,
        versionId: active.versionId,
        wasmSha256: sha256Hex(active.wasm),
        kid: signer.kid,
      }),
      revision: active.revision,
      body: built.body,
    };
    this.cache.delete(orgId);
    if (this.cache.size >= MAX_CACHED_BUNDLES) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(orgId, served);
    return served;
  }

  /**
   * Long poll: resolves true once the organisation's ETag differs from `etag` (after an activation,
   * rollback or key rotation), false after `seconds` or when `signal` aborts.
   */
  waitForChange(orgId: string, etag: string, seconds: number, signal?: AbortSignal): Promise<boolean> {
    const timeout = Math.min(seconds, MAX_BUNDLE_WAIT_SECONDS) * 1000;
    return this.watcher.waitForChange(
      orgId,
      async () => (await this.sharedEtag(orgId)) !== etag,
      timeout,
      signal,
    );
  }

  private sharedEtag(orgId: string): Promise<string> {
    const recent = this.sharedReads.get(orgId);
    if (recent && Date.now() - recent.at < SHARED_READ_MS) return recent.etag;
    const etag = this.currentEtag(orgId);
    this.sharedReads.set(orgId, { at: Date.now(), etag });
    etag.then(
      () => setTimeout(() => this.forget(orgId, etag), SHARED_READ_MS).unref(),
      () => this.forget(orgId, etag),
    );
    return etag;
  }

  private forget(orgId: string, etag: Promise<string>): void {
    if (this.sharedReads.get(orgId)?.etag === etag) this.sharedReads.delete(orgId);
  }

  private async state(orgId: string): Promise<BundleState> {
    const rows = await this.dataSource.query<
      Array<{
        revision: number | null;
        version_id: string | null;
        wasm_sha256: string | null;
        kid: string | null;
      }>
    >(
      `SELECT h.revision, h.version_id, v.wasm_sha256,
              (SELECT k.key_id FROM policy_bundle_keys k WHERE k.org_id = $1 AND k.retired_at IS NULL) AS kid
         FROM (SELECT $1::uuid AS org_id) o
         LEFT JOIN policy_heads h ON h.org_id = o.org_id
         LEFT JOIN policy_versions v ON v.id = h.version_id AND v.org_id = h.org_id`,
      [orgId],
    );
    const row = rows[0];
    const kid = row?.kid ?? (await this.keys.signingKey(orgId)).kid;
    if (!row || row.version_id === null || row.wasm_sha256 === null) {
      return { revision: 0, versionId: 'baseline', wasmSha256: await this.baselineDigest(), kid };
    }
    return { revision: row.revision ?? 0, versionId: row.version_id, wasmSha256: row.wasm_sha256, kid };
  }

  private baselineDigest(): Promise<string> {
    this.baselineSha ??= this.reader.getBaseline().then(
      (baseline) => sha256Hex(baseline.wasm),
      (error: unknown) => {
        this.baselineSha = undefined;
        throw error;
      },
    );
    return this.baselineSha;
  }
}

function etagOf(orgId: string, state: BundleState): string {
  const digest = createHash('sha256')
    .update(`${orgId}\n${state.revision}\n${state.versionId}\n${state.wasmSha256}\n${state.kid}`)
    .digest('hex')
    .slice(0, 32);
  return `"r${state.revision}-${digest}"`;
}
