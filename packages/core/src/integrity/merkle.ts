/**
 * RFC 6962 / RFC 9162 Merkle tree over 32-byte leaf hashes (records' `h`, already
 * SHA-256(0x00 || data)); interior nodes are SHA-256(0x01 || left || right) and the empty
 * tree's root is SHA-256("") (RFC 6962 section 2.1).
 *
 * Error contract (the same for every function here):
 * - Proof GENERATION (merkleRoot, inclusionProof, consistencyProof, MerkleLog) throws
 *   LogSealError LOGSEAL_ERR_INVALID_OPTION for anything the caller got wrong: a leaf that
 *   is not a 32-byte Uint8Array, an index or size that is not an integer in range.
 * - Proof VERIFICATION (verifyInclusion, verifyConsistency) sees hostile input, so it never
 *   throws for bad values: a hash or proof node that is not exactly 32 bytes, a size or index
 *   that is negative, fractional, NaN or out of range, size1 = 0, size1 > size2, a proof of
 *   the wrong length or with a wrong node all return false. It throws the same
 *   LOGSEAL_ERR_INVALID_OPTION only for arguments of the wrong TYPE (a size that is not a
 *   number, a hash that is not a Uint8Array, a proof that is not an array of Uint8Array),
 *   which is a bug in the caller's decoding, not a forged proof.
 *
 * Sizes may go up to Number.MAX_SAFE_INTEGER, so the index arithmetic of RFC 9162 uses
 * division and `% 2` instead of 32-bit bitwise operators.
 */
import { LogSealError } from '../errors.js';
import { digestInto, sha256 } from './hash.js';

const HASH_LEN = 32;

function badArgument(name: string, expected: string): never {
  throw new LogSealError('LOGSEAL_ERR_INVALID_OPTION', `merkle: argument "${name}" must be ${expected}`);
}

/**
 * Hashes interior nodes through one reusable 65-byte buffer (0x01 || left || right), so a
 * tree of n leaves allocates only the n - 1 digests. One hasher per call: nothing global.
 * rangeRoot() folds whole levels in place instead; this serves the single nodes of proofs.
 */
function makeNodeHasher(): (left: Uint8Array, right: Uint8Array) => Uint8Array {
  const buf = new Uint8Array(1 + 2 * HASH_LEN);
  buf[0] = 0x01;
  return (left, right) => {
    buf.set(left, 1);
    buf.set(right, 1 + HASH_LEN);
    return sha256(buf);
  };
}
type NodeHasher = ReturnType<typeof makeNodeHasher>;

function checkLeaves(leaves: unknown): asserts leaves is readonly Uint8Array[] {
  if (!Array.isArray(leaves)) badArgument('leaves', 'an array of 32-byte Uint8Array leaf hashes');
  for (let i = 0; i < leaves.length; i++) {
    const leaf: unknown = leaves[i];
    if (!(leaf instanceof Uint8Array) || leaf.length !== HASH_LEN) {
      badArgument(`leaves[${i}]`, 'a 32-byte Uint8Array leaf hash');
    }
  }
}

/** Largest power of two strictly below n (n >= 2): the split point k of RFC 6962 section 2.1. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The root of the empty tree, SHA-256("") (RFC 6962 section 2.1). A fresh array per call. */
export function emptyRoot(): Uint8Array {
  return sha256(new Uint8Array(0));
}

/**
 * MTH(D[lo:hi]), computed bottom-up: pair neighbours level by level and carry an unpaired
 * last node up unchanged. That is the same tree as the RFC's recursive split at the largest
 * power of two k < n: at level j the pairing only joins nodes inside blocks of 2^j leaves
 * aligned to multiples of 2^j, so D[0:k] becomes the perfect subtree MTH(D[0:k]); k is a
 * multiple of every such block size up to k, so D[k:n] is paired exactly as a tree of its
 * own (its last node carried up until it meets D[0:k]'s root at level log2 k), and by
 * induction the root is HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])). test/merkle-reference.test.ts checks
 * this against a recursive reference for every n up to 300 and against the published roots.
 */
