import { randomBytes } from 'node:crypto';
import type { RequestContext } from '@mandate/sdk';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A valid W3C `traceparent` (version 00, non-zero ids), or undefined. */
export function validTraceparent(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = TRACEPARENT.exec(value.trim());
  if (!match || /^0+$/.test(match[1]) || /^0+$/.test(match[2])) return undefined;
  return value.trim();
}

/**
 * The trace context of one MCP request: the client's own (`params._meta.traceparent`, as OpenTelemetry's
 * MCP conventions carry it) continued with a new span id, or a new trace.
 */
export function traceparentFor(meta: unknown): string {
  const incoming =
    meta !== null && typeof meta === 'object'
      ? validTraceparent((meta as Record<string, unknown>).traceparent)
      : undefined;
  const traceId = incoming ? incoming.slice(3, 35) : randomBytes(16).toString('hex');
  return `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
}

/**
 * THE one function that builds the headers of every request the gateway sends to Mandate (besides the
 * bearer key and request id the SDK adds). An OpenTelemetry propagator replaces this later.
 */
export function outgoingHeaders(context: RequestContext): Record<string, string> {
  const headers: Record<string, string> = {};
  const traceparent = validTraceparent(context.traceparent);
  if (traceparent) headers.traceparent = traceparent;
  if (context.tracestate && context.tracestate.length <= 512) headers.tracestate = context.tracestate;
  return headers;
}
