import { describe, expect, it } from 'vitest';
import type { AuditRecord } from './audit-event';
import { AuditChain } from './audit-chain';
import { canonicalJson, canonicalLeafHash, chainHash } from './audit-hash';
import { jsonlLine } from './export-formats';
import type { SignedCheckpoint } from './checkpoint';
import { signExportManifest, type ExportManifest } from './export-manifest';
import { verifyExport, type VerificationReport } from './export-verifier';
import { emptySummary, exportChunks } from './export-writer';
import { ed25519KeyPair, sampleEvent, seededRandom } from './testing/audit-fixtures';

const ORG = 'org-7';
const { privateKey, publicKey } = ed25519KeyPair();

interface Built {
  records: AuditRecord[];
  text: string;
  manifest: ExportManifest;
}

/** A log of `total` events with checkpoints every `every`, exported from `from` to the end. */
async function build(total: number, from = 1, every = 10): Promise<Built> {
  const chain = new AuditChain(ORG);
  const records: AuditRecord[] = [];
  const checkpoints: SignedCheckpoint[] = [];
  let anchor = chain.head();
  for (let n = 1; n <= total; n += 1) {
    if (n === from) anchor = chain.head();
    records.push(chain.append(sampleEvent(ORG, n)));
    if (n % every === 0 || n === total) checkpoints.push(chain.checkpoint(privateKey));
  }
  const exported = records.slice(from - 1);
  const summary = emptySummary('jsonl');
  const chunks: Buffer[] = [];
  for await (const chunk of exportChunks(exported, 'jsonl', summary)) chunks.push(chunk);
  const manifest = signExportManifest(
    {
      org: ORG,
      summary,
      fileName: 'export.jsonl',
      prevHash: anchor.hash,
      merkleFrontier: anchor.frontier,
      checkpoints: checkpoints.filter((c) => c.treeSize >= from - 1),
      filters: { from: exported[0].event.time },
    },
    privateKey,
  );
  return { records, text: Buffer.concat(chunks).toString('utf8'), manifest };
}

