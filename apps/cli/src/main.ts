import 'reflect-metadata';
import { COMMANDS } from './commands';
import { runCli } from './run-cli';

runCli(process.argv.slice(2), COMMANDS)
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
