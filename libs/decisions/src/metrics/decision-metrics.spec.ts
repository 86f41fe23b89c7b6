import { register } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { denied } from '../evaluation/decision-outcome';
import { observeDecision } from './decision-metrics';

async function value(name: string, labels: Record<string, string>): Promise<number> {
  const metric = await register.getSingleMetric(name)?.get();
  const match = metric?.values.find((v) =>
    Object.entries(labels).every(([k, l]) => (v.labels as Record<string, unknown>)[k] === l),
  );
  return match?.value ?? 0;
}

describe('observeDecision', () => {
  it('counts outcomes and denial reasons and observes latency', async () => {
    const allowBefore = await value('mandate_decisions_total', { decision: 'allow', phase: 'call' });
    observeDecision('call', { decision: 'allow', reasons: [], obligations: {}, approval: null }, 1500);
    observeDecision('call', denied('grant_exhausted', 'no uses left'), 900);
    expect(await value('mandate_decisions_total', { decision: 'allow', phase: 'call' })).toBe(
      allowBefore + 1,
    );
    expect(
      await value('mandate_decision_denials_total', { reason: 'grant_exhausted' }),
    ).toBeGreaterThanOrEqual(1);
    const text = await register.getSingleMetricAsString('mandate_decision_duration_seconds');
    expect(text).toContain('mandate_decision_duration_seconds_count{phase="call"}');
  });

  it('bounds reason labels: malformed codes count as other', async () => {
    const before = await value('mandate_decision_denials_total', { reason: 'other' });
    observeDecision('call', denied('has spaces and / slashes', 'x'), 10);
    expect(await value('mandate_decision_denials_total', { reason: 'other' })).toBe(before + 1);
  });
});
