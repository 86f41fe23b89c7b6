import { createHash } from 'node:crypto';
import { hashFromHex, nodeHash } from './audit-hash';

/**
 * Streaming RFC 6962 Merkle Tree Hash of a growing list of leaf hashes in O(log n) memory: keeps the
 * roots of the perfect subtrees that make up the leaves so far (the "frontier", largest first). The
 * frontier at size m, together with leaves m+1…n, is enough to compute the root at any size in (m, n] —
 * which is how an export of a sequence range is checked against signed checkpoints.
 */
export class MerkleAccumulator {
  private readonly frontier: Buffer[];
  private count: number;

  /** @param size number of leaves already folded into `frontier` (its hashes, largest subtree first). */
  constructor(size = 0, frontier: readonly Uint8Array[] = []) {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`invalid tree size ${size}`);
    if (popCount(size) !== frontier.length) {
      throw new RangeError(
        `a frontier of a tree of size ${size} has ${popCount(size)} hashes, got ${frontier.length}`,
      );
    }
    this.count = size;
    this.frontier = frontier.map((h) => Buffer.from(h));
  }

  static fromHex(size: number, frontier: readonly string[]): MerkleAccumulator {
    return new MerkleAccumulator(
      size,
      frontier.map((h, i) => hashFromHex(h, `merkle frontier[${i}]`)),
    );
  }

  get size(): number {
    return this.count;
  }

  append(leafHash: Uint8Array): void {
    let node: Buffer = Buffer.from(leafHash);
    // Each trailing 1 bit of the old size is a perfect subtree of the same height as `node`: merge them.
    let size = this.count;
    while (size % 2 === 1) {
      node = nodeHash(this.frontier.pop() as Buffer, node);
      size = Math.floor(size / 2);
    }
    this.frontier.push(node);
    this.count += 1;
  }

  /** MTH of all leaves appended so far (SHA-256 of the empty string for an empty tree). */
  root(): Buffer {
    if (this.frontier.length === 0) return createHash('sha256').digest();
    let root = this.frontier[this.frontier.length - 1];
    for (let i = this.frontier.length - 2; i >= 0; i -= 1) root = nodeHash(this.frontier[i], root);
    return root;
  }

  /** Copy of the frontier as hex, largest subtree first. */
  frontierHex(): string[] {
    return this.frontier.map((h) => h.toString('hex'));
  }
}

function popCount(n: number): number {
  let bits = 0;
  for (let v = n; v > 0; v = Math.floor(v / 2)) bits += v % 2;
  return bits;
}
