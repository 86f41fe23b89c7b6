import {
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { AppConfig } from '@mandate/config';
import { InProcessJobRunner, OutboxRelay, OutboxWriter, PollingLoop } from '@mandate/queue';
import { DataSource } from 'typeorm';
import { ApprovalJob, rowsOf } from '../shared/approval-events';
import { ApprovalTransitions } from '../requests/approval-transitions';

const BATCH = 100;

/**
 * Correctness never depends on a delayed job firing on time: at start and every
 * APPROVAL_SWEEP_INTERVAL_SECONDS this expires overdue pending requests, escalates due ones, and queues
 * again the webhook deliveries still pending long after their job was queued (a queue that lost its data).
 * Runs in the processes that do background work (server and worker; not the CLI); replicas skip each
 * other's rows (SKIP LOCKED), so running it everywhere is harmless.
 */
@Injectable()
export class ApprovalsSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ApprovalsSweeper');
  private readonly loop: PollingLoop;

  constructor(
    private readonly dataSource: DataSource,
    private readonly transitions: ApprovalTransitions,
    private readonly outbox: OutboxWriter,
    private readonly config: AppConfig,
    @Optional() private readonly runner?: InProcessJobRunner,
    @Optional() private readonly relay?: OutboxRelay,
  ) {
    this.loop = new PollingLoop(
      () => this.sweep(),
      config.approvalSweepIntervalSeconds * 1000,
      (e) => this.logger.warn(`approvals sweep failed: ${e instanceof Error ? e.message : String(e)}`),
    );
  }

  onApplicationBootstrap(): void {
    if (this.runner || this.relay) this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** One round; returns true when a batch was full (more may be due). */
  async sweep(): Promise<boolean> {
    const expired = await this.dataSource.transaction((m) =>
      this.transitions.expireOverdue(m, { limit: BATCH }),
    );
    const escalated = await this.dataSource.transaction((m) =>
      this.transitions.escalateDue(m, { limit: BATCH }),
    );
    const redriven = await this.dataSource.transaction(async (manager) => {
      const rows = rowsOf<{ id: string }>(
        await manager.query(
          `UPDATE approval_webhook_deliveries SET queued_at = now()
            WHERE id IN (SELECT id FROM approval_webhook_deliveries
                          WHERE state = 'pending' AND queued_at <= now() - make_interval(secs => $1::double precision)
                          ORDER BY queued_at LIMIT $2 FOR UPDATE SKIP LOCKED)
            RETURNING id`,
          [this.config.approvalRedriveAfterSeconds, BATCH],
        ),
      );
      for (const { id } of rows) await this.outbox.enqueue(manager, ApprovalJob.Webhook, { deliveryId: id });
      return rows.length;
    });
    if (expired.length + escalated.length + redriven > 0) {
      this.logger.log(
        `swept: ${expired.length} expired, ${escalated.length} escalated, ${redriven} webhook deliveries queued again`,
      );
    }
    this.runner?.poke();
    return expired.length === BATCH || escalated.length === BATCH || redriven === BATCH;
  }
}
