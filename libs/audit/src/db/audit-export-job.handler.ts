import { JobHandlerFor, type JobContext, type JobHandler } from '@mandate/queue';
import { AUDIT_EXPORT_TOPIC, AuditExportJobService } from './audit-export-job.service';

interface ExportJobPayload {
  jobId: string;
  orgId: string;
}

/** `audit.export`: writes one background export file and its signed manifest (worker or in-process). */
@JobHandlerFor(AUDIT_EXPORT_TOPIC)
export class AuditExportJobHandler implements JobHandler<ExportJobPayload> {
  constructor(private readonly jobs: AuditExportJobService) {}

  async handle(job: JobContext<ExportJobPayload>): Promise<void> {
    await this.jobs.run(job.payload.orgId, job.payload.jobId);
  }
}
