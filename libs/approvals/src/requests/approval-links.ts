import { Injectable } from '@nestjs/common';
import { AppConfig } from '@mandate/config';

/** Public addresses of approval requests (console links). */
@Injectable()
export class ApprovalLinks {
  private readonly base: string;

  constructor(config: AppConfig) {
    this.base = config.publicUrl ?? `http://${config.host}:${config.port}`;
  }

  url(id: string): string {
    return `${this.base}/approvals/${id}`;
  }
}
