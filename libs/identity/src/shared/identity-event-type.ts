/** Domain events published by the identity module, always inside the transaction of the change. */
export const IdentityEventType = {
  OrgCreated: 'org.created',
  OrgUpdated: 'org.updated',
  MemberCreated: 'member.created',
  MemberUpdated: 'member.updated',
  MemberDeleted: 'member.deleted',
  MemberPasswordChanged: 'member.password_changed',
  AgentCreated: 'agent.created',
  AgentUpdated: 'agent.updated',
  AgentDeleted: 'agent.deleted',
  ApiKeyCreated: 'api_key.created',
  ApiKeyRevoked: 'api_key.revoked',
  LoginSucceeded: 'auth.login_succeeded',
  LoginFailed: 'auth.login_failed',
} as const;

export type IdentityEventType = (typeof IdentityEventType)[keyof typeof IdentityEventType];
