/**
 * RFC 6962 / RFC 9162 Merkle tree against the published and derived vectors in
 * test/data/merkle (see PROVENANCE.md there), plus every malformed-input case the verifier
 * must reject with `false` and the few wrong-type cases where it must throw.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LogSealError } from '../src/errors.js';
import { leafHash, toHex } from '../src/integrity/hash.js';
import {
  consistencyProof,
  emptyRoot,
  inclusionProof,
  merkleRoot,
  verifyConsistency,
  verifyInclusion,
} from '../src/integrity/merkle.js';

interface TreeHashes {
  hasherUnitVectors: { op: string; want: string }[];
  leafInputs: string[];
  rootHashesBySize: { treeSize: number; root: string }[];
}
interface InclusionVector { leafIndex: number; treeSize: number; leafHash: string; root: string; proof: string[] }
interface ConsistencyVector { size1: number; size2: number; root1: string; root2: string; proof: string[] }

const load = <T>(rel: string): T => JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as T;
const tree = load<TreeHashes>('./data/merkle/tree-hashes.json');
const inclusion = load<{ count: number; vectors: InclusionVector[] }>('./data/merkle/inclusion-proofs-derived.json');
const consistency = load<{ count: number; vectors: ConsistencyVector[] }>('./data/merkle/consistency-proofs-derived.json');

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const LEAVES = tree.leafInputs.map((d) => leafHash(hex(d)));
const ROOT = new Map(tree.rootHashesBySize.map((r) => [r.treeSize, hex(r.root)]));
const rootOf = (n: number): Uint8Array => ROOT.get(n) ?? (n > 8 ? merkleRoot(extended(n)) : new Uint8Array(32));
/** More leaves than the vectors have, for "wrong size" cases beyond 8. */
const extended = (n: number): Uint8Array[] => [...LEAVES, ...Array.from({ length: n - 8 }, (_, i) => leafHash(`extra ${i}`))];

const flipped = (b: Uint8Array, bit: number): Uint8Array => {
  const c = b.slice();
  c[bit >> 3] = (c[bit >> 3] as number) ^ (1 << (bit & 7));
  return c;
};
const withNode = (proof: readonly Uint8Array[], i: number, node: Uint8Array): Uint8Array[] => proof.map((p, j) => (j === i ? node : p));
const BAD_SIZES = [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53, -0.5];

function expectInvalidOption(fn: () => unknown): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(LogSealError);
  expect((err as LogSealError).code).toBe('LOGSEAL_ERR_INVALID_OPTION');
}

describe('vector files', () => {
  it('hold every proof for sizes up to 8', () => {
    expect(tree.leafInputs).toHaveLength(8);
    expect(inclusion.vectors).toHaveLength(inclusion.count);
    expect(inclusion.count).toBe(36); // sum over n = 1..8 of n
    expect(consistency.vectors).toHaveLength(consistency.count);
    expect(consistency.count).toBe(36); // pairs 1 <= size1 <= size2 <= 8
  });
});

