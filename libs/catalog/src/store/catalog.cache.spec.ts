import type { DatabaseServer } from '@mandate/db';
import { describe, expect, it } from 'vitest';
import type { OrgCatalog } from './catalog-snapshot';
import { CatalogCache } from './catalog.cache';
import type { CatalogReader } from './catalog.reader';

/** A catalog source whose loads the test releases by hand. */
class FakeSource {
  revision = 1;
  loads = 0;
  private waiting: Array<() => void> = [];
  hold = false;

  async load(orgId: string): Promise<OrgCatalog> {
    this.loads += 1;
    const revision = this.revision;
    if (this.hold) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return { orgId, revision, servers: new Map() };
  }

  revisions(): Promise<Map<string, number>> {
    return Promise.resolve(new Map());
  }

  release(): void {
    this.waiting.splice(0).forEach((resolve) => resolve());
  }
}

async function cacheWith(source: FakeSource): Promise<CatalogCache> {
  const cache = new CatalogCache(source as unknown as CatalogReader, { url: '' } as DatabaseServer);
  await cache.onApplicationShutdown(); // no listener, no poller: only the cache logic is under test
  return cache;
}

describe('CatalogCache', () => {
  it('loads an organisation once, serves it from memory, and reloads after invalidation', async () => {
    const source = new FakeSource();
    const cache = await cacheWith(source);
    expect((await cache.get('o1')).revision).toBe(1);
    await cache.get('o1');
    expect(source.loads).toBe(1);
    source.revision = 2;
    cache.invalidate('o1');
    expect(cache.cachedRevision('o1')).toBeUndefined();
    expect((await cache.get('o1')).revision).toBe(2);
    expect(source.loads).toBe(2);
  });

  it('shares one load between concurrent decisions', async () => {
    const source = new FakeSource();
    source.hold = true;
    const cache = await cacheWith(source);
    const a = cache.get('o1');
    const b = cache.get('o1');
    source.release();
    await Promise.all([a, b]);
    expect(source.loads).toBe(1);
  });

  it('does not keep a copy whose load started before an invalidation', async () => {
    const source = new FakeSource();
    source.hold = true;
    const cache = await cacheWith(source);
    const stale = cache.get('o1');
    await Promise.resolve();
    cache.invalidate('o1');
    source.release();
    await stale;
    expect(cache.cachedRevision('o1')).toBeUndefined();
  });

  it('reads through on `fresh` (a consistency token) and keeps the newer copy', async () => {
    const source = new FakeSource();
    const cache = await cacheWith(source);
    await cache.get('o1');
    source.revision = 3;
    expect((await cache.get('o1', true)).revision).toBe(3);
    expect(source.loads).toBe(2);
    expect(cache.cachedRevision('o1')).toBe(3);
  });
});
