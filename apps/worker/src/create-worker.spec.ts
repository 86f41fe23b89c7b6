import { ConfigError } from '@mandate/config';
import { describe, expect, it } from 'vitest';
import { createWorker } from './create-worker';

describe('createWorker', () => {
  it('refuses to start without Redis and a shared PostgreSQL, naming both variables', async () => {
    const error = await createWorker({ env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.split(':')[0])).toEqual([
      'REDIS_URL',
      'DATABASE_URL',
    ]);
  });

  it('refuses an embedded database even with Redis configured', async () => {
    const error = await createWorker({ env: { REDIS_URL: 'redis://127.0.0.1:6379' } }).catch(
      (e: unknown) => e,
    );
    expect((error as ConfigError).problems).toHaveLength(1);
    expect((error as ConfigError).message).toContain('DATABASE_URL');
  });
});
