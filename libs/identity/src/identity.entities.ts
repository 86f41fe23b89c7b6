import { AgentEntity } from './agents/agent.entity';
import { ApiKeyEntity } from './api-keys/api-key.entity';
import { LoginThrottleEntity } from './auth/login-throttle.entity';
import { SigningKeyEntity } from './auth/signing-key.entity';
import { MemberEntity } from './members/member.entity';
import { OrganisationEntity } from './organisations/organisation.entity';

/** Every TypeORM entity of the identity module; register them on the DataSource. */
export const IDENTITY_ENTITIES = [
  OrganisationEntity,
  MemberEntity,
  AgentEntity,
  ApiKeyEntity,
  SigningKeyEntity,
  LoginThrottleEntity,
] as const;
