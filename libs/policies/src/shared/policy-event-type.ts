/** Domain events of the policy store, always published inside the transaction of the change. */
export const PolicyEventType = {
  DraftSaved: 'policy.draft_saved',
  VersionCreated: 'policy.version_created',
  Activated: 'policy.activated',
  RolledBack: 'policy.rolled_back',
} as const;

export type PolicyEventType = (typeof PolicyEventType)[keyof typeof PolicyEventType];

/** PostgreSQL NOTIFY channel of activations and rollbacks; payload `{"orgId": "…", "revision": n}`. */
export const POLICY_ACTIVATED_CHANNEL = 'mandate_policy_activated';
