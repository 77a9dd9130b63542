/**
 * The iterative tree in src/integrity/merkle.ts against a literal, recursive transcription of
 * RFC 6962 section 2.1 (MTH, PATH, PROOF/SUBPROOF, split at the largest power of two k < n),
 * plus fast-check properties: generated proofs verify, any mutation of them does not.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leafHash, nodeHash, sha256, toHex } from '../src/integrity/hash.js';
import {
  consistencyProof,
  inclusionProof,
  merkleRoot,
  verifyConsistency,
  verifyInclusion,
} from '../src/integrity/merkle.js';

// ---- RFC 6962 section 2.1, transcribed recursively over subarrays -------------------------

/** k = the largest power of two smaller than n (n >= 2), via BigInt so it is exact at any size. */
function split(n: number): number {
  return 2 ** ((BigInt(n - 1).toString(2).length) - 1);
}

/** A tree given only by "root of leaves [lo, hi)", so huge uniform trees need no leaf array. */
type RootOf = (lo: number, hi: number) => Uint8Array;

/** MTH(D[n]) over a leaf array, literally as the RFC recursion (slicing at every level). */
function refMth(d: readonly Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha256(new Uint8Array(0));
  if (d.length === 1) return d[0] as Uint8Array;
  const k = split(d.length);
  return nodeHash(refMth(d.slice(0, k)), refMth(d.slice(k)));
}

/** PATH(m, D[lo:hi]), m relative to lo. */
function refPath(m: number, lo: number, hi: number, root: RootOf): Uint8Array[] {
  const n = hi - lo;
  if (n <= 1) return [];
  const k = split(n);
  return m < k ? [...refPath(m, lo, lo + k, root), root(lo + k, hi)] : [...refPath(m - k, lo + k, hi, root), root(lo, lo + k)];
}

/** SUBPROOF(m, D[lo:hi], b). */
function refSubproof(m: number, lo: number, hi: number, b: boolean, root: RootOf): Uint8Array[] {
  const n = hi - lo;
  if (m === n) return b ? [] : [root(lo, hi)];
  const k = split(n);
  return m <= k
    ? [...refSubproof(m, lo, lo + k, b, root), root(lo + k, hi)]
    : [...refSubproof(m - k, lo + k, hi, false, root), root(lo, lo + k)];
}

const leavesFor = (n: number, salt = 'leaf'): Uint8Array[] => Array.from({ length: n }, (_, i) => leafHash(`${salt} ${i}`));
const LEAVES = leavesFor(301);
const refRootOf = (d: readonly Uint8Array[]): RootOf => (lo, hi) => refMth(d.slice(lo, hi));

describe('iterative merkleRoot == recursive RFC 6962 MTH', () => {
  it('for every n from 0 to 300', () => {
    for (let n = 0; n <= 300; n++) {
      const d = LEAVES.slice(0, n);
      expect(toHex(merkleRoot(d)), `n = ${n}`).toBe(toHex(refMth(d)));
    }
  });
  it('around the batch size and powers of two (1000, 1023, 1024, 1025, 1500)', () => {
    for (const n of [1000, 1023, 1024, 1025, 1500]) {
      const d = leavesFor(n, 'big');
      expect(toHex(merkleRoot(d)), `n = ${n}`).toBe(toHex(refMth(d)));
    }
  });
});

describe('generated proofs == RFC 6962 PATH and PROOF', () => {
  it('every inclusion proof for every n up to 64', () => {
    for (let n = 1; n <= 64; n++) {
      const d = LEAVES.slice(0, n);
      const root = refRootOf(d);
      const mth = merkleRoot(d);
      for (let i = 0; i < n; i++) {
        const p = inclusionProof(d, i);
        expect(p.map(toHex), `${i} of ${n}`).toEqual(refPath(i, 0, n, root).map(toHex));
        expect(verifyInclusion(i, n, d[i] as Uint8Array, p, mth)).toBe(true);
      }
    }
  });
  it('every consistency proof for every 1 <= m <= n up to 64', () => {
    const roots = Array.from({ length: 65 }, (_, n) => merkleRoot(LEAVES.slice(0, n)));
    for (let n = 1; n <= 64; n++) {
      const d = LEAVES.slice(0, n);
      const root = refRootOf(d);
      for (let m = 1; m <= n; m++) {
        const p = consistencyProof(d, m);
        expect(p.map(toHex), `${m} -> ${n}`).toEqual(refSubproof(m, 0, n, true, root).map(toHex));
        expect(verifyConsistency(m, n, p, roots[m] as Uint8Array, roots[n] as Uint8Array)).toBe(true);
      }
    }
  });
});

