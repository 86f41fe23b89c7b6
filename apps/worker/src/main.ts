import { Logger } from '@nestjs/common';
import { ConfigError } from '@mandate/config';
import { createWorker } from './create-worker';

async function main(): Promise<void> {
  const worker = await createWorker();
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    new Logger('Main').log(`received ${signal}, shutting down`);
    worker
      .close()
      .then(() => {
        new Logger('Main').log('stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        console.error(`worker shutdown after ${signal} failed`, error);
        process.exit(1);
      });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
