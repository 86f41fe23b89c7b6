import { Logger } from '@nestjs/common';
import { Client } from 'pg';

const RECONNECT_DELAY_MS = 1000;

/** What a {@link ChannelListener} reports. */
export interface ChannelEvents {
  /** A notification's payload (committed by the sender's transaction). */
  onMessage(payload: string): void;
  /** LISTEN is in place: from now on every committed notification is reported. */
  onListening?(): void;
  /** The connection is gone: notifications may be missed until onListening is called again. */
  onLost?(): void;
}

/**
 * A dedicated PostgreSQL connection that LISTENs on one channel (the way replicas tell each other that
 * something changed: policy activations, API keys, catalog, grants, approvals). Reconnects one second after
 * an error and says when it is listening and when it lost its connection, so a cache knows when it may
 * trust that it hears of every change. The embedded database may not deliver notifications: callers that
 * must see changes within a bound also poll.
 */
export class ChannelListener {
  private readonly logger: Logger;
  private client: Client | undefined;
  private stopped = true;
  private listeningNow = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly events: ChannelEvents,
    private readonly applicationName = `mandate-${channel}`,
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name: ${channel}`);
    this.logger = new Logger(`ChannelListener(${channel})`);
  }

  /** True while LISTEN is in place on a live connection. */
  get listening(): boolean {
    return this.listeningNow;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    if (client) this.lost();
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.url, application_name: this.applicationName });
    this.client = client;
    client.on('error', (error) => this.retry(client, error));
    client.on('end', () => this.retry(client, undefined));
    client.on('notification', (message) => {
      if (message.channel !== this.channel || message.payload === undefined) return;
      this.events.onMessage(message.payload);
    });
    try {
      await client.connect();
      // The channel name is checked in the constructor (LISTEN takes no parameters).
      await client.query(`LISTEN ${this.channel}`);
      if (this.client === client) {
        this.listeningNow = true;
        this.events.onListening?.();
      }
    } catch (error) {
      this.retry(client, error);
    }
  }

  private lost(): void {
    this.listeningNow = false;
    this.events.onLost?.();
  }

  private retry(client: Client, error: unknown): void {
    if (this.client !== client) return; // already replaced or stopped
    this.client = undefined;
    this.lost();
    void client.end().catch(() => undefined);
    if (this.stopped) return;
    if (error !== undefined) this.logger.warn(`lost its connection: ${(error as Error).message}`);
    this.timer = setTimeout(() => void this.connect(), RECONNECT_DELAY_MS);
    this.timer.unref();
  }
}

/** Parses the `{"orgId": "…", "revision": n}` payloads of per-organisation revision channels. */
export function parseOrgRevision(payload: string): { orgId: string; revision: number } | undefined {
  try {
    const value = JSON.parse(payload) as { orgId?: unknown; revision?: unknown };
    if (typeof value.orgId === 'string' && Number.isSafeInteger(value.revision)) {
      return { orgId: value.orgId, revision: value.revision as number };
    }
  } catch {
    // a malformed payload is ignored
  }
  return undefined;
}