describe('sizes beyond 32 bits (the verifier must not use 32-bit bitwise arithmetic)', () => {
  // A tree whose leaves are all equal: the root of any range depends only on its length, so
  // trees of 2^33 + x leaves have exact roots and RFC proofs without a leaf array.
  const L = leafHash('same');
  const memo = new Map<number, Uint8Array>([[1, L]]);
  const uniform = (size: number): Uint8Array => {
    let r = memo.get(size);
    if (r === undefined) {
      const k = split(size);
      r = nodeHash(uniform(k), uniform(size - k));
      memo.set(size, r);
    }
    return r;
  };
  const root: RootOf = (lo, hi) => uniform(hi - lo);

  it.each([
    [2 ** 32 + 1, 2 ** 32],
    [2 ** 33 + 7, 2 ** 32 + 3],
    [2 ** 33 + 7, 2 ** 33 + 6],
    [2 ** 40 + 12345, 2 ** 31 - 1],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1],
    [Number.MAX_SAFE_INTEGER, 2 ** 52],
  ])('inclusion in a tree of %d leaves at index %d', (n, i) => {
    const p = refPath(i, 0, n, root);
    expect(verifyInclusion(i, n, L, p, uniform(n))).toBe(true);
    expect(verifyInclusion(i, n, L, p.slice(1), uniform(n))).toBe(false);
    expect(verifyInclusion(i, n, L, p, uniform(n - 1))).toBe(false);
  });

  it.each([
    [2 ** 32, 2 ** 32 + 1],
    [2 ** 32 + 3, 2 ** 33 + 7],
    [2 ** 31 - 1, 2 ** 40 + 12345],
    [3, Number.MAX_SAFE_INTEGER],
    [2 ** 52, Number.MAX_SAFE_INTEGER],
  ])('consistency from %d to %d leaves', (m, n) => {
    const p = refSubproof(m, 0, n, true, root);
    expect(verifyConsistency(m, n, p, uniform(m), uniform(n))).toBe(true);
    expect(verifyConsistency(m, n, p.slice(0, -1), uniform(m), uniform(n))).toBe(false);
    expect(verifyConsistency(m, n, p, uniform(m + 1), uniform(n))).toBe(false);
  });
});

// ---- properties ------------------------------------------------------------------------------

const flipBit = (b: Uint8Array, bit: number): Uint8Array => {
  const c = b.slice();
  c[(bit >> 3) % 32] = (c[(bit >> 3) % 32] as number) ^ (1 << (bit & 7));
  return c;
};
const rootAt = (n: number): Uint8Array => merkleRoot(LEAVES.slice(0, n));

/** A mutation of a proof (or of what it claims), always a real change. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(255) }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), node: fc.uint8Array({ minLength: 32, maxLength: 32 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('resize' as const), at: fc.nat(), long: fc.boolean() }),
  fc.record({ kind: fc.constant('position' as const), to: fc.nat(301) }),
  fc.record({ kind: fc.constant('size' as const), to: fc.integer({ min: 1, max: 301 }) }),
  fc.record({ kind: fc.constant('hash' as const), bit: fc.nat(255) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

/** Applies m to a proof; null when m does not apply (e.g. flipping a node of an empty proof). */
function mutateProof(proof: Uint8Array[], m: Mutation): Uint8Array[] | null {
  const at = proof.length === 0 ? 0 : 'at' in m ? m.at % proof.length : 0;
  switch (m.kind) {
    case 'flip':
      return proof.length === 0 ? null : proof.map((p, j) => (j === at ? flipBit(p, m.bit) : p));
    case 'drop':
      return proof.length === 0 ? null : proof.filter((_, j) => j !== at);
    case 'insert':
      return [...proof.slice(0, at), m.node, ...proof.slice(at)];
    case 'duplicate':
      return proof.length === 0 ? null : [...proof.slice(0, at), proof[at] as Uint8Array, ...proof.slice(at)];
    case 'resize':
      return proof.length === 0
        ? null
        : proof.map((p, j) => (j === at ? (m.long ? Uint8Array.of(...p, 0) : p.slice(0, 31)) : p));
    default:
      return null;
  }
}

describe('properties (fast-check)', () => {
  it('an inclusion proof for leaf i of n verifies, and no mutation of it does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), mutation, (n, iSeed, mut) => {
        const i = iSeed % n;
        const d = LEAVES.slice(0, n);
        const root = merkleRoot(d);
        const leaf = d[i] as Uint8Array;
        const proof = inclusionProof(d, i);
        expect(verifyInclusion(i, n, leaf, proof, root)).toBe(true);

        let claim: [number, number, Uint8Array, Uint8Array[], Uint8Array] | null = null;
        if (mut.kind === 'position') {
          if (mut.to !== i) claim = [mut.to, n, leaf, proof, root];
        } else if (mut.kind === 'size') {
          if (mut.to !== n) claim = [i, mut.to, leaf, proof, rootAt(mut.to)];
        } else if (mut.kind === 'hash') {
          claim = [i, n, flipBit(leaf, mut.bit), proof, root];
        } else {
          const p = mutateProof(proof, mut);
          if (p !== null) claim = [i, n, leaf, p, root];
        }
        if (claim !== null) expect(verifyInclusion(...claim)).toBe(false);
      }),
      { numRuns: 400 },
    );
  });

  it('a consistency proof from m to n verifies, and no mutation of it does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), mutation, fc.boolean(), (n, mSeed, mut, second) => {
        const m = 1 + (mSeed % n);
        const d = LEAVES.slice(0, n);
        const r1 = rootAt(m);
        const r2 = merkleRoot(d);
        const proof = consistencyProof(d, m);
        expect(verifyConsistency(m, n, proof, r1, r2)).toBe(true);

        let claim: [number, number, Uint8Array[], Uint8Array, Uint8Array] | null = null;
        if (mut.kind === 'position' || mut.kind === 'size') {
          // move one of the two sizes, and take that size's real root
          const to = Math.max(1, mut.to);
          if (second) {
            if (to !== n) claim = [m, to, proof, r1, rootAt(to)];
          } else if (to !== m) {
            claim = [to, n, proof, rootAt(to), r2];
          }
        } else if (mut.kind === 'hash') {
          claim = second ? [m, n, proof, r1, flipBit(r2, mut.bit)] : [m, n, proof, flipBit(r1, mut.bit), r2];
        } else {
          const p = mutateProof(proof, mut);
          if (p !== null) claim = [m, n, p, r1, r2];
        }
        if (claim !== null) expect(verifyConsistency(...claim)).toBe(false);
      }),
      { numRuns: 400 },
    );
  });
});
