import { parseArgs } from 'node:util';
import { createDataSource, DatabaseServer, pendingMigrations, runMigrations } from '@mandate/db';
import { MIGRATIONS } from '../../../../migrations';
import { CliUsageError, type CliCommand, type CliContext } from '../cli-command';

/** `mandate migrate [--status]`: applies pending migrations (under the advisory lock) or lists them. */
export class MigrateCommand implements CliCommand {
  readonly name = 'migrate';
  readonly summary = 'Apply pending database migrations (or list them with --status)';
  readonly usage = [
    'Usage: mandate migrate [--status]',
    '',
    'Applies every pending migration to the database named by DATABASE_URL, or to the embedded',
    'database in MANDATE_DATA_DIR when DATABASE_URL is unset. Safe to run while other replicas start:',
    'runs are serialised by a PostgreSQL advisory lock.',
    '',
    '  --status   list pending migrations without applying them (exit code 3 if any are pending)',
  ].join('\n');

  async run(args: string[], context: CliContext): Promise<number> {
    const { values } = parse(args);
    const config = context.config();
    const server = await DatabaseServer.open(config);
    const dataSource = createDataSource({
      url: server.url,
      migrations: MIGRATIONS,
      poolSize: 2,
      applicationName: 'mandate-cli',
    });
    try {
      context.io.out(
        `database: ${server.safeUrl}${server.isEmbedded ? ` (embedded, ${config.dataDir})` : ''}`,
      );
      await dataSource.initialize();
      if (values.status) {
        const pending = await pendingMigrations(dataSource);
        if (pending.length === 0) context.io.out('schema is up to date');
        for (const name of pending) context.io.out(`pending: ${name}`);
        return pending.length === 0 ? 0 : 3;
      }
      const applied = await runMigrations(dataSource, { log: (m) => context.io.out(m) });
      context.io.out(
        applied.length === 0 ? 'schema is up to date' : `applied ${applied.length} migration(s)`,
      );
      return 0;
    } finally {
      if (dataSource.isInitialized) await dataSource.destroy();
      await server.stop();
    }
  }
}

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      options: { status: { type: 'boolean', default: false } },
      allowPositionals: false,
      strict: true,
    });
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
}
