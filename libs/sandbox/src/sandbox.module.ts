import { Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DecisionsModule, DecisionStageRegistry } from '@mandate/decisions';
import { SandboxProfileController } from './http/sandbox-profile.controller';
import { SandboxViolationController } from './http/sandbox-violation.controller';
import { SandboxStage } from './pipeline/sandbox.stage';
import { SandboxDirectory } from './store/sandbox-directory';
import { SandboxProfileService } from './store/sandbox-profile.service';
import { SANDBOX_ENTITIES } from './store/sandbox.entities';

/**
 * Sandbox profiles stored per organisation (admin API, resolve and violation endpoints for gateways,
 * quarantines) and the decision stage `sandbox` (order 50) that records the profile with each decision and
 * denies calls to quarantined servers. The launcher (bubblewrap command, transport) is pure and used by
 * gateways directly.
 */
@Module({
  imports: [DecisionsModule, TypeOrmModule.forFeature([...SANDBOX_ENTITIES])],
  controllers: [SandboxProfileController, SandboxViolationController],
  providers: [SandboxDirectory, SandboxProfileService, SandboxStage],
  exports: [SandboxProfileService],
})
export class SandboxModule implements OnModuleInit {
  constructor(
    private readonly registry: DecisionStageRegistry,
    private readonly stage: SandboxStage,
  ) {}

  onModuleInit(): void {
    this.registry.register(this.stage);
  }
}
