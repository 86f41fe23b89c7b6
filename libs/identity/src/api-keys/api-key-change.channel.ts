/**
 * PostgreSQL channel on which a change to an API key (revocation, expiry, scope, deletion) is announced with
 * the key's id, by a trigger on `api_keys` (migration ApiKeyChanges1795545000000).
 */
export const API_KEY_CHANGED_CHANNEL = 'mandate_api_key_changed';
