import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';

/**
 * Owns this process's Redis connections. The producer connection fails fast while Redis is down (no
 * offline queue) so the outbox relay can back off instead of piling up commands in memory; blocking
 * worker connections follow BullMQ's requirement (maxRetriesPerRequest: null) and reconnect forever.
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  private readonly connections: Redis[] = [];
  private lastError = '';

  constructor(private readonly url: string) {}

  producer(): Redis {
    return this.track(
      new Redis(this.url, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: 5000,
        retryStrategy: (times) => Math.min(times * 250, 2000),
      }),
    );
  }

  blocking(): Redis {
    return this.track(
      new Redis(this.url, {
        maxRetriesPerRequest: null,
        connectTimeout: 5000,
        retryStrategy: (times) => Math.min(times * 250, 2000),
      }),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.connections.map((c) => c.quit().catch(() => c.disconnect())));
  }

  private track(connection: Redis): Redis {
    // Log a connection error once per distinct message; never log the URL (it may hold a password).
    connection.on('error', (error: Error) => {
      if (error.message !== this.lastError) this.logger.warn(`Redis connection error: ${error.message}`);
      this.lastError = error.message;
    });
    connection.on('ready', () => {
      this.lastError = '';
    });
    this.connections.push(connection);
    return connection;
  }
}
