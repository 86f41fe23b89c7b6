import { Logger } from '@nestjs/common';
import { Client } from 'pg';

/** Channel on which a committed catalog change is announced: payload `{"orgId": …, "revision": n}`. */
export const CATALOG_CHANGED_CHANNEL = 'mandate_catalog_changed';

export interface CatalogChange {
  orgId: string;
  revision: number;
}

const RECONNECT_DELAY_MS = 1000;

/**
 * A dedicated PostgreSQL connection that LISTENs on `mandate_catalog_changed` and reports each change.
 * Reconnects after an error. The embedded database may not deliver notifications: the cache also polls.
 */
export class CatalogChangeListener {
  private readonly logger = new Logger('CatalogChangeListener');
  private client: Client | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly onChange: (change: CatalogChange) => void,
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
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.url, application_name: 'mandate-catalog-listener' });
    this.client = client;
    client.on('error', (error) => this.retry(client, error));
    client.on('end', () => this.retry(client, undefined));
    client.on('notification', (message) => {
      if (message.channel !== CATALOG_CHANGED_CHANNEL || message.payload === undefined) return;
      const change = parseChange(message.payload);
      if (change) this.onChange(change);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CATALOG_CHANGED_CHANNEL}`);
    } catch (error) {
      this.retry(client, error);
    }
  }

  private retry(client: Client, error: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    void client.end().catch(() => undefined);
    if (this.stopped) return;
    if (error !== undefined) {
      this.logger.warn(`catalog change listener lost its connection: ${(error as Error).message}`);
    }
    this.timer = setTimeout(() => void this.connect(), RECONNECT_DELAY_MS);
    this.timer.unref();
  }
}

export function parseChange(payload: string): CatalogChange | undefined {
  try {
    const value = JSON.parse(payload) as { orgId?: unknown; revision?: unknown };
    if (typeof value.orgId === 'string' && Number.isSafeInteger(value.revision)) {
      return { orgId: value.orgId, revision: value.revision as number };
    }
  } catch {
    // ignore malformed payloads
  }
  return undefined;
}
