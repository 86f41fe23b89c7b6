import { ParseUUIDPipe } from '@nestjs/common';
import { DomainError, ErrorCode } from '@mandate/common';

/** Pipe for `:id` route parameters: anything but a UUID is a 400 with a clear message. */
export function grantUuidParam(): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () =>
      new DomainError(ErrorCode.BadRequest, 'The id in the path must be a UUID', { field: 'id' }),
  });
}