function rangeRoot(leaves: readonly Uint8Array[], lo: number, hi: number): Uint8Array {
  const n = hi - lo;
  if (n === 0) return emptyRoot();
  if (n === 1) return new Uint8Array(leaves[lo] as Uint8Array); // a copy (Buffer#slice would share)
  // One flat buffer holds a level, node i at bytes [32i, 32i + 32): a pair of neighbours is
  // 64 contiguous bytes, copied behind the 0x01 prefix and hashed into slot i / 2 (<= i, so
  // written only after slots i and i + 1 were read). No array per node (bench/merkle.mjs).
  const level = Buffer.allocUnsafe(n * HASH_LEN);
  for (let i = 0; i < n; i++) level.set(leaves[lo + i] as Uint8Array, i * HASH_LEN);
  const pair = Buffer.allocUnsafe(1 + 2 * HASH_LEN);
  pair[0] = 0x01;
  let width = n;
  while (width > 1) {
    let m = 0;
    for (let i = 0; i + 1 < width; i += 2) {
      level.copy(pair, 1, i * HASH_LEN, (i + 2) * HASH_LEN);
      digestInto(pair, level, m++ * HASH_LEN);
    }
    if (width % 2 === 1) level.copy(level, m++ * HASH_LEN, (width - 1) * HASH_LEN, width * HASH_LEN); // carried up unchanged
    width = m;
  }
  return new Uint8Array(level.subarray(0, HASH_LEN)); // a copy that owns its memory
}

/** MTH(D[n]) of RFC 6962 section 2.1 over 32-byte leaf hashes. */
export function merkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  checkLeaves(leaves);
  return rangeRoot(leaves, 0, leaves.length);
}

/** PATH(m, D[0:n]) of RFC 6962 section 2.1.1, leaf-to-root; `leaves` already checked. */
function path(leaves: readonly Uint8Array[], index: number, n: number): Uint8Array[] {
  const rootFirst: Uint8Array[] = [];
  let lo = 0;
  let hi = n;
  // Walk down from the root; each level contributes the root of the subtree NOT holding m.
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index - lo < k) {
      rootFirst.push(rangeRoot(leaves, lo + k, hi));
      hi = lo + k;
    } else {
      rootFirst.push(rangeRoot(leaves, lo, lo + k));
      lo += k;
    }
  }
  return rootFirst.reverse();
}

/** PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true) of RFC 6962 section 2.1.2; `leaves` already checked. */
function subproof(leaves: readonly Uint8Array[], size1: number, n: number): Uint8Array[] {
  const rootFirst: Uint8Array[] = [];
  let lo = 0;
  let hi = n;
  let m = size1;
  let whole = true; // the RFC's b: D[lo:lo+m] is (still) the complete old tree
  while (m !== hi - lo) {
    const k = splitPoint(hi - lo);
    if (m <= k) {
      rootFirst.push(rangeRoot(leaves, lo + k, hi));
      hi = lo + k;
    } else {
      rootFirst.push(rangeRoot(leaves, lo, lo + k));
      lo += k;
      m -= k;
      whole = false;
    }
  }
  const proof = rootFirst.reverse();
  // SUBPROOF(m, D[m], false) = [MTH(D[m])]; with b = true the verifier already has it (root1).
  if (!whole) proof.unshift(rangeRoot(leaves, lo, hi));
  return proof;
}

function checkIndex(name: string, value: unknown, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    badArgument(name, max < min ? `in an empty range (tree too small; got ${String(value)})` : `an integer in [${min}, ${max}] (got ${String(value)})`);
  }
}

/** The inclusion proof (audit path, leaf-to-root) of leaves[index] in the tree of all leaves. */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): Uint8Array[] {
  checkLeaves(leaves);
  checkIndex('index', index, 0, leaves.length - 1);
  return path(leaves, index, leaves.length);
}

/**
 * The consistency proof from the tree of the first size1 leaves to the tree of all leaves.
 * 1 <= size1 <= leaves.length; size1 = leaves.length gives []. size1 = 0 is refused because
 * no verifier accepts a proof from the empty tree (RFC 9162 section 2.1.4.2 needs 0 < first).
 */
