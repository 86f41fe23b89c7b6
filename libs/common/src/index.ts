export { decodeCursor, encodeCursor, toPage, type CursorPosition, type Page } from './cursor';
export { CursorQueryDto, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './cursor-query.dto';
export { DomainError, type ErrorDetails } from './domain-error';
export { ErrorCode } from './error-code';
export { generateRequestId, isSaneRequestId, REQUEST_ID_HEADER, resolveRequestId } from './request-id';
