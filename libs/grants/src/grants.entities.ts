import { GrantHeadEntity } from './store/grant-head.entity';
import { GrantConsumptionEntity } from './store/grant-consumption.entity';
import { GrantSigningKeyEntity } from './store/grant-signing-key.entity';
import { GrantTemplateEntity } from './store/grant-template.entity';
import { GrantEntity } from './store/grant.entity';

/** Every TypeORM entity of the grants feature. */
export const GRANTS_ENTITIES = [
  GrantEntity,
  GrantTemplateEntity,
  GrantConsumptionEntity,
  GrantSigningKeyEntity,
  GrantHeadEntity,
] as const;
