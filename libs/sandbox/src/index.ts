export {
  ALWAYS_HIDDEN,
  NETWORK_MODES,
  defaultSandboxProfileSpec,
  parseSandboxProfileSpec,
  sandboxProfileSpecSchema,
  type NetworkMode,
  type SandboxLimits,
  type SandboxProfileSpec,
  type SandboxProfileSpecInput,
  type SpecIssue,
  type SpecParseResult,
} from './profile/sandbox-profile';
export {
  SYSTEM_READ_PATHS,
  buildSandboxCommand,
  sandboxEnvironment,
  type BuildSandboxOptions,
  type HostFileSystem,
  type LaunchSpec,
  type SandboxCommand,
  type SandboxHost,
} from './launch/build-sandbox-command';
export {
  DEFAULT_RUN_AS,
  nodeHostFileSystem,
  preflightSandbox,
  type PreflightOptions,
} from './launch/sandbox-preflight';
export { SandboxSetupError } from './launch/sandbox-setup.error';
export { SandboxedStdioTransport, type SandboxedStdioOptions } from './launch/sandboxed-stdio.transport';
export {
  VIOLATION_KINDS,
  VIOLATION_SOURCES,
  violationOfExit,
  violationsInText,
  type SandboxViolation,
  type ViolationKind,
  type ViolationSource,
} from './violations/sandbox-violation';
export { SandboxViolationError } from './launch/sandbox-violation.error';
export { withWallClock } from './launch/wall-clock';
export { sandboxProfileDigest } from './profile/sandbox-profile-digest';
export { sandboxViolationsTotal } from './metrics/sandbox-metrics';
export { SandboxModule } from './sandbox.module';
export { SANDBOX_ENTITIES } from './store/sandbox.entities';
export { SandboxEventType } from './store/sandbox-event-type';
export { VIOLATION_REACTIONS, type ViolationReaction } from './store/sandbox-profile.entity';
export {
  SandboxDirectory,
  type ResolvedQuarantine,
  type ResolvedSandboxProfile,
  type SandboxResolution,
} from './store/sandbox-directory';
export {
  SANDBOX_LIMITS,
  SandboxProfileService,
  type NewSandboxProfile,
  type ReportedViolation,
  type SandboxProfileChanges,
} from './store/sandbox-profile.service';
export { matchEgress, parseEgressRule, type EgressRule } from './network/egress-allowlist';
export { EGRESS_FORWARDER_SOURCE } from './network/egress-forwarder';
export { startEgressProxy, type EgressProxy, type EgressProxyOptions } from './network/egress-proxy';
