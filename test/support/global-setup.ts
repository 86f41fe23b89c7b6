import { migrateDatabase } from '@mandate/db';
import { Client } from 'pg';
import type { TestProject } from 'vitest/node';
import { MIGRATIONS } from '../../migrations';
import {
  probePostgres,
  probeRedis,
  quoteIdentifier,
  randomSuffix,
  testEnv,
  withDatabase,
} from './test-services';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Name of the migrated template database of this run, or null when PostgreSQL is unavailable. */
    mandateTemplateDatabase: string | null;
    mandatePostgresSkipReason: string | null;
    mandateRedisSkipReason: string | null;
    /** Prefix shared by every database this run creates (dropped in teardown). */
    mandateRunPrefix: string;
  }
}

const RUN_PREFIX_ROOT = 'mandate_t_';
/** Databases left behind by runs that were killed are dropped once they are this old. */
const STALE_AFTER_MS = 6 * 3600_000;

/**
 * Runs once per `vitest run`: migrates a template database on the real PostgreSQL (TEST_DATABASE_URL) so
 * each test file can clone it cheaply, and probes Redis (TEST_REDIS_URL). Without the services, tests that
 * need them are skipped — unless MANDATE_TEST_REQUIRE_SERVICES=1 (CI), which makes this setup fail.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const env = testEnv();
  const runPrefix = `${RUN_PREFIX_ROOT}${Date.now().toString(36)}_${randomSuffix(4)}`;
  const template = `${runPrefix}_template`;
  project.provide('mandateRunPrefix', runPrefix);

  const [pg, redis] = await Promise.all([probePostgres(env.databaseUrl), probeRedis(env.redisUrl)]);
  if (env.requireServices && (!pg.available || !redis.available)) {
    throw new Error(
      `MANDATE_TEST_REQUIRE_SERVICES=1 but: ${[pg.reason, redis.reason].filter(Boolean).join('; ')}`,
    );
  }
  project.provide('mandateRedisSkipReason', redis.available ? null : (redis.reason ?? 'Redis unavailable'));
  if (!pg.available) {
    project.provide('mandateTemplateDatabase', null);
    project.provide('mandatePostgresSkipReason', pg.reason ?? 'PostgreSQL unavailable');
    console.warn(`[mandate tests] ${pg.reason}: tests needing PostgreSQL are skipped.`);
    return () => Promise.resolve();
  }
  if (!redis.available) console.warn(`[mandate tests] ${redis.reason}: tests needing Redis are skipped.`);

  const admin = new Client({ connectionString: env.databaseUrl });
  await admin.connect();
  try {
    await dropStaleDatabases(admin);
    await admin.query(`CREATE DATABASE ${quoteIdentifier(template)}`);
  } finally {
    await admin.end();
  }
  await migrateDatabase(withDatabase(env.databaseUrl, template), MIGRATIONS);
  project.provide('mandateTemplateDatabase', template);
  project.provide('mandatePostgresSkipReason', null);

  return async () => {
    const client = new Client({ connectionString: env.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY datname = $2`,
        [`${runPrefix}\\_%`, template],
      );
      for (const { datname } of rows) {
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(datname)} WITH (FORCE)`);
      }
    } finally {
      await client.end();
    }
  };
}

async function dropStaleDatabases(admin: Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE $1`,
    [`${RUN_PREFIX_ROOT.replace(/_/g, '\\_')}%`],
  );
  for (const { datname } of rows) {
    const stamp = /^mandate_t_([0-9a-z]+)_/.exec(datname)?.[1];
    const createdAt = stamp ? parseInt(stamp, 36) : NaN;
    if (Number.isFinite(createdAt) && Date.now() - createdAt > STALE_AFTER_MS) {
      await admin
        .query(`DROP DATABASE IF EXISTS ${quoteIdentifier(datname)} WITH (FORCE)`)
        .catch(() => undefined);
    }
  }
}
