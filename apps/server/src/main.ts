import cluster from 'node:cluster';
import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from '@mandate/config';
import { createLogger } from '@mandate/platform';
import { createApp } from './create-app';
import { superviseServerProcesses } from './server-cluster';

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.serverProcesses > 1 && cluster.isPrimary) {
    // The workers run this same file and take the branch below; migrations run in them under a lock.
    superviseServerProcesses(
      config.serverProcesses,
      createLogger(config.logLevel, { service: 'mandate-server', role: 'primary' }),
    );
    return;
  }
  const app = await createApp();
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    new Logger('Main').log(`received ${signal}, shutting down`);
    app
      .close()
      .then(() => {
        new Logger('Main').log('stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        console.error(`shutdown after ${signal} failed`, error);
        process.exit(1);
      });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  await app.listen({ port: config.port, host: config.host });
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error('mandate server failed to start:', error);
  }
  process.exit(1);
});
