/**
 * compile() in a browser build: bundles src/index.ts for the browser (rolldown, the bundler of the installed
 * Vite) and checks that no Node built-in is imported outside binaryen's own environment-guarded loader; then,
 * when Chromium is installed (/usr/bin/chromium), runs the bundle in headless Chromium: compile a policy,
 * load it with the browser build of @open-policy-agent/opa-wasm and evaluate it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CHROMIUM, withChromiumPage } from '../../../test/support/chromium-page';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = resolve(__dirname, '..', '..', '..');
const NODE_BUILTIN =
  /^node:|^(fs|path|os|crypto|module|url|util|stream|buffer|worker_threads|child_process|http|https|net)$/;

let dir = '';
const nodeImports: { id: string; importer: string }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mandate-rego-browser-'));
  const { rolldown } = await import('rolldown');
  const bundle = await rolldown({
    input: join(REPO, 'libs/rego/src/index.ts'),
    platform: 'browser',
    external: (id: string, importer: string | undefined) => {
      if (!NODE_BUILTIN.test(id)) return false;
      nodeImports.push({ id, importer: importer ?? '' });
      return true;
    },
  });
  await bundle.write({ dir, format: 'esm', entryFileNames: 'rego.js' });
  await bundle.close();
  writeFileSync(
    join(dir, 'opa.js'),
    readFileSync(join(REPO, 'node_modules/@open-policy-agent/opa-wasm/dist/opa-wasm-browser.esm.js')),
  );
  writeFileSync(
    join(dir, 'index.html'),
    `<!doctype html><meta charset="utf-8"><script type="module">
import { compile } from './rego.js';
import opa from './opa.js';
window.run = async () => {
  const policy = 'package mandate\\n\\ndefault allow := false\\n\\nallow if {\\n  input.tool == "read_file"\\n  not startswith(input.path, "/etc")\\n}\\n\\nreason := sprintf("%s by %s", [input.tool, input.user])\\n';
  const out = await compile({ modules: { 'p.rego': policy }, entrypoints: ['mandate/allow', 'mandate/reason'] });
  const loaded = await opa.loadPolicy(out.wasm, undefined, out.builtins);
  return {
    allowed: loaded.evaluate({ tool: 'read_file', path: '/tmp/a' }, 'mandate/allow'),
    denied: loaded.evaluate({ tool: 'read_file', path: '/etc/passwd' }, 'mandate/allow'),
    reason: loaded.evaluate({ tool: 'exec', user: 'ann' }, 'mandate/reason'),
    node: typeof process !== 'undefined',
  };
};
</script>`,
  );
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('compile() in the browser', () => {
  it('bundles for the browser without Node built-ins', () => {
    expect(existsSync(join(dir, 'rego.js'))).toBe(true);
    // binaryen's Emscripten loader imports node:module only when it detects Node at run time.
    const offenders = nodeImports.filter((i) => !i.importer.includes('/node_modules/binaryen/'));
    expect(offenders).toEqual([]);
  });

  it.skipIf(!existsSync(CHROMIUM))(
    'compiles and evaluates a policy in headless Chromium',
    async () => {
      await withChromiumPage(dir, 'run', async (page, errors) => {
        const result = await page.evaluate(() =>
          (window as unknown as { run: () => Promise<unknown> }).run(),
        );
        expect(errors).toEqual([]);
        expect(result).toEqual({
          allowed: [{ result: true }],
          denied: [{ result: false }],
          reason: [{ result: 'exec by ann' }],
          node: false,
        });
      });
    },
    120_000,
  );
});
