import { DomainError, ErrorCode } from '@mandate/common';

export class ApprovalNotFoundError extends DomainError {
  constructor() {
    super(ErrorCode.NotFound, 'No such approval request');
  }
}

export class ApprovalNotPendingError extends DomainError {
  constructor(state: string) {
    super(ErrorCode.Conflict, `The approval request is ${state}, no longer pending`, { state });
  }
}

export class ReviewerNotAllowedError extends DomainError {
  constructor(why: string) {
    super(ErrorCode.Forbidden, why);
  }
}

export class AlreadyVotedError extends DomainError {
  constructor() {
    super(ErrorCode.Conflict, 'You already voted on this approval request');
  }
}

export class ReasonRequiredError extends DomainError {
  constructor() {
    super(ErrorCode.ValidationFailed, 'This approval request needs a reason with the vote', {
      field: 'reason',
    });
  }
}
