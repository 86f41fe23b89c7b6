import type { DecisionReason, DecisionValue } from '../evaluation/decision-outcome';

/** One recorded decision and what the replayed policy says about the same input. */
export interface ReplayComparison {
  decisionId: string;
  decidedAt: Date;
  agent: string;
  server: string;
  tool: string;
  phase: string;
  recorded: { decision: DecisionValue; reasons: DecisionReason[] };
  replayed: { decision: DecisionValue; reasons: DecisionReason[] };
}

/** Counts for one group (an agent, or a server/tool pair). */
export interface ReplayGroup {
  evaluated: number;
  changed: number;
  /** `"allow→deny"` → count, changed decisions only. */
  transitions: Record<string, number>;
}

export interface ReplaySummary {
  evaluated: number;
  changed: number;
  transitions: Record<string, number>;
  byAgent: Array<ReplayGroup & { agent: string }>;
  byTool: Array<ReplayGroup & { server: string; tool: string }>;
  examples: ReplayComparison[];
}

/** Limits of a summary: groups listed (most changed first) and examples kept. */
export const REPLAY_TALLY_LIMITS = { groups: 100, examples: 20, examplesPerAgentTool: 3 } as const;

/**
 * Aggregates replayed decisions: totals, transitions, counts by agent and by server/tool, and a few
 * examples of changed decisions (at most 3 per agent and tool, so one noisy pair cannot fill the list).
 */
export class ReplayTally {
  private evaluated = 0;
  private changed = 0;
  private readonly transitions: Record<string, number> = {};
  private readonly agents = new Map<string, ReplayGroup>();
  private readonly tools = new Map<string, ReplayGroup & { server: string; tool: string }>();
  private readonly examples: ReplayComparison[] = [];
  private readonly examplesPerPair = new Map<string, number>();

  add(comparison: ReplayComparison): void {
    const changed = comparison.recorded.decision !== comparison.replayed.decision;
    const transition = `${comparison.recorded.decision}→${comparison.replayed.decision}`;
    this.evaluated += 1;
    const agent = this.group(this.agents, comparison.agent, () => ({}));
    const toolKey = JSON.stringify([comparison.server, comparison.tool]);
    const tool = this.group(this.tools, toolKey, () => ({
      server: comparison.server,
      tool: comparison.tool,
    }));
    agent.evaluated += 1;
    tool.evaluated += 1;
    if (!changed) return;
    this.changed += 1;
    for (const counts of [this.transitions, agent.transitions, tool.transitions]) {
      counts[transition] = (counts[transition] ?? 0) + 1;
    }
    agent.changed += 1;
    tool.changed += 1;
    const pair = `${comparison.agent}\n${toolKey}`;
    const shown = this.examplesPerPair.get(pair) ?? 0;
    if (
      this.examples.length < REPLAY_TALLY_LIMITS.examples &&
      shown < REPLAY_TALLY_LIMITS.examplesPerAgentTool
    ) {
      this.examples.push(comparison);
      this.examplesPerPair.set(pair, shown + 1);
    }
  }

  summary(): ReplaySummary {
    const rank = <T extends ReplayGroup>(groups: T[]) =>
      groups
        .sort((a, b) => b.changed - a.changed || b.evaluated - a.evaluated)
        .slice(0, REPLAY_TALLY_LIMITS.groups);
    return {
      evaluated: this.evaluated,
      changed: this.changed,
      transitions: { ...this.transitions },
      byAgent: rank([...this.agents].map(([agent, group]) => ({ agent, ...group }))),
      byTool: rank([...this.tools.values()]),
      examples: [...this.examples],
    };
  }

  private group<T extends object>(
    map: Map<string, ReplayGroup & T>,
    key: string,
    extra: () => T,
  ): ReplayGroup & T {
    let group = map.get(key);
    if (!group) {
      group = { ...extra(), evaluated: 0, changed: 0, transitions: {} };
      map.set(key, group);
    }
    return group;
  }
}
