export { DecisionsModule } from './decisions.module';
export { DecisionService } from './evaluation/decision.service';
export {
  DECISION_ROUTE,
  decisionRouteOpenApi,
  registerDecisionRoute,
  type DecisionRouteDeps,
} from './http/decision.route';
export type { DecisionCaller, DecisionRequest, JsonObject } from './evaluation/decision-input';
export {
  denied,
  type ApprovalRequestRef,
  type DecisionOutcome,
  type DecisionReason,
  type DecisionValue,
} from './evaluation/decision-outcome';
export { AgentDirectory } from './evaluation/agent-directory';
export type { DecisionDraft, DecisionSql, DecisionStage, PolicyInput } from './pipeline/decision-stage';
export { DecisionStageRegistry } from './pipeline/decision-stage.registry';
export {
  DECISION_EVENT_TYPE,
  DecisionCommitError,
  DecisionRecorder,
  auditEventOf,
} from './recording/decision.recorder';
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
