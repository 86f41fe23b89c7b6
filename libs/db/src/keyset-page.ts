import { DomainError, ErrorCode, decodeCursor, encodeCursor, type Page } from '@mandate/common';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/**
 * Keyset pagination over (created_at, id), oldest first. The cursor carries created_at with its full
 * microsecond precision (as text from PostgreSQL), so no row is skipped or repeated between pages.
 */
export async function keysetPage<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  alias: string,
  limit: number,
  cursor: string | undefined,
): Promise<Page<T>> {
  if (cursor !== undefined) {
    const position = decodeCursor(cursor);
    const at = position.t;
    const id = position.i;
    if (typeof at !== 'string' || typeof id !== 'string' || !TIMESTAMP.test(at) || !UUID.test(id)) {
      throw new DomainError(ErrorCode.BadRequest, 'Invalid pagination cursor', { field: 'cursor' });
    }
    query.andWhere(
      `(${alias}.created_at, ${alias}.id) > (CAST(:cursorAt AS timestamptz), CAST(:cursorId AS uuid))`,
      {
        cursorAt: at,
        cursorId: id,
      },
    );
  }
  const { entities, raw } = await query
    .addSelect(
      `to_char(${alias}.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
      'page_cursor_at',
    )
    .orderBy(`${alias}.created_at`, 'ASC')
    .addOrderBy(`${alias}.id`, 'ASC')
    .limit(limit + 1)
    .getRawAndEntities<{ page_cursor_at: string }>();
  const items = entities.slice(0, limit);
  const last = items[items.length - 1] as { id?: unknown } | undefined;
  const lastRaw = raw[items.length - 1];
  const nextCursor =
    entities.length > limit && last !== undefined && typeof last.id === 'string' && lastRaw !== undefined
      ? encodeCursor({ t: lastRaw.page_cursor_at, i: last.id })
      : null;
  return { items, nextCursor };
}
