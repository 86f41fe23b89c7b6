import type { AppConfig } from '@mandate/config';

/** Where a command writes; tests capture it. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export interface CliContext {
  io: CliIo;
  /** Validated configuration (loaded from the environment on first use). */
  config(): AppConfig;
}

/**
 * One `mandate <name>` sub-command. A command is one file in commands/ exporting a class that implements
 * this, registered in commands/index.ts. `run` returns the process exit code.
 */
export interface CliCommand {
  readonly name: string;
  /** One line for `mandate help`. */
  readonly summary: string;
  /** Usage text printed by `mandate help <name>` and on bad arguments. */
  readonly usage: string;
  run(args: string[], context: CliContext): Promise<number>;
}

/** Thrown by commands for bad arguments: printed with the command's usage, exit code 2. */
export class CliUsageError extends Error {}
