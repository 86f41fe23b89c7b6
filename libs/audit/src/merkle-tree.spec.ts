import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { leafHashOf } from './audit-hash';
import { MerkleAccumulator } from './merkle-accumulator';
import {
  consistencyProof,
  inclusionProof,
  merkleRoot,
  verifyConsistency,
  verifyInclusion,
} from './merkle-tree';
import { seededRandom } from './testing/audit-fixtures';

const sha = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const hex = (buffers: Buffer[]): string[] => buffers.map((b) => b.toString('hex'));

// The eight leaf inputs of the Certificate Transparency reference tests (RFC 6962 implementations).
const CT_INPUTS = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const CT_LEAVES = CT_INPUTS.map((h) => leafHashOf(Buffer.from(h, 'hex')));
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

function randomLeaves(random: () => number, n: number): Buffer[] {
  return Array.from({ length: n }, () =>
    leafHashOf(Buffer.from([Math.floor(random() * 256), Math.floor(random() * 256)])),
  );
}

describe('RFC 6962 Merkle tree', () => {
  it('hashes leaves and nodes with the 0x00 / 0x01 domain prefixes (derived by hand)', () => {
    const l0 = sha(Buffer.from([0]));
    const l1 = sha(Buffer.from([0, 0]));
    const l2 = sha(Buffer.from([0, 0x10]));
    expect(CT_LEAVES[0].equals(l0)).toBe(true);
    expect(merkleRoot([l0]).equals(l0)).toBe(true);
    const n01 = sha(Buffer.from([1]), l0, l1);
    expect(merkleRoot([l0, l1]).equals(n01)).toBe(true);
    // Three leaves: the left subtree is the largest power of two (2), the right is the lone third leaf.
    expect(merkleRoot([l0, l1, l2]).equals(sha(Buffer.from([1]), n01, l2))).toBe(true);
    expect(merkleRoot([]).toString('hex')).toBe(sha().toString('hex'));
  });

  it('reproduces the Certificate Transparency reference roots for trees of 1…8 leaves', () => {
    for (let n = 1; n <= 8; n += 1) {
      expect(merkleRoot(CT_LEAVES.slice(0, n)).toString('hex')).toBe(CT_ROOTS[n - 1]);
    }
  });

  it('reproduces the reference audit paths and consistency proofs', () => {
    expect(hex(inclusionProof(CT_LEAVES, 0))).toEqual([
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
    expect(hex(inclusionProof(CT_LEAVES, 5))).toEqual([
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
    expect(hex(consistencyProof(CT_LEAVES, 6))).toEqual([
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
    expect(hex(consistencyProof(CT_LEAVES.slice(0, 5), 2))).toEqual([
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ]);
    expect(consistencyProof(CT_LEAVES, 8)).toEqual([]);
  });

  it('verifies every audit path of every reference tree and rejects altered ones', () => {
    for (let n = 1; n <= 8; n += 1) {
      const leaves = CT_LEAVES.slice(0, n);
      const root = merkleRoot(leaves);
      for (let i = 0; i < n; i += 1) {
        const proof = inclusionProof(leaves, i);
        expect(verifyInclusion(i, n, leaves[i], proof, root)).toBe(true);
        if (n > 1) {
          expect(verifyInclusion((i + 1) % n, n, leaves[i], proof, root)).toBe(false);
          expect(verifyInclusion(i, i, leaves[i], proof, root)).toBe(false);
          const bad = proof.map((p) => Buffer.from(p));
          bad[0][0] ^= 1;
          expect(verifyInclusion(i, n, leaves[i], bad, root)).toBe(false);
          expect(verifyInclusion(i, n, leaves[i], proof.slice(0, -1), root)).toBe(false);
          expect(verifyInclusion(i, n, leaves[i], [...proof, leaves[0]], root)).toBe(false);
        }
      }
    }
  });

  it('property: random trees — every inclusion and consistency proof verifies, corrupted ones do not', () => {
    const random = seededRandom(6962);
    for (let round = 0; round < 40; round += 1) {
      const n = 1 + Math.floor(random() * 70);
      const leaves = randomLeaves(random, n);
      const root = merkleRoot(leaves);
      const i = Math.floor(random() * n);
      const path = inclusionProof(leaves, i);
      expect(path.length).toBeLessThanOrEqual(Math.ceil(Math.log2(n)));
      expect(verifyInclusion(i, n, leaves[i], path, root)).toBe(true);
      const other = leafHashOf(Buffer.from('not in the tree'));
      expect(verifyInclusion(i, n, other, path, root)).toBe(false);

      const m = 1 + Math.floor(random() * n);
      const oldRoot = merkleRoot(leaves.slice(0, m));
      const proof = consistencyProof(leaves, m);
      expect(verifyConsistency(m, n, oldRoot, root, proof)).toBe(true);
      if (m < n) {
        // A fork: same size, one old leaf changed → the old root no longer matches the proof.
        const forked = [...leaves];
        forked[Math.floor(random() * m)] = other;
        expect(verifyConsistency(m, n, merkleRoot(forked.slice(0, m)), root, proof)).toBe(false);
        expect(verifyConsistency(m, n, oldRoot, merkleRoot(forked), proof)).toBe(false);
        const bad = proof.map((p) => Buffer.from(p));
        bad[Math.floor(random() * bad.length)][31] ^= 0x80;
        expect(verifyConsistency(m, n, oldRoot, root, bad)).toBe(false);
        expect(verifyConsistency(m, n, oldRoot, root, [])).toBe(false);
      }
    }
  });

  it('property: every pair of sizes of one random tree is consistent', () => {
    const leaves = randomLeaves(seededRandom(2), 33);
    const roots = leaves.map((_, k) => merkleRoot(leaves.slice(0, k + 1)));
    for (let n = 1; n <= leaves.length; n += 1) {
      for (let m = 1; m <= n; m += 1) {
        const proof = consistencyProof(leaves.slice(0, n), m);
        expect(verifyConsistency(m, n, roots[m - 1], roots[n - 1], proof)).toBe(true);
        if (m < n) expect(verifyConsistency(m, n, roots[n - 1], roots[n - 1], proof)).toBe(false);
      }
    }
  });
});

describe('MerkleAccumulator', () => {
  it('property: its root equals merkleRoot at every size, and resuming from a frontier agrees', () => {
    const leaves = randomLeaves(seededRandom(7), 130);
    const acc = new MerkleAccumulator();
    expect(acc.root().equals(merkleRoot([]))).toBe(true);
    for (let n = 1; n <= leaves.length; n += 1) {
      acc.append(leaves[n - 1]);
      expect(acc.size).toBe(n);
      expect(acc.root().equals(merkleRoot(leaves.slice(0, n)))).toBe(true);
      // The frontier has one hash per 1 bit of the size.
      expect(acc.frontierHex().length).toBe(n.toString(2).replace(/0/g, '').length);
    }
    const resumeAt = 77;
    const head = new MerkleAccumulator();
    leaves.slice(0, resumeAt).forEach((l) => head.append(l));
    const resumed = MerkleAccumulator.fromHex(resumeAt, head.frontierHex());
    leaves.slice(resumeAt).forEach((l) => resumed.append(l));
    expect(resumed.root().equals(merkleRoot(leaves))).toBe(true);
  });

  it('rejects a frontier whose length does not fit the size', () => {
    expect(() => MerkleAccumulator.fromHex(3, ['00'.repeat(32)])).toThrow(RangeError);
    expect(() => MerkleAccumulator.fromHex(1, ['zz'])).toThrow(TypeError);
  });
});
