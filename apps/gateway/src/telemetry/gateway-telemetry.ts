import type { Logger } from 'pino';
import { GatewayTracing } from './gateway-tracing';
import { startMetricsServer, type MetricsServer } from './metrics-server';
import type { TelemetryConfig } from './telemetry-config';

export interface GatewayTelemetry {
  tracing: GatewayTracing;
  metrics: MetricsServer | undefined;
  close(): Promise<void>;
}

let current: GatewayTracing = GatewayTracing.start({ exporter: 'none' });

/** The tracing of this gateway process (a pass-through until {@link startGatewayTelemetry} ran). */
export function gatewayTracing(): GatewayTracing {
  return current;
}

/** Starts tracing (per `telemetry.traces`) and the Prometheus endpoint (when `telemetry.metrics.port` is set). */
export async function startGatewayTelemetry(
  config: TelemetryConfig,
  logger: Logger,
): Promise<GatewayTelemetry> {
  const tracing = GatewayTracing.start(config.traces);
  current = tracing;
  const metrics =
    config.metrics.port === undefined
      ? undefined
      : await startMetricsServer(config.metrics.port, config.metrics.host);
  if (metrics) logger.info({ url: metrics.url }, 'gateway metrics listening');
  if (tracing.enabled) logger.info({ exporter: config.traces.exporter }, 'gateway tracing on');
  return {
    tracing,
    metrics,
    close: async () => {
      await metrics?.close();
      await tracing.shutdown();
      if (current === tracing) current = GatewayTracing.start({ exporter: 'none' });
    },
  };
}
