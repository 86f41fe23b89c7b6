import { Global, Module } from '@nestjs/common';
import { DOMAIN_EVENT_JOURNAL } from '@mandate/events';
import { AuditChainAppender } from './audit-chain.appender';
import { AuditCheckpointService } from './audit-checkpoint.service';
import { AuditExportJobHandler } from './audit-export-job.handler';
import { AuditExportJobService } from './audit-export-job.service';
import { AuditExportService } from './audit-export.service';
import { AuditLogRepository } from './audit-log.repository';
import { AuditMaintenanceScheduler } from './audit-maintenance.scheduler';
import { AuditMasterKey } from './audit-master-key';
import { AuditProofService } from './audit-proof.service';
import { AuditRetentionService } from './audit-retention.service';
import { AuditSettingsService } from './audit-settings.service';
import { AuditSigningKeys } from './audit-signing-keys';
import { AuditController } from './http/audit.controller';

/**
 * The audit log in the database: provides the DomainEventJournal that chains every published domain event
 * in its own transaction (global, so the events library's publisher receives it), signing keys,
 * checkpoints, proofs, search, settings, retention purges and (background) exports over `/v1/audit`.
 */
@Global()
@Module({
  controllers: [AuditController],
  providers: [
    AuditChainAppender,
    { provide: DOMAIN_EVENT_JOURNAL, useExisting: AuditChainAppender },
    AuditLogRepository,
    AuditMasterKey,
    AuditSigningKeys,
    AuditCheckpointService,
    AuditProofService,
    AuditExportService,
    AuditExportJobService,
    AuditExportJobHandler,
    AuditSettingsService,
    AuditRetentionService,
    AuditMaintenanceScheduler,
  ],
  exports: [
    DOMAIN_EVENT_JOURNAL,
    AuditChainAppender,
    AuditLogRepository,
    AuditSigningKeys,
    AuditCheckpointService,
    AuditProofService,
    AuditExportService,
    AuditExportJobService,
    AuditSettingsService,
    AuditRetentionService,
    AuditMaintenanceScheduler,
  ],
})
export class AuditModule {}
