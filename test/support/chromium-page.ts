/**
 * Runs a function of a page served from a folder, in headless Chromium (Debian's `chromium` driven by
 * playwright-core). The folder is served on an ephemeral 127.0.0.1 port; `index.html` is opened and the
 * call waits until `window[ready]` is a function. Page errors are collected for the caller to assert on.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join } from 'node:path';
import type { Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html' };

export async function withChromiumPage<T>(
  dir: string,
  ready: string,
  run: (page: Page, errors: string[]) => Promise<T>,
): Promise<T> {
  const server = createServer((req, res) => {
    const file = join(dir, (req.url ?? '/').split('?')[0].replace(/^\/+/, '') || 'index.html');
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const { chromium } = await import('playwright-core');
  // playwright gives the browser a fresh temporary profile itself.
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
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${port}/index.html`);
    await page.waitForFunction(
      (name) => typeof (window as unknown as Record<string, unknown>)[name] === 'function',
      ready,
      { timeout: 60_000 },
    );
    return await run(page, errors);
  } finally {
    await browser.close();
    server.close();
  }
}
