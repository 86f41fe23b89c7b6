import { EmbeddedPostgres } from './embedded-postgres';

export interface DatabaseServerSettings {
  /** External PostgreSQL; when undefined an embedded PGlite server is started in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
}

/**
 * Where the database lives: an external server (DATABASE_URL) or an embedded PGlite started for this
 * process. `stop()` stops the embedded server (no-op for an external one); close DataSources first.
 */
export class DatabaseServer {
  private constructor(
    readonly url: string,
    private readonly embedded: EmbeddedPostgres | undefined,
  ) {}

  static async open(settings: DatabaseServerSettings): Promise<DatabaseServer> {
    if (settings.databaseUrl) return new DatabaseServer(settings.databaseUrl, undefined);
    const embedded = await EmbeddedPostgres.start({ dataDir: settings.dataDir });
    return new DatabaseServer(embedded.url, embedded);
  }

  get isEmbedded(): boolean {
    return this.embedded !== undefined;
  }

  /** The URL without credentials, safe for logs. */
  get safeUrl(): string {
    return redactUrl(this.url);
  }

  async stop(): Promise<void> {
    await this.embedded?.stop();
  }
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}
