import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response.dto';

/** OpenAPI for an authenticated admin controller: bearer auth and the errors every endpoint can answer. */
export function ApiAdminEndpoint(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    ApiBearerAuth(),
    ApiUnauthorizedResponse({
      type: ErrorResponseDto,
      description: 'Missing, invalid, expired or revoked credential.',
    }),
    ApiForbiddenResponse({
      type: ErrorResponseDto,
      description: 'The credential lacks the permission this endpoint needs.',
    }),
    ApiBadRequestResponse({
      type: ErrorResponseDto,
      description: 'Malformed or invalid input (nothing was changed).',
    }),
  );
}
