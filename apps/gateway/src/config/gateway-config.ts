import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { JSONWebKeySet } from 'jose';
import { z } from 'zod';
import type { GatewayEnvironment } from '@mandate/config';
import { sandboxConfigSchema } from '../sandbox/sandbox-config';
import { telemetryConfigSchema } from '../telemetry/telemetry-config';

/** Upstream names: letters, digits and `-` (no `_`, so the `__` separator of tool names is unambiguous). */
export const UPSTREAM_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

const stdioUpstream = z
  .object({
    name: z.string().regex(UPSTREAM_NAME, 'letters, digits and - (at most 63)'),
    transport: z.literal('stdio'),
    /** The executable; spawned directly with `args` as an array, never through a shell. */
    command: z.string().min(1).max(4096),
    args: z.array(z.string().max(8192)).max(256).default([]),
    /** Extra variables for the child (added to a scrubbed base environment). */
    env: z.record(z.string().regex(ENV_NAME), z.string().max(32768)).default({}),
    /** Names of the gateway's own variables to pass through to the child. */
    envPassthrough: z.array(z.string().regex(ENV_NAME)).max(64).default([]),
    cwd: z.string().min(1).optional(),
    url: z.string().max(2048).optional(),
  })
  .strict();

const httpUpstream = z
  .object({
    name: z.string().regex(UPSTREAM_NAME, 'letters, digits and - (at most 63)'),
    transport: z.literal('http'),
    url: z.url({ protocol: /^https?$/ }),
    /** Header name → name of the variable holding its value (secrets stay out of the file). */
    headersFromEnv: z
      .record(z.string().regex(/^[A-Za-z0-9-]{1,128}$/), z.string().regex(ENV_NAME))
      .default({}),
  })
  .strict();

const principal = z
  .object({
    id: z.string().min(1).max(256),
    email: z.string().max(320).optional(),
    groups: z.array(z.string().max(256)).max(100).optional(),
  })
  .strict();

