/**
 * compile() in a browser build: bundles src/index.ts for the browser (rolldown, the bundler of the installed
 * Vite) and checks that no Node built-in is imported outside binaryen's own environment-guarded loader; then,
 * when Chromium is installed (/usr/bin/chromium), runs the bundle in headless Chromium: compile a policy,
 * load it with the browser build of @open-policy-agent/opa-wasm and evaluate it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = resolve(__dirname, '..', '..', '..');
const CHROMIUM = '/usr/bin/chromium';
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
      const types: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html' };
      const server: Server = createServer((req, res) => {
        const file = join(dir, (req.url ?? '/').split('?')[0].replace(/^\/+/, '') || 'index.html');
        if (!file.startsWith(dir) || !existsSync(file)) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
        res.end(readFileSync(file));
      });
      await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
        // playwright gives the browser a fresh temporary profile itself.
      });
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`http://127.0.0.1:${port}/index.html`);
        await page.waitForFunction(
          () => typeof (window as unknown as { run?: unknown }).run === 'function',
          undefined,
          { timeout: 60_000 },
        );
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
      } finally {
        await browser.close();
        server.close();
      }
    },
    120_000,
  );
});
