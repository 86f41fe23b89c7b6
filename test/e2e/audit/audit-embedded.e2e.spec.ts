import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  AuditChainAppender,
  AuditCheckpointService,
  AuditRetentionService,
  AuditSigningKeys,
  loadAuditPublicKey,
  MASTER_KEY_FILE,
  verifyCheckpointSignature,
} from '@mandate/audit';
import { DomainEventPublisher } from '@mandate/events';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../apps/server/src/create-app';

/** The zero-setup path: PGlite in the data folder; partitioned, append-only audit tables and a generated master key. */
describe('audit log on the embedded database (PGlite)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mandate-audit-embedded-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'chains events into monthly partitions, rejects updates, generates a 0600 master key, signs and purges',
    { timeout: 180_000 },
    async () => {
      const dataDir = join(dir, 'data');
      const app = await createApp({ env: { MANDATE_DATA_DIR: dataDir, LOG_LEVEL: 'silent' } });
      try {
        const ds = app.get(DataSource);
        for (let i = 0; i < 3; i++) {
          await ds.transaction((m) =>
            app.get(DomainEventPublisher).publish(m, {
              type: 'embedded.audited',
              orgId: null,
              actor: { type: 'system', id: 'test' },
              data: { i },
            }),
          );
        }
        const rows = await ds.query(
          `SELECT seq, tableoid::regclass::text AS part FROM audit_events WHERE type = 'embedded.audited' ORDER BY seq`,
        );
        expect(rows.map((r: { seq: string }) => Number(r.seq))).toEqual([1, 2, 3]);
        expect(rows[0].part).toMatch(/^audit_events_\d{6}$/);
        const parts = await ds.query(
          `SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'audit_events'::regclass`,
        );
        expect(parts[0].n).toBeGreaterThanOrEqual(4); // last month, this month, 3 ahead
        await expect(ds.query(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
        await expect(ds.query(`TRUNCATE audit_events`)).rejects.toThrow(/append-only/);

        const checkpoint = await app.get(AuditCheckpointService).checkpointHead(null);
        expect(checkpoint?.treeSize).toBe(3);
        const file = join(dataDir, MASTER_KEY_FILE);
        expect(existsSync(file)).toBe(true);
        expect(statSync(file).mode & 0o777).toBe(0o600);
        expect(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64')).toHaveLength(32);
        const [jwk] = await app.get(AuditSigningKeys).publicKeys(null);
        expect(checkpoint && verifyCheckpointSignature(checkpoint, loadAuditPublicKey({ ...jwk }))).toBe(
          true,
        );

        // Retention purge on PGlite: the SECURITY DEFINER function and the trigger's purge exception work.
        const tenant = '7b0c5a52-3b1e-4a8e-9a55-6d1f0e2c9a11';
        const old = Date.now() - 2 * 24 * 3600 * 1000;
        await ds.transaction((m) =>
          app.get(AuditChainAppender).appendBatch(
            (text, values) => m.query(text, values),
            [0, 1, 2].map((i) => ({
              id: randomUUID(),
              org: tenant,
              time: new Date(old + i),
              type: 'embedded.old',
              actor: { type: 'system', id: 'test' },
              data: { i },
            })),
          ),
        );
        await ds.query(`INSERT INTO audit_settings (org_id, retention_days) VALUES ($1, 1)`, [tenant]);
        const purged = await app.get(AuditRetentionService).purge(tenant);
        expect(purged).toMatchObject({ fromSeq: 1, toSeq: 3, count: 3, treeSizeAfter: 4 });
        const left = await ds.query(`SELECT seq, type FROM audit_events WHERE org_id = $1`, [tenant]);
        expect(left).toEqual([{ seq: '4', type: 'audit.purged' }]);
      } finally {
        await app.close();
      }
    },
  );
});
