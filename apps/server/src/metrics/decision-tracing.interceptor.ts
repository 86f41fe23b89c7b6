import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { Observable } from 'rxjs';

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

interface TracedRequest {
  method: string;
  headers: Record<string, unknown>;
  routeOptions?: { url?: string };
}

/**
 * A server span for every decision request, continuing the caller's W3C `traceparent` (so the gateway's
 * spans, this span and the decision record's `facts.traceId` share one trace id). Uses the global tracer:
 * a no-op unless a tracer provider is registered (MANDATE_TRACES_EXPORTER, or a test's).
 */
@Injectable()
export class DecisionTracingInterceptor implements NestInterceptor {
  private readonly tracer = trace.getTracer('mandate-server', '0.1.0');

  intercept(executionContext: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = executionContext.switchToHttp().getRequest<TracedRequest>();
    const route = request.routeOptions?.url;
    if (route === undefined || !TRACED_ROUTES.has(route)) return next.handle();
    const parent = w3c.extract(ROOT_CONTEXT, request.headers, headerGetter);
    const span = this.tracer.startSpan(
      `${request.method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': route } },
      parent,
    );
    const active = trace.setSpan(parent, span);
    return new Observable((subscriber) => {
      const subscription = context
        .with(active, () => next.handle())
        .subscribe({
          next: (value) => {
            const decision = (value as { decision?: unknown; decisionId?: unknown } | null) ?? null;
            if (decision && typeof decision.decision === 'string')
              span.setAttribute('mandate.decision', decision.decision);
            if (decision && typeof decision.decisionId === 'string') {
              span.setAttribute('mandate.decision_id', decision.decisionId);
            }
            subscriber.next(value);
          },
          error: (error: unknown) => {
            span.recordException(error as Error);
            span.setStatus({ code: SpanStatusCode.ERROR });
            span.end();
            subscriber.error(error);
          },
          complete: () => {
            span.end();
            subscriber.complete();
          },
        });
      return () => subscription.unsubscribe();
    });
  }
}
