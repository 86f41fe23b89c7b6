import { Injectable } from '@nestjs/common';
import type { DomainEventJournal, StoredDomainEvent } from '@mandate/events';
import type { EntityManager } from 'typeorm';
import type { AuditEvent, AuditEventInput, AuditRecord } from '../audit-event';
import { AuditChain, type ChainHead } from '../audit-chain';
import { GENESIS_HASH } from '../audit-hash';
import type { MaskMode } from '../event-masker';
import { MaskerCache } from '../mask-rules';
import { chainKeyOf } from './audit-db.constants';

/**
 * Runs one parameterised statement on the CALLER'S open transaction and returns its rows. Adapters:
 * TypeORM `(text, values) => manager.query(text, values)`; node-postgres
 * `async (text, values) => (await client.query(text, values)).rows`.
 */
export type AuditSql = (
  text: string,
  values: unknown[],
  /** A name under which the driver may keep the statement prepared (fixed texts only); optional. */
  name?: string,
) => Promise<Array<Record<string, unknown>>>;

interface HeadRow {
  seq: string;
  hash: Buffer;
  frontier: Buffer[];
  mask_paths: string[] | null;
  mask_mode: MaskMode | null;
  settings_stamp: string | null;
}

/** A chain's head with the organisation's masking settings, as read (under the lock, or not) or appended. */
interface LockedHead {
  head: ChainHead | undefined;
  maskPaths: string[];
  maskMode: MaskMode;
  /** `audit_settings.updated_at` of those settings in epoch microseconds (null: the organisation has none). */
  settingsStamp: string | null;
}

/**
 * A statement to run in the same implicit transaction as an optimistic append (e.g. the decisions rows the
 * events describe): a data-modifying statement placed in the append's WITH, given the number of its first
 * parameter. It must read `EXISTS (SELECT 1 FROM advanced)` so that it writes nothing when the chain's head
 * did not advance.
 */
export interface AppendCompanion {
  name: string;
  text: (firstParam: number) => string;
  values: unknown[];
}

/** Rows per multi-row INSERT (15 parameters each, well under PostgreSQL's 65,535). */
const INSERT_ROWS = 500;
const COLUMNS = 15;

/**
 * Appends events to their organisations' hash chains inside the caller's transaction: each chain head
 * row is locked `FOR UPDATE` (created on first use), the events are masked, sequenced and hashed by
 * {@link AuditChain}, their canonical text stored verbatim, and the head advanced. The row lock serialises
 * appenders of one organisation across every process; a rolled-back transaction releases it without
 * advancing the head, so a chain never forks and never has gaps.
 *
 * As the DomainEventJournal it chains each published domain event; {@link appendBatch} appends many
 * events (e.g. a group commit of decisions) under ONE lock per organisation.
 */
@Injectable()
export class AuditChainAppender implements DomainEventJournal {
  private readonly maskers = new MaskerCache();
  /** Per chain key: the head this process last appended (or read), with the settings it masked with. */
  private readonly tails = new Map<string, LockedHead>();
  /** Per chain key: optimistic appends refused in a row, and until when they are not tried (ms). */
  private readonly refusals = new Map<string, { count: number; pausedUntil: number }>();

