import { Injectable } from '@nestjs/common';
import { AgentService, type AgentEntity } from '@mandate/identity';

/** How long a resolved agent (or its absence) is reused: changes to agents are seen within this. */
export const AGENT_TTL_MS = 1000;
const MAX_ENTRIES = 10_000;

interface Entry {
  at: number;
  agent: Promise<AgentEntity | null>;
}

/**
 * Resolves agents by name for the hot path with a ≤ 1 s cache (one database read per organisation and
 * agent per second at most, concurrent lookups shared). `fresh` bypasses it: a request carrying a
 * consistency token sees agent changes made before it.
 */
@Injectable()
export class AgentDirectory {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly agents: AgentService) {}

  find(orgId: string, name: string, fresh = false): Promise<AgentEntity | null> {
    const key = `${orgId}\u0000${name}`;
    const now = Date.now();
    const cached = this.entries.get(key);
    if (!fresh && cached && now - cached.at < AGENT_TTL_MS) return cached.agent;
    const agent = this.agents.findByName(orgId, name);
    if (this.entries.size >= MAX_ENTRIES) this.evictExpired(now);
    this.entries.set(key, { at: now, agent });
    agent.catch(() => {
      if (this.entries.get(key)?.agent === agent) this.entries.delete(key);
    });
    return agent;
  }

  private evictExpired(now: number): void {
    for (const [key, entry] of this.entries) if (now - entry.at >= AGENT_TTL_MS) this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
  }
}
