import type { DataSource } from 'typeorm';

/**
 * SQL TypeORM would run to make the database match the entities (what `migration:generate` would write).
 * Empty when migrations and entities agree. The DataSource must be initialised on a migrated database.
 */
export async function detectSchemaDrift(dataSource: DataSource): Promise<string[]> {
  const sql = await dataSource.driver.createSchemaBuilder().log();
  return sql.upQueries.map((q) => q.query);
}