  async append(manager: EntityManager, event: StoredDomainEvent): Promise<void> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('audit append must run inside the transaction that publishes the event');
    }
    await this.appendBatch(
      (text, values) => manager.query<Array<Record<string, unknown>>>(text, values),
      [
        {
          id: event.id,
          org: event.orgId,
          time: event.occurredAt,
          type: event.type,
          actor: event.actor,
          subject: event.subject ?? null,
          // What jsonb stored: the JSON image of the payload (undefined members dropped, dates as text).
          data: JSON.parse(JSON.stringify(event.data)) as Record<string, unknown>,
          requestId: event.requestId ?? null,
          ip: event.ip ?? null,
        },
      ],
    );
  }

  /**
   * Appends `events` (in the given order within each organisation) in the caller's open transaction.
   * Chains are locked in a fixed order (by chain key) so concurrent batches spanning several
   * organisations cannot deadlock. Returns the records in input order.
   */
  async appendBatch(sql: AuditSql, events: readonly AuditEventInput[]): Promise<AuditRecord[]> {
    const byChain = new Map<string, number[]>();
    events.forEach((event, i) => {
      const key = chainKeyOf(event.org);
      const list = byChain.get(key);
      if (list) list.push(i);
      else byChain.set(key, [i]);
    });
    const records = new Array<AuditRecord>(events.length);
    for (const key of [...byChain.keys()].sort()) {
      const indexes = byChain.get(key) ?? [];
      const org = events[indexes[0]].org;
      const locked = await this.lockHead(sql, key);
      const orgMasker = this.maskers.get(locked.maskMode, locked.maskPaths);
      const chain = new AuditChain(org, { head: locked.head, masker: orgMasker });
      for (const i of indexes) {
        const extra = events[i].maskPaths;
        const masker =
          extra && extra.length > 0
            ? this.maskers.get(locked.maskMode, [...locked.maskPaths, ...extra])
            : orgMasker;
        records[i] = chain.append(events[i], masker);
      }
      const head = chain.head();
      // What this process appended last: an optimistic append may continue from it (checked by the database).
      this.rememberTail(key, { ...locked, head });
      for (let start = 0; start < indexes.length; start += INSERT_ROWS) {
        const slice = indexes.slice(start, start + INSERT_ROWS);
        const last = start + INSERT_ROWS >= indexes.length;
        const values: unknown[] = [];
        const tuples = slice.map((i, n) => {
          const record = records[i];
          const event = record.event;
          values.push(
            key,
            event.seq,
            new Date(event.time),
            event.id,
            event.type,
            event.actor.type,
            event.actor.id,
            event.subject?.type ?? null,
            event.subject?.id ?? null,
            record.canonical,
            Buffer.from(record.leaf, 'hex'),
            Buffer.from(record.hash, 'hex'),
            ...searchColumnsOf(event),
          );
          const base = n * COLUMNS;
          return `(${Array.from({ length: COLUMNS }, (_, c) => `$${base + c + 1}`).join(', ')})`;
        });
        // The last INSERT also advances the head (a data-modifying WITH always runs): one round trip less
        // while the head row is locked.
        let advance = '';
        if (last) {
          const p = values.length;
          advance = `WITH advanced AS (UPDATE audit_chain_heads SET seq = $${p + 2}, hash = $${p + 3}, frontier = $${p + 4},
             updated_at = now() WHERE org_id = $${p + 1} RETURNING org_id) `;
          values.push(
            key,
            head.seq,
            Buffer.from(head.hash, 'hex'),
            head.frontier.map((h) => Buffer.from(h, 'hex')),
          );
        }
        await sql(
          `${advance}INSERT INTO audit_events (org_id, seq, occurred_at, event_id, type, actor_type, actor_id, subject_type, subject_id, canonical, leaf, hash, agent, tool, decision)
           VALUES ${tuples.join(', ')}`,
          values,
        );
      }
    }
    return records;
  }

  /**
   * Appends `events` of ONE organisation as a single statement in its own implicit transaction, without
   * locking the head first: the events are masked, sequenced and hashed in memory on top of the head this
   * process appended last (read without a lock when unknown), and the statement advances the head only if
   * it is still exactly that one — same sequence number, same hash, same masking settings — and inserts
   * the events (and `companion`'s rows) only if it did. One round trip instead of a locked transaction's
   * five; a later batch may be prepared while an earlier one is in flight (it waits for the row lock and
   * then finds the head it expected). Returns the records, or null when the head had moved (another
   * process appended, a batch failed, the settings changed) or does not exist yet: nothing was written and
   * the caller appends with {@link appendBatch} under the lock instead.
   */
  async appendOptimistic(
    sql: AuditSql,
    events: readonly AuditEventInput[],
    companion?: AppendCompanion,
  ): Promise<AuditRecord[] | null> {
    if (events.length === 0) return [];
    const org = events[0].org;
    const key = chainKeyOf(org);
    if (events.some((e) => chainKeyOf(e.org) !== key)) throw new Error('appendOptimistic takes one chain');
    // Another writer keeps moving this head (e.g. a second server process serving the organisation): a
    // refused attempt costs the hashing and a round trip, so the caller appends under the lock for a while.
    if ((this.refusals.get(key)?.pausedUntil ?? 0) > Date.now()) return null;
    let tail = this.tails.get(key);
    if (!tail) {
      const rows = (await sql(HEAD_SELECT, [key], 'mandate_audit_head')) as unknown as HeadRow[];
      if (rows.length === 0) return null;
      tail = lockedHeadOf(rows[0]);
    }
    const orgMasker = this.maskers.get(tail.maskMode, tail.maskPaths);
    const chain = new AuditChain(org, { head: tail.head, masker: orgMasker });
    const records = events.map((event) => {
      const extra = event.maskPaths;
      const masker =
        extra && extra.length > 0
          ? this.maskers.get(tail.maskMode, [...tail.maskPaths, ...extra])
          : orgMasker;
      return chain.append(event, masker);
    });
    const head = chain.head();
    this.rememberTail(key, { ...tail, head });
    const values: unknown[] = [
      key,
      tail.head?.seq ?? 0,
      tail.head ? Buffer.from(tail.head.hash, 'hex') : GENESIS_HASH,
      tail.settingsStamp,
      head.seq,
      Buffer.from(head.hash, 'hex'),
      head.frontier.map((h) => Buffer.from(h, 'hex')),
      eventsJson(records),
    ];
    const companionCte = companion ? `, companion AS (${companion.text(values.length + 1)})` : '';
    if (companion) values.push(...companion.values);
    try {
      const rows = await sql(
        `WITH advanced AS (
           UPDATE audit_chain_heads h SET seq = $5, hash = $6, frontier = $7, updated_at = now()
           WHERE h.org_id = $1 AND h.seq = $2 AND h.hash = $3
             AND (SELECT ${SETTINGS_STAMP} FROM audit_settings s WHERE s.org_id = $1) IS NOT DISTINCT FROM $4::bigint
           RETURNING h.org_id
         ), chained AS (
           INSERT INTO audit_events (org_id, seq, occurred_at, event_id, type, actor_type, actor_id, subject_type,
             subject_id, canonical, leaf, hash, agent, tool, decision)
           SELECT $1, r.seq, r.occurred_at, r.event_id, r.type, r.actor_type, r.actor_id, r.subject_type,
             r.subject_id, r.canonical, decode(r.leaf, 'hex'), decode(r.hash, 'hex'), r.agent, r.tool, r.decision
           FROM json_to_recordset($8::json) AS r(seq bigint, occurred_at timestamptz, event_id uuid, type text,
             actor_type text, actor_id text, subject_type text, subject_id text, canonical text, leaf text,
             hash text, agent text, tool text, decision text)
           WHERE EXISTS (SELECT 1 FROM advanced)
         )${companionCte}
         SELECT count(*)::int AS advanced FROM advanced`,
        values,
        companion ? `mandate_audit_append_${companion.name}` : 'mandate_audit_append',
      );
      if (Number(rows[0]?.advanced) === 1) {
        this.refusals.delete(key);
        return records;
      }
    } catch (error) {
      this.forgetTail(key);
      throw error;
    }
    this.forgetTail(key);
    const refused = this.refusals.get(key) ?? { count: 0, pausedUntil: 0 };
    refused.count += 1;
    if (refused.count >= REFUSALS_BEFORE_PAUSE) {
      refused.count = 0;
      refused.pausedUntil = Date.now() + OPTIMISTIC_PAUSE_MS;
    }
    if (this.refusals.size >= MAX_TAILS && !this.refusals.has(key)) this.refusals.clear();
    this.refusals.set(key, refused);
    return null;
  }

  private rememberTail(key: string, tail: LockedHead): void {
    // Bounded: an organisation forgotten here only costs one unlocked read of its head on its next append.
    if (this.tails.size >= MAX_TAILS && !this.tails.has(key)) this.tails.clear();
    this.tails.set(key, tail);
  }

  /** Drops what this process knows of a chain's head (its append failed or was refused). */
  forgetTail(key: string): void {
    this.tails.delete(key);
  }

  /** Locks the chain's head row (creating it on first use) and reads the organisation's masking settings. */
  private async lockHead(sql: AuditSql, key: string): Promise<LockedHead> {
    const select = `${HEAD_SELECT} FOR UPDATE OF h`;
    let rows = (await sql(select, [key])) as unknown as HeadRow[];
    if (rows.length === 0) {
      await sql(
        `INSERT INTO audit_chain_heads (org_id, seq, hash, frontier) VALUES ($1, 0, $2, '{}') ON CONFLICT (org_id) DO NOTHING`,
        [key, GENESIS_HASH],
      );
      rows = (await sql(select, [key])) as unknown as HeadRow[];
    }
    const row = rows[0];
    if (!row) throw new Error(`audit chain head of ${key} could not be created`);
    return lockedHeadOf(row);
  }
}

