import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../../support';
import { startGatewayWorld, textOf, type GatewayWorld } from './gateway-harness';

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describeWithPostgres('reference gateway: Mandate unreachable', () => {
  let world: GatewayWorld;
  const decisionCount = async (): Promise<number> =>
    Number(
      (
        await world.h.dataSource.query('SELECT count(*)::int AS n FROM decisions WHERE org_id = $1', [
          world.org.orgId,
        ])
      )[0].n,
    );

  beforeAll(async () => {
    world = await startGatewayWorld(
      async ({ orgId, mandateUrl, key, dir }) => {
        // The organisation's bundle signing keys, pinned in the gateway's configuration.
        const keys = await fetch(`${mandateUrl}/v1/bundles/${orgId}/keys`, {
          headers: { authorization: `Bearer ${key}` },
        });
        writeFileSync(join(dir, 'bundle-keys.json'), await keys.text());
        return {
          mandate: {
            url: mandateUrl,
            apiKeyEnv: 'MANDATE_API_KEY',
            timeoutMs: 2_000,
            retries: 0,
            sendOutcome: false,
          },
          offline: {
            enabled: true,
            org: orgId,
            cacheDir: 'bundle-cache',
            pollSeconds: 1,
            keysFile: 'bundle-keys.json',
          },
        };
      },
      // Bundles are signed: the server needs its master key.
      { proxy: true, env: { MANDATE_MASTER_KEY: randomBytes(32).toString('base64') } },
    );
  }, 120_000);
  afterAll(async () => {
    await world?.close();
  });

  it('answers from the last good bundle while Mandate is down, and records those decisions when it returns', async () => {
    const first = await world.client.callTool({ name: 'everything__echo', arguments: { message: 'online' } });
    expect(first.isError, textOf(first)).toBeFalsy();
    await until(() => world.gateway.bundles?.current() !== undefined, 'the bundle');
    const before = await decisionCount();

    await world.proxy!.down();
    const offline = await world.client.callTool({
      name: 'everything__echo',
      arguments: { message: 'offline' },
    });
    expect(offline.isError, textOf(offline)).toBeFalsy();
    expect(textOf(offline)).toContain('offline');
    const hidden = await world.client.callTool({ name: 'everything__get-env', arguments: {} });
    expect(hidden.isError).toBe(true);
    expect(textOf(hidden)).toContain('tool get-env is not available to agents');
    // No approval request can be opened offline: the call is refused, saying why.
    const write = await world.client.callTool({
      name: 'filesystem__write_file',
      arguments: { path: `${world.fsRoot}/x`, content: 'x' },
    });
    expect(write.isError).toBe(true);
    expect(textOf(write)).toContain('writing files needs a human');
    expect(await decisionCount()).toBe(before);
    const queued = world.gateway.decider.queued;
    expect(queued).toBe(4); // echo call + result, get-env call, write_file call

    await world.proxy!.up();
    const back = await world.client.callTool({ name: 'everything__echo', arguments: { message: 'back' } });
    expect(back.isError).toBeFalsy();
    await world.gateway.decider.replay();
    expect(world.gateway.decider.queued).toBe(0);
    expect(await decisionCount()).toBe(before + queued + 2);
  });

  it('fails closed for a gateway without a bundle', async () => {
    await world.proxy!.down();
    const { ResilientDecider } = await import('@mandate/sdk');
    const decider = new ResilientDecider({ client: world.gateway.client });
    const answer = await decider.decide({
      agent: 'coder',
      server: { name: 'everything' },
      tool: { name: 'echo' },
      arguments: {},
      phase: 'call',
    });
    expect(answer).toMatchObject({
      decision: 'deny',
      source: 'fail_closed',
      reasons: [{ code: 'mandate_unavailable' }],
    });
    await world.proxy!.up();
  });
});
