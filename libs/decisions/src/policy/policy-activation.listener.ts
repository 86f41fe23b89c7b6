import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { POLICY_ACTIVATED_CHANNEL } from './active-policy.port';

export interface PolicyActivation {
  orgId: string;
  revision: number;
}

const RECONNECT_DELAY_MS = 1000;

/**
 * A dedicated PostgreSQL connection that LISTENs on `mandate_policy_activated` and reports each activation.
 * Reconnects after an error. The embedded database may not deliver notifications, so the cache also polls.
 */
export class PolicyActivationListener {
  private readonly logger = new Logger('PolicyActivationListener');
  private client: Client | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly onActivation: (activation: PolicyActivation) => void,
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
    const client = new Client({ connectionString: this.url, application_name: 'mandate-policy-listener' });
    this.client = client;
    client.on('error', (error) => this.retry(client, error));
    client.on('end', () => this.retry(client, undefined));
    client.on('notification', (message) => {
      if (message.channel !== POLICY_ACTIVATED_CHANNEL || message.payload === undefined) return;
      const activation = parseActivation(message.payload);
      if (activation) this.onActivation(activation);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${POLICY_ACTIVATED_CHANNEL}`);
    } catch (error) {
      this.retry(client, error);
    }
  }

  private retry(client: Client, error: unknown): void {
    if (this.client !== client) return; // already replaced
    this.client = undefined;
    void client.end().catch(() => undefined);
    if (this.stopped) return;
    if (error !== undefined) {
      this.logger.warn(`policy activation listener lost its connection: ${(error as Error).message}`);
    }
    this.timer = setTimeout(() => void this.connect(), RECONNECT_DELAY_MS);
    this.timer.unref();
  }
}

function parseActivation(payload: string): PolicyActivation | undefined {
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
