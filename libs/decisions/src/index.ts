export { DecisionsModule } from './decisions.module';
export { DecisionService } from './evaluation/decision.service';
export type { DecisionCaller, DecisionRequest } from './evaluation/decision-input';
export type { DecisionResult } from './evaluation/decision-result';
export { encodeConsistencyToken, decodeConsistencyToken } from './evaluation/consistency-token';
export {
  ACTIVE_POLICY_READER,
  ACTIVE_POLICY_READER_OVERRIDE,
  POLICY_ACTIVATED_CHANNEL,
  type ActivePolicy,
  type ActivePolicyReaderPort,
} from './policy/active-policy.port';
export { PolicyCache } from './policy/policy-cache.service';
export { DecisionEntity } from './recording/decision.entity';
