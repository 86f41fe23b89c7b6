import { JobHandlerFor, type JobContext, type JobHandler } from '@mandate/queue';
import { DataSource } from 'typeorm';
import { ApprovalJob } from '../shared/approval-events';
import { ApprovalTransitions } from '../requests/approval-transitions';

/** `approvals.escalate` (delayed by escalate_after): escalates the request if still pending and due. */
@JobHandlerFor(ApprovalJob.Escalate)
export class ApprovalEscalationHandler implements JobHandler<{ requestId: string }> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly transitions: ApprovalTransitions,
  ) {}

  async handle(job: JobContext<{ requestId: string }>): Promise<void> {
    await this.dataSource.transaction((m) => this.transitions.escalateDue(m, { id: job.payload.requestId }));
  }
}
