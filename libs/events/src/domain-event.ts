export const ACTOR_TYPES = ['member', 'api_key', 'system', 'agent'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

/** Who performed the action. */
export interface Actor {
  type: ActorType;
  id: string;
}

/** What the action was about (e.g. `{type: 'agent', id}`). */
export interface EventSubject {
  type: string;
  id: string;
}

/**
 * A fact about something that changed, published INSIDE the transaction that made the change.
 * `type` is dotted lower-case, past tense: `member.invited`, `api_key.revoked`, `policy.activated`.
 * `data` must never contain secrets (it is kept forever and shown to auditors).
 */
export interface DomainEvent<D extends Record<string, unknown> = Record<string, unknown>> {
  type: string;
  /** Organisation the event belongs to; null only for instance-level (system) events. */
  orgId: string | null;
  actor: Actor;
  subject?: EventSubject;
  data: D;
  requestId?: string;
  ip?: string;
}

/** A domain event as stored. */
export interface StoredDomainEvent<
  D extends Record<string, unknown> = Record<string, unknown>,
> extends DomainEvent<D> {
  id: string;
  occurredAt: Date;
}
