import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, toPage } from './cursor';
import { DomainError } from './domain-error';
import { isSaneRequestId, resolveRequestId } from './request-id';

describe('cursor pagination', () => {
  it('round-trips a position', () => {
    const pos = { createdAt: '2026-01-01T00:00:00.000Z', id: 'abc', n: 3 };
    expect(decodeCursor(encodeCursor(pos))).toEqual(pos);
  });

  it('rejects malformed cursors with a bad_request domain error', () => {
    for (const bad of [
      '',
      '!!!',
      Buffer.from('[1,2]').toString('base64url'),
      Buffer.from('{"a":{}}').toString('base64url'),
      'a'.repeat(2000),
    ]) {
      expect(() => decodeCursor(bad)).toThrow(DomainError);
      try {
        decodeCursor(bad);
      } catch (e) {
        expect((e as DomainError).code).toBe('bad_request');
      }
    }
  });

  it('builds pages from limit+1 rows', () => {
    const rows = [{ id: 1 }, { id: 2 }, { id: 3 }];
    const page = toPage(rows, 2, (r) => ({ id: r.id }));
    expect(page.items).toEqual([{ id: 1 }, { id: 2 }]);
    expect(decodeCursor(page.nextCursor!)).toEqual({ id: 2 });
    expect(toPage(rows, 3, (r) => ({ id: r.id })).nextCursor).toBeNull();
  });
});

describe('request ids', () => {
  it('accepts sane ids and replaces hostile ones', () => {
    expect(isSaneRequestId('abc-123_X.y:z')).toBe(true);
    expect(resolveRequestId('abc-123')).toBe('abc-123');
    const generated = resolveRequestId('bad id\nInjected: yes');
    expect(generated).not.toContain('Injected');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    expect(resolveRequestId('x'.repeat(129))).not.toBe('x'.repeat(129));
    expect(resolveRequestId(undefined)).toMatch(/^[0-9a-f-]{36}$/);
  });
});
