import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditChain } from './audit-chain';
import { canonicalJson } from './audit-hash';
import { CSV_COLUMNS, CSV_HEADER, csvLine, ocsfLine } from './export-formats';
import { emptySummary, exportChunks, writeExport } from './export-writer';
import { sampleEvent } from './testing/audit-fixtures';

const ORG = 'org-3';
const dir = mkdtempSync(join(tmpdir(), 'mandate-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function records(n: number, from = 1) {
  const chain = new AuditChain(ORG);
  const all = Array.from({ length: from + n - 1 }, (_, i) => chain.append(sampleEvent(ORG, i + 1)));
  return all.slice(from - 1);
}

/** Minimal RFC 4180 reader for the test (quoted cells, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 1;
    } else cell += c;
  }
  return rows;
}

describe('export writers', () => {
  it('writes JSON Lines to a file; the summary states its exact SHA-256, size and range', async () => {
    const path = join(dir, 'export.jsonl');
    const input = records(700, 5);
    const summary = await writeExport(input, 'jsonl', createWriteStream(path));
    const bytes = readFileSync(path);
    expect(summary).toMatchObject({
      format: 'jsonl',
      count: 700,
      firstSeq: 5,
      lastSeq: 704,
      firstTime: input[0].event.time,
      lastHash: input[699].hash,
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    const lines = bytes.toString('utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(700);
    const first = JSON.parse(lines[0]);
    expect(Object.keys(first)).toEqual(['seq', 'leaf', 'hash', 'event']);
    expect(first).toEqual({ seq: 5, leaf: input[0].leaf, hash: input[0].hash, event: input[0].event });
    // The event member is the canonical text, byte for byte.
    expect(lines[0]).toBe(
      `{"seq":5,"leaf":"${input[0].leaf}","hash":"${input[0].hash}","event":${canonicalJson(input[0].event)}}`,
    );
  });

  it('accepts an async source (e.g. a database cursor) and writes the same bytes', async () => {
    const input = records(40);
    async function* cursor() {
      for (const r of input) {
        await new Promise((resolve) => setImmediate(resolve));
        yield r;
      }
    }
    const fromArray = emptySummary('ocsf');
    const fromCursor = emptySummary('ocsf');
    const a: Buffer[] = [];
    const b: Buffer[] = [];
    for await (const c of exportChunks(input, 'ocsf', fromArray)) a.push(c);
    for await (const c of exportChunks(cursor(), 'ocsf', fromCursor)) b.push(c);
    expect(Buffer.concat(b).equals(Buffer.concat(a))).toBe(true);
    expect(fromCursor).toEqual(fromArray);
    expect(fromCursor.count).toBe(40);
  });

  it('refuses records that are not one contiguous range', async () => {
    const input = records(5);
    const summary = emptySummary('jsonl');
    const consume = async () => {
      for await (const _ of exportChunks([input[0], input[2]], 'jsonl', summary)) void _;
    };
    await expect(consume()).rejects.toThrow(/contiguous/);
  });

  it('writes RFC 4180 CSV that reads back to the same values, defusing spreadsheet formulas', () => {
    const chain = new AuditChain(ORG);
    const tricky = chain.append({
      ...sampleEvent(ORG, 7),
      actor: { type: 'member', id: '=HYPERLINK("x")' },
      data: { note: 'a "quoted", multi\nline' },
    });
    const rows = parseCsv(CSV_HEADER + csvLine(tricky));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    const cells = Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, rows[1][i]]));
    expect(cells).toMatchObject({
      seq: '1',
      actor_id: `'=HYPERLINK("x")`,
      subject_type: 'agent',
      leaf: tricky.leaf,
      hash: tricky.hash,
    });
    expect(JSON.parse(cells.data)).toEqual({ note: 'a "quoted", multi\nline' });
    expect(JSON.parse(cells.masked)).toEqual([]);
  });

  it('writes OCSF API Activity (class 6003) records with the chain fields kept', () => {
    const [record] = records(1, 2);
    const ocsf = JSON.parse(ocsfLine(record));
    expect(ocsf).toMatchObject({
      class_uid: 6003,
      category_uid: 6,
      activity_id: 3, // policy.activated
      type_uid: 600303,
      severity_id: 1,
      time: Date.parse(record.event.time),
      metadata: { version: '1.3.0', uid: record.event.id, sequence: 2, tenant_uid: ORG },
      actor: { user: { uid: record.event.actor.id, type: record.event.actor.type } },
      api: { operation: 'policy.activated', request: { uid: 'req-2' } },
      resources: [{ uid: record.event.subject?.id, type: 'agent' }],
      unmapped: { leaf: record.leaf, hash: record.hash, data: record.event.data },
    });
    const revoked = JSON.parse(ocsfLine({ ...record, event: { ...record.event, type: 'grant.revoked' } }));
    expect([revoked.activity_id, revoked.type_uid]).toEqual([4, 600304]);
    const created = JSON.parse(ocsfLine({ ...record, event: { ...record.event, type: 'api_key.created' } }));
    expect([created.activity_id, created.type_uid]).toEqual([1, 600301]);
    const other = JSON.parse(ocsfLine({ ...record, event: { ...record.event, type: 'approval.escalated' } }));
    expect([other.activity_id, other.type_uid]).toEqual([99, 600399]);
  });

  it('streams in chunks and never buffers the whole export', async () => {
    const summary = emptySummary('csv');
    let chunks = 0;
    let largest = 0;
    for await (const chunk of exportChunks(records(3000), 'csv', summary)) {
      chunks += 1;
      largest = Math.max(largest, chunk.length);
    }
    expect(chunks).toBeGreaterThan(3);
    expect(largest).toBeLessThan(300 * 1024);
    expect(summary.count).toBe(3000);
  });
});
