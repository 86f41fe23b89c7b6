import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdentityModule } from '@mandate/identity';
import { DecisionService } from './evaluation/decision.service';
import { DecisionController } from './http/decision.controller';
import {
  ACTIVE_POLICY_READER,
  ACTIVE_POLICY_READER_OVERRIDE,
  type ActivePolicyReaderPort,
} from './policy/active-policy.port';
import { BaselinePolicyReader } from './policy/baseline-policy.reader';
import { PolicyCache } from './policy/policy-cache.service';
import { DecisionEntity } from './recording/decision.entity';
import { DecisionRecorder } from './recording/decision.recorder';

/**
 * The decision API (the hot path): `POST /v1/decisions` and `/v1/decisions/batch`.
 * Policies come through ACTIVE_POLICY_READER. Until libs/policies is wired it is BaselinePolicyReader
 * (every organisation on the baseline); then bind it to the store: import PoliciesModule and use
 * `{ provide: ACTIVE_POLICY_READER, useExisting: ActivePolicyReader }`. A global module providing
 * ACTIVE_POLICY_READER_OVERRIDE replaces the reader (e2e tests use a fake store this way).
 */
@Module({
  imports: [IdentityModule, TypeOrmModule.forFeature([DecisionEntity])],
  controllers: [DecisionController],
  providers: [
    BaselinePolicyReader,
    {
      provide: ACTIVE_POLICY_READER,
      useFactory: (baseline: BaselinePolicyReader, override?: ActivePolicyReaderPort) => override ?? baseline,
      inject: [BaselinePolicyReader, { token: ACTIVE_POLICY_READER_OVERRIDE, optional: true }],
    },
    PolicyCache,
    DecisionRecorder,
    DecisionService,
  ],
  exports: [DecisionService, PolicyCache],
})
export class DecisionsModule {}
