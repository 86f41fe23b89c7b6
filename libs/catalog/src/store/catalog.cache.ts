import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ChannelListener, DatabaseServer, parseOrgRevision } from '@mandate/db';
import { CATALOG_CHANGED_CHANNEL } from './catalog-change.channel';
import type { OrgCatalog } from './catalog-snapshot';
import { CatalogReader } from './catalog.reader';

/** Replicas notice a catalog change within this period even without notifications. */
export const CATALOG_POLL_INTERVAL_MS = 1000;
/** Organisations whose catalog is kept in memory at most (least recently used are dropped). */
export const MAX_CACHED_ORGS = 1000;

/** Where the cache reads from (the database in production, a fake in unit tests). */
export interface CatalogSource {
  load(orgId: string): Promise<OrgCatalog>;
  revisions(orgIds: readonly string[]): Promise<Map<string, number>>;
}

/**
 * Each organisation's catalog in memory, so a decision needs no database round trip for it. Invalidated
 * by this process's own changes at once, by other replicas' through `LISTEN mandate_catalog_changed`, and
 * by a ≤ 1 s poll of the catalog revisions as a fallback. A decision carrying a consistency token reads
 * the database (`fresh`).
 */
@Injectable()
export class CatalogCache implements OnApplicationShutdown {
  private readonly logger = new Logger(CatalogCache.name);
  private readonly entries = new Map<string, OrgCatalog>();
  private readonly loading = new Map<string, Promise<OrgCatalog>>();
  /** Bumped on every invalidation, so a load that started before it is not cached. */
  private readonly generations = new Map<string, number>();
  private listener: ChannelListener | undefined;
  private poller: NodeJS.Timeout | undefined;
  private polling = false;
  private closed = false;
  private readonly source: CatalogSource;

  constructor(
    reader: CatalogReader,
    private readonly database: DatabaseServer,
  ) {
    this.source = reader;
  }

  /** The organisation's catalog; `fresh` bypasses the cached copy (and replaces it). */
  async get(orgId: string, fresh = false): Promise<OrgCatalog> {
    this.startWatching();
    if (!fresh) {
      const cached = this.entries.get(orgId);
      if (cached) {
        // Most recently used last: the Map's order is the eviction order.
        this.entries.delete(orgId);
        this.entries.set(orgId, cached);
        return cached;
      }
      const pending = this.loading.get(orgId);
      if (pending) return pending;
    }
    const generation = this.generations.get(orgId) ?? 0;
    const load = this.source.load(orgId).then((catalog) => {
      if ((this.generations.get(orgId) ?? 0) === generation) this.store(catalog);
      return catalog;
    });
    if (!fresh) {
      this.loading.set(orgId, load);
      void load.catch(() => undefined).finally(() => this.loading.delete(orgId));
    }
    return load;
  }

  /** Forgets the organisation's copy (after a change; the next decision reloads it). */
  invalidate(orgId: string): void {
    this.generations.set(orgId, (this.generations.get(orgId) ?? 0) + 1);
    this.entries.delete(orgId);
    this.loading.delete(orgId);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    await this.listener?.stop();
  }

  /** For tests: the revision of the cached copy, or undefined. */
  cachedRevision(orgId: string): number | undefined {
    return this.entries.get(orgId)?.revision;
  }

  private store(catalog: OrgCatalog): void {
    const current = this.entries.get(catalog.orgId);
    if (current && current.revision > catalog.revision) return;
    this.entries.delete(catalog.orgId);
    this.entries.set(catalog.orgId, catalog);
    while (this.entries.size > MAX_CACHED_ORGS) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  private startWatching(): void {
    if (this.closed || this.poller) return;
    this.poller = setInterval(() => void this.poll(), CATALOG_POLL_INTERVAL_MS);
    this.poller.unref();
    this.listener = new ChannelListener(
      this.database.url,
      CATALOG_CHANGED_CHANNEL,
      {
        onMessage: (payload) => {
          const change = parseOrgRevision(payload);
          if (change) this.onChange(change);
        },
      },
      'mandate-catalog-listener',
    );
    this.listener.start();
  }

  private onChange(change: { orgId: string; revision: number }): void {
    const cached = this.entries.get(change.orgId);
    if (cached && cached.revision >= change.revision) return;
    this.invalidate(change.orgId);
  }

  private async poll(): Promise<void> {
    if (this.polling || this.closed || this.entries.size === 0) return;
    this.polling = true;
    try {
      const orgIds = [...this.entries.keys()];
      const revisions = await this.source.revisions(orgIds);
      for (const orgId of orgIds) {
        const cached = this.entries.get(orgId);
        if (cached && (revisions.get(orgId) ?? 0) !== cached.revision) this.invalidate(orgId);
      }
    } catch (error) {
      this.logger.warn(`polling catalog revisions failed: ${(error as Error).message}`);
    } finally {
      this.polling = false;
    }
  }
}
