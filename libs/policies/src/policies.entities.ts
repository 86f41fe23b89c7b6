import { PolicyActivationEntity } from './store/policy-activation.entity';
import { PolicyDraftEntity } from './store/policy-draft.entity';
import { PolicyHeadEntity } from './store/policy-head.entity';
import { PolicyVersionEntity } from './store/policy-version.entity';

/** Every TypeORM entity of the policy store. */
export const POLICIES_ENTITIES = [
  PolicyDraftEntity,
  PolicyVersionEntity,
  PolicyHeadEntity,
  PolicyActivationEntity,
] as const;
