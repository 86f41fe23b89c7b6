import { JobDeliveryLog, JobHandlerFor, type JobContext, type JobHandler } from '@mandate/queue';
import { DataSource } from 'typeorm';
import { APPROVALS_SYSTEM_ACTOR, ApprovalEventType, ApprovalJob } from '../shared/approval-events';
import { ApprovalRequestEntity } from '../requests/approval-request.entity';
import { ApprovalTransitions } from '../requests/approval-transitions';

const CONSUMER = 'approvals.consumed-event';

/**
 * `approvals.consumed`: queued by the decision stage in the decision's own transaction when a once-approval
 * was used; publishes `approval.consumed` (history + audit chain) exactly once per job.
 */
@JobHandlerFor(ApprovalJob.Consumed)
export class ApprovalConsumedHandler implements JobHandler<{ requestId: string; decisionId: string }> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly transitions: ApprovalTransitions,
    private readonly deliveries: JobDeliveryLog,
  ) {}

  async handle(job: JobContext<{ requestId: string; decisionId: string }>): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      if (!(await this.deliveries.record(job, CONSUMER, manager))) return;
      const request = await manager
        .getRepository(ApprovalRequestEntity)
        .findOneBy({ id: job.payload.requestId });
      if (!request) return;
      await this.transitions.record(manager, request, ApprovalEventType.Consumed, APPROVALS_SYSTEM_ACTOR, {
        decisionId: job.payload.decisionId,
      });
    });
  }
}
