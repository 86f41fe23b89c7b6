import { z } from 'zod';

/**
 * A sandbox profile: how one upstream MCP server process is confined. Pure data, stored by Mandate
 * (per organisation, chosen per server) and applied by a gateway when it starts the server.
 *
 * - filesystem: either the whole root read-only (`readOnlyRoot`) or only the system directories plus the
 *   explicit `read` list; `write` paths are bound writable; `hide` paths are covered by an empty tmpfs (or
 *   /dev/null for files). Paths are absolute or start with `~/` (the gateway user's home).
 * - network: `none` and `loopback` both give the process its own network namespace (its own loopback, no
 *   route out); `allowlist` adds the gateway's egress proxy (HTTP CONNECT to the listed `host[:port]` only).
 * - env: the process sees only `allow`ed variables of its launch environment, the literal `set` values and
 *   the declared `secrets` (names of launch-environment variables holding secrets).
 * - limits: CPU seconds, address space, open files, processes (rlimits inside the sandbox) and a
 *   wall-clock limit per call enforced by the gateway.
 */
export const NETWORK_MODES = ['none', 'loopback', 'allowlist'] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];

export const MAX_PATHS = 64;
export const MAX_PATH_LENGTH = 1024;
export const MAX_ENV_ENTRIES = 64;
export const MAX_HOSTS = 64;

/** Absolute (or `~/…`) path without `..`, `.` or empty segments, NUL or newlines. */
const pathSchema = z
  .string()
  .min(1)
  .max(MAX_PATH_LENGTH)
  .refine((p) => p === '/' || p.startsWith('/') || p === '~' || p.startsWith('~/'), {
    message: 'must be an absolute path or start with ~/',
  })
  .refine((p) => !/[\0\n\r]/.test(p), { message: 'must not contain NUL or line breaks' })
  .refine(
    (p) =>
      p
        .replace(/^~\/?/, '')
        .split('/')
        .slice(p.startsWith('/') ? 1 : 0)
        .every(
          (s, i, all) => (s !== '' || (i === all.length - 1 && all.length === 1)) && s !== '..' && s !== '.',
        ),
    { message: 'must be normalised (no empty, "." or ".." segments)' },
  );

const envNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, { message: 'must be an environment variable name' });

const hostSchema = z
  .string()
  .max(253)
  .regex(
    /^(\*\.)?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(?::\d{1,5})?$/,
    {
      message: 'must be a host name, optionally *.-prefixed and with :port',
    },
  );

export const sandboxProfileSpecSchema = z
  .object({
    filesystem: z
      .object({
        readOnlyRoot: z.boolean().default(true),
        read: z.array(pathSchema).max(MAX_PATHS).default([]),
        write: z.array(pathSchema).max(MAX_PATHS).default([]),
        hide: z.array(pathSchema).max(MAX_PATHS).default([]),
      })
      .strict(),
    network: z
      .object({
        mode: z.enum(NETWORK_MODES).default('none'),
        hosts: z.array(hostSchema).max(MAX_HOSTS).default([]),
      })
      .strict()
      .refine((n) => n.mode === 'allowlist' || n.hosts.length === 0, {
        message: 'hosts are only allowed with mode "allowlist"',
        path: ['hosts'],
      })
      .refine((n) => n.mode !== 'allowlist' || n.hosts.length > 0, {
        message: 'mode "allowlist" needs at least one host',
        path: ['hosts'],
      }),
    env: z
      .object({
        allow: z.array(envNameSchema).max(MAX_ENV_ENTRIES).default([]),
        set: z
          .record(envNameSchema, z.string().max(4096))
          .default({})
          .refine((r) => Object.keys(r).length <= MAX_ENV_ENTRIES, { message: 'too many entries' }),
        secrets: z.array(envNameSchema).max(MAX_ENV_ENTRIES).default([]),
      })
      .strict(),
    limits: z
      .object({
        cpuSeconds: z.number().int().min(1).max(86_400).default(60),
        memoryBytes: z
          .number()
          .int()
          .min(64 * 1024 * 1024)
          .max(64 * 1024 ** 3)
          .default(2 * 1024 ** 3),
        openFiles: z.number().int().min(64).max(65_536).default(1024),
        processes: z.number().int().min(1).max(4096).default(64),
        wallClockMsPerCall: z.number().int().min(100).max(3_600_000).default(30_000),
      })
      .strict(),
    /** Also run Node servers under Node's permission model (fs read/write = the profile's lists, no child processes). */
    nodePermissions: z.boolean().default(false),
  })
  .strict();

export type SandboxProfileSpec = z.infer<typeof sandboxProfileSpecSchema>;
export type SandboxProfileSpecInput = z.input<typeof sandboxProfileSpecSchema>;
export type SandboxLimits = SandboxProfileSpec['limits'];

/** Paths always hidden, whatever the profile says (credentials of the gateway's user). */
export const ALWAYS_HIDDEN = [
  '~/.ssh',
  '~/.aws',
  '~/.gnupg',
  '~/.kube',
  '~/.docker',
  '~/.config/gcloud',
  '~/.azure',
];

export interface SpecIssue {
  readonly path: string;
  readonly message: string;
}

export type SpecParseResult =
  | { readonly ok: true; readonly spec: SandboxProfileSpec }
  | { readonly ok: false; readonly issues: readonly SpecIssue[] };

/** Validates and normalises (fills defaults of) a profile spec; never throws. */
export function parseSandboxProfileSpec(input: unknown): SpecParseResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, issues: [{ path: '', message: 'must be an object' }] };
  }
  const result = sandboxProfileSpecSchema.safeParse({
    filesystem: {},
    network: {},
    env: {},
    limits: {},
    ...input,
  });
  if (result.success) return { ok: true, spec: result.data };
  return {
    ok: false,
    issues: result.error.issues
      .slice(0, 20)
      .map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
  };
}

/** The profile used when none is configured: read-only root, nothing writable, no network, tight limits. */
export function defaultSandboxProfileSpec(): SandboxProfileSpec {
  const parsed = parseSandboxProfileSpec({});
  if (!parsed.ok) throw new Error('the default sandbox profile does not validate');
  return parsed.spec;
}
