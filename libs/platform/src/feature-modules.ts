import type { DynamicModule, Type } from '@nestjs/common';
import { ApprovalsModule } from '@mandate/approvals';
import { AuditModule } from '@mandate/audit';
import { CatalogModule } from '@mandate/catalog';
import { DecisionsModule } from '@mandate/decisions';
import { GrantsModule } from '@mandate/grants';
import { IdentityModule } from '@mandate/identity';
import { PoliciesModule } from '@mandate/policies';
import { SandboxModule } from '@mandate/sandbox';

/**
 * Feature modules (libs/<feature>) mounted in the server, the worker and the CLI tools. Add a feature's
 * Nest module here; its controllers appear in the API and the OpenAPI document, its job handlers run in
 * the worker (or in-process without Redis).
 */
export const FEATURE_MODULES: Array<Type | DynamicModule> = [
  IdentityModule,
  PoliciesModule,
  DecisionsModule,
  AuditModule,
  CatalogModule,
  ApprovalsModule,
  GrantsModule,
  SandboxModule,
];
