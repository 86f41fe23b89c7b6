import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdentityModule } from '@mandate/identity';
import { ActivePolicyReader, PoliciesModule } from '@mandate/policies';
import { AuthzenController } from './authzen/authzen.controller';
import { ToolhiveController } from './compat/toolhive.controller';
import { AgentDirectory } from './evaluation/agent-directory';
import { DecisionService } from './evaluation/decision.service';
import { DecisionController } from './http/decision.controller';
import { DecisionStageRegistry } from './pipeline/decision-stage.registry';
import {
  ACTIVE_POLICY_READER,
  ACTIVE_POLICY_READER_OVERRIDE,
  type ActivePolicyReaderPort,
} from './policy/active-policy.port';
import { PolicyCache } from './policy/policy-cache.service';
import { DecisionEntity } from './recording/decision.entity';
import { DecisionRecorder } from './recording/decision.recorder';
import { PolicyReplayController } from './replay/policy-replay.controller';
import { PolicyReplayService } from './replay/policy-replay.service';

/**
 * The decision API (the hot path): `POST /v1/decisions` and `/v1/decisions/batch`, and the OpenID AuthZEN
 * evaluation API (`/access/v1/evaluation(s)`, `/.well-known/authzen-configuration`).
 * Policies come through ACTIVE_POLICY_READER, bound to the policy store's ActivePolicyReader. A global
 * module providing ACTIVE_POLICY_READER_OVERRIDE replaces it (e2e tests use an in-memory store this way).
 */
@Module({
  imports: [IdentityModule, PoliciesModule, TypeOrmModule.forFeature([DecisionEntity])],
  controllers: [DecisionController, AuthzenController, PolicyReplayController, ToolhiveController],
  providers: [
    {
      provide: ACTIVE_POLICY_READER,
      useFactory: (store: ActivePolicyReader, override?: ActivePolicyReaderPort): ActivePolicyReaderPort =>
        override ?? store,
      inject: [ActivePolicyReader, { token: ACTIVE_POLICY_READER_OVERRIDE, optional: true }],
    },
    AgentDirectory,
    PolicyCache,
    DecisionRecorder,
    DecisionStageRegistry,
    DecisionService,
    PolicyReplayService,
  ],
  exports: [DecisionService, PolicyCache, DecisionStageRegistry, AgentDirectory],
})
export class DecisionsModule {}
