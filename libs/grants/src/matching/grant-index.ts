import { globMatches } from '../shared/tool-glob';
import type { ActiveGrant } from './active-grant';

/** Grants of one subject (an agent, or the label selectors) by tool: exact names, then patterns. */
class ToolBucket {
  readonly exact = new Map<string, ActiveGrant[]>();
  readonly patterns: ActiveGrant[] = [];

  add(grant: ActiveGrant): void {
    if (grant.tool !== null) {
      const list = this.exact.get(grant.tool);
      if (list) list.push(grant);
      else this.exact.set(grant.tool, [grant]);
    } else this.patterns.push(grant);
  }

  collect(tool: string, into: ActiveGrant[]): void {
    const exact = this.exact.get(tool);
    if (exact) into.push(...exact);
    for (const grant of this.patterns) if (globMatches(grant.toolPattern!, tool)) into.push(grant);
  }
}

export interface MatchSubject {
  agentId: string;
  labels: unknown;
}

/**
 * One organisation's live grants, indexed for the hot path: by agent id, then by tool name (patterns
 * scanned only within the agent's own grants). Label-selector grants form one more bucket.
 */
export class GrantIndex {
  private readonly byAgent = new Map<string, ToolBucket>();
  private readonly selectors = new ToolBucket();
  private readonly byId = new Map<string, ActiveGrant>();

  constructor(grants: Iterable<ActiveGrant>) {
    for (const grant of grants) {
      this.byId.set(grant.id, grant);
      if (grant.agentId !== null) {
        let bucket = this.byAgent.get(grant.agentId);
        if (!bucket) this.byAgent.set(grant.agentId, (bucket = new ToolBucket()));
        bucket.add(grant);
      } else this.selectors.add(grant);
    }
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): ActiveGrant | undefined {
    return this.byId.get(id);
  }

  /** Live grants for this agent, server and tool at `now` (constraints are checked by the caller). */
  match(subject: MatchSubject, server: string, tool: string, now: number): ActiveGrant[] {
    const candidates: ActiveGrant[] = [];
    this.byAgent.get(subject.agentId)?.collect(tool, candidates);
    const before = candidates.length;
    this.selectors.collect(tool, candidates);
    const out: ActiveGrant[] = [];
    for (let i = 0; i < candidates.length; i++) {
      const grant = candidates[i];
      if (i >= before && !selectorMatches(grant.agentSelector!, subject.labels)) continue;
      if (appliesTo(grant, subject, server, tool, now)) out.push(grant);
    }
    return out;
  }
}

/** Whether a grant covers this agent, server and tool at `now` (not its constraints). */
export function appliesTo(
  grant: ActiveGrant,
  subject: MatchSubject,
  server: string,
  tool: string,
  now: number,
): boolean {
  if (
    grant.agentId !== null
      ? grant.agentId !== subject.agentId
      : !selectorMatches(grant.agentSelector!, subject.labels)
  )
    return false;
  if (grant.server !== null && grant.server !== server) return false;
  if (grant.tool !== null ? grant.tool !== tool : !globMatches(grant.toolPattern!, tool)) return false;
  if (grant.notBefore !== null && now < grant.notBefore) return false;
  if (grant.expiresAt !== null && now >= grant.expiresAt) return false;
  return true;
}

export function selectorMatches(selector: Record<string, string>, labels: unknown): boolean {
  if (labels === null || typeof labels !== 'object') return Object.keys(selector).length === 0;
  const own = labels as Record<string, unknown>;
  for (const [key, value] of Object.entries(selector)) if (own[key] !== value) return false;
  return true;
}