/** Chains whose last head this process remembers. */
const MAX_TAILS = 10_000;

/** Optimistic appends refused in a row after which a chain is appended under the lock only, for a while. */
const REFUSALS_BEFORE_PAUSE = 3;
const OPTIMISTIC_PAUSE_MS = 1000;

/** The settings' version: their update time to the microsecond (a JavaScript Date would drop those). */
const SETTINGS_STAMP = '(extract(epoch FROM s.updated_at) * 1000000)::bigint';

const HEAD_SELECT = `SELECT h.seq, h.hash, h.frontier, s.mask_paths, s.mask_mode, ${SETTINGS_STAMP} AS settings_stamp
  FROM audit_chain_heads h LEFT JOIN audit_settings s ON s.org_id = h.org_id
  WHERE h.org_id = $1`;

function lockedHeadOf(row: HeadRow): LockedHead {
  const seq = Number(row.seq);
  return {
    head:
      seq === 0
        ? undefined
        : { seq, hash: row.hash.toString('hex'), frontier: row.frontier.map((h) => h.toString('hex')) },
    maskPaths: row.mask_paths ?? [],
    maskMode: row.mask_mode ?? 'replace',
    settingsStamp: row.settings_stamp,
  };
}

/** The records as one JSON array for json_to_recordset (hashes as hex; the canonical text as a string). */
function eventsJson(records: readonly AuditRecord[]): string {
  return JSON.stringify(
    records.map(({ event, canonical, leaf, hash }) => {
      const [agent, tool, decision] = searchColumnsOf(event);
      return {
        seq: event.seq,
        occurred_at: event.time,
        event_id: event.id,
        type: event.type,
        actor_type: event.actor.type,
        actor_id: event.actor.id,
        subject_type: event.subject?.type ?? null,
        subject_id: event.subject?.id ?? null,
        canonical,
        leaf,
        hash,
        agent,
        tool,
        decision,
      };
    }),
  );
}

/**
 * Search columns (agent, tool, decision) of an event, taken from the MASKED event as hashed: the agent's
 * name (`data.agent`), the tool (`<server>/<tool>` of a `tool` subject) and the decision (`data.decision`).
 */
export function searchColumnsOf(event: AuditEvent): [string | null, string | null, string | null] {
  const agent = event.data.agent;
  const decision = event.data.decision;
  return [
    typeof agent === 'string' ? agent.slice(0, 200) : null,
    event.subject?.type === 'tool' ? event.subject.id.slice(0, 400) : null,
    typeof decision === 'string' ? decision.slice(0, 40) : null,
  ];
}
