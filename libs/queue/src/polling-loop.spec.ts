import { describe, expect, it } from 'vitest';
import { backoffMs } from './outbox.store';
import { PollingLoop } from './polling-loop';

describe('PollingLoop', () => {
  it('re-runs at once while there is more work, then waits for the interval', async () => {
    let calls = 0;
    const loop = new PollingLoop(
      () => Promise.resolve(++calls < 3),
      10_000,
      () => undefined,
    );
    loop.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toBe(3); // two "more work" ticks then an idle one; next tick is 10 s away
    await loop.stop();
  });

  it('keeps going after a failing tick and stop() waits for the running tick', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    let finished = false;
    const loop = new PollingLoop(
      async () => {
        calls++;
        if (calls === 1) throw new Error('boom');
        await new Promise((r) => setTimeout(r, 50));
        finished = true;
        return false;
      },
      5,
      (e) => errors.push(e),
    );
    loop.start();
    await new Promise((r) => setTimeout(r, 30));
    await loop.stop();
    expect(errors).toHaveLength(1);
    expect(calls).toBe(2);
    expect(finished).toBe(true);
  });
});

describe('backoffMs', () => {
  it('grows exponentially with jitter and is capped', () => {
    const samples = [1, 2, 3, 4].map((a) => backoffMs(a));
    expect(samples[0]).toBeGreaterThanOrEqual(400);
    expect(samples[0]).toBeLessThanOrEqual(600);
    expect(samples[3]).toBeGreaterThanOrEqual(3200);
    expect(samples[3]).toBeLessThanOrEqual(4800);
    expect(backoffMs(50, 30_000)).toBeLessThanOrEqual(36_000);
  });
});
