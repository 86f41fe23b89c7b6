import { AuthService, missingCredential, requirePermission } from '@mandate/identity';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DecisionRequest } from '../evaluation/decision-input';
import { DecisionService } from '../evaluation/decision.service';
import { callerOf, CONSISTENCY_HEADER, withConsistencyToken } from './decision.controller';
import { DecisionRequestPipe } from './decision-request.pipe';
import { DecisionResponseDto } from './decision-response.dto';

export const DECISION_ROUTE = '/v1/decisions';

export interface DecisionRouteDeps {
  auth: AuthService;
  decisions: DecisionService;
  /** Answers an error in the API's one error shape (the app's error mapping). */
  sendError: (error: unknown, request: FastifyRequest, reply: FastifyReply) => void;
}

/**
 * `POST /v1/decisions`, the hot path, as a plain Fastify route rather than a Nest controller method: the
 * same steps in the same order as the Nest pipeline would run them — authenticate (the AccessGuard's
 * credential rules and messages: 401, then 403 without `decisions:evaluate`), validate the body
 * (DecisionRequestPipe: compiled JSON Schema, the DTO's 400 otherwise), decide, answer the
 * DecisionResponseDto — without the router's per-request execution context, guard, pipe and
 * parameter-decorator machinery, which cost about as much CPU as the HTTP request itself. Request ids, the
 * request log line, HTTP metrics and the decision span come from the app's Fastify hooks as for every
 * route; errors (including body parsing: malformed JSON, too large) leave through `sendError`.
 *
 * Registered before the app is initialised (Fastify takes no routes after that); documented in the
 * OpenAPI description by decisionRouteOpenApi.
 */
export function registerDecisionRoute(fastify: FastifyInstance, deps: DecisionRouteDeps): void {
  const pipe = new DecisionRequestPipe();
  fastify.route({
    method: 'POST',
    url: DECISION_ROUTE,
    errorHandler: (error, request, reply) => deps.sendError(error, request, reply),
    handler: async (request, reply) => {
      let response: DecisionResponseDto;
      try {
        const principal = await deps.auth.authenticateRequest(request);
        if (principal === null) throw missingCredential();
        requirePermission(principal, 'decisions:evaluate');
        const body: DecisionRequest = await pipe.transform(request.body);
        const header = request.headers[CONSISTENCY_HEADER];
        const result = await deps.decisions.decide(
          callerOf(principal, request),
          withConsistencyToken(body, typeof header === 'string' ? header : undefined),
        );
        response = DecisionResponseDto.from(result);
      } catch (error) {
        deps.sendError(error, request, reply);
        return reply;
      }
      return reply.code(200).send(response);
    },
  });
}

/**
 * Adds `POST /v1/decisions` to an OpenAPI document generated from the controllers (the route is not one of
 * them); its request and response schemas are the DTOs the batch endpoint already references.
 */
export function decisionRouteOpenApi<T extends { paths: Record<string, unknown> }>(document: T): T {
  const paths = document.paths as Record<string, Record<string, unknown>>;
  paths[DECISION_ROUTE] = {
    ...(paths[DECISION_ROUTE] ?? {}),
    post: {
      operationId: 'DecisionRoute_decide',
      summary: 'Decide on one MCP tool call (fails closed: any failure is a deny with a reason)',
      tags: ['decisions'],
      security: [{ bearer: [] }],
      parameters: [
        {
          name: CONSISTENCY_HEADER,
          in: 'header',
          required: false,
          description: 'Consistency token of an earlier answer: evaluate on state at least that new',
          schema: { type: 'string' },
        },
      ],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/DecisionRequestDto' } } },
      },
      responses: {
        '200': {
          description: 'The decision, recorded durably',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/DecisionResponseDto' } } },
        },
        '400': { description: 'Malformed request (`validation_failed`)' },
        '401': { description: 'No valid credential' },
        '403': { description: 'The credential lacks `decisions:evaluate`' },
      },
    },
  };
  return document;
}
