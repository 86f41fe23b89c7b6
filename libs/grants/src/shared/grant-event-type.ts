/** Domain events of the grants feature, always published inside the transaction of the change. */
export const GrantEventType = {
  Created: 'grant.created',
  Revoked: 'grant.revoked',
  Delegated: 'grant.delegated',
  TokenIssued: 'grant.token_issued',
  TemplateCreated: 'grant_template.created',
  TemplateUpdated: 'grant_template.updated',
  TemplateInstantiated: 'grant_template.instantiated',
  KeyRotated: 'grant_signing_key.rotated',
} as const;

export type GrantEventType = (typeof GrantEventType)[keyof typeof GrantEventType];

/** PostgreSQL NOTIFY channel: an organisation's grants changed. Payload `{"orgId": "…"}`. */
export const GRANTS_CHANGED_CHANNEL = 'mandate_grants_changed';
