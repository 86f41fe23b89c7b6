import { Counter, Histogram, register } from 'prom-client';

function metric<T>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

/** Gateway metrics, in prom-client's default registry (served by the metrics endpoint). Labels are bounded. */
export const gatewayMetrics = {
  toolCalls: metric(
    'mandate_gateway_tool_calls_total',
    () =>
      new Counter({
        name: 'mandate_gateway_tool_calls_total',
        help: 'tools/call requests served by the gateway, by result (ok, error)',
        labelNames: ['result'] as const,
      }),
  ),
  toolCallDuration: metric(
    'mandate_gateway_tool_call_duration_seconds',
    () =>
      new Histogram({
        name: 'mandate_gateway_tool_call_duration_seconds',
        help: 'Duration of tools/call as the client sees it (decision, approval wait, upstream, result check)',
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      }),
  ),
  decisions: metric(
    'mandate_gateway_decisions_total',
    () =>
      new Counter({
        name: 'mandate_gateway_decisions_total',
        help: 'Decisions received from Mandate, by outcome (allow, deny, pending_approval)',
        labelNames: ['decision'] as const,
      }),
  ),
  denials: metric(
    'mandate_gateway_denials_total',
    () =>
      new Counter({
        name: 'mandate_gateway_denials_total',
        help: 'Denials received from Mandate, by first reason code (at most 100 codes, then "other")',
        labelNames: ['reason'] as const,
      }),
  ),
  mandateRequestDuration: metric(
    'mandate_gateway_mandate_request_duration_seconds',
    () =>
      new Histogram({
        name: 'mandate_gateway_mandate_request_duration_seconds',
        help: 'Requests to the Mandate API, by endpoint (decisions, decisions_batch, other) and status class',
        labelNames: ['endpoint', 'status'] as const,
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      }),
  ),
  upstreamCallDuration: metric(
    'mandate_gateway_upstream_call_duration_seconds',
    () =>
      new Histogram({
        name: 'mandate_gateway_upstream_call_duration_seconds',
        help: 'tools/call on an upstream server, by upstream (configured names) and result (ok, error, closed)',
        labelNames: ['upstream', 'result'] as const,
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      }),
  ),
};

const seenReasons = new Set<string>();

/** Counts one decision answer (a parsed `/v1/decisions` item). */
export function countDecision(item: unknown): void {
  if (item === null || typeof item !== 'object') return;
  const { decision, reasons } = item as { decision?: unknown; reasons?: unknown };
  if (decision !== 'allow' && decision !== 'deny' && decision !== 'pending_approval') return;
  gatewayMetrics.decisions.inc({ decision });
  if (decision !== 'deny') return;
  const first = Array.isArray(reasons) ? (reasons[0] as { code?: unknown } | undefined) : undefined;
  const code =
    typeof first?.code === 'string' && /^[a-z0-9_.:-]{1,64}$/i.test(first.code) ? first.code : 'other';
  if (!seenReasons.has(code) && seenReasons.size < 100) seenReasons.add(code);
  gatewayMetrics.denials.inc({ reason: seenReasons.has(code) ? code : 'other' });
}
