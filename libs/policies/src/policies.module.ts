import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditMasterKey } from '@mandate/audit';
import { PolicyActivationController } from './activation/policy-activation.controller';
import { PolicyActivationService } from './activation/policy-activation.service';
import { PolicyTestGate } from './activation/policy-test.gate';
import { ActivePolicyReader } from './active/active-policy.reader';
import { BundleChangeWatcher } from './bundles/bundle-change.watcher';
import { BundleServeController } from './bundles/bundle-serve.controller';
import { BundleSigningKeys } from './bundles/bundle-signing-keys';
import { GzipBodyParser } from './bundles/gzip-body.parser';
import { PolicyBundleController } from './bundles/policy-bundle.controller';
import { PolicyBundleServer } from './bundles/policy-bundle-server.service';
import { PolicyBundleService } from './bundles/policy-bundle.service';
import { PolicyModuleReader } from './bundles/policy-module.reader';
import { PolicyCompiler } from './compile/policy-compiler';
import { PolicyDraftController } from './draft/policy-draft.controller';
import { PolicyDraftService } from './draft/policy-draft.service';
import { POLICIES_ENTITIES } from './policies.entities';
import { PolicyEvents } from './shared/policy-events';
import { PolicyVersionController } from './versions/policy-version.controller';
import { PolicyVersionService } from './versions/policy-version.service';

/**
 * The policy store: per-organisation Rego drafts, immutable compiled versions, tested activation and
 * rollback, and the ActivePolicyReader the decision service evaluates with.
 */
@Module({
  imports: [TypeOrmModule.forFeature([...POLICIES_ENTITIES])],
  controllers: [
    PolicyDraftController,
    PolicyVersionController,
    PolicyActivationController,
    PolicyBundleController,
    BundleServeController,
  ],
  providers: [
    PolicyCompiler,
    PolicyEvents,
    PolicyTestGate,
    PolicyDraftService,
    PolicyVersionService,
    PolicyActivationService,
    ActivePolicyReader,
    PolicyBundleService,
    GzipBodyParser,
    // Bundle API: its own instance of the master key reader (AuditModule does not export one).
    AuditMasterKey,
    BundleSigningKeys,
    BundleChangeWatcher,
    PolicyBundleServer,
    PolicyModuleReader,
  ],
  exports: [ActivePolicyReader, PolicyCompiler, PolicyModuleReader],
})
export class PoliciesModule {}
