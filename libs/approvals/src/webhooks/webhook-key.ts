import { Injectable } from '@nestjs/common';
import { AuditMasterKey } from '@mandate/audit';
import { DomainError, ErrorCode } from '@mandate/common';

/** The master key (the one that protects the audit signing keys) that encrypts webhook secrets. */
@Injectable()
export class WebhookKey {
  constructor(private readonly master: AuditMasterKey) {}

  require(): Buffer {
    const key = this.master.get();
    if (!key) {
      throw new DomainError(
        ErrorCode.Unavailable,
        'Webhook secrets need MANDATE_MASTER_KEY (the master key) to be configured',
      );
    }
    return key;
  }
}