describe('merkleRoot', () => {
  it('matches the published root for every size 0..8', () => {
    expect(tree.rootHashesBySize.map((r) => r.treeSize)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    for (const { treeSize, root } of tree.rootHashesBySize) {
      expect(toHex(merkleRoot(LEAVES.slice(0, treeSize))), `size ${treeSize}`).toBe(root);
    }
  });

  it('gives SHA-256("") for the empty tree, as emptyRoot() does', () => {
    const want = tree.hasherUnitVectors.find((v) => v.op === 'emptyRoot')?.want;
    expect(toHex(emptyRoot())).toBe(want);
    expect(toHex(merkleRoot([]))).toBe(want);
    const a = emptyRoot();
    a[0] = 0;
    expect(toHex(emptyRoot())).toBe(want); // a fresh array each call
  });

  it('returns a copy for a one-leaf tree and never alters the leaves', () => {
    const leaves = LEAVES.map((l) => l.slice());
    const root1 = merkleRoot(leaves.slice(0, 1));
    expect(root1).toEqual(leaves[0]);
    expect(root1).not.toBe(leaves[0]);
    root1[0] = (root1[0] as number) ^ 0xff;
    expect(leaves[0]).toEqual(LEAVES[0]);
    merkleRoot(leaves);
    expect(leaves).toEqual(LEAVES);
    const buf = Buffer.from(LEAVES[3] as Uint8Array);
    const r = merkleRoot([buf]);
    r[0] = (r[0] as number) ^ 1;
    expect(new Uint8Array(buf)).toEqual(LEAVES[3]); // a Buffer leaf is copied too (Buffer#slice would share)
  });

  it('accepts Buffers and subarray views as leaves', () => {
    const big = new Uint8Array(32 * 8);
    LEAVES.forEach((l, i) => big.set(l, 32 * i));
    const views = LEAVES.map((_, i) => big.subarray(32 * i, 32 * (i + 1)));
    expect(toHex(merkleRoot(views))).toBe(tree.rootHashesBySize[8]?.root);
    expect(toHex(merkleRoot(LEAVES.map((l) => Buffer.from(l))))).toBe(tree.rootHashesBySize[8]?.root);
  });

  it('throws LOGSEAL_ERR_INVALID_OPTION for leaves that are not 32-byte Uint8Arrays', () => {
    for (const bad of [
      null,
      'leaves',
      [new Uint8Array(31)],
      [LEAVES[0], new Uint8Array(33)],
      [LEAVES[0], toHex(LEAVES[1] as Uint8Array)],
      [Array.from(LEAVES[0] as Uint8Array)],
    ]) {
      expectInvalidOption(() => merkleRoot(bad as Uint8Array[]));
      expectInvalidOption(() => inclusionProof(bad as Uint8Array[], 0));
      expectInvalidOption(() => consistencyProof(bad as Uint8Array[], 1));
    }
  });
});

describe('inclusion proofs: every vector', () => {
  it.each(inclusion.vectors)('leaf $leafIndex of $treeSize', (v) => {
    const leaves = LEAVES.slice(0, v.treeSize);
    expect(toHex(leaves[v.leafIndex] as Uint8Array)).toBe(v.leafHash);
    expect(v.root).toBe(toHex(rootOf(v.treeSize)));
    const proof = inclusionProof(leaves, v.leafIndex);
    expect(proof.map(toHex)).toEqual(v.proof);
    expect(verifyInclusion(v.leafIndex, v.treeSize, hex(v.leafHash), v.proof.map(hex), hex(v.root))).toBe(true);
  });
});

describe('consistency proofs: every vector', () => {
  it.each(consistency.vectors)('$size1 -> $size2', (v) => {
    expect(v.root1).toBe(toHex(rootOf(v.size1)));
    expect(v.root2).toBe(toHex(rootOf(v.size2)));
    const proof = consistencyProof(LEAVES.slice(0, v.size2), v.size1);
    expect(proof.map(toHex)).toEqual(v.proof);
    expect(verifyConsistency(v.size1, v.size2, v.proof.map(hex), hex(v.root1), hex(v.root2))).toBe(true);
  });
});

describe('verifyInclusion rejects (false) every wrong or malformed proof', () => {
  it.each(inclusion.vectors)('leaf $leafIndex of $treeSize', (v) => {
    const i = v.leafIndex;
    const n = v.treeSize;
    const leaf = hex(v.leafHash);
    const root = hex(v.root);
    const proof = v.proof.map(hex);
    const ok = (idx: number, size: number, l: Uint8Array, p: readonly Uint8Array[], r: Uint8Array): boolean =>
      verifyInclusion(idx, size, l, p, r);
    expect(ok(i, n, leaf, proof, root)).toBe(true);

    // every single-bit flip of every proof node, of the leaf hash and of the root
    proof.forEach((node, j) => {
      for (let bit = 0; bit < 256; bit++) expect(ok(i, n, leaf, withNode(proof, j, flipped(node, bit)), root)).toBe(false);
    });
    for (let bit = 0; bit < 256; bit++) {
      expect(ok(i, n, flipped(leaf, bit), proof, root)).toBe(false);
      expect(ok(i, n, leaf, proof, flipped(root, bit))).toBe(false);
    }
    // wrong index: every other position in the tree, and past its end
    for (let j = 0; j < n + 3; j++) if (j !== i) expect(ok(j, n, leaf, proof, root)).toBe(false);
    // wrong size, checked against that size's real root (the attack: a proof for another tree)
    for (let m = 1; m <= 12; m++) if (m !== n) expect(ok(i, m, leaf, proof, rootOf(m))).toBe(false);
    // malformed numbers
    for (const bad of BAD_SIZES) {
      expect(ok(bad, n, leaf, proof, root)).toBe(false);
      expect(ok(i, bad, leaf, proof, root)).toBe(false);
    }
    expect(ok(i, i, leaf, proof, root)).toBe(false); // index == size
    expect(ok(0, 0, leaf, proof, root)).toBe(false);
    // truncated and extended proofs
    if (proof.length > 0) {
      expect(ok(i, n, leaf, proof.slice(1), root)).toBe(false);
      expect(ok(i, n, leaf, proof.slice(0, -1), root)).toBe(false);
      expect(ok(i, n, leaf, [...proof, proof[0] as Uint8Array], root)).toBe(false);
      expect(ok(i, n, leaf, [...proof].reverse(), root)).toBe(proof.length === 1 || proof.every((p) => toHex(p) === toHex(proof[0]!)));
    }
    expect(ok(i, n, leaf, [...proof, root], root)).toBe(false);
    expect(ok(i, n, leaf, [leaf, ...proof], root)).toBe(false);
    // nodes, leaf or root of 31 or 33 bytes (a 31-byte prefix or a 33-byte extension of the right value)
    const short = (b: Uint8Array): Uint8Array => b.slice(0, 31);
    const long = (b: Uint8Array): Uint8Array => Uint8Array.of(...b, 0);
    proof.forEach((node, j) => {
      expect(ok(i, n, leaf, withNode(proof, j, short(node)), root)).toBe(false);
      expect(ok(i, n, leaf, withNode(proof, j, long(node)), root)).toBe(false);
    });
    for (const f of [short, long]) {
      expect(ok(i, n, f(leaf), proof, root)).toBe(false);
      expect(ok(i, n, leaf, proof, f(root))).toBe(false);
    }
  });

  it('holds for a one-leaf tree (leaf == root, empty proof) only with that exact leaf', () => {
    const l = LEAVES[0] as Uint8Array;
    expect(verifyInclusion(0, 1, l, [], l)).toBe(true);
    expect(verifyInclusion(0, 1, l, [], LEAVES[1] as Uint8Array)).toBe(false);
    expect(verifyInclusion(0, 1, l, [l], l)).toBe(false);
    expect(verifyInclusion(0, 1, l.subarray(0, 31), [], l.subarray(0, 31))).toBe(false);
  });

  it('binds the tree size only through the root (why a seal signs size and root together)', () => {
    // RFC 9162 inclusion proofs do not encode the size: the proof of leaf 0 in the 3-leaf tree
    // walks the same left/right path as in a 4-leaf tree, so it checks against the SIZE-3 root
    // at claimed size 4. Against the real size-4 root it fails (tested above). This pins the
    // RFC behaviour so nobody mistakes a verified proof for a verified size.
    const p3 = inclusionProof(LEAVES.slice(0, 3), 0);
    expect(verifyInclusion(0, 4, LEAVES[0] as Uint8Array, p3, rootOf(3))).toBe(true);
    expect(verifyInclusion(0, 4, LEAVES[0] as Uint8Array, p3, rootOf(4))).toBe(false);
  });
});

describe('verifyConsistency rejects (false) every wrong or malformed proof', () => {
  it.each(consistency.vectors)('$size1 -> $size2', (v) => {
    const { size1: m, size2: n } = v;
    const r1 = hex(v.root1);
    const r2 = hex(v.root2);
    const proof = v.proof.map(hex);
    const ok = (a: number, b: number, p: readonly Uint8Array[], x: Uint8Array, y: Uint8Array): boolean => verifyConsistency(a, b, p, x, y);
    expect(ok(m, n, proof, r1, r2)).toBe(true);

    proof.forEach((node, j) => {
      for (let bit = 0; bit < 256; bit++) expect(ok(m, n, withNode(proof, j, flipped(node, bit)), r1, r2)).toBe(false);
    });
    for (let bit = 0; bit < 256; bit++) {
      expect(ok(m, n, proof, flipped(r1, bit), r2)).toBe(false);
      expect(ok(m, n, proof, r1, flipped(r2, bit))).toBe(false);
    }
    // wrong sizes, each with its real root
    for (let s = 1; s <= 12; s++) {
      if (s !== m) expect(ok(s, n, proof, rootOf(s), r2)).toBe(false);
      if (s !== n) expect(ok(m, s, proof, r1, rootOf(s))).toBe(false);
    }
    // size1 = 0 is never consistent with anything, not even size2 = 0 with the empty root
    expect(ok(0, n, proof, emptyRoot(), r2)).toBe(false);
    expect(ok(0, n, [], emptyRoot(), r2)).toBe(false);
    expect(ok(0, 0, [], emptyRoot(), emptyRoot())).toBe(false);
    // size1 > size2
    expect(ok(n, m, proof, r2, r1)).toBe(m === n);
    expect(ok(n + 1, n, proof, rootOf(n + 1), r2)).toBe(false);
    for (const bad of BAD_SIZES) {
      expect(ok(bad, n, proof, r1, r2)).toBe(false);
      expect(ok(m, bad, proof, r1, r2)).toBe(false);
    }
    // truncated, extended, empty
    if (proof.length > 0) {
      expect(ok(m, n, [], r1, r2)).toBe(false);
      expect(ok(m, n, proof.slice(1), r1, r2)).toBe(false);
      expect(ok(m, n, proof.slice(0, -1), r1, r2)).toBe(false);
    }
    expect(ok(m, n, [...proof, r1], r1, r2)).toBe(false);
    expect(ok(m, n, [r1, ...proof], r1, r2)).toBe(false);
    // 31- and 33-byte nodes and roots
    const short = (b: Uint8Array): Uint8Array => b.slice(0, 31);
    const long = (b: Uint8Array): Uint8Array => Uint8Array.of(...b, 0);
    proof.forEach((node, j) => {
      expect(ok(m, n, withNode(proof, j, short(node)), r1, r2)).toBe(false);
      expect(ok(m, n, withNode(proof, j, long(node)), r1, r2)).toBe(false);
    });
    for (const f of [short, long]) {
      expect(ok(m, n, proof, f(r1), r2)).toBe(false);
      expect(ok(m, n, proof, r1, f(r2))).toBe(false);
      if (m === n) expect(ok(m, n, proof, f(r1), f(r2))).toBe(false); // equal but malformed roots
    }
  });

  it('for equal sizes needs an empty proof and equal roots', () => {
    const r = rootOf(5);
    expect(verifyConsistency(5, 5, [], r, r)).toBe(true);
    expect(verifyConsistency(5, 5, [], r, rootOf(6))).toBe(false);
    expect(verifyConsistency(5, 5, [r], r, r)).toBe(false);
  });
});

describe('wrong argument types throw LOGSEAL_ERR_INVALID_OPTION (they are caller bugs, not forgeries)', () => {
  const l = LEAVES[0] as Uint8Array;
  const r = rootOf(2);
  const p = [LEAVES[1] as Uint8Array];
  it('verifyInclusion', () => {
    expect(verifyInclusion(0, 2, l, p, r)).toBe(true);
    for (const call of [
      () => verifyInclusion('0' as unknown as number, 2, l, p, r),
      () => verifyInclusion(0, 2n as unknown as number, l, p, r),
      () => verifyInclusion(0, 2, toHex(l) as unknown as Uint8Array, p, r),
      () => verifyInclusion(0, 2, l, p, null as unknown as Uint8Array),
      () => verifyInclusion(0, 2, l, 'proof' as unknown as Uint8Array[], r),
      () => verifyInclusion(0, 2, l, undefined as unknown as Uint8Array[], r),
      () => verifyInclusion(0, 2, l, [toHex(p[0] as Uint8Array)] as unknown as Uint8Array[], r),
      () => verifyInclusion(0, 2, l, [Array.from(p[0] as Uint8Array)] as unknown as Uint8Array[], r),
    ]) {
      expectInvalidOption(call);
    }
  });
  it('verifyConsistency', () => {
    const r1 = rootOf(1);
    expect(verifyConsistency(1, 2, p, r1, r)).toBe(true);
    for (const call of [
      () => verifyConsistency(null as unknown as number, 2, p, r1, r),
      () => verifyConsistency(1, '2' as unknown as number, p, r1, r),
      () => verifyConsistency(1, 2, new Set(p) as unknown as Uint8Array[], r1, r),
      () => verifyConsistency(1, 2, [null] as unknown as Uint8Array[], r1, r),
      () => verifyConsistency(1, 2, p, toHex(r1) as unknown as Uint8Array, r),
      () => verifyConsistency(1, 2, p, r1, [...r] as unknown as Uint8Array),
    ]) {
      expectInvalidOption(call);
    }
  });
});

describe('proof generation refuses out-of-range positions with LOGSEAL_ERR_INVALID_OPTION', () => {
  it('inclusionProof', () => {
    for (const bad of [-1, 8, 9, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '0' as unknown as number]) {
      expectInvalidOption(() => inclusionProof(LEAVES, bad));
    }
    expectInvalidOption(() => inclusionProof([], 0));
    expect(inclusionProof(LEAVES, 7)).toHaveLength(3);
  });
  it('consistencyProof', () => {
    for (const bad of [0, -1, 9, 2.5, Number.NaN, '3' as unknown as number]) {
      expectInvalidOption(() => consistencyProof(LEAVES, bad));
    }
    expectInvalidOption(() => consistencyProof([], 0));
    expect(consistencyProof(LEAVES, 8)).toEqual([]);
  });
  it('returns proof nodes the caller may mutate without touching the leaves', () => {
    const leaves = LEAVES.map((l) => l.slice());
    const p = inclusionProof(leaves, 0);
    (p[0] as Uint8Array).fill(0);
    const c = consistencyProof(leaves, 3);
    for (const node of c) node.fill(0);
    expect(leaves).toEqual(LEAVES);
  });
});
