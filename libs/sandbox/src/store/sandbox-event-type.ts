/** Domain events of the sandbox feature (each lands on the organisation's audit chain). */
export const SandboxEventType = {
  ProfileCreated: 'sandbox.profile_created',
  ProfileUpdated: 'sandbox.profile_updated',
  ProfileDeleted: 'sandbox.profile_deleted',
  ViolationReported: 'sandbox.violation_reported',
  ServerQuarantined: 'sandbox.server_quarantined',
  QuarantineReleased: 'sandbox.quarantine_released',
} as const;
export type SandboxEventType = (typeof SandboxEventType)[keyof typeof SandboxEventType];
