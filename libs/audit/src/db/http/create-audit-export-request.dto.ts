import { AuditExportQueryDto } from './audit-export-query.dto';

/** `POST /v1/audit/exports`: the same range selection as a streamed export, run as a background job. */
export class CreateAuditExportRequestDto extends AuditExportQueryDto {}
