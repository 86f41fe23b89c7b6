import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@mandate/common';
import { DomainEventPublisher, type Actor } from '@mandate/events';
import { DataSource, type EntityManager } from 'typeorm';
import type { MaskMode } from '../event-masker';
import { validateMaskPaths } from '../mask-rules';
import { chainKeyOf } from './audit-db.constants';

/** Retention when an organisation configured none (the brief's default). */
export const DEFAULT_RETENTION_DAYS = 400;

export interface AuditSettings {
  /** JSON paths (each starting with `$.data`) masked in every event before hashing. */
  maskPaths: string[];
  maskMode: MaskMode;
  retentionDays: number;
  /** While set, nothing is purged whatever its age. */
  legalHold: boolean;
  legalHoldReason: string | null;
  updatedAt: string | null;
}

export type AuditSettingsPatch = Partial<Omit<AuditSettings, 'updatedAt'>>;

interface SettingsRow {
  mask_paths: string[];
  mask_mode: MaskMode;
  retention_days: number;
  legal_hold: boolean;
  legal_hold_reason: string | null;
  updated_at: Date;
}

export const AUDIT_SETTINGS_UPDATED = 'audit.settings_updated';

/**
 * Per-organisation audit settings: masking (applied by the appender before hashing, read in the same
 * transaction as the chain head, so a change applies to the very next event), retention and legal hold
 * (enforced by the database function `audit_purge`). Every change is itself an audited event.
 */
@Injectable()
export class AuditSettingsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: DomainEventPublisher,
  ) {}

  async get(org: string | null, manager: EntityManager = this.dataSource.manager): Promise<AuditSettings> {
    const rows = await manager.query<SettingsRow[]>(
      `SELECT mask_paths, mask_mode, retention_days, legal_hold, legal_hold_reason, updated_at
         FROM audit_settings WHERE org_id = $1`,
      [chainKeyOf(org)],
    );
    const row = rows[0];
    if (!row) {
      return {
        maskPaths: [],
        maskMode: 'replace',
        retentionDays: DEFAULT_RETENTION_DAYS,
        legalHold: false,
        legalHoldReason: null,
        updatedAt: null,
      };
    }
    return {
      maskPaths: row.mask_paths,
      maskMode: row.mask_mode,
      retentionDays: row.retention_days,
      legalHold: row.legal_hold,
      legalHoldReason: row.legal_hold_reason,
      updatedAt: new Date(row.updated_at).toISOString(),
    };
  }

  /** Applies `patch` and publishes `audit.settings_updated` (old and new values) in one transaction. */
  async update(
    org: string,
    actor: Actor,
    patch: AuditSettingsPatch,
    meta: { requestId?: string; ip?: string } = {},
  ): Promise<AuditSettings> {
    if (patch.maskPaths) {
      try {
        validateMaskPaths(patch.maskPaths);
      } catch (error) {
        throw new DomainError(ErrorCode.BadRequest, (error as Error).message, { field: 'maskPaths' });
      }
    }
    return this.dataSource.transaction(async (manager) => {
      // Serialise concurrent updates of one organisation's settings (the row may not exist yet).
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('mandate.audit_settings:' || $1))`, [org]);
      const before = await this.get(org, manager);
      const after: AuditSettings = {
        maskPaths: patch.maskPaths ?? before.maskPaths,
        maskMode: patch.maskMode ?? before.maskMode,
        retentionDays: patch.retentionDays ?? before.retentionDays,
        legalHold: patch.legalHold ?? before.legalHold,
        legalHoldReason: patch.legalHoldReason !== undefined ? patch.legalHoldReason : before.legalHoldReason,
        updatedAt: null,
      };
      if (!after.legalHold) after.legalHoldReason = null;
      const rows = await manager.query<Array<{ updated_at: Date }>>(
        `INSERT INTO audit_settings (org_id, mask_paths, mask_mode, retention_days, legal_hold, legal_hold_reason, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, now())
         ON CONFLICT (org_id) DO UPDATE SET mask_paths = EXCLUDED.mask_paths, mask_mode = EXCLUDED.mask_mode,
           retention_days = EXCLUDED.retention_days, legal_hold = EXCLUDED.legal_hold,
           legal_hold_reason = EXCLUDED.legal_hold_reason, updated_at = EXCLUDED.updated_at
         RETURNING updated_at`,
        [org, after.maskPaths, after.maskMode, after.retentionDays, after.legalHold, after.legalHoldReason],
      );
      after.updatedAt = new Date(rows[0].updated_at).toISOString();
      const changed = (
        ['maskPaths', 'maskMode', 'retentionDays', 'legalHold', 'legalHoldReason'] as const
      ).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
      await this.publisher.publish(manager, {
        type: AUDIT_SETTINGS_UPDATED,
        orgId: org,
        actor,
        subject: { type: 'audit_settings', id: org },
        data: { changed, before: strip(before), after: strip(after) },
        ...(meta.requestId ? { requestId: meta.requestId } : {}),
        ...(meta.ip ? { ip: meta.ip } : {}),
      });
      return after;
    });
  }
}

function strip(settings: AuditSettings): Record<string, unknown> {
  const { updatedAt: _ignored, ...rest } = settings;
  return rest;
}
