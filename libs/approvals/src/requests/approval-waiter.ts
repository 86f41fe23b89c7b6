import { Injectable } from '@nestjs/common';
import { ApprovalChangeListener } from './approval-change.listener';
import type { ApprovalRequestEntity } from './approval-request.entity';
import { ApprovalRequestService } from './approval-request.service';

/** Long-poll: waits (at most `waitSeconds`, capped at 60) while the request is pending. */
@Injectable()
export class ApprovalWaiter {
  constructor(
    private readonly requests: ApprovalRequestService,
    private readonly listener: ApprovalChangeListener,
  ) {}

  async waitWhilePending(orgId: string, id: string, waitSeconds: number): Promise<ApprovalRequestEntity> {
    const deadline = Date.now() + Math.min(Math.max(waitSeconds, 0), 60) * 1000;
    let request = await this.requests.get(orgId, id);
    while (request.state === 'pending') {
      const now = Date.now();
      if (request.expiresAt.getTime() <= now) {
        await this.requests.expireIfOverdue(orgId, id);
        return this.requests.get(orgId, id);
      }
      const left = Math.min(deadline, request.expiresAt.getTime()) - now;
      if (left <= 0 || !(await this.listener.wait(id, left))) return request;
      request = await this.requests.get(orgId, id);
    }
    return request;
  }
}
