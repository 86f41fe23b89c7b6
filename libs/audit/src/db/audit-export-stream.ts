import { createHash } from 'node:crypto';
import type { AuditRecord } from '../audit-event';
import { CSV_HEADER, formatLine, type ExportFormat } from '../export-formats';
import { noteTime, type ExportSummary } from '../export-writer';

const CHUNK_BYTES = 256 * 1024;

/**
 * Export text of stored records in ~256 KiB Buffers (constant memory), filling `summary` like the core's
 * `exportChunks` — but WITHOUT refusing a break in the sequence: a server exports what its database holds,
 * and a row removed or reordered there must reach the offline verifier (which names the first bad seq)
 * rather than abort the download half-way.
 */
export async function* storedExportChunks(
  records: AsyncIterable<AuditRecord>,
  format: ExportFormat,
  summary: ExportSummary,
): AsyncGenerator<Buffer> {
  const digest = createHash('sha256');
  let pending: string[] = format === 'csv' ? [CSV_HEADER] : [];
  let pendingLength = pending.length > 0 ? CSV_HEADER.length : 0;
  const flush = (): Buffer => {
    const chunk = Buffer.from(pending.join(''), 'utf8');
    pending = [];
    pendingLength = 0;
    digest.update(chunk);
    summary.bytes += chunk.length;
    return chunk;
  };
  for await (const record of records) {
    if (summary.firstSeq === null) {
      summary.firstSeq = record.event.seq;
      summary.firstTime = record.event.time;
    }
    summary.lastSeq = record.event.seq;
    summary.lastTime = record.event.time;
    noteTime(summary, record.event.time);
    summary.lastHash = record.hash;
    summary.count += 1;
    const line = formatLine(format, record);
    pending.push(line);
    pendingLength += line.length;
    if (pendingLength >= CHUNK_BYTES) yield flush();
  }
  if (pendingLength > 0) yield flush();
  summary.sha256 = digest.digest('hex');
}
