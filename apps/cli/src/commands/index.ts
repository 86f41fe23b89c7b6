import type { CliCommand } from '../cli-command';
import { AuditVerifyCommand } from './audit-verify.command';
import { InitCommand } from './init.command';
import { MigrateCommand } from './migrate.command';
import { PolicyCommand } from './policy-group.command';
import { SchemaCheckCommand } from './schema-check.command';

/** Every `mandate` sub-command. To add one: create commands/<name>.command.ts and list it here. */
export const COMMANDS: readonly CliCommand[] = [
  new MigrateCommand(),
  new InitCommand(),
  new SchemaCheckCommand(),
  new AuditVerifyCommand(),
  new PolicyCommand(),
];
