import { Injectable, Logger } from '@nestjs/common';
import { DomainError, ErrorCode } from '@mandate/common';
import { DomainEventPublisher } from '@mandate/events';
import { DataSource } from 'typeorm';
import { AuditCheckpointService } from './audit-checkpoint.service';
import { chainKeyOf, orgOfChainKey } from './audit-db.constants';
import { AuditLogRepository } from './audit-log.repository';
import { AuditMasterKey } from './audit-master-key';

export const AUDIT_PURGED = 'audit.purged';

export interface PurgeResult {
  fromSeq: number;
  toSeq: number;
  count: number;
  /** Signed tree head before the purge (covers every purged event). */
  treeSizeBefore: number;
  rootBefore: string;
  /** Signed tree head after it (includes the `audit.purged` event). */
  treeSizeAfter: number;
  rootAfter: string;
}

/**
 * Retention: deletes the prefix of a chain whose events are all older than the organisation's retention
 * (default 400 days), never while a legal hold is set. A purge is provable, not a silent gap: a signed
 * checkpoint of the head before, the deletion through the database function `audit_purge` (the only path
 * past the append-only trigger; it re-checks retention, legal hold and the horizon's hash, and records the
 * chain hash and Merkle frontier there), an `audit.purged` event {fromSeq, toSeq, count, rootBefore…} on
 * the chain in the same transaction, and a signed checkpoint after. Exports then start after the horizon,
 * anchored on the recorded hash and frontier.
 */
@Injectable()
export class AuditRetentionService {
  private readonly logger = new Logger('AuditRetention');

  constructor(
    private readonly dataSource: DataSource,
    private readonly log: AuditLogRepository,
    private readonly checkpoints: AuditCheckpointService,
    private readonly masterKey: AuditMasterKey,
    private readonly publisher: DomainEventPublisher,
  ) {}

  /** Chains holding events past their retention and not on legal hold. */
  async due(): Promise<Array<string | null>> {
    const rows = await this.dataSource.query<Array<{ org_id: string }>>(
      `SELECT h.org_id FROM audit_chain_heads h LEFT JOIN audit_settings s ON s.org_id = h.org_id
        WHERE NOT coalesce(s.legal_hold, false)
          AND EXISTS (SELECT 1 FROM audit_events e WHERE e.org_id = h.org_id
                       AND e.occurred_at < now() - make_interval(days => coalesce(s.retention_days, 400)))`,
    );
    return rows.map((r) => orgOfChainKey(r.org_id));
  }

  /** Purges every chain that is due; returns the purges made. Failures are logged and skipped. */
  async purgeDue(): Promise<PurgeResult[]> {
    const done: PurgeResult[] = [];
    for (const org of await this.due()) {
      try {
        const result = await this.purge(org);
        if (result) done.push(result);
      } catch (error) {
        this.logger.warn(
          `audit purge of ${chainKeyOf(org)} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    return done;
  }

  /** Purges the expired prefix of one chain; null when nothing is expired (or another process did it). */
  async purge(org: string | null): Promise<PurgeResult | null> {
    if (!this.masterKey.get()) {
      throw new DomainError(
        ErrorCode.Conflict,
        'audit purges need signed checkpoints before and after: no master key is configured',
      );
    }
    const key = chainKeyOf(org);
    const prior = (await this.log.horizon(org))?.toSeq ?? 0;
    // The last seq of the contiguous expired prefix after the previous horizon (database clock).
    const rows = await this.dataSource.query<Array<{ to_seq: string | null }>>(
      `WITH s AS (SELECT coalesce((SELECT retention_days FROM audit_settings WHERE org_id = $1), 400) AS days,
                         coalesce((SELECT legal_hold FROM audit_settings WHERE org_id = $1), false) AS hold),
            kept AS (SELECT min(seq) AS seq FROM audit_events, s
                      WHERE org_id = $1 AND seq > $2 AND occurred_at >= now() - make_interval(days => s.days))
       SELECT CASE WHEN (SELECT hold FROM s) THEN NULL
                   WHEN (SELECT seq FROM kept) IS NOT NULL THEN (SELECT seq FROM kept) - 1
                   ELSE (SELECT max(seq) FROM audit_events WHERE org_id = $1 AND seq > $2) END AS to_seq`,
      [key, prior],
    );
    const toSeq = rows[0]?.to_seq === null || rows[0] === undefined ? 0 : Number(rows[0].to_seq);
    if (toSeq <= prior) return null;

    const before = await this.checkpoints.checkpointHead(org);
    if (!before) return null;
    const hash = await this.log.hashAt(org, toSeq);
    if (hash === null) throw new Error(`audit log of ${key} has no event ${toSeq}`);
    const frontier = (await this.log.frontierAt(org, toSeq)).frontierHex();

    const count = await this.dataSource.transaction(async (manager) => {
      const result = await manager.query<Array<{ count: string }>>(
        `SELECT audit_purge($1, $2, $3, $4) AS count`,
        [key, toSeq, Buffer.from(hash, 'hex'), frontier.map((h) => Buffer.from(h, 'hex'))],
      );
      const deleted = Number(result[0]?.count ?? 0);
      if (deleted === 0) return 0;
      await this.publisher.publish(manager, {
        type: AUDIT_PURGED,
        orgId: org,
        actor: { type: 'system', id: 'retention' },
        subject: { type: 'audit_log', id: key },
        data: {
          fromSeq: prior + 1,
          toSeq,
          count: deleted,
          hashAtToSeq: hash,
          treeSizeBefore: before.treeSize,
          rootBefore: before.rootHash,
          checkpointBefore: before.signature,
        },
      });
      return deleted;
    });
    if (count === 0) return null;
    const after = await this.checkpoints.checkpointHead(org);
    if (!after) throw new Error(`audit log of ${key}: no checkpoint after the purge`);
    this.logger.log(`purged audit events ${prior + 1}-${toSeq} (${count}) of ${key}`);
    return {
      fromSeq: prior + 1,
      toSeq,
      count,
      treeSizeBefore: before.treeSize,
      rootBefore: before.rootHash,
      treeSizeAfter: after.treeSize,
      rootAfter: after.rootHash,
    };
  }
}
