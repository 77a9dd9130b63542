/**
 * MerkleLog: the growing tree the collector keeps over seals. Its incremental root (compact
 * range of perfect-subtree peaks) must equal merkleRoot over the same prefix at every size, and
 * its proofs against any earlier size must equal and verify like the stateless functions'.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LogSealError } from '../src/errors.js';
import { leafHash, toHex } from '../src/integrity/hash.js';
import {
  consistencyProof,
  emptyRoot,
  inclusionProof,
  MerkleLog,
  merkleRoot,
  verifyConsistency,
  verifyInclusion,
} from '../src/integrity/merkle.js';

const tree = JSON.parse(readFileSync(new URL('./data/merkle/tree-hashes.json', import.meta.url), 'utf8')) as {
  leafInputs: string[];
  rootHashesBySize: { treeSize: number; root: string }[];
};
const VECTOR_LEAVES = tree.leafInputs.map((d) => leafHash(new Uint8Array(Buffer.from(d, 'hex'))));
const LEAVES = Array.from({ length: 70 }, (_, i) => leafHash(`seal ${i}`));

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof LogSealError ? e.code : 'not a LogSealError';
  }
  return undefined;
}

describe('MerkleLog', () => {
  it('reproduces the published roots as it grows', () => {
    const log = new MerkleLog();
    expect(log.size).toBe(0);
    expect(toHex(log.root())).toBe(tree.rootHashesBySize[0]?.root);
    VECTOR_LEAVES.forEach((leaf, i) => {
      expect(log.append(leaf)).toBe(i);
      expect(log.size).toBe(i + 1);
      expect(toHex(log.root()), `size ${i + 1}`).toBe(tree.rootHashesBySize[i + 1]?.root);
    });
    for (const { treeSize, root } of tree.rootHashesBySize) expect(toHex(log.root(treeSize))).toBe(root);
  });

  it('keeps root() equal to merkleRoot of the prefix at every size, and proves every earlier state', () => {
    const log = new MerkleLog();
    const roots: Uint8Array[] = [emptyRoot()];
    for (const leaf of LEAVES) {
      log.append(leaf);
      const n = log.size;
      const root = log.root();
      expect(toHex(root)).toBe(toHex(merkleRoot(LEAVES.slice(0, n))));
      roots.push(root);
      // consistency from every earlier size, inclusion of a few leaves, all against the live log
      for (let m = 1; m <= n; m++) {
        const p = log.consistencyProof(m);
        expect(p.map(toHex)).toEqual(consistencyProof(LEAVES.slice(0, n), m).map(toHex));
        expect(verifyConsistency(m, n, p, roots[m] as Uint8Array, root)).toBe(true);
      }
      for (const i of [0, n >> 1, n - 1]) {
        const p = log.inclusionProof(i);
        expect(verifyInclusion(i, n, LEAVES[i] as Uint8Array, p, root)).toBe(true);
      }
    }
    // proofs between two earlier sizes, and inclusion in an earlier tree
    expect(verifyConsistency(5, 37, log.consistencyProof(5, 37), roots[5] as Uint8Array, roots[37] as Uint8Array)).toBe(true);
    expect(log.inclusionProof(20, 33).map(toHex)).toEqual(inclusionProof(LEAVES.slice(0, 33), 20).map(toHex));
    expect(verifyInclusion(20, 33, log.leaf(20), log.inclusionProof(20, 33), log.root(33))).toBe(true);
  });

  it('copies what it is given and what it returns', () => {
    const log = new MerkleLog();
    const leaf = LEAVES[0]!.slice();
    const buf = Buffer.from(LEAVES[1]!);
    log.append(leaf);
    log.append(buf);
    const before = toHex(log.root());
    leaf.fill(0);
    buf.fill(0);
    expect(toHex(log.root())).toBe(before);
    log.leaf(0).fill(0);
    log.inclusionProof(0)[0]!.fill(0);
    expect(toHex(log.root())).toBe(before);
    expect(log.leaf(1)).toEqual(LEAVES[1]);

    const one = new MerkleLog();
    one.append(LEAVES[2]!);
    one.root().fill(0); // the one-leaf root is the leaf itself: must still be a copy
    expect(one.root()).toEqual(LEAVES[2]);
  });

  it('rejects bad leaves and out-of-range sizes with LOGSEAL_ERR_INVALID_OPTION', () => {
    const log = new MerkleLog();
    for (const bad of [new Uint8Array(31), new Uint8Array(33), 'x'.repeat(32), null, Array.from(LEAVES[0]!)]) {
      expect(code(() => log.append(bad as Uint8Array))).toBe('LOGSEAL_ERR_INVALID_OPTION');
    }
    expect(log.size).toBe(0);
    expect(code(() => log.inclusionProof(0))).toBe('LOGSEAL_ERR_INVALID_OPTION');
    expect(code(() => log.consistencyProof(1))).toBe('LOGSEAL_ERR_INVALID_OPTION');
    expect(code(() => log.leaf(0))).toBe('LOGSEAL_ERR_INVALID_OPTION');
    for (const l of LEAVES.slice(0, 5)) log.append(l);
    expect(code(() => log.root(6))).toBe('LOGSEAL_ERR_INVALID_OPTION');
    expect(code(() => log.root(-1))).toBe('LOGSEAL_ERR_INVALID_OPTION');
    expect(code(() => log.inclusionProof(5))).toBe('LOGSEAL_ERR_INVALID_OPTION');
    expect(code(() => log.inclusionProof(3, 3))).toBe('LOGSEAL_ERR_INVALID_OPTION');
    expect(code(() => log.inclusionProof(0, 6))).toBe('LOGSEAL_ERR_INVALID_OPTION');
    expect(code(() => log.consistencyProof(0))).toBe('LOGSEAL_ERR_INVALID_OPTION');
    expect(code(() => log.consistencyProof(4, 3))).toBe('LOGSEAL_ERR_INVALID_OPTION');
    expect(code(() => log.consistencyProof(2, 6))).toBe('LOGSEAL_ERR_INVALID_OPTION');
    expect(code(() => log.consistencyProof(1.5))).toBe('LOGSEAL_ERR_INVALID_OPTION');
    expect(log.consistencyProof(5)).toEqual([]);
  });
});
