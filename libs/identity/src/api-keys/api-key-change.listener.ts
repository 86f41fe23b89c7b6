import { Logger } from '@nestjs/common';
import { Client } from 'pg';

/** PostgreSQL channel on which a change to an API key (revocation) is announced with the key's id. */
export const API_KEY_CHANGED_CHANNEL = 'mandate_api_key_changed';

const RECONNECT_DELAY_MS = 1000;

export interface ApiKeyChangeEvents {
  /** LISTEN is in place: from now on every committed change is reported. */
  onListening(): void;
  /** The connection is gone: changes may be missed until onListening is called again. */
  onLost(): void;
  /** A key changed (its id). */
  onChanged(apiKeyId: string): void;
}

/**
 * A dedicated PostgreSQL connection that LISTENs on {@link API_KEY_CHANGED_CHANNEL}. It reports when it is
 * listening and when it lost its connection (so the cache knows when it may trust its entries), and
 * reconnects after an error.
 */
export class ApiKeyChangeListener {
  private readonly logger = new Logger('ApiKeyChangeListener');
  private client: Client | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly events: ApiKeyChangeEvents,
  ) {}

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    if (client) this.events.onLost();
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.url, application_name: 'mandate-api-key-listener' });
    this.client = client;
    client.on('error', (error) => this.retry(client, error));
    client.on('end', () => this.retry(client, undefined));
    client.on('notification', (message) => {
      if (message.channel !== API_KEY_CHANGED_CHANNEL || message.payload === undefined) return;
      this.events.onChanged(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${API_KEY_CHANGED_CHANNEL}`);
      if (this.client === client) this.events.onListening();
    } catch (error) {
      this.retry(client, error);
    }
  }

  private retry(client: Client, error: unknown): void {
    if (this.client !== client) return; // already replaced or stopped
    this.client = undefined;
    this.events.onLost();
    void client.end().catch(() => undefined);
    if (this.stopped) return;
    if (error !== undefined) {
      this.logger.warn(`API key listener lost its connection: ${(error as Error).message}`);
    }
    this.timer = setTimeout(() => void this.connect(), RECONNECT_DELAY_MS);
    this.timer.unref();
  }
}
