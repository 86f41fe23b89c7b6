import { createDataSource, detectSchemaDrift } from '@mandate/db';
import { EVENTS_ENTITIES } from '@mandate/events';
import { QUEUE_ENTITIES } from '@mandate/queue';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../support';

/** An entity that disagrees with the migrated `job_deliveries` table (extra column). */
@Entity({ name: 'job_deliveries' })
class DriftedJobDelivery {
  @PrimaryColumn({ name: 'job_id', type: 'uuid', primaryKeyConstraintName: 'pk_job_deliveries' })
  jobId!: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_job_deliveries' })
  consumer!: string;

  @Column({ name: 'extra_note', type: 'text', nullable: true })
  extraNote!: string | null;
}

describeWithPostgres('infrastructure schema', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('has no drift between the infrastructure entities and the migrations', async () => {
    const ds = createDataSource({ url: db.url, entities: [...EVENTS_ENTITIES, ...QUEUE_ENTITIES] });
    await ds.initialize();
    try {
      const drift = (await detectSchemaDrift(ds)).filter((q) =>
        /domain_events|outbox|job_deliveries/.test(q),
      );
      expect(drift).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });

  it('reports drift when an entity disagrees with the migrations', async () => {
    const ds = createDataSource({ url: db.url, entities: [DriftedJobDelivery] });
    await ds.initialize();
    try {
      const drift = await detectSchemaDrift(ds);
      expect(drift.some((q) => q.includes('"extra_note"'))).toBe(true);
    } finally {
      await ds.destroy();
    }
  });

  it('rejects UPDATE, DELETE and TRUNCATE of domain_events', async () => {
    const ds = createDataSource({ url: db.url });
    await ds.initialize();
    try {
      await ds.query(
        `INSERT INTO domain_events (id, type, actor_type, actor_id, data) VALUES (gen_random_uuid(), 'test.created', 'system', 'test', '{}'::jsonb)`,
      );
      await expect(ds.query(`UPDATE domain_events SET actor_id = 'x'`)).rejects.toThrow(/append-only/);
      await expect(ds.query(`DELETE FROM domain_events`)).rejects.toThrow(/append-only/);
      await expect(ds.query(`TRUNCATE domain_events`)).rejects.toThrow(/append-only/);
      const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM domain_events`);
      expect(n).toBe(1);
    } finally {
      await ds.destroy();
    }
  });
});
