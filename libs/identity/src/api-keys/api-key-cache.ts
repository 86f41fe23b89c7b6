import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ChannelListener, DatabaseServer, type ChannelEvents } from '@mandate/db';
import type { Principal } from '../access/principal';
import { API_KEY_CHANGED_CHANNEL } from './api-key-change.channel';

/** Longest time an entry is reused even when no change is announced (a bound, not the invalidation path). */
export const API_KEY_CACHE_TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;

/** What the cache keeps of a key: the row's facts that decide validity, and the principal it yields. */
export interface CachedApiKey {
  id: string;
  /** null when no key has this hash (negative answers are never cached, only shared while in flight). */
  expiresAt: number | null;
  revoked: boolean;
  lastUsedAt: number | null;
  principal: Principal;
}

interface Entry {
  at: number;
  key: CachedApiKey;
}

/** The source of truth the cache falls back to: the key with this SHA-256 hash, or null. */
export type ApiKeyLoader = () => Promise<CachedApiKey | null>;

/**
 * API keys resolved by the hash of the presented token, for the hot path (gateways authenticate every
 * decision). Correctness rests on PostgreSQL LISTEN/NOTIFY, not on the TTL:
 * - a trigger on `api_keys` NOTIFYs `mandate_api_key_changed` with the key's id whenever its validity
 *   changes (revocation, expiry, scopes, role, deletion — even by hand in SQL), and every replica's listener
 *   drops that key on commit (milliseconds); the revoking process also drops it directly, which covers an
 *   embedded database that delivers no notifications;
 * - entries are used only while the listener is connected and LISTENing; when it loses its connection
 *   every entry is dropped and nothing is cached until it listens again (a missed notification can never
 *   leave a revoked key usable);
 * - a load that started before an invalidation is not cached (a generation counter), so a read racing a
 *   revocation cannot put the old row back;
 * - expiry is checked on every request against the cached `expiresAt`; {@link API_KEY_CACHE_TTL_MS}
 *   bounds an entry's life anyway.
 * Only existing keys are cached (no negative entries: unknown tokens cannot fill memory).
 */
@Injectable()
export class ApiKeyCache implements OnApplicationShutdown {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<CachedApiKey | null>>();
  private generation = 0;
  private listening = false;
  private listener: ChannelListener | undefined;
  private closed = false;

  constructor(private readonly database: DatabaseServer) {}

  /** The key with SHA-256 hash `hash` (hex), from the cache or from `load`. */
  get(hash: string, load: ApiKeyLoader, now: number = Date.now()): Promise<CachedApiKey | null> {
    this.start();
    const entry = this.entries.get(hash);
    if (entry !== undefined) {
      if (this.listening && now - entry.at < API_KEY_CACHE_TTL_MS) return Promise.resolve(entry.key);
      this.entries.delete(hash);
    }
    const pending = this.loading.get(hash);
    if (pending !== undefined) return pending;
    const generation = this.generation;
    const cacheable = this.listening;
    const loaded = load().finally(() => {
      if (this.loading.get(hash) === loaded) this.loading.delete(hash);
    });
    this.loading.set(hash, loaded);
    return loaded.then((key) => {
      if (key !== null && cacheable && this.listening && generation === this.generation) {
        if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
        this.entries.set(hash, { at: now, key });
      }
      return key;
    });
  }

  /** Drops the key with this id (after a change committed here, or announced by another replica). */
  forget(apiKeyId: string): void {
    this.generation += 1;
    this.loading.clear();
    for (const [hash, entry] of this.entries) if (entry.key.id === apiKeyId) this.entries.delete(hash);
  }

  /** Number of cached keys and whether the change listener is connected (tests, metrics). */
  state(): { size: number; listening: boolean } {
    return { size: this.entries.size, listening: this.listening };
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await this.listener?.stop();
    this.listener = undefined;
  }

  private start(): void {
    if (this.listener !== undefined || this.closed) return;
    const events: ChannelEvents = {
      onListening: () => {
        this.generation += 1;
        this.listening = true;
      },
      onLost: () => {
        this.listening = false;
        this.generation += 1;
        this.loading.clear();
        this.entries.clear();
      },
      onMessage: (id) => this.forget(id),
    };
    this.listener = new ChannelListener(
      this.database.url,
      API_KEY_CHANGED_CHANNEL,
      events,
      'mandate-api-key-listener',
    );
    this.listener.start();
  }
}
