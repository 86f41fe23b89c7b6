import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const toInt = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string' || value.trim() === '') return value;
  return /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
};

const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value;
};

/**
 * Validated runtime configuration. Built once at boot by `loadConfig()` from the environment.
 * Every value has been checked; consumers never read process.env themselves.
 */
export class AppConfig {
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  port: number = 8080;

  @IsString()
  @MinLength(1)
  host: string = '127.0.0.1';

  /** External PostgreSQL URL; undefined → embedded PGlite in `dataDir`. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  databaseUrl?: string;

  @IsString()
  @MinLength(1)
  dataDir: string = './.mandate/data';

  /** Redis URL; undefined → jobs run in-process from the outbox. */
  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  redisUrl?: string;

  /** Prefix for BullMQ keys (lets several deployments or test files share one Redis). */
  @IsString()
  @Matches(/^[A-Za-z0-9_:.-]{1,64}$/, { message: 'QUEUE_PREFIX must be 1-64 chars of [A-Za-z0-9_:.-]' })
  queuePrefix: string = 'mandate';

  @IsIn(LOG_LEVELS)
  logLevel: LogLevel = 'info';

  @Transform(toBool)
  @IsBoolean()
  metricsPublic: boolean = true;

  /** OpenTelemetry spans of the decision API: `none` (default) or `console` (JSON lines on stdout). */
  @IsIn(['none', 'console'])
  tracesExporter: 'none' | 'console' = 'none';

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(1024 * 1024 * 1024)
  bodyLimitBytes: number = 1024 * 1024;

  @Transform(toInt)
  @IsInt()
  @Min(30)
  @Max(86_400)
  accessTokenTtlSeconds: number = 900;

  /** Run migrations automatically when the server starts (under an advisory lock). */
  @Transform(toBool)
  @IsBoolean()
  migrateOnStart: boolean = true;

  /**
   * Proxies whose X-Forwarded-For Mandate trusts when it reads a client's address (login rate limits, audit):
   * unset/`false` = none (clients connect directly), or a comma-separated list of addresses/CIDRs of your
   * load balancers (e.g. `10.0.0.0/8,127.0.0.1`). Never `true`: any client could then forge its address.
   */
  @IsOptional()
  @IsString()
  @Matches(/^(false|[0-9a-fA-F:./]+(\s*,\s*[0-9a-fA-F:./]+)*)$/, {
    message: 'TRUST_PROXY must be false or a comma-separated list of IP addresses / CIDR ranges',
  })
  trustProxy?: string;

  /**
   * Master key (base64 of 32 random bytes) that encrypts the organisations' audit signing keys
   * (AES-256-GCM). Unset with the embedded database → generated once into MANDATE_DATA_DIR (mode 0600);
   * unset with DATABASE_URL → audit checkpoints and export manifests cannot be signed (the chain itself is
   * still written). No default: never put one in code.
   */
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, {
    message: 'MANDATE_MASTER_KEY must be the base64 encoding of exactly 32 bytes',
  })
  masterKey?: string;

  /**
   * Input-validation gates on the decision path (JSON Schema + injection detectors over call arguments,
   * secret/instruction scan of results). `false` only to measure their cost: no gate findings are produced.
   */
  @Transform(toBool)
  @IsBoolean()
  gatesEnabled: boolean = true;

  /**
   * Server processes sharing the HTTP port (Node's cluster; the first process only supervises). One Node
   * process runs JavaScript on one core: set this to the cores you give Mandate. More than 1 needs
   * DATABASE_URL (the embedded database lives inside one process).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  serverProcesses: number = 1;

  /**
   * Public base URL of the service (console links in approval answers and notifications), without a
   * trailing slash, e.g. `https://mandate.example.com`. Default: `http://<HOST>:<PORT>`.
   */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*[^\s?#/])?$/, {
    message: 'MANDATE_PUBLIC_URL must be an http(s) URL without a trailing slash, query or fragment',
  })
  publicUrl?: string;

  /** Tries of one approval webhook delivery before it is moved to the dead-letter list. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(50)
  approvalWebhookMaxAttempts: number = 8;

  /** Period of the approvals sweeper (overdue expiries and escalations, lost webhook jobs). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  approvalSweepIntervalSeconds: number = 10;

  /** A pending webhook delivery whose job was queued this long ago is queued again (lost queue data). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  approvalRedriveAfterSeconds: number = 300;

  /** A signed audit checkpoint is made once an organisation's log grew by this many events… */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  auditCheckpointEvery: number = 1000;

  /** …or, when it grew at all, this many seconds after the previous checkpoint. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  auditCheckpointIntervalSeconds: number = 60;

  /**
   * Directory of background audit export files (made on first use); the server and the worker must share
   * it. Unset → `<MANDATE_DATA_DIR>/audit-exports`.
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  auditExportDir?: string;
}
