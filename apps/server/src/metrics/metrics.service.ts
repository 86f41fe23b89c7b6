import { Injectable, Logger, Optional } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DecisionRecorder } from '@mandate/decisions';
import { collectDefaultMetrics, Gauge, Histogram, register as featureRegistry, Registry } from 'prom-client';
import { DataSource } from 'typeorm';

/**
 * Prometheus registry of this process: default Node metrics, the HTTP request histogram and the server's
 * gauges (approvals pending, decision-record backlog). Metrics of the feature libraries (decisions by
 * outcome, latency, denials by reason, sandbox violations) live in prom-client's default registry and are
 * appended to every scrape.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly logger = new Logger(MetricsService.name);
  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  private readonly approvalsPending: Gauge = new Gauge({
    name: 'mandate_approvals_pending',
    help: 'Approval requests waiting for a decision (all organisations)',
    registers: [this.registry],
    collect: async () => {
      const pending = await this.pendingApprovals();
      if (pending !== undefined) this.approvalsPending.set(pending);
    },
  });
  private readonly auditBacklog: Gauge = new Gauge({
    name: 'mandate_audit_backlog',
    help: 'Decisions queued for their group-committed record (and audit chain append), not yet written',
    registers: [this.registry],
    collect: () => {
      const stats = this.recorderStats();
      if (stats) this.auditBacklog.set(stats.queued);
    },
  });
  private readonly recordFailures: Gauge = new Gauge({
    name: 'mandate_decision_record_failed_rows',
    help: 'Decision rows whose recording failed since start (answered as deny record_failed)',
    registers: [this.registry],
    collect: () => {
      const stats = this.recorderStats();
      if (stats) this.recordFailures.set(stats.failedRows);
    },
  });

  constructor(
    @Optional() private readonly moduleRef?: ModuleRef,
    @Optional() private readonly dataSource?: DataSource,
  ) {
    collectDefaultMetrics({ register: this.registry });
  }

  /** `route` must be the route template (e.g. `/v1/agents/:id`) to keep label cardinality bounded. */
  observeHttp(method: string, route: string, statusCode: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status_code: String(statusCode) }, seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async metrics(): Promise<string> {
    const [own, features] = await Promise.all([this.registry.metrics(), featureRegistry.metrics()]);
    return features.trim() === '' ? own : `${own.trimEnd()}\n${features}`;
  }

  private recorderStats(): ReturnType<DecisionRecorder['stats']> | undefined {
    try {
      return this.moduleRef?.get(DecisionRecorder, { strict: false }).stats();
    } catch {
      return undefined;
    }
  }

  private async pendingApprovals(): Promise<number | undefined> {
    if (!this.dataSource?.isInitialized) return undefined;
    try {
      const rows = await this.dataSource.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM approval_requests WHERE state = 'pending'`,
      );
      return rows[0]?.n ?? 0;
    } catch (error) {
      this.logger.debug(`approvals pending gauge unavailable: ${String(error)}`);
      return undefined;
    }
  }
}
