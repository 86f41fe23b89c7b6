export { CurrentPrincipal, Public, RequirePermission } from './access/access.decorators';
export { AccessGuard, missingCredential, requirePermission } from './access/access.guard';
export {
  PERMISSIONS,
  ROLE_PERMISSIONS,
  canGrantRoles,
  isPermission,
  permissionsForRoles,
  type Permission,
} from './access/permission';
export { actorOf, type Actor, type Principal } from './access/principal';
export { ROLES, isRole, type Role } from './access/role';
export { AgentEntity } from './agents/agent.entity';
export { AgentService } from './agents/agent.service';
export { API_KEY_SCOPES, type ApiKeyScope } from './api-keys/api-key-scope';
export { ApiKeyService } from './api-keys/api-key.service';
export { API_KEY_CACHE_TTL_MS, ApiKeyCache } from './api-keys/api-key-cache';
export { AuthService } from './auth/auth.service';
export { MetricsScrapeAuthorizer } from './auth/metrics-scrape-authorizer';
export { IDENTITY_ENTITIES } from './identity.entities';
export { IdentityModule } from './identity.module';
export { MemberService } from './members/member.service';
export { OrganisationService, type BootstrapResult } from './organisations/organisation.service';
export { IdentityEventType } from './shared/identity-event-type';
