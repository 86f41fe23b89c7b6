import { Injectable } from '@nestjs/common';
import type { DomainEventJournal, StoredDomainEvent } from '@mandate/events';
import type { EntityManager } from 'typeorm';
import type { AuditRecord } from '../audit-event';
import { AuditChain, type ChainHead } from '../audit-chain';
import { GENESIS_HASH } from '../audit-hash';
import { EventMasker } from '../event-masker';
import { chainKeyOf } from './audit-db.constants';

interface HeadRow {
  seq: string;
  hash: Buffer;
  frontier: Buffer[];
}

/**
 * Appends each published domain event to its organisation's hash chain, in the publisher's transaction:
 * the chain head row is locked `FOR UPDATE` (created on first use), the event is masked, sequenced and
 * hashed by {@link AuditChain}, its canonical text stored verbatim, and the head advanced. The row lock
 * serialises appenders of one organisation across every process; a rolled-back transaction releases it
 * without advancing the head, so the chain never forks and never has gaps.
 */
@Injectable()
export class AuditChainAppender implements DomainEventJournal {
  private readonly masker = new EventMasker();

  async append(manager: EntityManager, event: StoredDomainEvent): Promise<void> {
    await this.appendEvent(manager, event);
  }

  async appendEvent(manager: EntityManager, event: StoredDomainEvent): Promise<AuditRecord> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('audit append must run inside the transaction that publishes the event');
    }
    const key = chainKeyOf(event.orgId);
    const head = await this.lockHead(manager, key);
    const chain = new AuditChain(event.orgId, { head, masker: this.masker });
    const record = chain.append({
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
    });
    const next = chain.head();
    await manager.query(
      `INSERT INTO audit_events (org_id, seq, occurred_at, event_id, type, actor_type, actor_id, subject_type, subject_id, canonical, leaf, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        key,
        record.event.seq,
        new Date(record.event.time),
        event.id,
        event.type,
        event.actor.type,
        event.actor.id,
        event.subject?.type ?? null,
        event.subject?.id ?? null,
        record.canonical,
        Buffer.from(record.leaf, 'hex'),
        Buffer.from(record.hash, 'hex'),
      ],
    );
    await manager.query(
      `UPDATE audit_chain_heads SET seq = $2, hash = $3, frontier = $4, updated_at = now() WHERE org_id = $1`,
      [key, next.seq, Buffer.from(next.hash, 'hex'), next.frontier.map((h) => Buffer.from(h, 'hex'))],
    );
    return record;
  }

  private async lockHead(manager: EntityManager, key: string): Promise<ChainHead | undefined> {
    const select = `SELECT seq, hash, frontier FROM audit_chain_heads WHERE org_id = $1 FOR UPDATE`;
    let rows = await manager.query<HeadRow[]>(select, [key]);
    if (rows.length === 0) {
      await manager.query(
        `INSERT INTO audit_chain_heads (org_id, seq, hash, frontier) VALUES ($1, 0, $2, '{}') ON CONFLICT (org_id) DO NOTHING`,
        [key, GENESIS_HASH],
      );
      rows = await manager.query<HeadRow[]>(select, [key]);
    }
    const row = rows[0];
    if (!row) throw new Error(`audit chain head of ${key} could not be created`);
    const seq = Number(row.seq);
    if (seq === 0) return undefined;
    return { seq, hash: row.hash.toString('hex'), frontier: row.frontier.map((h) => h.toString('hex')) };
  }
}
