import { JobHandlerFor, type JobContext, type JobHandler } from '@mandate/queue';
import { DataSource } from 'typeorm';
import { ApprovalJob } from '../shared/approval-events';
import { ApprovalTransitions } from '../requests/approval-transitions';

/** `approvals.expire` (delayed by the TTL): expires the request if it is still pending and overdue. */
@JobHandlerFor(ApprovalJob.Expire)
export class ApprovalExpiryHandler implements JobHandler<{ requestId: string }> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly transitions: ApprovalTransitions,
  ) {}

  async handle(job: JobContext<{ requestId: string }>): Promise<void> {
    // Idempotent: the UPDATE only touches a pending, overdue request.
    await this.dataSource.transaction((m) =>
      this.transitions.expireOverdue(m, { id: job.payload.requestId }),
    );
  }
}
