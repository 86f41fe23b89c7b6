import { gatewayEnvironment } from '@mandate/config';
import pino from 'pino';
import { GatewayConfigError, loadGatewayConfig } from './config/gateway-config';
import { startGateway, type Gateway } from './gateway';

const USAGE = 'usage: mandate-gateway --config <file.json|file.yaml>   (or MANDATE_GATEWAY_CONFIG)';

/** Logs go to stderr: stdout is the MCP stdio channel. The API key is never logged. */
const logger = pino(
  {
    name: 'mandate-gateway',
    level: 'info',
    redact: { paths: ['apiKey', '*.apiKey', 'authorization', '*.authorization'], censor: '[redacted]' },
  },
  pino.destination(2),
);

async function main(): Promise<void> {
  const env = gatewayEnvironment();
  const args = process.argv.slice(2);
  const at = args.indexOf('--config');
  const path = at >= 0 ? args[at + 1] : env.configPath;
  if (!path || args.includes('--help')) {
    console.error(USAGE);
    process.exit(path ? 0 : 2);
  }
  const config = loadGatewayConfig(path, env);
  const running: { gateway?: Gateway } = {};
  let closing = false;
  const shutdown = (signal: NodeJS.Signals | 'stdin closed') => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    (running.gateway ? running.gateway.close() : Promise.resolve())
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  running.gateway = await startGateway(config, env, logger, () => shutdown('stdin closed'));
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  if (error instanceof GatewayConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  logger.error({ err: error }, 'the gateway failed to start');
  process.exit(1);
});
