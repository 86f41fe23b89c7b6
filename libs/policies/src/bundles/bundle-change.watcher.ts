import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { DatabaseServer } from '@mandate/db';
import { Client } from 'pg';
import { POLICY_ACTIVATED_CHANNEL } from '../shared/policy-event-type';

/** How often a long poll re-checks the store when no notification arrives (the embedded database). */
export const BUNDLE_POLL_INTERVAL_MS = 1000;
const RECONNECT_DELAY_MS = 1000;

/**
 * Wakes long-polling bundle requests: a dedicated connection LISTENs on `mandate_policy_activated` (opened
 * with the first long poll, reconnected after errors) and wakes the waiters of the named organisation;
 * every waiter also re-checks once a second, so a missed notification or a key rotation is seen too.
 */
@Injectable()
export class BundleChangeWatcher implements OnModuleDestroy {
  private readonly logger = new Logger(BundleChangeWatcher.name);
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly observers: Array<(orgId: string) => void> = [];
  private client: Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly database: DatabaseServer) {}

  /**
   * Resolves true as soon as `changed()` is true (checked after each notification for `orgId` and at
   * least once a second), false when `timeoutMs` elapses, the signal aborts or the app shuts down.
   */
  async waitForChange(
    orgId: string,
    changed: () => Promise<boolean>,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    this.listen();
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && !signal?.aborted) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await this.sleep(orgId, Math.min(left, BUNDLE_POLL_INTERVAL_MS), signal);
      if (this.closed || signal?.aborted) return false;
      if (await changed()) return true;
    }
    return false;
  }

  /** Called with the organisation of every notification, before its waiters wake (cache invalidation). */
  onNotification(observer: (orgId: string) => void): void {
    this.observers.push(observer);
  }

  onModuleDestroy(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const set of this.waiters.values()) for (const wake of set) wake();
    this.waiters.clear();
    const client = this.client;
    this.client = undefined;
    void client?.end().catch(() => undefined);
  }

  private sleep(orgId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(orgId);
      if (!set) {
        set = new Set();
        this.waiters.set(orgId, set);
      }
      const waiters = set;
      const wake = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', wake);
        waiters.delete(wake);
        if (waiters.size === 0 && this.waiters.get(orgId) === waiters) this.waiters.delete(orgId);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      signal?.addEventListener('abort', wake, { once: true });
      waiters.add(wake);
    });
  }

  private wake(orgId: string): void {
    for (const observer of this.observers) observer(orgId);
    for (const wake of [...(this.waiters.get(orgId) ?? [])]) wake();
  }

  private listen(): void {
    if (this.closed || this.client) return;
    const client = new Client({
      connectionString: this.database.url,
      application_name: 'mandate-bundle-listener',
    });
    this.client = client;
    const retry = (error?: Error) => {
      if (this.client !== client) return;
      this.client = undefined;
      void client.end().catch(() => undefined);
      if (this.closed) return;
      if (error) this.logger.warn(`bundle change listener lost its connection: ${error.message}`);
      this.timer = setTimeout(() => this.listen(), RECONNECT_DELAY_MS);
      this.timer.unref();
    };
    client.on('error', retry);
    client.on('end', () => retry());
    client.on('notification', (message) => {
      if (message.channel !== POLICY_ACTIVATED_CHANNEL || !message.payload) return;
      try {
        const { orgId } = JSON.parse(message.payload) as { orgId?: unknown };
        if (typeof orgId === 'string') this.wake(orgId);
      } catch {
        // a malformed payload wakes nobody; the poll still runs
      }
    });
    client
      .connect()
      .then(() => client.query(`LISTEN ${POLICY_ACTIVATED_CHANNEL}`))
      .catch((error: Error) => retry(error));
  }
}
