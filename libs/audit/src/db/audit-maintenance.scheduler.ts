import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@mandate/config';
import { DataSource } from 'typeorm';
import { PARTITION_MONTHS_AHEAD } from './audit-db.constants';
import { AuditCheckpointService } from './audit-checkpoint.service';
import { AuditExportJobService } from './audit-export-job.service';
import { AuditMasterKey } from './audit-master-key';
import { AuditRetentionService } from './audit-retention.service';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Periodic audit upkeep in every process that mounts the audit module: signs checkpoints of chains that
 * are due (every AUDIT_CHECKPOINT_EVERY events or AUDIT_CHECKPOINT_INTERVAL_SECONDS), and keeps monthly
 * audit_events partitions created ahead (at start and daily), and purges what is past retention (daily,
 * never under legal hold; see AuditRetentionService) and deletes background export files a week after
 * they were made. Replicas doing the same work is harmless:
 * checkpoints are unique per tree size, partition creation is serialised by an advisory lock.
 */
@Injectable()
export class AuditMaintenanceScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuditMaintenance');
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private lastPartitionCheck = 0;
  private lastRetentionCheck = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly checkpoints: AuditCheckpointService,
    private readonly masterKey: AuditMasterKey,
    private readonly retention: AuditRetentionService,
    private readonly exportJobs: AuditExportJobService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.ensurePartitions();
    } catch (error) {
      // E.g. a process started before `mandate migrate`: retried on the next tick.
      this.logger.warn(
        `audit partitions not checked: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const period = Math.min(this.config.auditCheckpointIntervalSeconds, 5) * 1000;
    this.timer = setInterval(() => void this.tick(), period);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One round of upkeep; returns how many checkpoints were signed. */
  async tick(now: Date = new Date()): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    try {
      if (now.getTime() - this.lastPartitionCheck >= DAY_MS) {
        await this.ensurePartitions();
        await this.exportJobs.removeExpiredFiles();
      }
      if (!this.masterKey.get()) return 0;
      let signed = 0;
      const due = await this.checkpoints.due(
        this.config.auditCheckpointEvery,
        this.config.auditCheckpointIntervalSeconds,
      );
      for (const org of due) {
        if (await this.checkpoints.checkpointHead(org, now)) signed += 1;
      }
      if (now.getTime() - this.lastRetentionCheck >= DAY_MS) {
        // Retention purges (daily; replicas racing are harmless: audit_purge serialises and skips).
        this.lastRetentionCheck = now.getTime();
        await this.retention.purgeDue();
      }
      return signed;
    } catch (error) {
      if (this.dataSource.isInitialized) {
        this.logger.warn(`audit upkeep failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      return 0;
    } finally {
      this.running = false;
    }
  }

  async ensurePartitions(): Promise<number> {
    const rows = await this.dataSource.query<Array<{ created: number }>>(
      `SELECT audit_events_ensure_partitions($1) AS created`,
      [PARTITION_MONTHS_AHEAD],
    );
    this.lastPartitionCheck = Date.now();
    return Number(rows[0]?.created ?? 0);
  }
}
