import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainEventPublisher } from '@mandate/events';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../apps/server/src/create-app';
import { COMMANDS } from '../../apps/cli/src/commands';
import { runCli } from '../../apps/cli/src/run-cli';

/** The zero-setup path: no DATABASE_URL → PGlite in MANDATE_DATA_DIR behind pglite-socket. */
describe('embedded PostgreSQL (PGlite) path', () => {
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mandate-embedded-'));
    env = { MANDATE_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'silent' };
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'migrates with the CLI, serves, writes, and keeps the data across a restart',
    { timeout: 120_000 },
    async () => {
      const lines: string[] = [];
      const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(`ERR ${l}`) };
      expect(await runCli(['migrate'], COMMANDS, { env, io })).toBe(0);
      expect(lines.join('\n')).toMatch(/applied \d+ migration\(s\)/);
      expect(await runCli(['migrate', '--status'], COMMANDS, { env, io })).toBe(0);
      expect(lines.at(-1)).toBe('schema is up to date');

      const first = await createApp({ env });
      let eventId: string;
      try {
        expect((await first.inject({ method: 'GET', url: '/readyz' })).json()).toMatchObject({
          checks: { database: 'up' },
        });
        // While the server holds the data folder, a second process is refused with a clear message.
        const refused: string[] = [];
        expect(
          await runCli(['migrate'], COMMANDS, {
            env,
            io: { out: () => undefined, err: (l) => refused.push(l) },
          }),
        ).toBe(1);
        expect(refused.join('\n')).toMatch(/in use by process/);
        const ds = first.get(DataSource);
        const event = await ds.transaction((m) =>
          first.get(DomainEventPublisher).publish(m, {
            type: 'embedded.written',
            orgId: null,
            actor: { type: 'system', id: 'test' },
            data: { kept: true },
          }),
        );
        eventId = event.id;
      } finally {
        await first.close();
      }
      expect(existsSync(`${env.MANDATE_DATA_DIR}.lock`)).toBe(false);

      const second = await createApp({ env });
      try {
        const rows = await second
          .get(DataSource)
          .query(`SELECT type, data FROM domain_events WHERE id = $1`, [eventId]);
        expect(rows).toEqual([{ type: 'embedded.written', data: { kept: true } }]);
      } finally {
        await second.close();
      }
    },
  );
});
