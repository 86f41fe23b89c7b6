/**
 * A small bounded least-recently-used cache on a `Map` (insertion order = recency: a hit moves the entry to the
 * end, an insert beyond `capacity` evicts the first entry). Used by host builtins whose results are a pure
 * function of their arguments and expensive to recompute (JWT decoding and signature checks: a gateway session
 * presents the same token on every call).
 */
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('LruCache capacity must be ≥ 1');
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached value (and marks it most recently used), or undefined. */
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /** Stores `value` (undefined values are not cached), evicting the least recently used entry when full. */
  set(key: K, value: V): void {
    if (value === undefined) return;
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
