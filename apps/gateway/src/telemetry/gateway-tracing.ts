import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  ConsoleSpanExporter,
  InMemorySpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-node';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';
import type { TelemetryConfig } from './telemetry-config';
import { countDecision, gatewayMetrics } from './gateway-metrics';

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

const w3c = new W3CTraceContextPropagator();
const recordSetter = {
  set(carrier: Record<string, string>, key: string, value: string) {
    carrier[key] = value;
  },
};
const recordGetter = {
  get: (carrier: Record<string, unknown>, key: string) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
  keys: (carrier: Record<string, unknown>) => Object.keys(carrier),
};

/**
 * OpenTelemetry for the gateway: a `tools/call` server span per client request (continuing the client's
 * `_meta.traceparent`), a client span per Mandate API request (its `traceparent` header names that span, so
 * the server's decision span and the decision record carry the same trace id) and a client span per
 * upstream `tools/call` (its `_meta.traceparent` goes to the upstream server). W3C trace context throughout.
 * With the `none` exporter no provider is installed and every helper is a cheap pass-through.
 */
export class GatewayTracing {
  /** The spans, when the exporter is `memory` (tests). */
  readonly memory: InMemorySpanExporter | undefined;
  private readonly provider: NodeTracerProvider | undefined;
  private readonly tracer: Tracer | undefined;

  private constructor(exporter: TelemetryConfig['traces']['exporter']) {
    let spanExporter: SpanExporter | undefined;
    if (exporter === 'memory') spanExporter = this.memory = new InMemorySpanExporter();
    else if (exporter === 'console') spanExporter = new ConsoleSpanExporter();
    if (spanExporter) {
      this.provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
      // Installs the AsyncLocalStorage context manager (once per process) so spans follow async calls.
      this.provider.register();
      this.tracer = this.provider.getTracer('mandate-gateway', '0.1.0');
    }
  }

  static start(config: TelemetryConfig['traces']): GatewayTracing {
    return new GatewayTracing(config.exporter);
  }

  get enabled(): boolean {
    return this.tracer !== undefined;
  }

