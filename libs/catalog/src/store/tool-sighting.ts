import type { RiskClass, ToolStatus } from '../entities/catalog-tool.entity';

/** The stored state of a tool that decides what a new sighting does. */
export interface ToolState {
  status: ToolStatus;
  currentDigest: string | null;
  approvedDigest: string | null;
}

/** What to do with a sighting of a tool (a report or a decision presenting its definition). */
export type SightingPlan =
  /** The tool is new: insert it with this status. */
  | { kind: 'create'; status: 'pending' | 'approved'; autoApproved: boolean }
  /** Nothing changes (the definition is the current or the approved one, or none was presented). */
  | { kind: 'unchanged' }
  /** A new definition of a tool never approved (pending) or blocked: it becomes the current one. */
  | { kind: 'replace'; status: ToolStatus }
  /** A definition differing from the approved one: quarantined until an admin approves the diff. */
  | { kind: 'quarantine' };

/**
 * Decides what a sighting does. Changes are never approved automatically: trust on first use only applies
 * to a tool never seen before whose definition was presented. A quarantined tool seen with its approved
 * definition again stays quarantined (some gateway saw the other one; an admin decides).
 */
export function planSighting(
  existing: ToolState | null,
  digest: string | null,
  trustOnFirstUse: boolean,
): SightingPlan {
  if (existing === null) {
    const auto = trustOnFirstUse && digest !== null;
    return { kind: 'create', status: auto ? 'approved' : 'pending', autoApproved: auto };
  }
  if (digest === null || digest === existing.currentDigest || digest === existing.approvedDigest) {
    return { kind: 'unchanged' };
  }
  if (existing.approvedDigest !== null && existing.status !== 'blocked') return { kind: 'quarantine' };
  return { kind: 'replace', status: existing.status };
}

/** The facts the catalog contributes to a decision about one tool (`input.tool`). */
export interface PinFacts {
  digest: string | null;
  pinned: boolean;
  changed: boolean;
  status: ToolStatus | 'unknown';
  risk: RiskClass | 'unknown';
}

/**
 * Pinning semantics: `pinned` = the tool is approved and the presented definition (if any) is the approved
 * one; `changed` = the tool is quarantined or the presented definition differs from the approved one. The
 * digest evaluated is the presented one, else the approved one, else the newest seen.
 */
export function pinFacts(
  tool: (ToolState & { risk: RiskClass | null }) | null,
  presentedDigest: string | null,
): PinFacts {
  if (tool === null) {
    return { digest: presentedDigest, pinned: false, changed: false, status: 'unknown', risk: 'unknown' };
  }
  const differs =
    presentedDigest !== null && tool.approvedDigest !== null && presentedDigest !== tool.approvedDigest;
  return {
    digest: presentedDigest ?? tool.approvedDigest ?? tool.currentDigest,
    pinned: tool.status === 'approved' && tool.approvedDigest !== null && !differs,
    changed: tool.status === 'quarantined' || differs,
    status: tool.status,
    risk: tool.risk ?? 'unknown',
  };
}
