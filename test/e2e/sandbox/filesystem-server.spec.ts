import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preflightSandbox, type SandboxHost } from '@mandate/sandbox';
import { FILESYSTEM_SERVER, SandboxScratch, SandboxedServerHandle, profile, textOf } from './sandbox-support';

const NODE_MODULES = resolve(__dirname, '../../../node_modules');

/**
 * Acceptance: @modelcontextprotocol/server-filesystem under a profile that allows one directory. The
 * server itself is told it may serve the whole scratch tree (so its own path checks, like Mandate's
 * argument gates, let the call through); the sandbox still keeps the file outside the profile's directory
 * out of reach, and its contents never reach the client.
 */
describe('sandbox: server-filesystem confined to one directory', () => {
  let host: SandboxHost;
  let scratch: SandboxScratch;
  const SECRET = 'outside-secret-91c2';

  beforeAll(async () => {
    scratch = new SandboxScratch();
    host = await preflightSandbox({ homeDir: scratch.home });
    writeFileSync(join(scratch.work, 'inside.txt'), 'inside-content', { mode: 0o644 });
    writeFileSync(join(scratch.outside, 'secret.txt'), SECRET, { mode: 0o644 });
  });

  afterAll(() => scratch.dispose());

  for (const nodePermissions of [false, true]) {
    it(`reads inside the allowed directory, never outside it (node permission model: ${nodePermissions})`, async () => {
      const spec = profile({
        filesystem: { readOnlyRoot: false, read: [NODE_MODULES, scratch.work] },
        network: { mode: 'none' },
        limits: { memoryBytes: 4 * 1024 ** 3 },
        nodePermissions,
      });
      const server = await new SandboxedServerHandle(
        spec,
        {
          command: process.execPath,
          // Node's permission model forbids even listing the scratch root, so that layer serves only `work`.
          args: [FILESYSTEM_SERVER, nodePermissions ? scratch.work : scratch.root],
          env: {},
          cwd: scratch.work,
        },
        host,
      ).start();
      try {
        const inside = await server.call('read_text_file', { path: join(scratch.work, 'inside.txt') });
        expect(inside.isError).toBeFalsy();
        expect(textOf(inside)).toContain('inside-content');

        const outside = await server.call('read_text_file', { path: join(scratch.outside, 'secret.txt') });
        expect(outside.isError).toBe(true);
        expect(JSON.stringify(outside)).not.toContain(SECRET);

        const traversal = await server.call('read_text_file', {
          path: `${scratch.work}/../outside/secret.txt`,
        });
        expect(JSON.stringify(traversal)).not.toContain(SECRET);
      } finally {
        await server.stop();
      }
    });
  }
});
