import {
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ChannelListener, DatabaseServer } from '@mandate/db';
import { InProcessJobRunner, OutboxRelay } from '@mandate/queue';
import { APPROVAL_CHANGED_CHANNEL } from '../shared/approval-events';

/** Long-polls waiting at once in this process; beyond, a long-poll answers at once. */
export const MAX_WAITERS = 1000;
/** Waiters re-check the database this often too (a missed notification, the embedded database). */
const RECHECK_MS = 2000;

/**
 * Wakes long-polls (`GET /v1/approvals/:id?wait=…`) when a request changes, on any replica: transitions
 * `pg_notify('mandate_approval_changed', id)` in their transaction; one dedicated connection per process
 * LISTENs and resolves the local waiters of that id.
 */
@Injectable()
export class ApprovalChangeListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ApprovalChangeListener');
  private readonly waiters = new Map<string, Set<() => void>>();
  private count = 0;
  private listener: ChannelListener | undefined;
  private readonly changeHandlers = new Set<() => void>();
  private stopped = true;

  constructor(
    private readonly database: DatabaseServer,
    @Optional() private readonly runner?: InProcessJobRunner,
    @Optional() private readonly relay?: OutboxRelay,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.runner && !this.relay) return; // CLI tools serve no long-polls
    this.stopped = false;
    this.listener = new ChannelListener(
      this.database.url,
      APPROVAL_CHANGED_CHANNEL,
      {
        onMessage: (id) => {
          this.changed();
          this.wake(id);
        },
        // Changes may have been missed while the connection was down: caches start over.
        onListening: () => this.changed(),
        onLost: () => this.changed(),
      },
      'mandate-approval-listener',
    );
    this.listener.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const set of this.waiters.values()) for (const wake of set) wake();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.stop();
  }

  /**
   * Resolves when the request `id` may have changed, after at most `ms` (and at most RECHECK_MS, so the
   * caller re-reads the database), or false at once when too many waiters are in flight.
   */
  wait(id: string, ms: number): Promise<boolean> {
    if (this.count >= MAX_WAITERS || this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      let set = this.waiters.get(id);
      if (!set) {
        set = new Set();
        this.waiters.set(id, set);
      }
      const own = set;
      this.count += 1;
      const done = () => {
        clearTimeout(timer);
        if (own.delete(done)) this.count -= 1;
        if (own.size === 0 && this.waiters.get(id) === own) this.waiters.delete(id);
        resolve(true);
      };
      const timer = setTimeout(done, Math.max(0, Math.min(ms, RECHECK_MS)));
      own.add(done);
    });
  }

  /**
   * Calls `handler` on every approval change notified by any replica, and whenever the connection is lost
   * or regained (changes may have been missed). Caches of approvals subscribe here.
   */
  onChange(handler: () => void): void {
    this.changeHandlers.add(handler);
  }

  /** True while the LISTEN connection is up: only then may caches trust that they hear of changes. */
  get listening(): boolean {
    return this.listener?.listening ?? false;
  }

  private changed(): void {
    for (const handler of this.changeHandlers) handler();
  }

  /** Waiters in flight (for tests and metrics). */
  get waiting(): number {
    return this.count;
  }

  private wake(id: string): void {
    const set = this.waiters.get(id);
    if (set) for (const wake of [...set]) wake();
  }
}