async function verifyText(
  text: string,
  manifest: ExportManifest,
  chunkSize = 4096,
): Promise<VerificationReport> {
  const bytes = Buffer.from(text, 'utf8');
  function* source(): Generator<Buffer> {
    for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
  }
  return verifyExport(source(), manifest, publicKey);
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');
const join = (ls: string[]): string => `${ls.join('\n')}\n`;

describe('verifyExport', () => {
  it('verifies an untouched export: every event, every covered checkpoint, the file hash', async () => {
    const { text, manifest } = await build(95);
    const report = await verifyText(text, manifest);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({
      ok: true,
      eventsVerified: 95,
      firstBadSeq: null,
      checkpointsVerified: 10,
    });
    expect(report.fileSha256).toBe(manifest.file.sha256);
  });

  it('verifies an export whose event times are not in seq order (several writers, skewed clocks)', async () => {
    const chain = new AuditChain(ORG);
    // The middle event is the latest and the last one the earliest: the manifest's time range must
    // span every event, not just run from the first event's time to the last one's.
    const records = [3, 9, 1].map((offset, i) =>
      chain.append({ ...sampleEvent(ORG, i + 1), time: new Date(Date.UTC(2026, 10, 1) + offset * 1000) }),
    );
    const summary = emptySummary('jsonl');
    const chunks: Buffer[] = [];
    for await (const chunk of exportChunks(records, 'jsonl', summary)) chunks.push(chunk);
    const manifest = signExportManifest(
      {
        org: ORG,
        summary,
        fileName: 'x.jsonl',
        prevHash: '00'.repeat(32),
        merkleFrontier: [],
        checkpoints: [],
      },
      privateKey,
    );
    expect(manifest.timeRange).toEqual({ from: records[2].event.time, to: records[1].event.time });
    const report = await verifyExport(chunks, manifest, publicKey);
    expect(report.problems).toEqual([]);
    expect(report.eventsVerified).toBe(3);
  });

  it('verifies whatever the chunking (lines split across chunks, one byte at a time)', async () => {
    const { text, manifest } = await build(12);
    for (const size of [1, 7, 333]) expect((await verifyText(text, manifest, size)).ok).toBe(true);
  });

  it('verifies an export that starts mid-log from the signed anchor and Merkle frontier', async () => {
    const { text, manifest } = await build(95, 38);
    expect(manifest.firstSeq).toBe(38);
    const report = await verifyText(text, manifest);
    expect(report.problems).toEqual([]);
    // Checkpoints at 40, 50, …, 90 and 95 are recomputed from the frontier at 37 plus the events.
    expect(report).toMatchObject({ ok: true, eventsVerified: 58, checkpointsVerified: 7 });
  });

  it('tamper one byte of an event → that event is the first bad one', async () => {
    const { text, manifest } = await build(60);
    const ls = lines(text);
    expect(ls[41]).toContain('"count":42,');
    ls[41] = ls[41].replace('"count":42,', '"count":43,');
    const report = await verifyText(join(ls), manifest);
    expect(report.ok).toBe(false);
    expect(report.firstBadSeq).toBe(42);
    expect(report.eventsVerified).toBe(41);
    expect(report.problems.map((p) => p.code)).toEqual(['leaf_mismatch', 'file_hash']);
  });

  it('flipping any single byte of a line is caught at that line', async () => {
    const { text, manifest } = await build(20);
    const ls = lines(text);
    const line = ls[9];
    // Every position of line 10 (seq 10), changed to another printable character.
    for (let i = 0; i < line.length; i += 1) {
      const ch = line[i] === 'a' ? 'b' : 'a';
      const copy = [...ls];
      copy[9] = line.slice(0, i) + ch + line.slice(i + 1);
      const report = await verifyText(join(copy), manifest);
      expect(report.ok, `byte ${i}`).toBe(false);
      expect(report.firstBadSeq, `byte ${i}`).toBe(10);
    }
  });

  it('delete one → the deleted sequence number', async () => {
    const { text, manifest } = await build(60);
    const ls = lines(text);
    ls.splice(16, 1); // seq 17
    const report = await verifyText(join(ls), manifest);
    expect(report.firstBadSeq).toBe(17);
    expect(report.problems[0].code).toBe('sequence_gap');
  });

  it('delete the last one → the last sequence number', async () => {
    const { text, manifest } = await build(30);
    const report = await verifyText(join(lines(text).slice(0, -1)), manifest);
    expect(report.firstBadSeq).toBe(30);
    expect(report.problems[0].code).toBe('missing_events');
  });

  it('swap two → the first of the two positions', async () => {
    const { text, manifest } = await build(60);
    const ls = lines(text);
    [ls[24], ls[31]] = [ls[31], ls[24]]; // seq 25 and 32
    const report = await verifyText(join(ls), manifest);
    expect(report.firstBadSeq).toBe(25);
  });

  it('insert one (a copy of an earlier line) → the sequence number it was inserted before', async () => {
    const { text, manifest } = await build(60);
    const ls = lines(text);
    ls.splice(20, 0, ls[3]); // before seq 21
    expect((await verifyText(join(ls), manifest)).firstBadSeq).toBe(21);
  });

  it('insert one forged event with correctly recomputed leaf and hash → its sequence number', async () => {
    const { records, text, manifest } = await build(60);
    const ls = lines(text);
    // The forger knows the chain: a fake seq 33 that chains correctly from seq 32.
    const event = { ...records[32].event, type: 'policy.deleted', data: { forged: true } };
    const canonical = canonicalJson(event);
    const leaf = canonicalLeafHash(canonical);
    const hash = chainHash(Buffer.from(records[31].hash, 'hex'), leaf);
    const forged = jsonlLine({
      event,
      canonical,
      leaf: leaf.toString('hex'),
      hash: hash.toString('hex'),
    }).trimEnd();
    ls.splice(32, 0, forged);
    const report = await verifyText(join(ls), manifest);
    expect(report.firstBadSeq).toBe(33);
  });

  it('property: random deletions, swaps, insertions and byte changes are reported at the exact seq', async () => {
    const { text, manifest } = await build(80);
    const ls = lines(text);
    const random = seededRandom(1234);
    const at = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
    for (let round = 0; round < 25; round += 1) {
      const k = at(1, 79); // a 1-based seq with a successor
      const del = [...ls];
      del.splice(k - 1, 1);
      expect((await verifyText(join(del), manifest)).firstBadSeq, `delete ${k}`).toBe(k);

      const j = at(k + 1, 80);
      const swap = [...ls];
      [swap[k - 1], swap[j - 1]] = [swap[j - 1], swap[k - 1]];
      expect((await verifyText(join(swap), manifest)).firstBadSeq, `swap ${k} ${j}`).toBe(k);

      const copyOf = at(1, 80);
      const ins = [...ls];
      ins.splice(k - 1, 0, ls[copyOf - 1]); // before seq k
      // A copy of the line just before is "seq k-1 twice"; any other copy is out of place at k.
      const expected = copyOf === k - 1 ? k - 1 : k;
      expect((await verifyText(join(ins), manifest)).firstBadSeq, `insert ${copyOf} before ${k}`).toBe(
        expected,
      );

      const flip = [...ls];
      const line = flip[k - 1];
      const pos = at(0, line.length - 1);
      flip[k - 1] = line.slice(0, pos) + String.fromCharCode(line.charCodeAt(pos) ^ 1) + line.slice(pos + 1);
      expect((await verifyText(join(flip), manifest)).firstBadSeq, `flip ${k}@${pos}`).toBe(k);
    }
  });

  it('replace an event and recompute its chain and all later ones → only the signed roots catch it', async () => {
    const { records, manifest } = await build(40, 1, 10);
    const chain = new AuditChain(ORG);
    const rewritten = records.map((r, i) =>
      chain.append(
        i === 14 ? { ...sampleEvent(ORG, 15), data: { rewritten: true } } : sampleEvent(ORG, i + 1),
      ),
    );
    const summary = emptySummary('jsonl');
    const chunks: Buffer[] = [];
    for await (const c of exportChunks(rewritten, 'jsonl', summary)) chunks.push(c);
    const report = await verifyText(Buffer.concat(chunks).toString('utf8'), manifest);
    expect(report.ok).toBe(false);
    const codes = report.problems.map((p) => p.code);
    expect(codes).toContain('checkpoint_root');
    expect(codes).toContain('last_hash');
    expect(codes).toContain('file_hash');
    // The first checkpoint that covers seq 15 is the one at 20; the one at 10 still matches.
    expect(report.problems.find((p) => p.code === 'checkpoint_root')?.seq).toBe(20);
  });

  it('rejects a manifest signed by another key, or altered after signing', async () => {
    const { text, manifest } = await build(15);
    const other = ed25519KeyPair();
    const report = await verifyExport([Buffer.from(text)], manifest, other.publicKey);
    expect(report.problems.map((p) => p.code)).toContain('manifest_signature');
    expect(report.problems.filter((p) => p.code === 'checkpoint_signature')).toHaveLength(2);
    const altered = await verifyText(text, { ...manifest, filters: { type: 'x' } });
    expect(altered.ok).toBe(false);
    expect(altered.problems.map((p) => p.code)).toEqual(['manifest_signature']);
  });

  it('reports extra events after the last one the manifest covers', async () => {
    const { text, manifest } = await build(20);
    const { text: longer } = await build(21);
    const report = await verifyText(longer, manifest);
    expect(text.length).toBeLessThan(longer.length);
    expect(report.firstBadSeq).toBe(21);
    expect(report.problems[0].code).toBe('unexpected_event');
  });

  it('verifies an empty export and rejects one whose manifest counts disagree', async () => {
    const summary = emptySummary('jsonl');
    for await (const _ of exportChunks([], 'jsonl', summary)) void _;
    const head = new AuditChain(ORG).head();
    const manifest = signExportManifest(
      {
        org: ORG,
        summary,
        fileName: 'empty.jsonl',
        prevHash: head.hash,
        merkleFrontier: [],
        checkpoints: [],
      },
      privateKey,
    );
    expect(await verifyText('', manifest)).toMatchObject({ ok: true, eventsVerified: 0, problems: [] });
    const lying = signExportManifest(
      {
        org: ORG,
        summary: { ...summary, count: 3 },
        fileName: 'x',
        prevHash: head.hash,
        merkleFrontier: [],
        checkpoints: [],
      },
      privateKey,
    );
    const report = await verifyText('', lying);
    expect(report.ok).toBe(false);
    expect(report.problems[0].code).toBe('manifest_invalid');
  });

  it('does not buffer an over-long line: reports it as malformed at its position', async () => {
    const { text, manifest } = await build(10);
    const ls = lines(text);
    ls[6] = ls[6].replace('"count":7,', `"count":7,"pad":"${'x'.repeat(5000)}",`);
    expect(ls[6].length).toBeGreaterThan(5000);
    const bytes = Buffer.from(join(ls));
    const chunks = Array.from({ length: Math.ceil(bytes.length / 700) }, (_, i) =>
      bytes.subarray(i * 700, (i + 1) * 700),
    );
    const report = await verifyExport(chunks, manifest, publicKey, { maxLineBytes: 2000 });
    expect(report.firstBadSeq).toBe(7);
    expect(report.problems[0]).toMatchObject({ code: 'malformed_line', seq: 7 });
    // The file hash still covers every byte.
    expect(report.fileBytes).toBe(bytes.length);
    expect((await verifyExport([Buffer.from(text)], manifest, publicKey, { maxLineBytes: 2000 })).ok).toBe(
      true,
    );
  });

  it('reports a malformed line at its position', async () => {
    const { text, manifest } = await build(10);
    const ls = lines(text);
    ls[4] = ls[4].slice(0, 30);
    const report = await verifyText(join(ls), manifest);
    expect(report.firstBadSeq).toBe(5);
    expect(report.problems[0].code).toBe('malformed_line');
  });
});
