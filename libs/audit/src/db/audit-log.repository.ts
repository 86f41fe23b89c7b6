import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AuditEvent, AuditRecord } from '../audit-event';
import { GENESIS_HASH } from '../audit-hash';
import { MerkleAccumulator } from '../merkle-accumulator';
import { chainKeyOf } from './audit-db.constants';

export interface StoredHead {
  seq: number;
  hash: string;
  frontier: string[];
}

export interface AuditSearchFilters {
  from?: Date;
  to?: Date;
  /** Exact type, or a prefix ending in `.*` (`member.*`). */
  type?: string;
  actorType?: string;
  actorId?: string;
  subjectType?: string;
  subjectId?: string;
  /** Agent id (actor or subject of type agent) or agent name (decision events). */
  agent?: string;
  /** `<server>/<tool>`. */
  tool?: string;
  decision?: string;
  /** Member id, as actor or as subject. */
  member?: string;
}

/** The latest retention purge of a chain: events 1…toSeq are gone; the chain continues from `hash`. */
export interface PurgeHorizon {
  toSeq: number;
  hash: string;
  frontier: string[];
}

interface EventRow {
  seq: string;
  canonical: string;
  leaf: Buffer;
  hash: Buffer;
}

const BATCH = 2000;

/** Reads of the stored audit log (the appender writes it). All queries are parameterised. */
@Injectable()
export class AuditLogRepository {
  constructor(private readonly dataSource: DataSource) {}

  async head(org: string | null): Promise<StoredHead> {
    const rows = await this.dataSource.query<Array<{ seq: string; hash: Buffer; frontier: Buffer[] }>>(
      `SELECT seq, hash, frontier FROM audit_chain_heads WHERE org_id = $1`,
      [chainKeyOf(org)],
    );
    const row = rows[0];
    if (!row) return { seq: 0, hash: GENESIS_HASH.toString('hex'), frontier: [] };
    return {
      seq: Number(row.seq),
      hash: row.hash.toString('hex'),
      frontier: row.frontier.map((h) => h.toString('hex')),
    };
  }

  /** The latest purge whose horizon is at most `atMost` (default: the latest), or null. */
  async horizon(org: string | null, atMost = Number.MAX_SAFE_INTEGER): Promise<PurgeHorizon | null> {
    const rows = await this.dataSource.query<Array<{ to_seq: string; hash: Buffer; frontier: Buffer[] }>>(
      `SELECT to_seq, hash, frontier FROM audit_purges WHERE org_id = $1 AND to_seq <= $2
        ORDER BY to_seq DESC LIMIT 1`,
      [chainKeyOf(org), atMost],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      toSeq: Number(row.to_seq),
      hash: row.hash.toString('hex'),
      frontier: row.frontier.map((h) => h.toString('hex')),
    };
  }

  /**
   * Chain hash stored for `seq` (the genesis hash for 0, the recorded hash for a purge horizon), or null
   * when no such row exists.
   */
  async hashAt(org: string | null, seq: number): Promise<string | null> {
    if (seq === 0) return GENESIS_HASH.toString('hex');
    const purge = await this.horizon(org, seq);
    if (purge?.toSeq === seq) return purge.hash;
    const rows = await this.dataSource.query<Array<{ hash: Buffer }>>(
      `SELECT hash FROM audit_events WHERE org_id = $1 AND seq = $2`,
      [chainKeyOf(org), seq],
    );
    return rows[0] ? rows[0].hash.toString('hex') : null;
  }

  /** Stored records with fromSeq ≤ seq ≤ toSeq, ascending, fetched in keyset batches (constant memory). */
  async *records(org: string | null, fromSeq: number, toSeq: number): AsyncGenerator<AuditRecord> {
    let after = fromSeq - 1;
    for (;;) {
      const rows = await this.dataSource.query<EventRow[]>(
        `SELECT seq, canonical, leaf, hash FROM audit_events
          WHERE org_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT ${BATCH}`,
        [chainKeyOf(org), after, toSeq],
      );
      for (const row of rows) yield toRecord(row);
      if (rows.length < BATCH) return;
      after = Number(rows[rows.length - 1].seq);
    }
  }

  /** Leaf hashes with fromSeq ≤ seq ≤ toSeq, ascending, in keyset batches. */
  async *leaves(org: string | null, fromSeq: number, toSeq: number): AsyncGenerator<Buffer> {
    let after = fromSeq - 1;
    for (;;) {
      const rows = await this.dataSource.query<Array<{ seq: string; leaf: Buffer }>>(
        `SELECT seq, leaf FROM audit_events WHERE org_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT ${BATCH * 5}`,
        [chainKeyOf(org), after, toSeq],
      );
      for (const row of rows) yield row.leaf;
      if (rows.length < BATCH * 5) return;
      after = Number(rows[rows.length - 1].seq);
    }
  }

