import type { KeyObject } from 'node:crypto';
import { AUDIT_EVENT_VERSION, type AuditEvent, type AuditEventInput, type AuditRecord } from './audit-event';
import { canonicalJson, canonicalLeafHash, chainHash, GENESIS_HASH, hashFromHex } from './audit-hash';
import { signCheckpoint, type SignedCheckpoint } from './checkpoint';
import { EventMasker } from './event-masker';
import { MerkleAccumulator } from './merkle-accumulator';

/** Where a chain resumes: the last sequence number, its hash and the Merkle frontier at that size. */
export interface ChainHead {
  seq: number;
  hash: string;
  frontier: string[];
}

/**
 * The append logic of one organisation's audit chain, in memory: masks, sequences, hashes and folds each
 * event into the Merkle tree, and signs checkpoints. The database appender will keep {@link ChainHead} in
 * a row locked per append; this class is also what tests, fixtures and the benchmark use.
 */
export class AuditChain {
  private seq: number;
  private prevHash: Buffer;
  private readonly tree: MerkleAccumulator;
  private readonly masker: EventMasker;

  constructor(
    readonly org: string | null,
    options: { head?: ChainHead; masker?: EventMasker } = {},
  ) {
    const head = options.head;
    this.seq = head?.seq ?? 0;
    this.prevHash = head ? hashFromHex(head.hash, 'head hash') : GENESIS_HASH;
    this.tree = head ? MerkleAccumulator.fromHex(head.seq, head.frontier) : new MerkleAccumulator();
    this.masker = options.masker ?? new EventMasker();
  }

  head(): ChainHead {
    return { seq: this.seq, hash: this.prevHash.toString('hex'), frontier: this.tree.frontierHex() };
  }

  /** Appends one event; `masker` (default: the chain's) masks its payload before hashing. */
  append(input: AuditEventInput, masker: EventMasker = this.masker): AuditRecord {
    if (input.org !== this.org) throw new Error(`event of org ${input.org} appended to chain of ${this.org}`);
    const { data, masked } = masker.mask(input.data);
    const event: AuditEvent = {
      v: AUDIT_EVENT_VERSION,
      seq: this.seq + 1,
      id: input.id,
      org: input.org,
      time: toRfc3339(input.time),
      type: input.type,
      actor: { type: input.actor.type, id: input.actor.id },
      subject: input.subject ? { type: input.subject.type, id: input.subject.id } : null,
      data,
      masked,
      requestId: input.requestId ?? null,
      ip: input.ip ?? null,
    };
    const canonical = canonicalJson(event);
    const leaf = canonicalLeafHash(canonical);
    const hash = chainHash(this.prevHash, leaf);
    this.seq = event.seq;
    this.prevHash = hash;
    this.tree.append(leaf);
    return { event, canonical, leaf: leaf.toString('hex'), hash: hash.toString('hex') };
  }

  /** Signed tree head over every event appended so far. */
  checkpoint(privateKey: KeyObject, now: Date = new Date()): SignedCheckpoint {
    return signCheckpoint(
      {
        org: this.org,
        treeSize: this.tree.size,
        rootHash: this.tree.root().toString('hex'),
        timestamp: now.toISOString(),
      },
      privateKey,
    );
  }
}

function toRfc3339(time: Date | string): string {
  const date = typeof time === 'string' ? new Date(time) : time;
  if (Number.isNaN(date.getTime())) throw new RangeError(`invalid event time ${String(time)}`);
  return date.toISOString();
}
