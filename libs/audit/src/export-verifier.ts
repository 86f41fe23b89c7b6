import { createHash, type KeyObject } from 'node:crypto';
import { AUDIT_EVENT_VERSION } from './audit-event';
import { canonicalLeafHash, chainHash, GENESIS_HASH, hashFromHex } from './audit-hash';
import { verifyCheckpointSignature, type SignedCheckpoint } from './checkpoint';
import { MANIFEST_TYPE, verifyExportManifestSignature, type ExportManifest } from './export-manifest';
import { MerkleAccumulator } from './merkle-accumulator';

export type VerificationProblemCode =
  | 'manifest_invalid'
  | 'manifest_signature'
  | 'checkpoint_signature'
  | 'checkpoint_org'
  | 'checkpoint_not_covered'
  | 'checkpoint_root'
  | 'file_hash'
  | 'malformed_line'
  | 'sequence_gap'
  | 'sequence_out_of_order'
  | 'unexpected_event'
  | 'event_org'
  | 'event_version'
  | 'event_time'
  | 'leaf_mismatch'
  | 'hash_mismatch'
  | 'missing_events'
  | 'last_hash';

export interface VerificationProblem {
  code: VerificationProblemCode;
  /** Sequence number the problem is about, when there is one. */
  seq?: number;
  message: string;
}

export interface VerificationReport {
  ok: boolean;
  /** Events whose leaf, chain hash and position checked out before the first broken one. */
  eventsVerified: number;
  /**
   * The FIRST sequence number at which the export stops being the signed log: the event modified, the
   * first one missing, the first out of place or the one inserted. Null when no event-level break was
   * found (problems may still concern the manifest, the file hash or a checkpoint).
   */
  firstBadSeq: number | null;
  checkpointsVerified: number;
  fileSha256: string;
  fileBytes: number;
  problems: VerificationProblem[];
}

export interface VerifyExportOptions {
  /** Longest line accepted (default 8 MiB); a longer one is reported as malformed, not buffered. */
  maxLineBytes?: number;
}