export const gatewayConfigSchema = z
  .object({
    mandate: z
      .object({
        url: z.url({ protocol: /^https?$/ }),
        /** Name of the environment variable holding the gateway API key … */
        apiKeyEnv: z.string().regex(ENV_NAME).optional(),
        /** … or a file holding it (relative paths: relative to the config file). */
        apiKeyFile: z.string().min(1).optional(),
        timeoutMs: z.number().int().min(100).max(60_000).default(5_000),
        retries: z.number().int().min(0).max(10).default(2),
        /** Send `outcome` ({status, durationMs}) with phase-result decisions (recorded in the audit log). */
        sendOutcome: z.boolean().default(true),
      })
      .strict()
      .refine((m) => (m.apiKeyEnv === undefined) !== (m.apiKeyFile === undefined), {
        message: 'set exactly one of apiKeyEnv and apiKeyFile',
      }),
    agent: z
      .object({
        /** The agent's name, as registered in Mandate. */
        name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/),
        /** The human the agent acts for by default (a client's own identity wins when the transport gives one). */
        principal: principal.optional(),
        /** Facts for offline (local) evaluation: the agent's id, labels and trust as registered. */
        facts: z
          .object({
            id: z.string().max(64).optional(),
            labels: z.record(z.string(), z.string()).optional(),
            trust: z.number().int().min(0).max(3).optional(),
          })
          .strict()
          .optional(),
      })
      .strict(),
    approvals: z
      .object({
        /** How long a tools/call waits for a pending approval before answering with the approval URL. */
        waitSeconds: z.number().int().min(0).max(3600).default(60),
        /** Show the approval URL through MCP URL-mode elicitation when the client supports it. */
        elicitation: z.boolean().default(true),
      })
      .strict()
      .default({ waitSeconds: 60, elicitation: true }),
    offline: z
      .object({
        /** Evaluate locally from the bundle API when Mandate is unreachable. */
        enabled: z.boolean().default(false),
        /** The organisation whose bundle to fetch (`GET /v1/bundles/{org}`). */
        org: z.string().min(1).max(128),
        /** Where the last good bundle is kept (relative paths: relative to the config file). */
        cacheDir: z.string().min(1).optional(),
        pollSeconds: z.number().int().min(1).max(3600).default(10),
        /**
         * The organisation's bundle signing keys (the JWKS of `GET /v1/bundles/{org}/keys`, saved to a file):
         * when set, only bundles whose signature verifies are used (relative paths: relative to the config).
         */
        keysFile: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    listen: z
      .object({
        stdio: z.boolean().default(false),
        http: z
          .object({
            host: z.string().min(1).default('127.0.0.1'),
            port: z.number().int().min(0).max(65535).default(8808),
            path: z
              .string()
              .regex(/^\/[A-Za-z0-9/_-]*$/)
              .default('/mcp'),
          })
          .strict()
          .optional(),
      })
      .strict()
      .refine((l) => l.stdio || l.http !== undefined, { message: 'enable stdio or http (or both)' }),
    upstreams: z
      .array(z.discriminatedUnion('transport', [stdioUpstream, httpUpstream]))
      .min(1)
      .max(64)
      .refine((list) => new Set(list.map((u) => u.name)).size === list.length, {
        message: 'upstream names must be unique',
      }),
    /** Tool-list refresh: how long a listing of the upstreams is reused (0 = list on every tools/list). */
    toolCacheSeconds: z.number().int().min(0).max(3600).default(30),
    /**
     * `gate` (default): the client gets the result only after the phase-result decision allowed it (it can
     * withhold or redact it). `background`: the result decision is still made and recorded, but the client
     * does not wait for it (one decision less on the call's path; result obligations cannot apply).
     */
    resultDecision: z.enum(['gate', 'background']).default('gate'),
    /** Longest time an upstream tools/call may take. */
    callTimeoutSeconds: z.number().int().min(1).max(3600).default(120),
    /** Run stdio upstreams under bubblewrap (apps/gateway/src/sandbox). Absent: no sandbox. */
    sandbox: sandboxConfigSchema.optional(),
    /** Traces and the Prometheus endpoint (apps/gateway/src/telemetry). */
    telemetry: telemetryConfigSchema.optional(),
  })
  .strict();

export type GatewayConfigFile = z.infer<typeof gatewayConfigSchema>;
export type UpstreamConfig = GatewayConfigFile['upstreams'][number];
export type StdioUpstreamConfig = Extract<UpstreamConfig, { transport: 'stdio' }>;
export type HttpUpstreamConfig = Extract<UpstreamConfig, { transport: 'http' }>;

/** The validated configuration plus the API key (kept out of every log and error message). */
export interface GatewayConfig extends GatewayConfigFile {
  apiKey: string;
  /** Resolved `offline.cacheDir` (absolute). */
  cacheDir: string | undefined;
  /** The pinned bundle signing keys read from `offline.keysFile`. */
  bundleKeys?: JSONWebKeySet;
}

export class GatewayConfigError extends Error {
  override readonly name = 'GatewayConfigError';
}

/** Parses a config text (JSON, or YAML when the name ends with .yaml/.yml) and validates it. */
export function parseGatewayConfig(text: string, fileName: string): GatewayConfigFile {
  let raw: unknown;
  try {
    const ext = extname(fileName).toLowerCase();
    raw = ext === '.yaml' || ext === '.yml' ? parseYaml(text, { maxAliasCount: 100 }) : JSON.parse(text);
  } catch (error) {
    throw new GatewayConfigError(
      `${fileName}: not valid ${extname(fileName) || 'JSON'}: ${(error as Error).message}`,
    );
  }
  const parsed = gatewayConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new GatewayConfigError(`${fileName}: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** Reads and validates the config file, then reads the API key from the variable or file it names. */
export function loadGatewayConfig(path: string, env: GatewayEnvironment): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new GatewayConfigError(
      `cannot read the config file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  const file = parseGatewayConfig(text, path);
  const base = dirname(resolve(path));
  return resolveGatewayConfig(file, env, base);
}

export function resolveGatewayConfig(
  file: GatewayConfigFile,
  env: GatewayEnvironment,
  base: string,
): GatewayConfig {
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  let apiKey: string | undefined;
  if (file.mandate.apiKeyEnv) {
    apiKey = env.variable(file.mandate.apiKeyEnv)?.trim();
    if (!apiKey)
      throw new GatewayConfigError(`mandate.apiKeyEnv: the variable ${file.mandate.apiKeyEnv} is not set`);
  } else if (file.mandate.apiKeyFile) {
    try {
      apiKey = readFileSync(at(file.mandate.apiKeyFile), 'utf8').trim();
    } catch (error) {
      throw new GatewayConfigError(
        `mandate.apiKeyFile: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    if (!apiKey) throw new GatewayConfigError('mandate.apiKeyFile: the file is empty');
  }
  if (!apiKey || !/^[\x21-\x7e]{8,4096}$/.test(apiKey)) {
    throw new GatewayConfigError('the API key is malformed (expected mnd_…)');
  }
  for (const upstream of file.upstreams) {
    if (upstream.transport !== 'http') continue;
    for (const [header, name] of Object.entries(upstream.headersFromEnv)) {
      if (env.variable(name) === undefined) {
        throw new GatewayConfigError(
          `upstreams.${upstream.name}.headersFromEnv.${header}: ${name} is not set`,
        );
      }
    }
  }
  return {
    ...file,
    upstreams: file.upstreams.map((u) => (u.transport === 'stdio' && u.cwd ? { ...u, cwd: at(u.cwd) } : u)),
    apiKey,
    cacheDir: file.offline?.cacheDir ? at(file.offline.cacheDir) : undefined,
    bundleKeys: file.offline?.keysFile ? readKeys(at(file.offline.keysFile)) : undefined,
  };
}

function readKeys(path: string): JSONWebKeySet {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new GatewayConfigError(
      `offline.keysFile: cannot read a JWKS from it (${(error as Error).message})`,
    );
  }
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new GatewayConfigError('offline.keysFile: expected a JWKS ({"keys": [...]}) with at least one key');
  }
  return value as JSONWebKeySet;
}
