export { GrantsModule } from './grants.module';
export { GRANTS_ENTITIES } from './grants.entities';
export { GrantService } from './service/grant.service';
export { GrantTokenService, GRANT_TOKEN_AUDIENCE, GRANT_TOKEN_ISSUER } from './tokens/grant-token.service';
export { GrantEventType, GRANTS_CHANGED_CHANNEL } from './shared/grant-event-type';
export { schemaWidening } from './narrowing/schema-narrowing';
export { narrowedScope } from './narrowing/grant-narrowing';
export { GrantIndex } from './matching/grant-index';
export type { ActiveGrant } from './matching/active-grant';
