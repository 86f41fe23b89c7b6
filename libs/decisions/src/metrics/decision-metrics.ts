import { Counter, Histogram, register } from 'prom-client';
import type { DecisionOutcome } from '../evaluation/decision-outcome';

/** At most this many distinct denial reason codes get their own label value; the rest count as `other`. */
export const MAX_REASON_LABELS = 100;

function metric<T>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

const decisionsTotal = metric(
  'mandate_decisions_total',
  () =>
    new Counter({
      name: 'mandate_decisions_total',
      help: 'Decisions by outcome (allow, deny, pending_approval) and phase',
      labelNames: ['decision', 'phase'] as const,
    }),
);

const denialsTotal = metric(
  'mandate_decision_denials_total',
  () =>
    new Counter({
      name: 'mandate_decision_denials_total',
      help: `Denials by reason code (first reason; codes beyond ${MAX_REASON_LABELS} distinct ones count as "other")`,
      labelNames: ['reason'] as const,
    }),
);

const durationSeconds = metric(
  'mandate_decision_duration_seconds',
  () =>
    new Histogram({
      name: 'mandate_decision_duration_seconds',
      help: 'Time to evaluate a decision (agent, policy, stages), before its group-committed record',
      labelNames: ['phase'] as const,
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    }),
);

const seenReasons = new Set<string>();

/**
 * Observes one decision: outcome counter, denial reason counter and latency histogram. Cheap (three
 * in-memory updates) and with bounded label sets. Registered in prom-client's default registry, which the
 * server's /metrics exposes.
 */
export function observeDecision(phase: string, outcome: DecisionOutcome, latencyUs: number): void {
  const boundedPhase = phase === 'list' || phase === 'call' || phase === 'result' ? phase : 'other';
  decisionsTotal.inc({ decision: outcome.decision, phase: boundedPhase });
  if (outcome.decision === 'deny') {
    const code = outcome.reasons[0]?.code ?? 'unspecified';
    if (
      !seenReasons.has(code) &&
      seenReasons.size < MAX_REASON_LABELS &&
      /^[a-z0-9_.:-]{1,64}$/i.test(code)
    ) {
      seenReasons.add(code);
    }
    denialsTotal.inc({ reason: seenReasons.has(code) ? code : 'other' });
  }
  durationSeconds.observe({ phase: boundedPhase }, latencyUs / 1e6);
}
