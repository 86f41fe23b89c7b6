import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Routes whose requests get a server span (the decision API). */
export const TRACED_ROUTES = new Set([
  '/v1/decisions',
  '/v1/decisions/batch',
  '/access/v1/evaluation',
  '/access/v1/evaluations',
]);

const w3c = new W3CTraceContextPropagator();
const headerGetter = {
  get: (carrier: Record<string, unknown>, key: string) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
  keys: (carrier: Record<string, unknown>) => Object.keys(carrier),
};

/**
 * A server span for every decision request, continuing the caller's W3C `traceparent` (so the gateway's
 * spans, this span and the decision record's `facts.traceId` share one trace id). Uses the global tracer:
 * a no-op unless a tracer provider is registered (MANDATE_TRACES_EXPORTER, or a test's).
 *
 * Installed as Fastify hooks rather than a Nest interceptor: with no interceptor at all, Nest runs route
 * handlers without building an RxJS pipeline per request (a measurable share of a decision's CPU).
 */
export function installDecisionTracing(fastify: FastifyInstance): void {
  const tracer = trace.getTracer('mandate-server', '0.1.0');
  const spans = new WeakMap<FastifyRequest, Span>();

  fastify.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions?.url;
    if (route === undefined || !TRACED_ROUTES.has(route)) return done();
    const parent = w3c.extract(ROOT_CONTEXT, request.headers, headerGetter);
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': route } },
      parent,
    );
    if (span.isRecording()) spans.set(request, span);
    done();
  });

  fastify.addHook('preSerialization', async (request, _reply, payload: unknown) => {
    const span = spans.get(request);
    const decision = span ? ((payload as { decision?: unknown; decisionId?: unknown } | null) ?? null) : null;
    if (span && decision && typeof decision.decision === 'string')
      span.setAttribute('mandate.decision', decision.decision);
    if (span && decision && typeof decision.decisionId === 'string')
      span.setAttribute('mandate.decision_id', decision.decisionId);
    return payload;
  });

  fastify.addHook('onError', async (request, _reply, error) => {
    spans.get(request)?.recordException(error);
  });

  fastify.addHook('onResponse', async (request, reply) => {
    const span = spans.get(request);
    if (!span) return;
    spans.delete(request);
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
}
