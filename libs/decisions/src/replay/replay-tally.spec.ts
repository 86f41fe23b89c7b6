import { describe, expect, it } from 'vitest';
import { REPLAY_TALLY_LIMITS, ReplayTally, type ReplayComparison } from './replay-tally';

const comparison = (
  agent: string,
  tool: string,
  recorded: ReplayComparison['recorded']['decision'],
  replayed: ReplayComparison['replayed']['decision'],
  n = 0,
): ReplayComparison => ({
  decisionId: `d-${agent}-${tool}-${n}`,
  decidedAt: new Date(0),
  agent,
  server: 'fs',
  tool,
  phase: 'call',
  recorded: { decision: recorded, reasons: [] },
  replayed: { decision: replayed, reasons: [] },
});

describe('ReplayTally', () => {
  it('counts evaluated and changed decisions by agent and tool, with transitions', () => {
    const tally = new ReplayTally();
    tally.add(comparison('a', 'read', 'allow', 'allow'));
    tally.add(comparison('a', 'write', 'allow', 'deny'));
    tally.add(comparison('b', 'write', 'deny', 'pending_approval'));
    tally.add(comparison('b', 'write', 'deny', 'deny'));
    const summary = tally.summary();
    expect(summary).toMatchObject({
      evaluated: 4,
      changed: 2,
      transitions: { 'allow→deny': 1, 'deny→pending_approval': 1 },
    });
    expect(summary.byTool[0]).toEqual({
      server: 'fs',
      tool: 'write',
      evaluated: 3,
      changed: 2,
      transitions: { 'allow→deny': 1, 'deny→pending_approval': 1 },
    });
    expect(summary.byAgent.map((g) => [g.agent, g.evaluated, g.changed])).toEqual([
      ['a', 2, 1],
      ['b', 2, 1],
    ]);
    expect(summary.examples.map((e) => e.decisionId)).toEqual(['d-a-write-0', 'd-b-write-0']);
  });

  it('keeps at most 3 examples per agent and tool and 20 in all', () => {
    const tally = new ReplayTally();
    for (let i = 0; i < 10; i += 1) tally.add(comparison('noisy', 'rm', 'allow', 'deny', i));
    for (let i = 0; i < 40; i += 1) tally.add(comparison(`agent-${i}`, 'rm', 'allow', 'deny', i));
    const { examples, changed } = tally.summary();
    expect(changed).toBe(50);
    expect(examples).toHaveLength(REPLAY_TALLY_LIMITS.examples);
    expect(examples.filter((e) => e.agent === 'noisy')).toHaveLength(3);
  });
});
