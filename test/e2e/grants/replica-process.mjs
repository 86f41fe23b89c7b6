// A second Mandate server process for the grants e2e tests ("another replica"), run from the TypeScript
// sources: .ts files are compiled on require with @swc/core and the repository's .swcrc (as the build does).
// Usage: node replica-process.mjs <database url> <master key>; prints {"port": n} once listening and stops
// on SIGTERM.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const swc = require('@swc/core');
const swcrc = JSON.parse(readFileSync(join(root, '.swcrc'), 'utf8'));
delete swcrc.$schema;
const options = { ...swcrc, sourceMaps: false, jsc: { ...swcrc.jsc, baseUrl: root } };

require.extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(readFileSync(filename, 'utf8'), { ...options, filename });
  module._compile(code, filename);
};

const [databaseUrl, masterKey] = process.argv.slice(2);
const { createApp } = require(join(root, 'apps', 'server', 'src', 'create-app.ts'));
const app = await createApp({
  env: {
    DATABASE_URL: databaseUrl,
    MANDATE_MASTER_KEY: masterKey,
    MANDATE_MIGRATE_ON_START: 'false',
    LOG_LEVEL: 'silent',
  },
});
await app.listen(0, '127.0.0.1');
process.stdout.write(`${JSON.stringify({ port: app.getHttpServer().address().port })}\n`);
process.once('SIGTERM', () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