  /**
   * Merkle frontier of the first `size` leaves, folded from the stored leaves after the latest purge
   * horizon at or below `size` (whose frontier was recorded), in O(size) time and O(log) memory.
   */
  async frontierAt(org: string | null, size: number): Promise<MerkleAccumulator> {
    if (size === 0) return new MerkleAccumulator();
    const purge = await this.horizon(org, size);
    const tree = purge ? MerkleAccumulator.fromHex(purge.toSeq, purge.frontier) : new MerkleAccumulator();
    if (tree.size === size) return tree;
    for await (const leaf of this.leaves(org, tree.size + 1, size)) tree.append(leaf);
    if (tree.size !== size)
      throw new Error(`audit log of ${chainKeyOf(org)} has ${tree.size} of ${size} leaves`);
    return tree;
  }

  /** One page of events matching the filters, ascending by seq, after `afterSeq`. */
  async search(
    org: string | null,
    filters: AuditSearchFilters,
    afterSeq: number,
    limit: number,
  ): Promise<AuditRecord[]> {
    const prefix = filters.type?.endsWith('.*') ? filters.type.slice(0, -1) : null;
    const exact = filters.type && !prefix ? filters.type : null;
    const rows = await this.dataSource.query<EventRow[]>(
      `SELECT seq, canonical, leaf, hash FROM audit_events
        WHERE org_id = $1 AND seq > $2
          AND ($3::timestamptz IS NULL OR occurred_at >= $3)
          AND ($4::timestamptz IS NULL OR occurred_at < $4)
          AND ($5::text IS NULL OR type = $5)
          AND ($6::text IS NULL OR starts_with(type, $6))
          AND ($7::text IS NULL OR actor_type = $7)
          AND ($8::text IS NULL OR actor_id = $8)
          AND ($9::text IS NULL OR subject_type = $9)
          AND ($10::text IS NULL OR subject_id = $10)
          AND ($12::text IS NULL OR agent = $12 OR (actor_type = 'agent' AND actor_id = $12)
               OR (subject_type = 'agent' AND subject_id = $12))
          AND ($13::text IS NULL OR tool = $13)
          AND ($14::text IS NULL OR decision = $14)
          AND ($15::text IS NULL OR (actor_type = 'member' AND actor_id = $15)
               OR (subject_type = 'member' AND subject_id = $15))
        ORDER BY seq LIMIT $11`,
      [
        chainKeyOf(org),
        afterSeq,
        filters.from ?? null,
        filters.to ?? null,
        exact,
        prefix,
        filters.actorType ?? null,
        filters.actorId ?? null,
        filters.subjectType ?? null,
        filters.subjectId ?? null,
        limit,
        filters.agent ?? null,
        filters.tool ?? null,
        filters.decision ?? null,
        filters.member ?? null,
      ],
    );
    return rows.map(toRecord);
  }

  /** [first, last] sequence numbers of the events in the time window (null when it holds none). */
  async seqRangeOfTime(
    org: string | null,
    from: Date | undefined,
    to: Date | undefined,
  ): Promise<{ first: number; last: number } | null> {
    const rows = await this.dataSource.query<Array<{ first: string | null; last: string | null }>>(
      `SELECT min(seq) AS first, max(seq) AS last FROM audit_events
        WHERE org_id = $1 AND ($2::timestamptz IS NULL OR occurred_at >= $2)
          AND ($3::timestamptz IS NULL OR occurred_at < $3)`,
      [chainKeyOf(org), from ?? null, to ?? null],
    );
    const row = rows[0];
    if (!row || row.first === null || row.last === null) return null;
    return { first: Number(row.first), last: Number(row.last) };
  }
}

/**
 * A stored row as a record. The `seq` is the row's (what the database claims); the event is the stored
 * canonical text parsed — if that text was damaged it is still exported verbatim for the verifier to flag.
 */
function toRecord(row: EventRow): AuditRecord {
  const seq = Number(row.seq);
  let event: AuditEvent;
  try {
    event = { ...(JSON.parse(row.canonical) as AuditEvent), seq };
  } catch {
    event = {
      v: 0,
      seq,
      id: '',
      org: null,
      time: '',
      type: '',
      actor: { type: '', id: '' },
      subject: null,
      data: {},
      masked: [],
      requestId: null,
      ip: null,
    };
  }
  return { event, canonical: row.canonical, leaf: row.leaf.toString('hex'), hash: row.hash.toString('hex') };
}
