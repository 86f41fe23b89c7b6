import { z } from 'zod';

/**
 * `telemetry:` section of the gateway configuration. Traces: `none` (default), `console` (spans as JSON
 * lines on stderr) or `memory` (kept in process, for tests). Metrics: a Prometheus endpoint on `port`
 * (off when absent), bound to `host` (loopback by default).
 */
export const telemetryConfigSchema = z
  .object({
    traces: z
      .object({
        exporter: z.enum(['none', 'console', 'memory']).default('none'),
      })
      .strict()
      .default({ exporter: 'none' }),
    metrics: z
      .object({
        port: z.number().int().min(0).max(65_535).optional(),
        host: z.string().min(1).max(255).default('127.0.0.1'),
      })
      .strict()
      .default({ host: '127.0.0.1' }),
  })
  .strict();

export type TelemetryConfig = z.infer<typeof telemetryConfigSchema>;
