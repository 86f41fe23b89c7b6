import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { register } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { GatewayTracing } from './gateway-tracing';

/** A transport that records what is sent and answers each request with a fixed result. */
class EchoTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  readonly sent: JSONRPCMessage[] = [];
  start(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.onclose?.();
    return Promise.resolve();
  }
  send(message: JSONRPCMessage): Promise<void> {
    this.sent.push(message);
    if ('id' in message && 'method' in message) {
      const id = message.id;
      queueMicrotask(() => this.onmessage?.({ jsonrpc: '2.0', id, result: { content: [] } }));
    }
    return Promise.resolve();
  }
}

describe('GatewayTracing', () => {
  const tracing = GatewayTracing.start({ exporter: 'memory' });
  const meta = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };

  it('continues the client’s trace: tools/call span, Mandate request span (header) and upstream span (_meta)', async () => {
    const seen: Array<string | null> = [];
    const fetch = tracing.instrumentFetch((_input, init) => {
      seen.push(new Headers(init?.headers).get('traceparent'));
      return Promise.resolve(
        Response.json({ decision: 'deny', reasons: [{ code: 'policy_deny' }], decisionId: 'd1' }),
      );
    });
    const inner = new EchoTransport();
    const upstream = tracing.instrumentTransport('fs', inner);
    const received: JSONRPCMessage[] = [];
    upstream.onmessage = (m) => received.push(m);

    await tracing.inToolCall('fs__read', meta, async () => {
      expect(tracing.traceparent()).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
      await fetch('http://mandate.test/v1/decisions', { method: 'POST', headers: { traceparent: 'stale' } });
      await upstream.send({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'read' } });
      await new Promise((resolve) => setTimeout(resolve, 10));
      return { content: [] };
    });

    const spans = tracing.memory!.getFinishedSpans();
    expect(spans.map((s) => s.name).sort()).toEqual([
      'fs tools/call',
      'mandate POST /v1/decisions',
      'tools/call',
    ]);
    for (const span of spans) expect(span.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    const client = spans.find((s) => s.name === 'mandate POST /v1/decisions')!;
    expect(seen[0]).toBe(`00-0af7651916cd43dd8448eb211c80319c-${client.spanContext().spanId}-01`);
    const sent = inner.sent[0] as unknown as { params: { _meta: { traceparent: string } } };
    const upstreamSpan = spans.find((s) => s.name === 'fs tools/call')!;
    expect(sent.params._meta.traceparent).toContain(upstreamSpan.spanContext().spanId);
    expect(received).toHaveLength(1);
    expect(await register.getSingleMetricAsString('mandate_gateway_denials_total')).toContain(
      'mandate_gateway_denials_total{reason="policy_deny"} 1',
    );
  });

  it('passes through without a provider (exporter none)', async () => {
    const off = GatewayTracing.start({ exporter: 'none' });
    expect(off.enabled).toBe(false);
    expect(await off.inToolCall('x', meta, () => Promise.resolve(42))).toBe(42);
    expect(off.traceparent()).toBeUndefined();
  });
});
