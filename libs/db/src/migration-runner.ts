import type { DataSource, Migration } from 'typeorm';
import { MIGRATIONS_TABLE } from './data-source.factory';

/** Fixed key of the PostgreSQL advisory lock that serialises migration runs across processes. */
export const MIGRATION_LOCK_KEY = 73_360_219_001;

export interface MigrationLogger {
  log(message: string): void;
}

/**
 * Runs pending migrations (each in its own transaction) while holding a session-level advisory lock, so
 * several replicas starting at once migrate exactly once. Returns the migrations that were applied.
 */
export async function runMigrations(dataSource: DataSource, logger?: MigrationLogger): Promise<Migration[]> {
  const lockRunner = dataSource.createQueryRunner();
  await lockRunner.connect();
  try {
    await lockRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      for (const m of applied) logger?.log(`applied migration ${m.name}`);
      return applied;
    } finally {
      await lockRunner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await lockRunner.release();
  }
}

/** Names of migrations known to the code but not yet applied. */
export async function pendingMigrations(dataSource: DataSource): Promise<string[]> {
  const all = dataSource.migrations.map((m) => m.name ?? m.constructor.name);
  const hasTable = await dataSource.query<{ exists: boolean }[]>(
    `SELECT to_regclass($1) IS NOT NULL AS exists`,
    [MIGRATIONS_TABLE],
  );
  if (!hasTable[0]?.exists) return all;
  const rows = await dataSource.query<{ name: string }[]>(`SELECT name FROM ${MIGRATIONS_TABLE}`);
  const done = new Set(rows.map((r) => r.name));
  return all.filter((n) => !done.has(n));
}
