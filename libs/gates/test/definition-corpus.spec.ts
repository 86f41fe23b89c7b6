/**
 * Corpus test of the tool-definition scanner: poisoned definitions (each with the detector expected to
 * catch it) and ordinary ones from real-world-style MCP servers. Prints both rates. A benign definition is
 * a false positive when any finding of severity medium or above is reported.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanToolDefinition, type DetectorName } from '../src/index';

interface Corpus {
  knownToolNames: string[];
  knownServers: string[];
  hostile: Array<{ name: string; description: string; expect: DetectorName }>;
  benign: Array<{ name: string; description: string }>;
}

const corpus = JSON.parse(
  readFileSync(join(__dirname, 'corpus', 'definitions', 'tool-definitions.json'), 'utf8'),
) as Corpus;
const options = { knownToolNames: corpus.knownToolNames, knownServers: corpus.knownServers };
const inputSchema = { type: 'object', properties: { input: { type: 'string', description: 'Input' } } };

describe('tool-definition corpus', () => {
  it('catches ≥ 95 % of poisoned definitions with ≤ 5 % false positives', () => {
    const misses: string[] = [];
    const falsePositives: string[] = [];
    let detected = 0;
    for (const entry of corpus.hostile) {
      const findings = scanToolDefinition(
        { name: entry.name, description: entry.description, inputSchema },
        options,
      );
      if (findings.some((f) => f.detector === entry.expect)) detected += 1;
      else misses.push(`MISS ${entry.expect} ${JSON.stringify(entry.name)} → ${JSON.stringify(findings)}`);
    }
    let fp = 0;
    for (const entry of corpus.benign) {
      const findings = scanToolDefinition(
        { name: entry.name, description: entry.description, inputSchema },
        options,
      ).filter((f) => f.severity !== 'low');
      if (findings.length > 0) {
        fp += 1;
        falsePositives.push(`FP ${JSON.stringify(entry.name)} → ${JSON.stringify(findings)}`);
      }
    }
    const detection = detected / corpus.hostile.length;
    const falsePositive = fp / corpus.benign.length;
    console.log(
      [
        `tool-definition corpus: ${corpus.hostile.length} poisoned, ${corpus.benign.length} benign`,
        `  detection ${(detection * 100).toFixed(1)} %   false positives ${(falsePositive * 100).toFixed(1)} %`,
        ...misses,
        ...falsePositives,
      ].join('\n'),
    );
    expect(corpus.hostile.length).toBeGreaterThanOrEqual(20);
    expect(corpus.benign.length).toBeGreaterThanOrEqual(20);
    expect(detection).toBeGreaterThanOrEqual(0.95);
    expect(falsePositive).toBeLessThanOrEqual(0.05);
  });
});
