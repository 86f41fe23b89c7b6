import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { AppConfig } from './app-config';
import { ConfigError } from './config-error';

/** Environment variable → AppConfig property. The only mapping of env names in the code base. */
export const ENV_KEYS = {
  PORT: 'port',
  HOST: 'host',
  DATABASE_URL: 'databaseUrl',
  MANDATE_DATA_DIR: 'dataDir',
  REDIS_URL: 'redisUrl',
  MANDATE_QUEUE_PREFIX: 'queuePrefix',
  LOG_LEVEL: 'logLevel',
  METRICS_PUBLIC: 'metricsPublic',
  MANDATE_TRACES_EXPORTER: 'tracesExporter',
  BODY_LIMIT_BYTES: 'bodyLimitBytes',
  ACCESS_TOKEN_TTL_SECONDS: 'accessTokenTtlSeconds',
  MANDATE_MIGRATE_ON_START: 'migrateOnStart',
  TRUST_PROXY: 'trustProxy',
  MANDATE_MASTER_KEY: 'masterKey',
  AUDIT_CHECKPOINT_EVERY: 'auditCheckpointEvery',
  AUDIT_CHECKPOINT_INTERVAL_SECONDS: 'auditCheckpointIntervalSeconds',
  AUDIT_EXPORT_DIR: 'auditExportDir',
  MANDATE_PUBLIC_URL: 'publicUrl',
  APPROVAL_WEBHOOK_MAX_ATTEMPTS: 'approvalWebhookMaxAttempts',
  APPROVAL_SWEEP_INTERVAL_SECONDS: 'approvalSweepIntervalSeconds',
  APPROVAL_REDRIVE_AFTER_SECONDS: 'approvalRedriveAfterSeconds',
  GATES_ENABLED: 'gatesEnabled',
  SERVER_PROCESSES: 'serverProcesses',
} as const satisfies Record<string, keyof AppConfig>;

type EnvName = keyof typeof ENV_KEYS;
const PROP_TO_ENV = new Map<string, EnvName>(
  Object.entries(ENV_KEYS).map(([env, prop]) => [prop, env as EnvName]),
);

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Builds and validates the configuration from an environment (default: process.env).
 * Empty values count as unset. Throws ConfigError naming every bad variable (never echoing its value).
 * `overrides` (already typed) win over the environment — used by tests and the CLI.
 */
export function loadConfig(env: Env = process.env, overrides: Partial<AppConfig> = {}): AppConfig {
  const plain: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(ENV_KEYS)) {
    const raw = env[name];
    if (raw !== undefined && raw.trim() !== '') plain[prop] = raw.trim();
  }
  const config = plainToInstance(AppConfig, plain);
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
  }
  const errors = validateSync(config, { forbidUnknownValues: true });
  if (errors.length > 0) throw new ConfigError(errors.flatMap(describe));
  if (config.serverProcesses > 1 && config.databaseUrl === undefined) {
    throw new ConfigError([
      'SERVER_PROCESSES: more than one server process needs DATABASE_URL (the embedded database lives in one process)',
    ]);
  }
  return config;
}

function describe(error: ValidationError): string[] {
  const name = PROP_TO_ENV.get(error.property) ?? error.property;
  const messages = Object.values(error.constraints ?? {}).map((m) => m.replace(error.property, name));
  return messages.length > 0 ? [`${name}: ${messages.join('; ')}`] : [`${name}: invalid value`];
}
