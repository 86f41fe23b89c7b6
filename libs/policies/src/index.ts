export { type ActivePolicy } from './active/active-policy';
export { ActivePolicyReader, BASELINE_POLICY_DIR } from './active/active-policy.reader';
export { PolicyModuleReader, type PolicyModule } from './bundles/policy-module.reader';
export { PolicyCompiler, type PolicyCompileOutcome } from './compile/policy-compiler';
export type { PolicyCompileIssue } from './compile/policy-compile-issue';
export { DECISION_ENTRYPOINT, POLICY_LIMITS } from './compile/policy-limits';
export { POLICIES_ENTITIES } from './policies.entities';
export { PoliciesModule } from './policies.module';
export { POLICY_ACTIVATED_CHANNEL, PolicyEventType } from './shared/policy-event-type';
