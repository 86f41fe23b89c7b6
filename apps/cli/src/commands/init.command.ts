import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { DomainError, ErrorCode } from '@mandate/common';
import { AppModule } from '@mandate/platform';
import { DatabaseServer, migrateDatabase } from '@mandate/db';
import { IdentityModule, OrganisationService } from '@mandate/identity';
import { isEmail } from 'class-validator';
import { MIGRATIONS } from '../../../../migrations';
import { CliUsageError, type CliCommand, type CliContext } from '../cli-command';

/** Exit code when the organisation already exists (nothing was changed). */
export const INIT_EXISTS_EXIT_CODE = 4;

/**
 * `mandate init --org <name> --owner-email <email> [--slug <slug>] [--json]`: creates the first
 * organisation, its owner (with a generated password) and an admin API key, and prints the secrets ONCE.
 */
export class InitCommand implements CliCommand {
  readonly name = 'init';
  readonly summary = 'Create an organisation, its first owner and an admin API key';
  readonly usage = [
    'Usage: mandate init --org <name> --owner-email <email> [--slug <slug>] [--json]',
    '',
    'Applies pending migrations, then creates the organisation, an owner member with a generated',
    'password and an admin API key (role admin). The password and the key are printed once and',
    'never stored in clear: keep them now. Refuses (exit code 4) when the organisation exists.',
    '',
    '  --org <name>           organisation name (1-200 characters)',
    '  --owner-email <email>  email of the first owner',
    '  --slug <slug>          login slug (default: derived from the name)',
    '  --json                 print {org, owner: {email, password}, apiKey} as JSON',
  ].join('\n');

  async run(args: string[], context: CliContext): Promise<number> {
    const { values } = parse(args);
    if (values.org === undefined || values.org.trim() === '') throw new CliUsageError('--org is required');
    if (values['owner-email'] === undefined) throw new CliUsageError('--owner-email is required');
    if (!isEmail(values['owner-email'])) throw new CliUsageError(`--owner-email is not an email address`);

    const config = context.config();
    const server = await DatabaseServer.open(config);
    try {
      await migrateDatabase(server.url, MIGRATIONS);
      const app = await NestFactory.createApplicationContext(
        AppModule.forRoot({ config, database: server, role: 'tool', modules: [IdentityModule] }),
        { logger: ['error'] },
      );
      try {
        const result = await app.get(OrganisationService).bootstrap({
          name: values.org,
          slug: values.slug,
          ownerEmail: values['owner-email'],
        });
        if (values.json) {
          context.io.out(
            JSON.stringify({
              org: result.org,
              owner: { id: result.owner.id, email: result.owner.email, password: result.owner.password },
              apiKey: result.apiKey.key,
            }),
          );
        } else {
          context.io.out(
            `Created organisation "${result.org.name}" (slug ${result.org.slug}, id ${result.org.id}).`,
          );
          context.io.out(`Owner:    ${result.owner.email}`);
          context.io.out(`Password: ${result.owner.password}`);
          context.io.out(`API key:  ${result.apiKey.key}   (scope admin, role admin)`);
          context.io.out(
            'These secrets are shown only once. Log in with POST /v1/auth/login and change the password.',
          );
        }
        return 0;
      } catch (error) {
        if (error instanceof DomainError && error.code === ErrorCode.Conflict) {
          context.io.err(`mandate init: ${error.message}; nothing was changed.`);
          return INIT_EXISTS_EXIT_CODE;
        }
        if (error instanceof DomainError && error.code === ErrorCode.ValidationFailed) {
          throw new CliUsageError(error.message);
        }
        throw error;
      } finally {
        await app.close();
      }
    } finally {
      await server.stop();
    }
  }
}

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        org: { type: 'string' },
        'owner-email': { type: 'string' },
        slug: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      allowPositionals: false,
      strict: true,
    });
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
}