export function consistencyProof(leaves: readonly Uint8Array[], size1: number): Uint8Array[] {
  checkLeaves(leaves);
  checkIndex('size1', size1, 1, leaves.length);
  return subproof(leaves, size1, leaves.length);
}

// ---------------------------------------------------------------------------------------
// Verification (RFC 9162 sections 2.1.3.2 and 2.1.4.2)

function isSize(x: number): boolean {
  return Number.isSafeInteger(x) && x >= 0;
}

function isHash(x: Uint8Array): boolean {
  return x.length === HASH_LEN;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

function half(x: number): number {
  return Math.floor(x / 2);
}

function lsb(x: number): boolean {
  return x % 2 === 1;
}

function checkTypes(numbers: Record<string, unknown>, hashes: Record<string, unknown>, proof: unknown): void {
  for (const [name, v] of Object.entries(numbers)) if (typeof v !== 'number') badArgument(name, 'a number');
  for (const [name, v] of Object.entries(hashes)) if (!(v instanceof Uint8Array)) badArgument(name, 'a Uint8Array');
  if (!Array.isArray(proof)) badArgument('proof', 'an array of Uint8Array');
  for (let i = 0; i < proof.length; i++) {
    if (!((proof[i] as unknown) instanceof Uint8Array)) badArgument(`proof[${i}]`, 'a Uint8Array');
  }
}

/**
 * How many proof nodes the RFC 9162 loop (section 2.1.3.2 step 4, section 2.1.4.2 step 6)
 * consumes from (fn, sn): its own index arithmetic run without hashing. A proof of any other
 * length is rejected before hashing anything (the loop would reject it too, after some work).
 */
function loopSteps(fn0: number, sn0: number): number {
  let fn = fn0;
  let sn = sn0;
  let count = 0;
  while (sn !== 0) {
    if (!lsb(fn) && fn === sn) {
      while (!lsb(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    }
    fn = half(fn);
    sn = half(sn);
    count++;
  }
  return count;
}

/**
 * RFC 9162 section 2.1.3.2: does `proof` show that `leafHash` is leaf `leafIndex` of the tree
 * of `treeSize` leaves whose root is `root`? False for every malformed or wrong input.
 */
export function verifyInclusion(
  leafIndex: number,
  treeSize: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  checkTypes({ leafIndex, treeSize }, { leafHash, root }, proof);
  if (!isSize(leafIndex) || !isSize(treeSize) || leafIndex >= treeSize) return false;
  if (!isHash(leafHash) || !isHash(root) || !proof.every(isHash)) return false;
  if (proof.length !== loopSteps(leafIndex, treeSize - 1)) return false;

  const node = makeNodeHasher();
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      r = node(p, r);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = node(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && bytesEqual(r, root);
}

/** The number of nodes a valid RFC 9162 section 2.1.4.2 proof has, for 0 < size1 < size2. */
function consistencyLength(size1: number, size2: number): number {
  // Step 4 first: drop the levels where the old tree's last node is a right child.
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (lsb(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 2: the walk is seeded with root1 itself when size1 is a power of two (size1 - 1 was
  // all ones, so fn is now 0), else with the proof's first node.
  return loopSteps(fn, sn) + (fn === 0 ? 0 : 1);
}

/**
 * RFC 9162 section 2.1.4.2: does `proof` show that the tree of size1 leaves with root `root1`
 * is a prefix of the tree of size2 leaves with root `root2`? size1 = size2 needs an empty proof
 * and equal roots. size1 = 0 is always false, even when size2 = 0 (nothing is proved about an
 * empty tree, and accepting it would let any root pass as a successor of "nothing").
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): boolean {
  checkTypes({ size1, size2 }, { root1, root2 }, proof);
  if (!isSize(size1) || !isSize(size2) || size1 === 0 || size1 > size2) return false;
  if (!isHash(root1) || !isHash(root2) || !proof.every(isHash)) return false;
  if (size1 === size2) return proof.length === 0 && bytesEqual(root1, root2);
  // Step 1 (empty proof fails) is implied: the expected length is at least 1 when size1 < size2.
  if (proof.length !== consistencyLength(size1, size2)) return false;

  const node = makeNodeHasher();
  let fn = size1 - 1;
  let sn = size2 - 1;
  // Step 2: a power-of-two size1 means root1 is itself a node of the new tree.
  const prepend = isPowerOfTwo(size1);
  const seed = prepend ? root1 : (proof[0] as Uint8Array);
  let i = prepend ? 0 : 1;
  // Step 4: skip the levels where the old tree's last node is a right child.
  while (lsb(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5.
  let fr = seed;
  let sr = seed;
  // Step 6.
  for (; i < proof.length; i++) {
    const c = proof[i] as Uint8Array;
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      fr = node(c, fr);
      sr = node(c, sr);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = node(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 7.
  return sn === 0 && bytesEqual(fr, root1) && bytesEqual(sr, root2);
}

function isPowerOfTwo(x: number): boolean {
  let v = x;
  while (v > 1 && v % 2 === 0) v /= 2;
  return v === 1;
}

// ---------------------------------------------------------------------------------------

/**
 * A growing Merkle log (the collector's tree over seals). Keeps every leaf (a private copy)
 * so it can prove inclusion and consistency against any earlier size, plus the compact
 * range of perfect-subtree roots so append() and root() cost O(log n) hashes. Proofs and
 * roots of earlier sizes are recomputed from the leaves: O(n) hashes each, which is fine for
 * correctness-first use; a node cache can come later without changing the API.
 */
export class MerkleLog {
  readonly #leaves: Uint8Array[] = [];
  /** Roots of the perfect subtrees that make up the current tree, largest (leftmost) first. */
  readonly #peaks: Uint8Array[] = [];
  readonly #node: NodeHasher = makeNodeHasher();

  /** Number of leaves appended so far. */
  get size(): number {
    return this.#leaves.length;
  }

  /** Appends a 32-byte leaf hash (copied) and returns its index. */
  append(leaf: Uint8Array): number {
    if (!(leaf instanceof Uint8Array) || leaf.length !== HASH_LEN) badArgument('leaf', 'a 32-byte Uint8Array leaf hash');
    const index = this.#leaves.length;
    const copy = new Uint8Array(leaf); // a copy even for a Buffer (Buffer#slice shares memory)
    this.#leaves.push(copy);
    // Binary-counter carry: each trailing 1 bit of the old size is a peak of equal height.
    let carry: Uint8Array = copy;
    for (let s = index; lsb(s); s = half(s)) carry = this.#node(this.#peaks.pop() as Uint8Array, carry);
    this.#peaks.push(carry);
    return index;
  }

  /** The root at `size` (default: the current size). A fresh array. */
  root(size: number = this.size): Uint8Array {
    checkIndex('size', size, 0, this.size);
    if (size !== this.size) return rangeRoot(this.#leaves, 0, size);
    if (size === 0) return emptyRoot();
    // The RFC tree is the left-to-right fold of the peaks from the right:
    // MTH(D[n]) = HASH(0x01 || peak0 || HASH(0x01 || peak1 || ...)), because each peak is the
    // largest power-of-two prefix of what remains (RFC 6962 section 2.1 split rule).
    let r = this.#peaks[this.#peaks.length - 1] as Uint8Array;
    for (let i = this.#peaks.length - 2; i >= 0; i--) r = this.#node(this.#peaks[i] as Uint8Array, r);
    return this.#peaks.length === 1 ? new Uint8Array(r) : r;
  }

  /** Leaf hash at `index` (a copy). */
  leaf(index: number): Uint8Array {
    checkIndex('index', index, 0, this.size - 1);
    return new Uint8Array(this.#leaves[index] as Uint8Array);
  }

  /** Inclusion proof of leaf `index` in the tree of `size` leaves (default: current size). */
  inclusionProof(index: number, size: number = this.size): Uint8Array[] {
    checkIndex('size', size, 1, this.size);
    checkIndex('index', index, 0, size - 1);
    return path(this.#leaves, index, size);
  }

  /** Consistency proof from the tree of `size1` leaves to that of `size2` (default: current size). */
  consistencyProof(size1: number, size2: number = this.size): Uint8Array[] {
    checkIndex('size2', size2, 1, this.size);
    checkIndex('size1', size1, 1, size2);
    return subproof(this.#leaves, size1, size2);
  }
}
