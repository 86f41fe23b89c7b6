import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from 'typeorm';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type EntityList = MixedList<Function | string | EntitySchema>;
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type MigrationList = MixedList<Function | string>;

export interface DataSourceSettings {
  url: string;
  entities?: EntityList;
  migrations?: MigrationList;
  /** pg pool size (default 10). */
  poolSize?: number;
  applicationName?: string;
}

export const MIGRATIONS_TABLE = 'schema_migrations';

/** TypeORM options used by the app, the worker, the CLI and the migration tooling alike. */
export function dataSourceOptions(settings: DataSourceSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    entities: settings.entities ?? [],
    migrations: settings.migrations ?? [],
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    installExtensions: false,
    applicationName: settings.applicationName ?? 'mandate',
    extra: { max: settings.poolSize ?? 10, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 10_000 },
  };
}

export function createDataSource(settings: DataSourceSettings): DataSource {
  return new DataSource(dataSourceOptions(settings));
}
