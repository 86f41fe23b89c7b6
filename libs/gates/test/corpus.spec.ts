/**
 * Corpus test of the argument gates: for each detector, hostile strings it must catch and benign
 * look-alikes it must leave alone (shell snippets in prose, dotted file names, public URLs, SQL in
 * documentation, text in many scripts, emoji). Prints the detection and false-positive rates.
 *
 * - detected: the expected detector reports a finding (any severity) for the hostile string;
 * - false positive: any detector reports a finding of severity medium or above for a benign string
 *   (`low` findings are informational: policies are not expected to act on them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateArguments, type DetectorName, type Finding } from '../src/index';

interface CorpusEntry {
  value: string;
  field?: string;
}
interface CorpusFile {
  detector: DetectorName;
  hostile: CorpusEntry[];
  benign: CorpusEntry[];
}
interface Corpus extends CorpusFile {
  /** Which entries came from `<detector>.holdout*.json` (written after tuning, never tuned against). */
  holdout: { hostile: Set<CorpusEntry>; benign: Set<CorpusEntry> };
}

/** The file group of each entry: `main`, `holdout`, `holdout2` … (for per-group rates). */
const groupOf = new Map<CorpusEntry, string>();

const dir = join(__dirname, 'corpus');
const byDetector = new Map<DetectorName, Corpus>();
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()) {
  const data = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CorpusFile;
  const corpus = byDetector.get(data.detector) ?? {
    detector: data.detector,
    hostile: [],
    benign: [],
    holdout: { hostile: new Set<CorpusEntry>(), benign: new Set<CorpusEntry>() },
  };
  corpus.hostile.push(...data.hostile);
  corpus.benign.push(...data.benign);
  const group = /\.(holdout\d*)\.json$/.exec(file)?.[1] ?? 'main';
  for (const e of [...data.hostile, ...data.benign]) groupOf.set(e, group);
  if (group !== 'main') {
    data.hostile.forEach((e) => corpus.holdout.hostile.add(e));
    data.benign.forEach((e) => corpus.holdout.benign.add(e));
  }
  byDetector.set(data.detector, corpus);
}
const corpora = [...byDetector.values()];

const PERMISSIVE_SCHEMA = { type: 'object' };

function scan(entry: CorpusEntry): Finding[] {
  return evaluateArguments({
    schema: PERMISSIVE_SCHEMA,
    arguments: { [entry.field ?? 'input']: entry.value },
  });
}

const serious = (f: Finding): boolean => f.severity !== 'low';

describe('gates corpus', () => {
  const totals = { hostile: 0, detected: 0, benign: 0, falsePositives: 0 };
  const holdout = { hostile: 0, detected: 0, benign: 0, falsePositives: 0 };
  const misses: string[] = [];
  const falsePositives: string[] = [];
  const perDetector: Array<{ detector: string; detection: number; falsePositive: number }> = [];
  const perGroup = new Map<
    string,
    { hostile: number; detected: number; benign: number; falsePositives: number }
  >();
  const groupTally = (entry: CorpusEntry) => {
    const group = groupOf.get(entry) ?? 'main';
    let tally = perGroup.get(group);
    if (!tally) {
      tally = { hostile: 0, detected: 0, benign: 0, falsePositives: 0 };
      perGroup.set(group, tally);
    }
    return tally;
  };

  for (const corpus of corpora) {
    let detected = 0;
    let fp = 0;
    for (const entry of corpus.hostile) {
      const held = corpus.holdout.hostile.has(entry);
      const tally = groupTally(entry);
      tally.hostile += 1;
      if (held) holdout.hostile += 1;
      if (scan(entry).some((f) => f.detector === corpus.detector)) {
        detected += 1;
        tally.detected += 1;
        if (held) holdout.detected += 1;
      } else
        misses.push(`${corpus.detector} (${groupOf.get(entry) ?? 'main'}) missed ${JSON.stringify(entry)}`);
    }
    for (const entry of corpus.benign) {
      const held = corpus.holdout.benign.has(entry);
      const tally = groupTally(entry);
      tally.benign += 1;
      if (held) holdout.benign += 1;
      const found = scan(entry).filter(serious);
      if (found.length > 0) {
        fp += 1;
        tally.falsePositives += 1;
        if (held) holdout.falsePositives += 1;
        falsePositives.push(
          `${corpus.detector} (${groupOf.get(entry) ?? 'main'}) benign ${JSON.stringify(entry)} → ${JSON.stringify(found)}`,
        );
      }
    }
    totals.hostile += corpus.hostile.length;
    totals.detected += detected;
    totals.benign += corpus.benign.length;
    totals.falsePositives += fp;
    perDetector.push({
      detector: corpus.detector,
      detection: detected / corpus.hostile.length,
      falsePositive: fp / corpus.benign.length,
    });
  }

  it('has a hostile and a benign corpus for every argument detector', () => {
    const names = corpora.map((c) => c.detector).sort();
    expect(names).toEqual([
      'invisible-unicode',
      'path-traversal',
      'prompt-injection',
      'secret',
      'shell-injection',
      'sql-injection',
      'ssrf',
    ]);
    for (const c of corpora) {
      expect(c.hostile.length).toBeGreaterThanOrEqual(20);
      expect(c.benign.length).toBeGreaterThanOrEqual(20);
    }
  });

  it('detects ≥ 95 % of hostile strings with ≤ 5 % false positives on benign ones', () => {
    const detection = totals.detected / totals.hostile;
    const falsePositive = totals.falsePositives / totals.benign;
    const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
    const lines = perDetector.map(
      (d) =>
        `  ${d.detector.padEnd(18)} detection ${pct(d.detection).padStart(7)}   false positives ${pct(d.falsePositive).padStart(7)}`,
    );
    console.log(
      [
        `gates corpus: ${totals.hostile} hostile, ${totals.benign} benign`,
        ...lines,
        `  ${'overall'.padEnd(18)} detection ${pct(detection).padStart(7)}   false positives ${pct(falsePositive).padStart(7)}`,
        `  ${'holdout only'.padEnd(18)} detection ${pct(holdout.detected / holdout.hostile).padStart(7)}   false positives ${pct(holdout.falsePositives / holdout.benign).padStart(7)}   (${holdout.hostile} hostile, ${holdout.benign} benign)`,
        ...[...perGroup.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(
            ([group, t]) =>
              `  ${`set ${group}`.padEnd(18)} detection ${pct(t.detected / t.hostile).padStart(7)}   false positives ${pct(t.falsePositives / t.benign).padStart(7)}   (${t.hostile} hostile, ${t.benign} benign)`,
          ),
        ...misses.map((m) => `  MISS ${m}`),
        ...falsePositives.map((m) => `  FP   ${m}`),
      ].join('\n'),
    );
    expect(detection).toBeGreaterThanOrEqual(0.95);
    expect(falsePositive).toBeLessThanOrEqual(0.05);
    // No single detector may hide behind the others.
    for (const d of perDetector) {
      expect(d.detection, d.detector).toBeGreaterThanOrEqual(0.9);
      expect(d.falsePositive, d.detector).toBeLessThanOrEqual(0.1);
    }
  });
});
