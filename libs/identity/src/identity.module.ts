import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessGuard } from './access/access.guard';
import { AgentController } from './agents/agent.controller';
import { AgentService } from './agents/agent.service';
import { ApiKeyCache } from './api-keys/api-key-cache';
import { ApiKeyController } from './api-keys/api-key.controller';
import { ApiKeyService } from './api-keys/api-key.service';
import { AccessTokenService } from './auth/access-token.service';
import { AuthController } from './auth/auth.controller';
import { AuthService } from './auth/auth.service';
import { BearerStrategy } from './auth/bearer.strategy';
import { LoginThrottle } from './auth/login-throttle.service';
import { MetricsScrapeAuthorizer } from './auth/metrics-scrape-authorizer';
import { IDENTITY_ENTITIES } from './identity.entities';
import { MemberController } from './members/member.controller';
import { MemberService } from './members/member.service';
import { PasswordHasher } from './members/password-hasher.service';
import { OrganisationController } from './organisations/organisation.controller';
import { OrganisationService } from './organisations/organisation.service';
import { IdentityEvents } from './shared/identity-events';

/**
 * Identity and access: organisations, members, agents, API keys, login, and the global AccessGuard
 * that authenticates every request and checks the permission each endpoint declares (deny by default).
 * Importing this module into an HTTP app installs that guard for ALL of the app's routes.
 */
@Module({
  imports: [PassportModule, TypeOrmModule.forFeature([...IDENTITY_ENTITIES])],
  controllers: [AuthController, OrganisationController, MemberController, AgentController, ApiKeyController],
  providers: [
    IdentityEvents,
    PasswordHasher,
    AccessTokenService,
    LoginThrottle,
    ApiKeyCache,
    ApiKeyService,
    MemberService,
    AgentService,
    OrganisationService,
    AuthService,
    BearerStrategy,
    MetricsScrapeAuthorizer,
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [
    AuthService,
    MetricsScrapeAuthorizer,
    ApiKeyService,
    AgentService,
    MemberService,
    OrganisationService,
  ],
})
export class IdentityModule {}
