import { z } from 'zod';

/**
 * `sandbox:` section of the gateway configuration. When present, every stdio upstream runs under
 * bubblewrap with the profile Mandate resolves for it (`source: mandate`, the default) — or, when Mandate has
 * none, the local `profiles[<upstream>]`, else `defaultProfile`. With `required` (default) an upstream that
 * has no profile, or whose profile cannot be applied here, does not start (fail closed).
 * Profiles are validated by @mandate/sandbox (parseSandboxProfileSpec) when the gateway starts.
 */
export const sandboxConfigSchema = z
  .object({
    source: z.enum(['mandate', 'local']).default('mandate'),
    required: z.boolean().default(true),
    profiles: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    defaultProfile: z.record(z.string(), z.unknown()).optional(),
    /** Unprivileged uid/gid to run upstreams as when the gateway runs as root (default nobody/nogroup). */
    runAs: z
      .object({ uid: z.number().int().min(1), gid: z.number().int().min(1) })
      .strict()
      .optional(),
    /** Report violations to Mandate (audit event, metric, possible quarantine). */
    reportViolations: z.boolean().default(true),
    /** At most one report per upstream and violation kind in this window (the rest are counted into it). */
    reportIntervalMs: z.number().int().min(0).max(3_600_000).default(5_000),
  })
  .strict();

export type SandboxConfig = z.infer<typeof sandboxConfigSchema>;
