import { CliUsageError, type CliCommand, type CliContext } from '../cli-command';
import { PolicyBuildCommand } from './policy-build.command';
import { PolicyTestCommand } from './policy-test.command';

/** `mandate policy <test|build> …`: dispatches to the policy sub-commands. */
export class PolicyCommand implements CliCommand {
  readonly name = 'policy';
  readonly summary = 'Test Rego policies (test_ rules) and build OPA Wasm bundles';
  private readonly subcommands: readonly CliCommand[] = [new PolicyTestCommand(), new PolicyBuildCommand()];
  readonly usage = [
    'Usage: mandate policy <test|build> [options]',
    '',
    ...this.subcommands.map((c) => `  ${c.name.padEnd(6)} ${c.summary}`),
    '',
    ...this.subcommands.flatMap((c) => [c.usage, '']),
  ]
    .join('\n')
    .trimEnd();

  async run(args: string[], context: CliContext): Promise<number> {
    const [name, ...rest] = args;
    const command = this.subcommands.find((c) => c.name === name);
    if (!command) {
      throw new CliUsageError(
        name ? `unknown sub-command "${name}"` : 'expected a sub-command: test or build',
      );
    }
    return command.run(rest, context);
  }
}
