/**
 * Scopes of an API key.
 * - `decisions:evaluate`: a gateway key; may call the decision, AuthZEN and bundle APIs.
 * - `admin`: may call the admin API with the permissions of the key's `role`.
 */
export const API_KEY_SCOPES = ['decisions:evaluate', 'admin'] as const;

export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
