import { BadRequestException, NotFoundException } from '@nestjs/common';
import { DomainError, ErrorCode } from '@mandate/common';
import { describe, expect, it } from 'vitest';
import { toErrorResponse } from './error-response';
import { statusForErrorCode } from './error-status';

describe('error mapping', () => {
  it('maps every domain error code to a status', () => {
    const statuses = Object.values(ErrorCode).map((code) => [code, statusForErrorCode(code)]);
    expect(Object.fromEntries(statuses)).toMatchObject({
      not_found: 404,
      conflict: 409,
      forbidden: 403,
      unauthenticated: 401,
      internal: 500,
    });
    for (const [, status] of statuses) expect(status).toBeGreaterThanOrEqual(400);
  });

  it('returns code, message and details for 4xx domain errors', () => {
    const r = toErrorResponse(new DomainError(ErrorCode.Conflict, 'Slug taken', { field: 'slug' }), 'rid');
    expect(r).toEqual({
      status: 409,
      body: { code: 'conflict', message: 'Slug taken', requestId: 'rid', details: { field: 'slug' } },
      logCause: false,
    });
  });

  it('hides message and details of 5xx errors and asks for the cause to be logged', () => {
    const r = toErrorResponse(
      new DomainError(ErrorCode.Internal, 'db password is hunter2', { secret: 'x' }),
      'rid',
    );
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ code: 'internal', message: 'Internal server error', requestId: 'rid' });
    expect(r.logCause).toBe(true);
    const unknown = toErrorResponse(new TypeError('boom at /srv/secret'), 'rid2');
    expect(unknown.body).toEqual({ code: 'internal', message: 'Internal server error', requestId: 'rid2' });
  });

  it('turns ValidationPipe errors into validation_failed with the messages as details', () => {
    const r = toErrorResponse(
      new BadRequestException(['name must be a string', 'property x should not exist']),
      'rid',
    );
    expect(r.body).toEqual({
      code: 'validation_failed',
      message: 'Request validation failed',
      requestId: 'rid',
      details: { errors: ['name must be a string', 'property x should not exist'] },
    });
  });

  it('maps framework HTTP exceptions by status', () => {
    expect(toErrorResponse(new NotFoundException('Cannot GET /x'), 'r').body.code).toBe('not_found');
  });
});
