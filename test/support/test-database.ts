import { inject } from 'vitest';
import { Client } from 'pg';
import { quoteIdentifier, randomSuffix, testEnv, withDatabase } from './test-services';

export interface TestDatabase {
  /** Connection URL of a fresh, fully migrated database owned by the caller. */
  url: string;
  name: string;
  /** Drops the database (forcing other sessions off). Safe to call twice. */
  drop(): Promise<void>;
}

export interface CreateTestDatabaseOptions {
  /** false: an EMPTY database (no migrations applied), e.g. to test migrating. Default true. */
  migrated?: boolean;
}

/**
 * Clones the run's migrated template into a new database (`CREATE DATABASE … TEMPLATE …`). Call it once
 * per test file (in beforeAll) and drop it in afterAll. Throws when PostgreSQL is unavailable; guard
 * suites with `describeWithPostgres`.
 */
export async function createTestDatabase(options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const template = inject('mandateTemplateDatabase');
  if (!template)
    throw new Error(inject('mandatePostgresSkipReason') ?? 'PostgreSQL test template unavailable');
  const name = `${inject('mandateRunPrefix')}_${randomSuffix(6)}`;
  const adminUrl = testEnv().databaseUrl;
  const from = options.migrated === false ? '' : ` TEMPLATE ${quoteIdentifier(template)}`;
  await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${quoteIdentifier(name)}${from}`));
  let dropped = false;
  return {
    name,
    url: withDatabase(adminUrl, name),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withAdmin(adminUrl, (c) =>
        c.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`),
      );
    },
  };
}

async function withAdmin<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
