import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { GRANTS_CHANGED_CHANNEL } from '../shared/grant-event-type';

const RECONNECT_DELAY_MS = 1000;

/**
 * A dedicated connection LISTENing on `mandate_grants_changed`; reports the organisation of each change.
 * Reconnects after an error (the directory's poll covers the gap and databases without notifications).
 */
export class GrantChangeListener {
  private readonly logger = new Logger('GrantChangeListener');
  private client: Client | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly onChange: (orgId: string) => void,
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
    const client = new Client({ connectionString: this.url, application_name: 'mandate-grants-listener' });
    this.client = client;
    client.on('error', (error) => this.retry(client, error));
    client.on('end', () => this.retry(client, undefined));
    client.on('notification', (message) => {
      if (message.channel !== GRANTS_CHANGED_CHANNEL || message.payload === undefined) return;
      try {
        const value = JSON.parse(message.payload) as { orgId?: unknown };
        if (typeof value.orgId === 'string') this.onChange(value.orgId);
      } catch {
        // ignore malformed payloads
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${GRANTS_CHANGED_CHANNEL}`);
    } catch (error) {
      this.retry(client, error);
    }
  }

  private retry(client: Client, error: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    void client.end().catch(() => undefined);
    if (this.stopped) return;
    if (error !== undefined)
      this.logger.warn(`grants listener lost its connection: ${(error as Error).message}`);
    this.timer = setTimeout(() => void this.connect(), RECONNECT_DELAY_MS);
    this.timer.unref();
  }
}
