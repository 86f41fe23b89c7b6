import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A request id supplied by a client is accepted only if it is short and made of safe characters. */
export function isSaneRequestId(value: unknown): value is string {
  return typeof value === 'string' && SANE_REQUEST_ID.test(value);
}

export function generateRequestId(): string {
  return randomUUID();
}

/** Returns the incoming header when sane, otherwise a freshly generated id. */
export function resolveRequestId(incoming: unknown): string {
  const value = Array.isArray(incoming) ? (incoming as unknown[])[0] : incoming;
  return isSaneRequestId(value) ? value : generateRequestId();
}
