import type { EntityManager } from 'typeorm';
import { GRANTS_CHANGED_CHANNEL } from './grant-event-type';

/**
 * Marks a change to the organisation's grants inside the changing transaction: bumps its `grant_heads`
 * version (replicas' polls compare it) and queues a NOTIFY, delivered when the transaction commits.
 */
export async function markGrantsChanged(manager: EntityManager, orgId: string): Promise<void> {
  await manager.query(
    `INSERT INTO grant_heads (org_id, version) VALUES ($1, 1)
     ON CONFLICT (org_id) DO UPDATE SET version = grant_heads.version + 1`,
    [orgId],
  );
  await manager.query(`SELECT pg_notify($1, $2)`, [GRANTS_CHANGED_CHANNEL, JSON.stringify({ orgId })]);
}
