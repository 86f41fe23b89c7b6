import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/gateway-config';
import { startGatewayTelemetry, type GatewayTelemetry } from '../telemetry/gateway-telemetry';
import { GatewaySandbox } from './gateway-sandbox';
import { httpSandboxApi } from './sandbox-api';
import type { UpstreamHooks } from './upstream-hooks';

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface RuntimeGuards {
  telemetry: GatewayTelemetry;
  sandbox: GatewaySandbox | undefined;
  /** The fetch the Mandate client uses (traced and measured). */
  fetch: FetchLike;
  /** For the upstream manager: the sandboxed transport and the tracing wrapper. */
  hooks: UpstreamHooks;
  close(): Promise<void>;
}

/**
 * Starts what guards the gateway at run time: telemetry (traces, metrics endpoint) and, when configured,
 * the sandbox (its preflight fails the start when bubblewrap cannot be used: fail closed).
 */
export async function startRuntimeGuards(config: GatewayConfig, logger: Logger): Promise<RuntimeGuards> {
  const telemetry = await startGatewayTelemetry(
    config.telemetry ?? { traces: { exporter: 'none' }, metrics: { host: '127.0.0.1' } },
    logger,
  );
  const fetch = telemetry.tracing.instrumentFetch();
  let sandbox: GatewaySandbox | undefined;
  try {
    sandbox = config.sandbox
      ? await GatewaySandbox.start(config.sandbox, {
          api: httpSandboxApi({
            baseUrl: config.mandate.url,
            apiKey: config.apiKey,
            timeoutMs: config.mandate.timeoutMs,
            fetch,
          }),
          logger,
          extraHidden: config.cacheDir ? [config.cacheDir] : [],
          gatewayName: config.agent.name,
        })
      : undefined;
  } catch (error) {
    await telemetry.close();
    throw error;
  }
  return {
    telemetry,
    sandbox,
    fetch,
    hooks: {
      sandbox,
      instrument: (upstream, transport) => telemetry.tracing.instrumentTransport(upstream, transport),
    },
    close: () => telemetry.close(),
  };
}
