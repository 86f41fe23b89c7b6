import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApprovalChangeListener } from './approval-change.listener';
import type { UsableApproval } from './approval-request.service';

/** Longest time an organisation's snapshot is used, even when no change was notified. */
export const USABLE_APPROVALS_TTL_MS = 1000;
/** Organisations kept; the least recently loaded goes first. */
const MAX_ORGS = 1000;
/** An organisation with more usable approvals than this is always read from the database. */
const MAX_PER_ORG = 5000;

interface Snapshot {
  at: number;
  /** Approved, unconsumed requests by `agent\0server\0tool`, in the order findUsable prefers them. */
  byCall: Map<string, Array<UsableApproval & { decidedAt: number }>>;
}

/**
 * The approved requests that may still permit calls, per organisation, held in memory for the decision
 * path (which otherwise reads the database on every call). A snapshot is dropped on every approval change
 * notified by any replica (`mandate_approval_changed`, see ApprovalChangeListener), after at most 1 s, and
 * is never used while the listener is not connected. Exactness does not rest on it: a once-approval is
 * consumed with a conditional UPDATE in the decision's transaction, so a stale snapshot can make a call
 * pending or denied, never allowed twice.
 */
@Injectable()
export class UsableApprovalCache {
  private readonly snapshots = new Map<string, Promise<Snapshot | null>>();
  /** Pending requests by `org\0agent\0server\0tool\0argsHash`: the same call asked again reuses its id. */
  private readonly pending = new Map<string, { id: string; expiresAt: number; at: number }>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly listener: ApprovalChangeListener,
  ) {
    listener.onChange(() => {
      this.snapshots.clear();
      this.pending.clear();
    });
  }

  /**
   * The id of the pending request of exactly this call that this process opened or reused within the last
   * second, if no approval change was notified since (a vote, an expiry, a decision… clears them all) and
   * it has not expired; otherwise null (ask ApprovalRequestService.open).
   */
  pendingId(orgId: string, agentId: string, server: string, tool: string, argsHash: string): string | null {
    if (!this.listener.listening) return null;
    const key = `${orgId}\u0000${agentId}\u0000${server}\u0000${tool}\u0000${argsHash}`;
    const entry = this.pending.get(key);
    const now = Date.now();
    if (!entry) return null;
    if (entry.expiresAt <= now || now - entry.at >= USABLE_APPROVALS_TTL_MS) {
      this.pending.delete(key);
      return null;
    }
    return entry.id;
  }

  /** Remembers the pending request of a call (see pendingId). */
  rememberPending(
    request: { id: string; orgId: string; agentId: string; server: string; tool: string; argsHash: string },
    expiresAt: Date,
  ): void {
    if (!this.listener.listening) return;
    if (this.pending.size >= MAX_PER_ORG) this.pending.clear();
    const key = `${request.orgId}\u0000${request.agentId}\u0000${request.server}\u0000${request.tool}\u0000${request.argsHash}`;
    this.pending.set(key, { id: request.id, expiresAt: expiresAt.getTime(), at: Date.now() });
  }

  /** The preferred usable approval of this call, or null; `fresh` reads the database. */
  async find(
    orgId: string,
    agentId: string,
    server: string,
    tool: string,
    argsHash: string,
    fresh = false,
  ): Promise<UsableApproval | null> {
    if (fresh || !this.listener.listening) return this.query(orgId, agentId, server, tool, argsHash);
    const snapshot = await this.snapshotOf(orgId);
    if (snapshot === null) return this.query(orgId, agentId, server, tool, argsHash);
    const now = Date.now();
    for (const candidate of snapshot.byCall.get(`${agentId}\u0000${server}\u0000${tool}`) ?? []) {
      if (candidate.usableUntil.getTime() <= now) continue;
      if (candidate.mode === 'window' || candidate.argsHash === argsHash) {
        return {
          id: candidate.id,
          mode: candidate.mode,
          usableUntil: candidate.usableUntil,
          argsHash: candidate.argsHash,
        };
      }
    }
    return null;
  }

  /** Forgets the organisation's snapshot (after this process changed one of its approvals). */
  invalidate(orgId: string): void {
    this.snapshots.delete(orgId);
  }

  private snapshotOf(orgId: string): Promise<Snapshot | null> {
    const cached = this.snapshots.get(orgId);
    const now = Date.now();
    if (cached) {
      return cached.then((s) => {
        if (s !== null && now - s.at < USABLE_APPROVALS_TTL_MS) return s;
        if (this.snapshots.get(orgId) === cached) this.snapshots.delete(orgId);
        return this.snapshotOf(orgId);
      });
    }
    if (this.snapshots.size >= MAX_ORGS) {
      const oldest = this.snapshots.keys().next().value;
      if (oldest !== undefined) this.snapshots.delete(oldest);
    }
    const loading = this.load(orgId, now);
    this.snapshots.set(orgId, loading);
    loading.catch(() => {
      if (this.snapshots.get(orgId) === loading) this.snapshots.delete(orgId);
    });
    return loading;
  }

  private async load(orgId: string, at: number): Promise<Snapshot | null> {
    const rows = await this.dataSource.query<Row[]>(
      `SELECT id, agent_id, server, tool, mode, usable_until, args_hash, decided_at FROM approval_requests
        WHERE org_id = $1 AND state = 'approved' AND usable_until > now()
        ORDER BY (mode = 'once') DESC, decided_at ASC LIMIT ${MAX_PER_ORG + 1}`,
      [orgId],
    );
    if (rows.length > MAX_PER_ORG) return null;
    const byCall = new Map<string, Array<UsableApproval & { decidedAt: number }>>();
    for (const row of rows) {
      const key = `${row.agent_id}\u0000${row.server}\u0000${row.tool}`;
      const list = byCall.get(key) ?? [];
      list.push({
        id: row.id,
        mode: row.mode,
        usableUntil: new Date(row.usable_until),
        argsHash: row.args_hash,
        decidedAt: new Date(row.decided_at ?? 0).getTime(),
      });
      byCall.set(key, list);
    }
    return { at, byCall };
  }

  private async query(
    orgId: string,
    agentId: string,
    server: string,
    tool: string,
    argsHash: string,
  ): Promise<UsableApproval | null> {
    const rows = await this.dataSource.query<Row[]>(
      `SELECT id, mode, usable_until, args_hash FROM approval_requests
        WHERE org_id = $1 AND agent_id = $2 AND server = $3 AND tool = $4 AND state = 'approved'
          AND usable_until > now() AND (mode = 'window' OR args_hash = $5)
        ORDER BY (mode = 'once') DESC, decided_at ASC LIMIT 1`,
      [orgId, agentId, server, tool, argsHash],
    );
    const row = rows[0];
    if (!row) return null;
    return { id: row.id, mode: row.mode, usableUntil: new Date(row.usable_until), argsHash: row.args_hash };
  }
}

interface Row {
  id: string;
  agent_id: string;
  server: string;
  tool: string;
  mode: 'once' | 'window';
  usable_until: Date;
  args_hash: string;
  decided_at: Date | null;
}
