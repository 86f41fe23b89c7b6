import { createHash } from 'node:crypto';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AuditRecord } from './audit-event';
import { CSV_HEADER, formatLine, type ExportFormat } from './export-formats';

/** What was written: the facts a manifest states about an export file. */
export interface ExportSummary {
  format: ExportFormat;
  count: number;
  firstSeq: number | null;
  lastSeq: number | null;
  firstTime: string | null;
  lastTime: string | null;
  /**
   * Earliest and latest event time written. Event times follow the order of appends only roughly (clocks
   * of several processes, transactions of different lengths), so these — not the first and last event's
   * times — bound every event of the file.
   */
  minTime: string | null;
  maxTime: string | null;
  /** Chain hash of the last event written (null when empty). */
  lastHash: string | null;
  /** Hex SHA-256 of the exact bytes written. */
  sha256: string;
  bytes: number;
}

const CHUNK_BYTES = 256 * 1024;

/**
 * Streams records as export text in constant memory: an async iterable of Buffers (~256 KiB each), which
 * also fills `summary` (hash of the bytes, counts, first/last sequence). Records must be one contiguous
 * ascending sequence range — anything else could not be verified — or it throws.
 */
export async function* exportChunks(
  records: AsyncIterable<AuditRecord> | Iterable<AuditRecord>,
  format: ExportFormat,
  summary: ExportSummary,
): AsyncGenerator<Buffer> {
  const digest = createHash('sha256');
  let pending: string[] = [];
  let pendingLength = 0;
  const flush = (): Buffer => {
    const chunk = Buffer.from(pending.join(''), 'utf8');
    pending = [];
    pendingLength = 0;
    digest.update(chunk);
    summary.bytes += chunk.length;
    return chunk;
  };
  if (format === 'csv') {
    pending.push(CSV_HEADER);
    pendingLength += CSV_HEADER.length;
  }
  const add = (record: AuditRecord): boolean => {
    const seq = record.event.seq;
    if (summary.lastSeq !== null && seq !== summary.lastSeq + 1) {
      throw new Error(`export records must be contiguous: seq ${seq} follows ${summary.lastSeq}`);
    }
    if (summary.firstSeq === null) {
      summary.firstSeq = seq;
      summary.firstTime = record.event.time;
    }
    summary.lastSeq = seq;
    summary.lastTime = record.event.time;
    noteTime(summary, record.event.time);
    summary.lastHash = record.hash;
    summary.count += 1;
    const line = formatLine(format, record);
    pending.push(line);
    pendingLength += line.length;
    return pendingLength >= CHUNK_BYTES;
  };
  if (Symbol.iterator in records) {
    // A synchronous source is drained without a promise per record.
    for (const record of records) if (add(record)) yield flush();
  } else {
    for await (const record of records) if (add(record)) yield flush();
  }
  if (pendingLength > 0) yield flush();
  summary.sha256 = digest.digest('hex');
}

/** Widens the summary's [minTime, maxTime] to `time` (RFC 3339 UTC with milliseconds: compares as text). */
export function noteTime(summary: ExportSummary, time: string): void {
  if (summary.minTime === null || time < summary.minTime) summary.minTime = time;
  if (summary.maxTime === null || time > summary.maxTime) summary.maxTime = time;
}

export function emptySummary(format: ExportFormat): ExportSummary {
  return {
    format,
    count: 0,
    firstSeq: null,
    lastSeq: null,
    firstTime: null,
    lastTime: null,
    minTime: null,
    maxTime: null,
    lastHash: null,
    sha256: '',
    bytes: 0,
  };
}

/** Writes an export to `output` (honouring back-pressure) and resolves with its summary once flushed. */
export async function writeExport(
  records: AsyncIterable<AuditRecord> | Iterable<AuditRecord>,
  format: ExportFormat,
  output: Writable,
): Promise<ExportSummary> {
  const summary = emptySummary(format);
  await pipeline(Readable.from(exportChunks(records, format, summary)), output);
  return summary;
}
