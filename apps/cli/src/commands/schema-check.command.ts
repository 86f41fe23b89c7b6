import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '@mandate/platform';
import { DatabaseServer, detectSchemaDrift, migrateDatabase } from '@mandate/db';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../../../migrations';
import { CliUsageError, type CliCommand, type CliContext } from '../cli-command';

/**
 * `mandate schema:check`: migrates a FRESH database, then asks TypeORM which SQL would make it match the
 * app's entities (what `migration:generate` would write). Any output means entities and migrations
 * drifted apart; exit code 1. Used by `npm run migration:check` in CI.
 */
export class SchemaCheckCommand implements CliCommand {
  readonly name = 'schema:check';
  readonly summary = 'Developer check: fail if entities and migrations disagree (drift)';
  readonly usage = [
    'Usage: mandate schema:check',
    '',
    'With DATABASE_URL set, creates a scratch database on that server (dropped afterwards);',
    'otherwise uses a throw-away embedded database. Exit code 1 on drift.',
  ].join('\n');

  async run(args: string[], context: CliContext): Promise<number> {
    if (args.length > 0) throw new CliUsageError(`unexpected arguments: ${args.join(' ')}`);
    const config = context.config();
    const scratch = config.databaseUrl
      ? await ScratchDatabase.onServer(config.databaseUrl)
      : await ScratchDatabase.embedded();
    try {
      const server = await DatabaseServer.open({ databaseUrl: scratch.url, dataDir: config.dataDir });
      await migrateDatabase(server.url, MIGRATIONS);
      const app = await NestFactory.createApplicationContext(
        AppModule.forRoot({ config, database: server, role: 'tool' }),
        {
          logger: ['error'],
        },
      );
      try {
        const dataSource = app.get(DataSource);
        const drift = await detectSchemaDrift(dataSource);
        if (drift.length === 0) {
          const tables = dataSource.entityMetadatas.map((m) => m.tableName).sort();
          context.io.out(
            `schema check passed: ${MIGRATIONS.length} migration(s) match ${tables.length} entities (${tables.join(', ')})`,
          );
          return 0;
        }
        context.io.err(
          'Schema drift: the migrations do not produce what the entities describe. Missing SQL:',
        );
        for (const query of drift) context.io.err(`  ${query};`);
        context.io.err('Write a new migration for these changes (never edit a merged one).');
        return 1;
      } finally {
        await app.close();
      }
    } finally {
      await scratch.dispose();
    }
  }
}

class ScratchDatabase {
  private constructor(
    readonly url: string,
    readonly dispose: () => Promise<void>,
  ) {}

  static async onServer(adminUrl: string): Promise<ScratchDatabase> {
    const name = `mandate_schema_check_${randomBytes(6).toString('hex')}`;
    await withClient(adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return new ScratchDatabase(url.toString(), () =>
      withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(
        () => undefined,
      ),
    );
  }

  static async embedded(): Promise<ScratchDatabase> {
    const dir = await mkdtemp(join(tmpdir(), 'mandate-schema-check-'));
    const server = await DatabaseServer.open({ dataDir: join(dir, 'data') });
    return new ScratchDatabase(server.url, async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    });
  }
}

async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
