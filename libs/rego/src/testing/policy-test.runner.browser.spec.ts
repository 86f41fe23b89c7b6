/**
 * runPolicyTests() in a browser build: bundles an entry that imports it from src/index.ts for the browser
 * (rolldown) and, when Chromium is installed (/usr/bin/chromium), runs Rego tests with coverage in headless
 * Chromium (the console's test runner does exactly this).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CHROMIUM, withChromiumPage } from '../../../../test/support/chromium-page';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = resolve(__dirname, '..', '..', '..', '..');

const POLICY = 'package p\n\nallow if input.role == "admin"\n\nlevel := 1 if input.never\n';
const TESTS =
  'package p_test\n\ntest_admin if data.p.allow with input as {"role": "admin"}\n\ntest_guest if data.p.allow with input as {"role": "guest"}\n';

let dir = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mandate-rego-test-browser-'));
  writeFileSync(
    join(dir, 'entry.ts'),
    `import { runPolicyTests } from ${JSON.stringify(join(REPO, 'libs/rego/src/index.ts'))};\n` +
      `(window as unknown as { runTests: unknown }).runTests = () => runPolicyTests({\n` +
      `  modules: { 'p.rego': ${JSON.stringify(POLICY)}, 'p_test.rego': ${JSON.stringify(TESTS)} },\n` +
      `  coverage: true,\n});\n`,
  );
  const { rolldown } = await import('rolldown');
  const bundle = await rolldown({
    input: join(dir, 'entry.ts'),
    platform: 'browser',
    // binaryen's loader imports node:module only when it detects Node at run time.
    external: (id: string) => id === 'node:module',
  });
  await bundle.write({ dir, format: 'esm', entryFileNames: 'tests.js' });
  await bundle.close();
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><script type="module" src="./tests.js"></script>',
  );
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('runPolicyTests() in the browser', () => {
  it.skipIf(!existsSync(CHROMIUM))(
    'runs Rego tests with coverage in headless Chromium',
    async () => {
      await withChromiumPage(dir, 'runTests', async (page, errors) => {
        const report = (await page.evaluate(() =>
          (window as unknown as { runTests: () => Promise<unknown> }).runTests(),
        )) as { results: { name: string; pass: boolean; failReason?: string }[]; coverage: unknown };
        expect(errors).toEqual([]);
        expect(report.results.map((r) => [r.name, r.pass, r.failReason])).toEqual([
          ['data.p_test.test_admin', true, undefined],
          ['data.p_test.test_guest', false, 'undefined'],
        ]);
        expect(report.coverage).toEqual({
          files: { 'p.rego': { covered: [3], notCovered: [5] } },
          coveredRules: 1,
          totalRules: 2,
          percent: 50,
        });
      });
    },
    120_000,
  );
});
