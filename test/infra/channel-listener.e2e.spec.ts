import { ChannelListener, parseOrgRevision } from '@mandate/db';
import { Client } from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../support';
import { waitFor } from './wait-for';

describeWithPostgres('ChannelListener (one LISTEN connection per channel, on the real PostgreSQL)', () => {
  let db: TestDatabase;
  let sql: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await db?.drop();
  });

  it('delivers committed notifications, reports a lost connection and listens again after it', async () => {
    const messages: string[] = [];
    const states: string[] = [];
    const listener = new ChannelListener(db.url, 'mandate_probe_changed', {
      onMessage: (payload) => messages.push(payload),
      onListening: () => states.push('listening'),
      onLost: () => states.push('lost'),
    });
    listener.start();
    try {
      await waitFor(() => Promise.resolve(listener.listening), 10_000, 'LISTEN');
      await sql.query('BEGIN');
      await sql.query(`SELECT pg_notify('mandate_probe_changed', 'rolled back')`);
      await sql.query('ROLLBACK');
      await sql.query(`SELECT pg_notify('mandate_probe_changed', 'one')`);
      await sql.query(`SELECT pg_notify('mandate_other_channel', 'not mine')`);
      await waitFor(() => Promise.resolve(messages.length > 0), 5_000, 'the notification');
      expect(messages).toEqual(['one']);

      // The database drops the listener's connection: it says so, reconnects and listens again.
      await sql.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND query ILIKE 'LISTEN%'`,
      );
      await waitFor(() => Promise.resolve(states.includes('lost')), 10_000, 'the lost connection');
      expect(listener.listening).toBe(false);
      await waitFor(() => Promise.resolve(listener.listening), 10_000, 'LISTEN again');
      expect(states).toEqual(['listening', 'lost', 'listening']);
      await sql.query(`SELECT pg_notify('mandate_probe_changed', 'two')`);
      await waitFor(() => Promise.resolve(messages.length > 1), 5_000, 'the second notification');
      expect(messages).toEqual(['one', 'two']);
    } finally {
      await listener.stop();
    }
    expect(listener.listening).toBe(false);
  });

  it('refuses a channel name that is not a plain identifier', () => {
    expect(() => new ChannelListener(db.url, 'x; DROP TABLE y', { onMessage: () => undefined })).toThrow(
      /invalid channel name/,
    );
  });

  it('parses per-organisation revision payloads and ignores malformed ones', () => {
    expect(parseOrgRevision('{"orgId":"o1","revision":3}')).toEqual({ orgId: 'o1', revision: 3 });
    expect(parseOrgRevision('{"orgId":"o1","revision":"3"}')).toBeUndefined();
    expect(parseOrgRevision('not json')).toBeUndefined();
  });
});
