import { DomainError } from './domain-error';
import { ErrorCode } from './error-code';

/**
 * Opaque keyset cursors: the position of the last row of a page (e.g. `{createdAt, id}`), encoded as
 * base64url JSON. Clients treat them as opaque strings.
 */
export type CursorPosition = Readonly<Record<string, string | number | boolean | null>>;

export interface Page<T> {
  items: T[];
  /** Cursor for the next page, or null when this page is the last. */
  nextCursor: string | null;
}

const MAX_CURSOR_LENGTH = 1024;

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** Decodes a cursor produced by encodeCursor; a malformed cursor is a `bad_request` DomainError. */
export function decodeCursor(cursor: string): CursorPosition {
  const invalid = () =>
    new DomainError(ErrorCode.BadRequest, 'Invalid pagination cursor', { field: 'cursor' });
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor))
    throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid();
  for (const value of Object.values(parsed as Record<string, unknown>)) {
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) throw invalid();
  }
  return parsed as CursorPosition;
}

/**
 * Builds a page from rows fetched with `LIMIT limit + 1`: the extra row only signals that more exist.
 * `positionOf` extracts the keyset of a row (the same columns the query orders by).
 */
export function toPage<T>(
  rows: readonly T[],
  limit: number,
  positionOf: (row: T) => CursorPosition,
): Page<T> {
  const items = rows.slice(0, limit);
  const hasMore = rows.length > limit;
  const last = items[items.length - 1];
  return { items, nextCursor: hasMore && last !== undefined ? encodeCursor(positionOf(last)) : null };
}
