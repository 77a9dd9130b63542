/**
 * The transparency log's Merkle tree (RFC 6962 section 2.1 / RFC 9162 section 2.1), kept
 * as every complete perfect subtree: level l holds the hashes of the aligned blocks of 2^l
 * leaves, so the tree of n leaves costs 2n hashes of memory (64 bytes per seal) and
 *   - append() is amortised O(1) hashes (a binary-counter carry);
 *   - the root of ANY earlier size, an inclusion proof or a consistency proof costs
 *     O(log^2 n) hashes, because every node the RFC recursion asks for is either a stored
 *     aligned block or splits into one stored block and a smaller right part.
 * core's MerkleLog recomputes proofs from the leaves (O(n) per proof), fine for tests
 * but not for a collector answering auditors over millions of seals; the collector's tests
 * check this tree against MerkleLog and core's verifyInclusion / verifyConsistency.
 */
import { createHash } from 'node:crypto';
import { LogSealError } from '@logseal/core';

const HASH = 32;
const EMPTY_ROOT = createHash('sha256').digest();

function node(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}
const NODE_PREFIX = Buffer.from([0x01]);

/** Largest power of two strictly below n (n >= 2): RFC 6962's split point k. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Sizes may pass 2^31, so no 32-bit bitwise tricks. */
function isPow2(n: number): boolean {
  return n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

function badArg(what: string): never {
  throw new LogSealError('LOGSEAL_ERR_INVALID_OPTION', `tlog: ${what}`);
}

export class TlogTree {
  /** levels[l] holds count(l) hashes back to back; capacity grows by doubling. */
  readonly #levels: Buffer[] = [];
  readonly #counts: number[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  #push(level: number, hash: Uint8Array): void {
    if (this.#levels.length === level) {
      this.#levels.push(Buffer.allocUnsafe(HASH * 64));
      this.#counts.push(0);
    }
    let buf = this.#levels[level]!;
    const n = this.#counts[level]!;
    if ((n + 1) * HASH > buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, n * HASH);
      this.#levels[level] = bigger;
      buf = bigger;
    }
    buf.set(hash, n * HASH);
    this.#counts[level] = n + 1;
  }

  /** Stored hash of the aligned block `index` at `level` (a view: callers copy before keeping it). */
  #node(level: number, index: number): Buffer {
    const buf = this.#levels[level]!;
    return buf.subarray(index * HASH, (index + 1) * HASH);
  }

  /** Appends a leaf hash (32 bytes, already SHA-256(0x00 || data)); returns its index. */
  append(leaf: Uint8Array): number {
    if (!(leaf instanceof Uint8Array) || leaf.length !== HASH) badArg('a leaf is a 32-byte hash');
    const index = this.#size;
    this.#push(0, leaf);
    this.#size += 1;
    // Each trailing 1 bit of the new size's predecessor index completes one more block upward.
    let level = 0;
    let j = index;
    while (j % 2 === 1) {
      const h = node(this.#node(level, j - 1), this.#node(level, j));
      level += 1;
      j = (j - 1) / 2;
      this.#push(level, h);
    }
    return index;
  }

  leaf(index: number): Buffer {
    this.#checkIndex('index', index, 0, this.#size - 1);
    return Buffer.from(this.#node(0, index));
  }

  /** MTH(D[lo:hi]) (RFC 6962 section 2.1) from stored blocks. */
  #range(lo: number, hi: number): Buffer {
    const n = hi - lo;
    if (n === 0) return Buffer.from(EMPTY_ROOT);
    if (isPow2(n) && lo % n === 0) return Buffer.from(this.#node(Math.log2(n), lo / n));
    const k = splitPoint(n);
    return node(this.#range(lo, lo + k), this.#range(lo + k, hi));
  }

  /** Root of the tree of the first `size` leaves (default: all). */
  root(size: number = this.#size): Buffer {
    this.#checkIndex('size', size, 0, this.#size);
    return this.#range(0, size);
  }

  /** PATH(m, D[0:size]) of RFC 6962 section 2.1.1, leaf to root. */
  inclusionProof(index: number, size: number = this.#size): Buffer[] {
    this.#checkIndex('size', size, 1, this.#size);
    this.#checkIndex('index', index, 0, size - 1);
    const rootFirst: Buffer[] = [];
    let lo = 0;
    let hi = size;
    while (hi - lo > 1) {
      const k = splitPoint(hi - lo);
      if (index - lo < k) {
        rootFirst.push(this.#range(lo + k, hi));
        hi = lo + k;
      } else {
        rootFirst.push(this.#range(lo, lo + k));
        lo += k;
      }
    }
    return rootFirst.reverse();
  }

  /** PROOF(m, D[0:size2]) = SUBPROOF(m, D[0:size2], true) of RFC 6962 section 2.1.2. */
  consistencyProof(size1: number, size2: number = this.#size): Buffer[] {
    this.#checkIndex('size2', size2, 1, this.#size);
    this.#checkIndex('size1', size1, 1, size2);
    const rootFirst: Buffer[] = [];
    let lo = 0;
    let hi = size2;
    let m = size1;
    let whole = true;
    while (m !== hi - lo) {
      const k = splitPoint(hi - lo);
      if (m <= k) {
        rootFirst.push(this.#range(lo + k, hi));
        hi = lo + k;
      } else {
        rootFirst.push(this.#range(lo, lo + k));
        lo += k;
        m -= k;
        whole = false;
      }
    }
    const proof = rootFirst.reverse();
    if (!whole) proof.unshift(this.#range(lo, hi));
    return proof;
  }

  #checkIndex(name: string, v: number, min: number, max: number): void {
    if (!Number.isSafeInteger(v) || v < min || v > max) badArg(`${name} must be an integer in [${min}, ${max}] (got ${String(v)})`);
  }
}

/** RFC 6962 leaf hash of a transparency-log entry: SHA-256(0x00 || the seal's stored line, without its LF). */
export function tlogLeafHash(sealLine: string | Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(sealLine).digest();
}
const LEAF_PREFIX = Buffer.from([0x00]);
