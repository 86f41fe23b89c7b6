import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ChannelListener, DatabaseServer, parseOrgRevision } from '@mandate/db';
import {
  ACTIVE_POLICY_READER,
  POLICY_ACTIVATED_CHANNEL,
  type ActivePolicy,
  type ActivePolicyReaderPort,
} from './active-policy.port';
import type { CachedPolicy } from './cached-policy';
import { DecisionPolicyError } from './decision-policy-error';

import { WasmPolicy } from './wasm-policy';

/** The poll fallback's period: replicas see an activation within this even without notifications. */
export const POLICY_POLL_INTERVAL_MS = 1000;

/**
 * The loaded policy of each organisation (one Wasm instance per organisation and revision). Kept fresh by
 * LISTEN on `mandate_policy_activated` and a ≤ 1 s poll of the active revision of every cached
 * organisation. Both start with the first decision (not in the worker or CLI, which never decide).
 */
@Injectable()
export class PolicyCache implements OnApplicationShutdown {
  private readonly logger = new Logger(PolicyCache.name);
  private readonly entries = new Map<string, CachedPolicy>();
  private readonly refreshing = new Map<string, Promise<CachedPolicy>>();
  private readonly modules = new WeakMap<Uint8Array, Promise<WebAssembly.Module>>();
  private readonly replacing = new Map<CachedPolicy, Promise<CachedPolicy>>();
  private baseline: Promise<ActivePolicy> | undefined;
  private listener: ChannelListener | undefined;
  private poller: NodeJS.Timeout | undefined;
  private polling = false;
  private closed = false;

  constructor(
    @Inject(ACTIVE_POLICY_READER) private readonly reader: ActivePolicyReaderPort,
    private readonly database: DatabaseServer,
  ) {}

  /**
   * The policy to evaluate for the organisation, at revision `minRevision` or newer (reloaded from the store
   * when the cache is behind). Throws DecisionPolicyError (`stale_state`, `no_policy`, `policy_error`, …).
   */
  async policyFor(orgId: string, minRevision = 0): Promise<CachedPolicy> {
    this.startWatching();
    const cached = this.entries.get(orgId);
    if (cached && cached.revision >= minRevision) {
      return cached.instance.failed ? this.reinstantiate(cached) : cached;
    }
    const fresh = await this.refresh(orgId);
    if (fresh.revision < minRevision) {
      throw new DecisionPolicyError(
        'stale_state',
        `policy revision ${minRevision} was requested but revision ${fresh.revision} is the newest`,
      );
    }
    return fresh;
  }

  /** Re-reads the organisation's active policy; concurrent calls share one load. */
  refresh(orgId: string): Promise<CachedPolicy> {
    let pending = this.refreshing.get(orgId);
    if (!pending) {
      pending = this.load(orgId).finally(() => this.refreshing.delete(orgId));
      this.refreshing.set(orgId, pending);
    }
    return pending;
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    await this.listener?.stop();
  }

  private async load(orgId: string): Promise<CachedPolicy> {
    let active: ActivePolicy | null;
    try {
      active = await this.reader.getActive(orgId);
    } catch (error) {
      throw new DecisionPolicyError('policy_unavailable', 'the policy store could not be read', {
        cause: error,
      });
    }
    if (active === null) active = await this.getBaseline();
    const cached = this.entries.get(orgId);
    if (
      cached &&
      !cached.instance.failed &&
      cached.revision === active.revision &&
      cached.versionId === active.versionId
    ) {
      return cached;
    }
    let module: WebAssembly.Module;
    let instance: WasmPolicy;
    try {
      module = await this.compiled(active.wasm);
      instance = await WasmPolicy.load(module, active.entrypoint);
    } catch (error) {
      throw new DecisionPolicyError('policy_error', 'the active policy could not be loaded', {
        cause: error,
      });
    }
    const entry: CachedPolicy = {
      orgId,
      revision: active.revision,
      versionId: active.versionId,
      entrypoint: active.entrypoint,
      source: active,
      module,
      instance,
    };
    const current = this.entries.get(orgId);
    // Never replace a newer revision with an older one (a slow load racing a newer activation).
    if (!current || current.instance.failed || current.revision <= entry.revision)
      this.entries.set(orgId, entry);
    return this.entries.get(orgId) ?? entry;
  }

  /** Compiles each stored module once (the baseline's bytes are shared by every organisation using it). */
  private compiled(wasm: Uint8Array): Promise<WebAssembly.Module> {
    let module = this.modules.get(wasm);
    if (!module) {
      module = WasmPolicy.compile(wasm);
      this.modules.set(wasm, module);
      module.catch(() => this.modules.delete(wasm));
    }
    return module;
  }

  /** A fresh instance of the same compiled module, replacing one that trapped (one per trap). */
  private reinstantiate(entry: CachedPolicy): Promise<CachedPolicy> {
    let pending = this.replacing.get(entry);
    if (!pending) {
      pending = this.replace(entry).finally(() => this.replacing.delete(entry));
      this.replacing.set(entry, pending);
    }
    return pending;
  }

  private async replace(entry: CachedPolicy): Promise<CachedPolicy> {
    let instance: WasmPolicy;
    try {
      instance = await WasmPolicy.load(entry.module, entry.entrypoint);
    } catch (error) {
      throw new DecisionPolicyError('policy_error', 'the active policy could not be instantiated', {
        cause: error,
      });
    }
    const replaced: CachedPolicy = { ...entry, instance };
    if (this.entries.get(entry.orgId) === entry) this.entries.set(entry.orgId, replaced);
    return replaced;
  }

  private getBaseline(): Promise<ActivePolicy> {
    this.baseline ??= this.reader.getBaseline().catch((error: unknown) => {
      this.baseline = undefined;
      throw new DecisionPolicyError('no_policy', 'no active policy and the baseline is unavailable', {
        cause: error,
      });
    });
    return this.baseline;
  }

  private startWatching(): void {
    if (this.closed || this.poller) return;
    this.poller = setInterval(() => void this.poll(), POLICY_POLL_INTERVAL_MS);
    this.poller.unref();
    this.listener = new ChannelListener(
      this.database.url,
      POLICY_ACTIVATED_CHANNEL,
      {
        onMessage: (payload) => {
          const activation = parseOrgRevision(payload);
          if (activation) this.onActivation(activation);
        },
      },
      'mandate-policy-listener',
    );
    this.listener.start();
  }

  private onActivation(activation: { orgId: string; revision: number }): void {
    const cached = this.entries.get(activation.orgId);
    if (!cached || cached.revision >= activation.revision) return;
    this.refresh(activation.orgId).catch((error: unknown) =>
      this.logger.warn(`reloading the policy of ${activation.orgId} failed: ${(error as Error).message}`),
    );
  }

  private async poll(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      for (const [orgId, entry] of [...this.entries]) {
        try {
          if (this.reader.getActiveRevision) {
            const revision = await this.reader.getActiveRevision(orgId);
            if (revision === entry.revision) continue;
          }
          await this.refresh(orgId);
        } catch (error) {
          this.logger.warn(`polling the policy of ${orgId} failed: ${(error as Error).message}`);
        }
      }
    } finally {
      this.polling = false;
    }
  }
}
