import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { signCheckpoint, type SignedCheckpoint } from '../checkpoint';
import { MerkleAccumulator } from '../merkle-accumulator';
import { chainKeyOf, orgOfChainKey } from './audit-db.constants';
import { AuditLogRepository } from './audit-log.repository';
import { AuditSigningKeys } from './audit-signing-keys';

interface CheckpointRow {
  org_id: string;
  tree_size: string;
  root_hash: Buffer;
  signed_at: Date;
  key_id: string;
  signature: string;
}

/**
 * Signed tree heads of an organisation's log, stored in append-only audit_checkpoints (one per tree size;
 * concurrent makers — several replicas — agree through `ON CONFLICT DO NOTHING`).
 */
@Injectable()
export class AuditCheckpointService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly log: AuditLogRepository,
    private readonly keys: AuditSigningKeys,
  ) {}

  /**
   * Checkpoint at the current head (the stored one when it already exists). The head row's seq and
   * frontier are one row version, so no lock is needed. Null for an empty log.
   */
  async checkpointHead(org: string | null, now: Date = new Date()): Promise<SignedCheckpoint | null> {
    const head = await this.log.head(org);
    if (head.seq === 0) return null;
    return this.checkpointOf(org, MerkleAccumulator.fromHex(head.seq, head.frontier), now);
  }

  /** Signs (or returns the stored) checkpoint of the tree in `tree`. */
  async checkpointOf(
    org: string | null,
    tree: MerkleAccumulator,
    now: Date = new Date(),
  ): Promise<SignedCheckpoint> {
    const existing = await this.at(org, tree.size);
    if (existing) return existing;
    const signed = signCheckpoint(
      { org, treeSize: tree.size, rootHash: tree.root().toString('hex'), timestamp: now.toISOString() },
      await this.keys.signingKey(org),
    );
    await this.dataSource.query(
      `INSERT INTO audit_checkpoints (org_id, tree_size, root_hash, signed_at, key_id, signature)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (org_id, tree_size) DO NOTHING`,
      [
        chainKeyOf(org),
        signed.treeSize,
        Buffer.from(signed.rootHash, 'hex'),
        new Date(signed.timestamp),
        signed.keyId,
        signed.signature,
      ],
    );
    return (await this.at(org, tree.size)) ?? signed;
  }

  async at(org: string | null, treeSize: number): Promise<SignedCheckpoint | null> {
    const rows = await this.dataSource.query<CheckpointRow[]>(
      `SELECT org_id, tree_size, root_hash, signed_at, key_id, signature FROM audit_checkpoints
        WHERE org_id = $1 AND tree_size = $2`,
      [chainKeyOf(org), treeSize],
    );
    return rows[0] ? toCheckpoint(rows[0]) : null;
  }

  /** Checkpoints with minSize ≤ tree size ≤ maxSize, ascending, at most `limit`. */
  async list(
    org: string | null,
    minSize: number,
    maxSize: number,
    limit: number,
  ): Promise<SignedCheckpoint[]> {
    const rows = await this.dataSource.query<CheckpointRow[]>(
      `SELECT org_id, tree_size, root_hash, signed_at, key_id, signature FROM audit_checkpoints
        WHERE org_id = $1 AND tree_size >= $2 AND tree_size <= $3 ORDER BY tree_size LIMIT $4`,
      [chainKeyOf(org), minSize, maxSize, limit],
    );
    return rows.map(toCheckpoint);
  }

  /**
   * Chains due a checkpoint: grown by at least `every` events since their last checkpoint, or grown at
   * all with the last checkpoint (or, for a chain never checkpointed, its first event) `intervalSeconds`
   * old or older.
   */
  async due(every: number, intervalSeconds: number): Promise<Array<string | null>> {
    const rows = await this.dataSource.query<Array<{ org_id: string }>>(
      `SELECT h.org_id FROM audit_chain_heads h
         LEFT JOIN LATERAL (SELECT tree_size, signed_at FROM audit_checkpoints c
                             WHERE c.org_id = h.org_id ORDER BY tree_size DESC LIMIT 1) c ON true
        WHERE h.seq > COALESCE(c.tree_size, 0)
          AND (h.seq - COALESCE(c.tree_size, 0) >= $1
               OR COALESCE(c.signed_at, (SELECT e.occurred_at FROM audit_events e
                                          WHERE e.org_id = h.org_id AND e.seq = 1))
                  <= now() - make_interval(secs => $2))`,
      [every, intervalSeconds],
    );
    return rows.map((r) => orgOfChainKey(r.org_id));
  }
}

function toCheckpoint(row: CheckpointRow): SignedCheckpoint {
  return {
    org: orgOfChainKey(row.org_id),
    treeSize: Number(row.tree_size),
    rootHash: row.root_hash.toString('hex'),
    timestamp: new Date(row.signed_at).toISOString(),
    keyId: row.key_id,
    signature: row.signature,
  };
}
