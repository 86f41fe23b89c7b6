import type { GatewayEnvironment } from '@mandate/config';
import { BundlePoller, MandateClient, ResilientDecider } from '@mandate/sdk';
import type { Logger } from 'pino';
import type { GatewayConfig } from './config/gateway-config';
import { PolicyEnforcer } from './enforcement/policy-enforcer';
import { outgoingHeaders } from './outgoing-headers';
import { startRuntimeGuards } from './sandbox/runtime-guards';
import { listenHttp, listenStdio, type HttpListener } from './server/listeners';
import { UpstreamManager } from './upstream/upstream-manager';

export interface Gateway {
  enforcer: PolicyEnforcer;
  client: MandateClient;
  decider: ResilientDecider;
  bundles: BundlePoller | undefined;
  upstreams: UpstreamManager;
  /** The streamable HTTP listener, when configured. */
  http: HttpListener | undefined;
  close(): Promise<void>;
}

/** Builds and starts the gateway: upstream connections, the Mandate client, the listeners. */
export async function startGateway(
  config: GatewayConfig,
  env: GatewayEnvironment,
  logger: Logger,
  onStdioClose?: () => void,
): Promise<Gateway> {
  const guards = await startRuntimeGuards(config, logger);
  const client = new MandateClient({
    baseUrl: config.mandate.url,
    apiKey: config.apiKey,
    timeoutMs: config.mandate.timeoutMs,
    retries: config.mandate.retries,
    sendOutcome: config.mandate.sendOutcome,
    headers: outgoingHeaders,
    userAgent: 'mandate-gateway/0.1.0',
    fetch: guards.fetch,
  });
  const bundles = config.offline?.enabled
    ? new BundlePoller({
        client,
        org: config.offline.org,
        cacheDir: config.cacheDir,
        keys: config.bundleKeys,
        intervalMs: config.offline.pollSeconds * 1000,
        onError: (error) =>
          logger.warn({ err: error }, 'bundle poll failed (the last good bundle stays in use)'),
        onUpdate: (policy, etag) => logger.info({ revision: policy.revision, etag }, 'policy bundle loaded'),
      })
    : undefined;
  const decider = new ResilientDecider({
    client,
    bundles,
    facts: { agent: config.agent.facts },
    onReplayError: (error) => logger.warn({ err: error }, 'replaying offline decisions failed (kept queued)'),
  });
  const upstreams = new UpstreamManager(config.upstreams, env, logger, guards.hooks);
  const enforcer = new PolicyEnforcer(config, upstreams, decider, client, logger);

  await bundles?.start();
  for (const failure of await upstreams.connectAll()) {
    logger.warn(
      { upstream: failure.upstream, err: failure.error },
      'upstream did not start (retried on use)',
    );
  }
  const closeStdio = config.listen.stdio ? await listenStdio(enforcer, logger, onStdioClose) : undefined;
  const http = config.listen.http ? await listenHttp(enforcer, logger, config.listen.http) : undefined;
  if (http) logger.info({ url: http.url }, 'MCP streamable HTTP listening');
  return {
    enforcer,
    client,
    decider,
    bundles,
    upstreams,
    http,
    close: async () => {
      bundles?.stop();
      await http?.close();
      await closeStdio?.();
      await upstreams.closeAll();
      await guards.close();
    },
  };
}
