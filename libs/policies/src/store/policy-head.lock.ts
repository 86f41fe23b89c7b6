import type { EntityManager } from 'typeorm';

export interface LockedHead {
  revision: number;
  versionId: string | null;
}

/**
 * Creates the organisation's policy head at revision 0 if missing, then locks it (FOR UPDATE) until the
 * transaction ends. Serialises activations, rollbacks and version numbering of one organisation.
 */
export async function lockPolicyHead(manager: EntityManager, orgId: string): Promise<LockedHead> {
  await manager.query(
    `INSERT INTO policy_heads (org_id, revision, version_id, activated_at) VALUES ($1, 0, NULL, NULL)
     ON CONFLICT (org_id) DO NOTHING`,
    [orgId],
  );
  const rows = await manager.query<Array<{ revision: number; version_id: string | null }>>(
    `SELECT revision, version_id FROM policy_heads WHERE org_id = $1 FOR UPDATE`,
    [orgId],
  );
  return { revision: rows[0].revision, versionId: rows[0].version_id };
}
