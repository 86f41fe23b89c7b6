export {
  createDataSource,
  dataSourceOptions,
  MIGRATIONS_TABLE,
  type DataSourceSettings,
  type EntityList,
  type MigrationList,
} from './data-source.factory';
export { DatabaseModule, DatabaseShutdown, type DatabaseModuleOptions } from './database.module';
export { DatabaseServer, redactUrl, type DatabaseServerSettings } from './database-server';
export { EmbeddedPostgres, type EmbeddedPostgresOptions } from './embedded-postgres';
export { migrateDatabase } from './migrate-database';
export {
  MIGRATION_LOCK_KEY,
  pendingMigrations,
  runMigrations,
  type MigrationLogger,
} from './migration-runner';
export { detectSchemaDrift } from './schema-drift';
export { ChannelListener, parseOrgRevision, type ChannelEvents } from './channel-listener';
export { keysetPage } from './keyset-page';
