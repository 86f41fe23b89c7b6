import { ConfigError, loadConfig, type AppConfig, type Env } from '@mandate/config';
import { CliUsageError, type CliCommand, type CliContext, type CliIo } from './cli-command';

const consoleIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export interface RunCliOptions {
  io?: CliIo;
  env?: Env;
  config?: Partial<AppConfig>;
}

/** Dispatches `mandate <command> [args]` to the registered command; returns the exit code. */
export async function runCli(
  argv: string[],
  commands: readonly CliCommand[],
  options: RunCliOptions = {},
): Promise<number> {
  const io = options.io ?? consoleIo;
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    const target = commands.find((c) => c.name === args[0]);
    if (target) io.out(target.usage);
    else printHelp(io, commands);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`mandate: unknown command "${name}"`);
    printHelp(io, commands);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(command.usage);
    return 0;
  }
  let config: AppConfig | undefined;
  const context: CliContext = {
    io,
    config: () => (config ??= loadConfig(options.env, options.config)),
  };
  try {
    return await command.run(args, context);
  } catch (error) {
    if (error instanceof CliUsageError) {
      io.err(`mandate ${name}: ${error.message}`);
      io.err(command.usage);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.err(error.message);
      return 78;
    }
    io.err(`mandate ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

function printHelp(io: CliIo, commands: readonly CliCommand[]): void {
  io.out('Usage: mandate <command> [options]   (mandate help <command> for details)');
  io.out('');
  const width = Math.max(...commands.map((c) => c.name.length));
  for (const c of commands) io.out(`  ${c.name.padEnd(width)}  ${c.summary}`);
}
