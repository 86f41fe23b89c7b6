import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditMasterKey } from '@mandate/audit';
import { DecisionsModule } from '@mandate/decisions';
import { GrantsStage } from './decision/grants.stage';
import { GRANTS_ENTITIES } from './grants.entities';
import { GrantTemplateController } from './http/grant-template.controller';
import { GrantController } from './http/grant.controller';
import { JwksController } from './http/jwks.controller';
import { GrantDirectory } from './matching/grant-directory.service';
import { GrantDelegationService } from './service/grant-delegation.service';
import { GrantTemplateService } from './service/grant-template.service';
import { GrantService } from './service/grant.service';
import { GrantEvents } from './shared/grant-events';
import { GrantTokenService } from './tokens/grant-token.service';

/**
 * Capability grants: the admin API (grants, templates, tokens, key rotation), delegation for gateways,
 * the JWKS of grant tokens, and the `grants` stage of the decision pipeline (matching from memory,
 * atomic consumption of uses and budget when a decision is recorded).
 */
@Module({
  imports: [DecisionsModule, TypeOrmModule.forFeature([...GRANTS_ENTITIES])],
  controllers: [GrantController, GrantTemplateController, JwksController],
  providers: [
    // The audit module's master key (stateless; sealed grant signing keys use the same key).
    AuditMasterKey,
    GrantEvents,
    GrantDirectory,
    GrantTokenService,
    GrantService,
    GrantDelegationService,
    GrantTemplateService,
    GrantsStage,
  ],
  exports: [GrantService, GrantTokenService],
})
export class GrantsModule {}