const MAX_LINE_BYTES = 8 * 1024 * 1024;
const NEWLINE = 0x0a;
const CLOSE_BRACE = 0x7d;
/** The fixed head of a JSON Lines export line (see jsonlLine); the event's canonical text follows. */
const LINE_HEAD = /^\{"seq":(0|[1-9][0-9]{0,15}),"leaf":"([0-9a-f]{64})","hash":"([0-9a-f]{64})","event":/;

/**
 * Offline, streaming verification of a JSON Lines export against its signed manifest, holding O(log n)
 * state whatever the size: the manifest signature, every checkpoint signature, every event's leaf and
 * chain hash, sequence continuity from `firstSeq` to `lastSeq`, each covered checkpoint's Merkle root,
 * the last hash and the SHA-256 of the file's bytes. Event checks stop at the first broken event (later
 * results would only repeat it); the file is still read to the end for its hash.
 */
export async function verifyExport(
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  manifest: ExportManifest,
  publicKey: KeyObject,
  options: VerifyExportOptions = {},
): Promise<VerificationReport> {
  const report: VerificationReport = {
    ok: false,
    eventsVerified: 0,
    firstBadSeq: null,
    checkpointsVerified: 0,
    fileSha256: '',
    fileBytes: 0,
    problems: [],
  };
  const problem = (code: VerificationProblemCode, message: string, seq?: number): void => {
    report.problems.push(seq === undefined ? { code, message } : { code, seq, message });
  };

  const setup = prepare(manifest, publicKey, problem, report);
  const digest = createHash('sha256');
  let broken = setup === null;
  let expected = setup?.firstSeq ?? 1;
  let prevHash = setup?.prevHash ?? GENESIS_HASH;
  const tree = setup?.tree ?? new MerkleAccumulator();
  const roots = setup?.roots ?? new Map<number, SignedCheckpoint>();
  const lastSeq = manifest.lastSeq ?? (manifest.firstSeq ?? 1) - 1;

  const breakAt = (seq: number, code: VerificationProblemCode, message: string): void => {
    report.firstBadSeq = seq;
    problem(code, message, seq);
    broken = true;
  };

  const checkLine = (text: string): void => {
    if (broken || text.trim() === '') return;
    const head = LINE_HEAD.exec(text);
    if (!head || text.charCodeAt(text.length - 1) !== CLOSE_BRACE) {
      breakAt(expected, 'malformed_line', `line for seq ${expected} is not {"seq","leaf","hash","event"}`);
      return;
    }
    const seq = Number(head[1]);
    const canonical = text.slice(head[0].length, text.length - 1);
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(canonical) as Record<string, unknown>;
      if (event === null || typeof event !== 'object' || Array.isArray(event))
        throw new Error('not an object');
    } catch (error) {
      breakAt(
        expected,
        'malformed_line',
        `event for seq ${expected} is not a JSON object: ${(error as Error).message}`,
      );
      return;
    }
    if (!Number.isSafeInteger(seq) || event.seq !== seq) {
      breakAt(
        expected,
        'malformed_line',
        `line for seq ${expected}: the line's seq and the event's seq differ`,
      );
      return;
    }
    if (seq > expected) {
      breakAt(expected, 'sequence_gap', `seq ${expected} is missing (found ${seq})`);
      return;
    }
    if (seq === expected - 1) {
      // The same number twice: one of the two is an insertion (or a forgery) at that number.
      breakAt(seq, 'sequence_out_of_order', `seq ${seq} appears twice`);
      return;
    }
    if (seq < expected) {
      breakAt(expected, 'sequence_out_of_order', `seq ${seq} found where seq ${expected} belongs`);
      return;
    }
    if (seq > lastSeq) {
      breakAt(seq, 'unexpected_event', `seq ${seq} is beyond the manifest's last seq ${lastSeq}`);
      return;
    }
    const statedLeaf = head[2];
    const statedHash = head[3];
    if (event.v !== AUDIT_EVENT_VERSION) {
      breakAt(seq, 'event_version', `seq ${seq} has unsupported event version ${String(event.v)}`);
      return;
    }
    if (event.org !== manifest.org) {
      breakAt(
        seq,
        'event_org',
        `seq ${seq} belongs to org ${String(event.org)}, not ${String(manifest.org)}`,
      );
      return;
    }
    const { from, to } = manifest.timeRange ?? { from: null, to: null };
    const time = typeof event.time === 'string' ? event.time : '';
    if ((from && time < from) || (to && time > to)) {
      breakAt(seq, 'event_time', `seq ${seq} time ${time} is outside the manifest's time range`);
      return;
    }
    // The bytes hashed are the event text as it stands: any change to them changes the leaf.
    const leaf = canonicalLeafHash(canonical);
    if (statedLeaf !== leaf.toString('hex')) {
      breakAt(seq, 'leaf_mismatch', `seq ${seq}: the event does not match its leaf hash`);
      return;
    }
    const hash = chainHash(prevHash, leaf);
    if (statedHash !== hash.toString('hex')) {
      breakAt(seq, 'hash_mismatch', `seq ${seq}: chain hash does not follow from the previous event`);
      return;
    }
    tree.append(leaf);
    const checkpoint = roots.get(tree.size);
    if (checkpoint) {
      if (tree.root().toString('hex') !== checkpoint.rootHash) {
        problem(
          'checkpoint_root',
          `checkpoint at tree size ${checkpoint.treeSize}: root does not match the events`,
          seq,
        );
      } else {
        report.checkpointsVerified += 1;
      }
    }
    prevHash = hash;
    expected = seq + 1;
    report.eventsVerified += 1;
  };

  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  const lineTooLong = (): void => {
    if (!broken)
      breakAt(expected, 'malformed_line', `line for seq ${expected} is longer than ${maxLineBytes} bytes`);
  };
  // Bytes of a line that spans chunks; never more than maxLineBytes (memory stays bounded).
  let carry: Buffer | null = null;
  let carryTooLong = false;
  for await (const piece of source) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
    digest.update(chunk);
    report.fileBytes += chunk.length;
    if (broken) continue; // only the file hash is still needed
    let start = 0;
    let newline = chunk.indexOf(NEWLINE, start);
    while (newline >= 0) {
      if (carryTooLong) {
        carryTooLong = false;
        lineTooLong();
      } else if (carry) {
        checkLine(Buffer.concat([carry, chunk.subarray(start, newline)]).toString('utf8'));
        carry = null;
      } else {
        checkLine(chunk.toString('utf8', start, newline));
      }
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length && !broken) {
      if (carryTooLong || (carry?.length ?? 0) + chunk.length - start > maxLineBytes) {
        carry = null;
        carryTooLong = true;
      } else {
        const rest = chunk.subarray(start);
        carry = carry ? Buffer.concat([carry, rest]) : Buffer.from(rest);
      }
    }
  }
  if (carryTooLong) lineTooLong();
  else if (carry) checkLine(carry.toString('utf8'));

  if (!broken && setup) {
    if (expected <= lastSeq) {
      report.firstBadSeq = expected;
      problem('missing_events', `events ${expected}…${lastSeq} are missing`, expected);
    } else if (manifest.lastHash !== null && prevHash.toString('hex') !== manifest.lastHash) {
      problem('last_hash', "the last event does not end in the manifest's last hash");
    }
  }
  report.fileSha256 = digest.digest('hex');
  if (report.fileSha256 !== manifest.file?.sha256) {
    problem(
      'file_hash',
      `file SHA-256 ${report.fileSha256} differs from the manifest's ${String(manifest.file?.sha256)}`,
    );
  }
  report.ok = report.problems.length === 0;
  return report;
}

