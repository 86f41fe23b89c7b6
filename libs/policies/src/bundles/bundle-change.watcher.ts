import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { ChannelListener, DatabaseServer, parseOrgRevision } from '@mandate/db';
import { POLICY_ACTIVATED_CHANNEL } from '../shared/policy-event-type';

/** How often a long poll re-checks the store when no notification arrives (the embedded database). */
export const BUNDLE_POLL_INTERVAL_MS = 1000;

/**
 * Wakes long-polling bundle requests: a dedicated connection LISTENs on `mandate_policy_activated` (opened
 * with the first long poll, reconnected after errors) and wakes the waiters of the named organisation;
 * every waiter also re-checks once a second, so a missed notification or a key rotation is seen too.
 */
@Injectable()
export class BundleChangeWatcher implements OnModuleDestroy {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly observers: Array<(orgId: string) => void> = [];
  private listener: ChannelListener | undefined;
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
    for (const set of this.waiters.values()) for (const wake of set) wake();
    this.waiters.clear();
    void this.listener?.stop();
    this.listener = undefined;
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
    if (this.closed || this.listener) return;
    this.listener = new ChannelListener(
      this.database.url,
      POLICY_ACTIVATED_CHANNEL,
      {
        onMessage: (payload) => {
          // A malformed payload wakes nobody; the poll still runs.
          const activation = parseOrgRevision(payload);
          if (activation) this.wake(activation.orgId);
        },
      },
      'mandate-bundle-listener',
    );
    this.listener.start();
  }
}
