import { Injectable, ValidationPipe, type PipeTransform } from '@nestjs/common';
import Ajv, { type ValidateFunction } from 'ajv';
import {
  CALL_OUTCOME_STATUSES,
  MAX_CALL_DURATION_MS,
  type DecisionRequest,
} from '../evaluation/decision-input';
import { jsonBoundsViolation } from './bounded-json.validator';
import {
  ARGUMENT_BOUNDS,
  DEFINITION_BOUNDS,
  DecisionRequestDto,
  NO_CONTROL,
  RESULT_BOUNDS,
} from './decision-request.dto';

const text = (minLength: number, maxLength: number) => ({
  type: 'string',
  minLength,
  maxLength,
  pattern: NO_CONTROL.source,
});

/**
 * JSON Schema of the common, valid decision request: the same constraints as {@link DecisionRequestDto}
 * (which stays the source of truth and the OpenAPI description), or stricter (e.g. `null` for an optional
 * string is left to the DTO). The bounded JSON objects (arguments, definition, result) are checked by
 * jsonBoundsViolation after the schema.
 */
export const DECISION_REQUEST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['agent', 'server', 'tool', 'arguments', 'phase'],
  properties: {
    agent: text(1, 128),
    principal: {
      type: ['object', 'null'],
      additionalProperties: false,
      required: ['id'],
      properties: {
        id: text(1, 256),
        email: text(0, 320),
        groups: { type: 'array', maxItems: 100, items: text(0, 256) },
      },
    },
    server: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: { name: text(1, 256), url: text(0, 2048) },
    },
    tool: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: { name: text(1, 256), definition: { type: 'object' } },
    },
    arguments: { type: 'object' },
    phase: { enum: ['list', 'call', 'result'] },
    result: { type: 'object' },
    context: {
      type: 'object',
      additionalProperties: false,
      properties: { session: text(0, 256) },
    },
    consistencyToken: { type: 'string', maxLength: 200 },
    grantToken: { type: 'string', maxLength: 4096 },
    outcome: {
      type: 'object',
      additionalProperties: false,
      required: ['status', 'durationMs'],
      properties: {
        status: { enum: [...CALL_OUTCOME_STATUSES] },
        durationMs: { type: 'number', minimum: 0, maximum: MAX_CALL_DURATION_MS },
      },
    },
  },
  if: { properties: { phase: { const: 'result' } } },
  then: { required: ['result'], properties: { result: { type: 'object' } } },
} as const;

/** Compiled once, at load: a schema error fails the boot, not a request. */
const validateSchema: ValidateFunction = new Ajv({ strict: true, allowUnionTypes: true }).compile(
  DECISION_REQUEST_SCHEMA,
);

/** The global pipe's settings (apps/server): what the fallback applies. */
const DTO_PIPE = new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true });

/**
 * Validation of `POST /v1/decisions` bodies on the hot path. A body the compiled JSON Schema accepts (and
 * whose JSON objects are within bounds) is used as is — a few microseconds, where class-validator and
 * class-transformer on the nested DTO cost tens. Anything else goes through the DTO with the global
 * ValidationPipe's settings, which accepts what the DTO accepts and answers the usual 400 with one message
 * per problem. So the schema can only ever be stricter than the DTO: a property added to the DTO but not
 * here still works (through the slower path), and the spec checks both agree on a corpus of bodies.
 *
 * The controller types the body as an interface so that the global ValidationPipe leaves it to this pipe.
 */
@Injectable()
export class DecisionRequestPipe implements PipeTransform<unknown, Promise<DecisionRequest>> {
  async transform(value: unknown): Promise<DecisionRequest> {
    if (DecisionRequestPipe.fast(value)) return value;
    return (await DTO_PIPE.transform(value, {
      type: 'body',
      metatype: DecisionRequestDto,
    })) as DecisionRequest;
  }

  /** Whether the schema and the bounds accept `value` (a type guard for the fast path). */
  static fast(value: unknown): value is DecisionRequest {
    if (!validateSchema(value)) return false;
    const body = value as { arguments: unknown; tool: { definition?: unknown }; result?: unknown };
    if (jsonBoundsViolation(body.arguments, ARGUMENT_BOUNDS) !== null) return false;
    if (
      body.tool.definition !== undefined &&
      jsonBoundsViolation(body.tool.definition, DEFINITION_BOUNDS) !== null
    )
      return false;
    if (body.result !== undefined && jsonBoundsViolation(body.result, RESULT_BOUNDS) !== null) return false;
    return true;
  }
}