interface Setup {
  firstSeq: number;
  prevHash: Buffer;
  tree: MerkleAccumulator;
  /** Covered checkpoints by tree size. */
  roots: Map<number, SignedCheckpoint>;
}

/** Checks the manifest and its checkpoints; returns the starting state, or null when it is unusable. */
function prepare(
  manifest: ExportManifest,
  publicKey: KeyObject,
  problem: (code: VerificationProblemCode, message: string, seq?: number) => void,
  report: VerificationReport,
): Setup | null {
  if (!verifyExportManifestSignature(manifest, publicKey)) {
    problem('manifest_signature', 'the manifest signature is not valid for this key');
  }
  let setup: Setup;
  try {
    if (manifest.type !== MANIFEST_TYPE) throw new Error(`unknown manifest type ${String(manifest.type)}`);
    if (manifest.format !== 'jsonl')
      throw new Error(`only jsonl exports can be verified, not ${manifest.format}`);
    const firstSeq = manifest.firstSeq ?? (manifest.lastSeq ?? 0) + 1;
    const lastSeq = manifest.lastSeq ?? firstSeq - 1;
    if (!Number.isSafeInteger(firstSeq) || firstSeq < 1 || lastSeq - firstSeq + 1 !== manifest.count) {
      throw new Error('firstSeq, lastSeq and count disagree');
    }
    const prevHash = hashFromHex(manifest.prevHash, 'prevHash');
    if (firstSeq === 1 && !prevHash.equals(GENESIS_HASH))
      throw new Error('an export from seq 1 starts at the genesis hash');
    setup = {
      firstSeq,
      prevHash,
      tree: MerkleAccumulator.fromHex(firstSeq - 1, manifest.merkleFrontier),
      roots: new Map(),
    };
  } catch (error) {
    problem('manifest_invalid', `manifest is invalid: ${(error as Error).message}`);
    return null;
  }
  const lastSeq = setup.firstSeq - 1 + manifest.count;
  for (const checkpoint of manifest.checkpoints ?? []) {
    if (!verifyCheckpointSignature(checkpoint, publicKey)) {
      problem(
        'checkpoint_signature',
        `checkpoint at tree size ${checkpoint.treeSize}: signature is not valid`,
      );
    } else if (checkpoint.org !== manifest.org) {
      problem('checkpoint_org', `checkpoint at tree size ${checkpoint.treeSize} is for another organisation`);
    } else if (checkpoint.treeSize === setup.tree.size) {
      if (setup.tree.root().toString('hex') === checkpoint.rootHash) report.checkpointsVerified += 1;
      else
        problem(
          'checkpoint_root',
          `checkpoint at tree size ${checkpoint.treeSize}: root does not match the frontier`,
        );
    } else if (checkpoint.treeSize < setup.tree.size || checkpoint.treeSize > lastSeq) {
      problem(
        'checkpoint_not_covered',
        `checkpoint at tree size ${checkpoint.treeSize} is outside the exported range`,
      );
    } else {
      setup.roots.set(checkpoint.treeSize, checkpoint);
    }
  }
  return setup;
}
