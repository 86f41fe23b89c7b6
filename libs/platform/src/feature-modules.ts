import type { DynamicModule, Type } from '@nestjs/common';
import { AuditModule } from '@mandate/audit';
import { DecisionsModule } from '@mandate/decisions';
import { IdentityModule } from '@mandate/identity';
import { PoliciesModule } from '@mandate/policies';

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
];
