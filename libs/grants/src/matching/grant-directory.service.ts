import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ChannelListener, DatabaseServer } from '@mandate/db';
import { DataSource } from 'typeorm';
import { constraintsKey } from '../shared/grant-spec';
import type { ActiveGrant } from './active-grant';
import { GRANTS_CHANGED_CHANNEL } from '../shared/grant-event-type';
import { GrantIndex } from './grant-index';

/** The poll fallback's period: a replica sees another's grant changes within this without notifications. */
export const GRANTS_POLL_INTERVAL_MS = 1000;
/** Most live grants of one organisation held in memory. */
export const MAX_GRANTS_PER_ORG = 200_000;
const MAX_ORGS = 10_000;

interface Entry {
  version: string;
  index: Promise<GrantIndex>;
}

interface GrantRow {
  id: string;
  agent_id: string | null;
  agent_selector: Record<string, string> | null;
  server: string | null;
  tool: string | null;
  tool_pattern: string | null;
  constraints: Record<string, unknown> | null;
  not_before: Date | null;
  expires_at: Date | null;
  max_uses: number | null;
  uses: number;
  budget_argument: string | null;
  budget_limit: string | null;
  budget_window_seconds: number | null;
  ancestor_ids: string[];
  spent: string | null;
}

/**
 * The live grants of each organisation, in memory for the decision path (no database round trip per
 * decision). An organisation's index is loaded on first use and reloaded when its `grant_heads` version
 * moves: at once on this replica's own changes, on `NOTIFY mandate_grants_changed` from other replicas,
 * and by a ≤ 1 s poll as a fallback. Staleness is safe: consumption re-checks every grant in the database
 * inside the recording transaction, so a revoked or exhausted grant never allows.
 */
@Injectable()
export class GrantDirectory implements OnApplicationShutdown {
  private readonly logger = new Logger(GrantDirectory.name);
  private readonly entries = new Map<string, Entry>();
  private listener: ChannelListener | undefined;
  private poller: NodeJS.Timeout | undefined;
  private polling = false;
  private closed = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly database: DatabaseServer,
  ) {}

  /** The organisation's index (loads it on first use). */
  forOrg(orgId: string): Promise<GrantIndex> {
    this.startWatching();
    const entry = this.entries.get(orgId);
    if (entry) return entry.index;
    return this.load(orgId);
  }

  /** A `mandate_grants_changed` notification: `{"orgId": …}`. */
  private onChange(payload: string): void {
    try {
      const value = JSON.parse(payload) as { orgId?: unknown };
      if (typeof value.orgId === 'string') this.invalidate(value.orgId);
    } catch {
      // a malformed payload is ignored (the poll still catches the change)
    }
  }

  /** Drops the organisation's index: the next decision loads it again (after a change on this replica). */
  invalidate(orgId: string): void {
    this.entries.delete(orgId);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    await this.listener?.stop();
  }

  private load(orgId: string): Promise<GrantIndex> {
    if (this.entries.size >= MAX_ORGS) this.entries.clear();
    const entry: Entry = { version: '', index: Promise.resolve(new GrantIndex([])) };
    entry.index = this.read(orgId, entry);
    this.entries.set(orgId, entry);
    entry.index.catch(() => {
      if (this.entries.get(orgId) === entry) this.entries.delete(orgId);
    });
    return entry.index;
  }

  private async read(orgId: string, entry: Entry): Promise<GrantIndex> {
    // The version first: a change committed after this read bumps it and the poll reloads.
    const heads = await this.dataSource.query<Array<{ version: string }>>(
      `SELECT version::text AS version FROM grant_heads WHERE org_id = $1`,
      [orgId],
    );
    entry.version = heads[0]?.version ?? '0';
    const rows = await this.dataSource.query<GrantRow[]>(
      `SELECT g.id, g.agent_id, g.agent_selector, g.server, g.tool, g.tool_pattern, g.constraints, g.not_before,
              g.expires_at, g.max_uses, g.uses, g.budget_argument, g.budget_limit::text AS budget_limit,
              g.budget_window_seconds, g.ancestor_ids,
              (SELECT sum(c.amount)::text FROM grant_consumptions c
                WHERE g.budget_window_seconds IS NOT NULL AND c.grant_id = g.id
                  AND c.consumed_at > now() - make_interval(secs => g.budget_window_seconds)) AS spent
         FROM grants g
        WHERE g.org_id = $1 AND g.revoked_at IS NULL AND (g.expires_at IS NULL OR g.expires_at > now())
        LIMIT $2`,
      [orgId, MAX_GRANTS_PER_ORG],
    );
    if (rows.length >= MAX_GRANTS_PER_ORG)
      this.logger.warn(
        `organisation ${orgId} has more than ${MAX_GRANTS_PER_ORG} live grants; some are ignored`,
      );
    return new GrantIndex(rows.map(toActiveGrant));
  }

  private startWatching(): void {
    if (this.closed || this.poller) return;
    this.poller = setInterval(() => void this.poll(), GRANTS_POLL_INTERVAL_MS);
    this.poller.unref();
    this.listener = new ChannelListener(
      this.database.url,
      GRANTS_CHANGED_CHANNEL,
      { onMessage: (payload) => this.onChange(payload) },
      'mandate-grants-listener',
    );
    this.listener.start();
  }

  private async poll(): Promise<void> {
    if (this.polling || this.closed || this.entries.size === 0) return;
    this.polling = true;
    try {
      const orgIds = [...this.entries.keys()];
      const rows = await this.dataSource.query<Array<{ org_id: string; version: string }>>(
        `SELECT org_id, version::text AS version FROM grant_heads WHERE org_id = ANY($1::uuid[])`,
        [orgIds],
      );
      for (const row of rows) {
        const entry = this.entries.get(row.org_id);
        if (entry && entry.version !== '' && entry.version !== row.version) this.entries.delete(row.org_id);
      }
    } catch (error) {
      this.logger.warn(`polling grant versions failed: ${(error as Error).message}`);
    } finally {
      this.polling = false;
    }
  }
}

function toActiveGrant(row: GrantRow): ActiveGrant {
  return {
    id: row.id,
    agentId: row.agent_id,
    agentSelector: row.agent_selector,
    server: row.server,
    tool: row.tool,
    toolPattern: row.tool_pattern,
    constraints: row.constraints,
    constraintsKey: row.constraints ? constraintsKey(row.constraints) : null,
    notBefore: row.not_before ? new Date(row.not_before).getTime() : null,
    expiresAt: row.expires_at ? new Date(row.expires_at).getTime() : null,
    maxUses: row.max_uses,
    uses: row.uses,
    budget:
      row.budget_argument !== null && row.budget_limit !== null && row.budget_window_seconds !== null
        ? {
            argument: row.budget_argument,
            limit: Number(row.budget_limit),
            windowSeconds: row.budget_window_seconds,
            spent: row.spent === null ? 0 : Number(row.spent),
          }
        : null,
    ancestorIds: row.ancestor_ids ?? [],
  };
}
