import { randomBytes } from 'node:crypto';
import { testEnvironment } from '@mandate/config';
import { Client } from 'pg';

/** Outcome of probing a service the integration tests need. */
export interface ServiceStatus {
  available: boolean;
  reason?: string;
}

export function testEnv() {
  return testEnvironment();
}

export async function probePostgres(url: string): Promise<ServiceStatus> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { available: true };
  } catch (error) {
    return { available: false, reason: `PostgreSQL unreachable (${(error as Error).message})` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Short random identifier usable in database names and Redis prefixes. */
export function randomSuffix(bytes = 6): string {
  return randomBytes(bytes).toString('hex');
}

/** Replaces the database of a PostgreSQL URL. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

const SAFE_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Quotes a generated identifier after checking it is one we made (identifiers cannot be bound as parameters). */
export function quoteIdentifier(name: string): string {
  if (!SAFE_IDENTIFIER.test(name)) throw new Error(`Refusing unsafe identifier ${JSON.stringify(name)}`);
  return `"${name}"`;
}

export async function probeRedis(url: string): Promise<ServiceStatus> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return { available: true };
  } catch (error) {
    return { available: false, reason: `Redis unreachable (${(error as Error).message})` };
  } finally {
    redis.disconnect();
  }
}