  /** Runs one client `tools/call` inside a server span (parent: the client's `_meta.traceparent`, if valid). */
  async inToolCall<T>(tool: string, meta: unknown, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const observe = (result: 'ok' | 'error') => {
      gatewayMetrics.toolCalls.inc({ result });
      gatewayMetrics.toolCallDuration.observe((performance.now() - started) / 1000);
    };
    if (!this.tracer) {
      try {
        const value = await run();
        observe(isErrorResult(value) ? 'error' : 'ok');
        return value;
      } catch (error) {
        observe('error');
        throw error;
      }
    }
    const carrier = meta !== null && typeof meta === 'object' ? (meta as Record<string, unknown>) : {};
    const parent = w3c.extract(ROOT_CONTEXT, carrier, recordGetter);
    const span = this.tracer.startSpan(
      'tools/call',
      { kind: SpanKind.SERVER, attributes: { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': tool } },
      parent,
    );
    try {
      const value = await context.with(trace.setSpan(parent, span), run);
      const failed = isErrorResult(value);
      if (failed) span.setStatus({ code: SpanStatusCode.ERROR, message: 'tool error' });
      observe(failed ? 'error' : 'ok');
      return value;
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      observe('error');
      throw error;
    } finally {
      span.end();
    }
  }

  /** The `traceparent` of the active span, or undefined (no tracing, or no span). */
  traceparent(active: Context = context.active()): string | undefined {
    if (!this.tracer || !trace.getSpan(active)) return undefined;
    const carrier: Record<string, string> = {};
    w3c.inject(active, carrier, recordSetter);
    return carrier['traceparent'];
  }

  /** For pino's `mixin`: the active trace and span ids on every log line. */
  logFields(): Record<string, string> {
    const span = trace.getSpan(context.active());
    if (!span) return {};
    const { traceId, spanId } = span.spanContext();
    return { traceId, spanId };
  }

  /**
   * A fetch for the Mandate client: one client span per request whose `traceparent` header replaces the
   * caller's, plus the request duration and decision metrics.
   */
  instrumentFetch(base: FetchLike = (input, init) => fetch(input, init)): FetchLike {
    return async (input, init) => {
      const method = init?.method ?? 'GET';
      const path = pathOf(input);
      const endpoint =
        path === '/v1/decisions' ? 'decisions' : path === '/v1/decisions/batch' ? 'decisions_batch' : 'other';
      const started = performance.now();
      const span = this.tracer?.startSpan(`mandate ${method} ${endpoint === 'other' ? 'api' : path}`, {
        kind: SpanKind.CLIENT,
        attributes: { 'http.request.method': method, 'url.path': path },
      });
      const headers = new Headers(init?.headers);
      if (span) {
        const carrier: Record<string, string> = {};
        w3c.inject(trace.setSpan(context.active(), span), carrier, recordSetter);
        for (const [key, value] of Object.entries(carrier)) headers.set(key, value);
      }
      try {
        const response = await base(input, { ...init, headers });
        span?.setAttribute('http.response.status_code', response.status);
        gatewayMetrics.mandateRequestDuration.observe(
          { endpoint, status: `${Math.floor(response.status / 100)}xx` },
          (performance.now() - started) / 1000,
        );
        if (endpoint !== 'other' && response.ok) void countDecisions(response.clone(), endpoint, span);
        else span?.end();
        return response;
      } catch (error) {
        gatewayMetrics.mandateRequestDuration.observe(
          { endpoint, status: 'error' },
          (performance.now() - started) / 1000,
        );
        span?.recordException(error as Error);
        span?.setStatus({ code: SpanStatusCode.ERROR });
        span?.end();
        throw error;
      }
    };
  }

  /** Wraps an upstream's MCP transport: a client span per `tools/call`, its traceparent in `_meta`. */
  instrumentTransport(upstream: string, inner: Transport): Transport {
    return new TracedTransport(upstream, inner, this.tracer);
  }

  async shutdown(): Promise<void> {
    await this.provider?.shutdown();
  }
}

async function countDecisions(response: Response, endpoint: string, span: Span | undefined): Promise<void> {
  try {
    const body = (await response.json()) as { items?: unknown[]; decision?: unknown; decisionId?: unknown };
    const items = endpoint === 'decisions_batch' && Array.isArray(body.items) ? body.items : [body];
    for (const item of items) countDecision(item);
    if (endpoint === 'decisions' && typeof body.decision === 'string') {
      span?.setAttribute('mandate.decision', body.decision);
      if (typeof body.decisionId === 'string') span?.setAttribute('mandate.decision_id', body.decisionId);
    }
  } catch {
    // Metrics never affect the call.
  } finally {
    span?.end();
  }
}

/** An MCP transport that traces and times the `tools/call` requests sent through it. */
class TracedTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
  private readonly pending = new Map<string | number, { span: Span | undefined; started: number }>();

  constructor(
    private readonly upstream: string,
    private readonly inner: Transport,
    private readonly tracer: Tracer | undefined,
  ) {
    inner.onmessage = (message, extra) => {
      if ('id' in message && ('result' in message || 'error' in message)) this.settle(message);
      this.onmessage?.(message, extra);
    };
    inner.onclose = () => {
      for (const id of [...this.pending.keys()]) this.finish(id, 'closed');
      this.onclose?.();
    };
    inner.onerror = (error) => this.onerror?.(error);
  }

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  setProtocolVersion(version: string): void {
    this.inner.setProtocolVersion?.(version);
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if ('method' in message && message.method === 'tools/call' && 'id' in message) {
      const params = (message.params ?? {}) as { name?: unknown; _meta?: Record<string, unknown> };
      const span = this.tracer?.startSpan(`${this.upstream} tools/call`, {
        kind: SpanKind.CLIENT,
        attributes: {
          'mcp.method.name': 'tools/call',
          'gen_ai.tool.name': typeof params.name === 'string' ? params.name : '',
          'mandate.upstream': this.upstream,
        },
      });
      this.pending.set(message.id, { span, started: performance.now() });
      if (span) {
        const carrier: Record<string, string> = {};
        w3c.inject(trace.setSpan(context.active(), span), carrier, recordSetter);
        message = { ...message, params: { ...params, _meta: { ...params._meta, ...carrier } } };
      }
    }
    return this.inner.send(message, options);
  }

  private settle(message: JSONRPCMessage): void {
    const id = (message as { id: string | number }).id;
    const failed =
      'error' in message || (message as { result?: { isError?: unknown } }).result?.isError === true;
    this.finish(id, failed ? 'error' : 'ok');
  }

  private finish(id: string | number, result: 'ok' | 'error' | 'closed'): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    gatewayMetrics.upstreamCallDuration.observe(
      { upstream: this.upstream, result },
      (performance.now() - entry.started) / 1000,
    );
    if (result !== 'ok') entry.span?.setStatus({ code: SpanStatusCode.ERROR, message: result });
    entry.span?.end();
  }
}

function isErrorResult(value: unknown): boolean {
  return value !== null && typeof value === 'object' && (value as { isError?: unknown }).isError === true;
}

function pathOf(input: string): string {
  try {
    return new URL(input).pathname;
  } catch {
    return 'unknown';
  }
}
