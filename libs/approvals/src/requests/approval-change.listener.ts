import {
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DatabaseServer } from '@mandate/db';
import { InProcessJobRunner, OutboxRelay } from '@mandate/queue';
import { Client } from 'pg';
import { APPROVAL_CHANGED_CHANNEL } from '../shared/approval-events';

const RECONNECT_DELAY_MS = 1000;
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
  private client: Client | undefined;
  private listeningNow = false;
  private readonly changeHandlers = new Set<() => void>();
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly database: DatabaseServer,
    @Optional() private readonly runner?: InProcessJobRunner,
    @Optional() private readonly relay?: OutboxRelay,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.runner && !this.relay) return; // CLI tools serve no long-polls
    this.stopped = false;
    void this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.listeningNow = false;
    if (this.timer) clearTimeout(this.timer);
    for (const set of this.waiters.values()) for (const wake of set) wake();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
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
    return this.listeningNow;
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

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({
      connectionString: this.database.url,
      application_name: 'mandate-approval-listener',
    });
    this.client = client;
    client.on('error', (error) => this.retry(client, error));
    client.on('end', () => this.retry(client, undefined));
    client.on('notification', (message) => {
      if (message.channel !== APPROVAL_CHANGED_CHANNEL) return;
      this.changed();
      if (message.payload) this.wake(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${APPROVAL_CHANGED_CHANNEL}`);
      if (this.client === client) {
        this.listeningNow = true;
        this.changed();
      }
    } catch (error) {
      this.retry(client, error);
    }
  }

  private retry(client: Client, error: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.listeningNow = false;
    this.changed();
    void client.end().catch(() => undefined);
    if (this.stopped) return;
    if (error !== undefined)
      this.logger.warn(`approval listener lost its connection: ${(error as Error).message}`);
    this.timer = setTimeout(() => void this.connect(), RECONNECT_DELAY_MS);
    this.timer.unref();
  }
}
