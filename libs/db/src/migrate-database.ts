import type { Migration } from 'typeorm';
import { createDataSource, type MigrationList } from './data-source.factory';
import { runMigrations, type MigrationLogger } from './migration-runner';

/** Opens a short-lived connection, applies pending migrations under the advisory lock, closes it. */
export async function migrateDatabase(
  url: string,
  migrations: MigrationList,
  logger?: MigrationLogger,
): Promise<Migration[]> {
  const dataSource = createDataSource({ url, migrations, poolSize: 2, applicationName: 'mandate-migrate' });
  await dataSource.initialize();
  try {
    return await runMigrations(dataSource, logger);
  } finally {
    await dataSource.destroy();
  }
}
