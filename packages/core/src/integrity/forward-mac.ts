/**
 * Forward-secure MAC (Bellare-Yee style key evolution): the sealing host holds only
 * k[e]; after each seal it derives k[e+1] = HMAC-SHA-256(k[e], "logseal.v1.mac.next")
 * and overwrites k[e]. HMAC is one-way in its key, so a host compromised at epoch j
 * learns nothing that lets it MAC a seal for an epoch < j. The verifier holds k[0] and
 * walks forward to any epoch.
 */
import { createHmac } from 'node:crypto';
import { LogSealError } from '../errors.js';
import { LABEL_MAC_NEXT } from './domain.js';

const NEXT = Buffer.from(LABEL_MAC_NEXT);

// node:crypto's HMAC is used on the hot path (about 2.5x @noble/hashes here, which matters
// when a verifier walks k[0] -> k[e] over a year of epochs); test/hash.test.ts checks both
// against RFC 4231 and each other.
export function nextEpochKey(key: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(NEXT).digest());
}

export function macBytes(key: Uint8Array, message: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(message).digest());
}

/** Sealer side: the current epoch key, evolved and erased after use. */
export class EvolvingKey {
  #key: Uint8Array;
  #epoch: number;

  constructor(key: Uint8Array, epoch: number) {
    if (!Number.isSafeInteger(epoch) || epoch < 0) {
      throw new LogSealError('LOGSEAL_ERR_STATE_INVALID', 'key epoch must be a non-negative integer');
    }
    this.#key = new Uint8Array(key);
    this.#epoch = epoch;
  }

  get epoch(): number {
    return this.#epoch;
  }

  mac(message: Uint8Array | string): Uint8Array {
    return macBytes(this.#key, message);
  }

  /** The next epoch's key, without moving to it (the state is saved with it before advance()). */
  peekNext(): Uint8Array {
    return nextEpochKey(this.#key);
  }

  /** Moves to the next epoch and zeroes the old key in place (best effort in a GC'd runtime; see docs). */
  advance(next: Uint8Array = nextEpochKey(this.#key)): void {
    this.#key.fill(0);
    this.#key = next;
    this.#epoch += 1;
  }

  /** The current key, for atomically persisted chain state. */
  exportKey(): Uint8Array {
    return new Uint8Array(this.#key);
  }
}

/** A verifier's total budget of key-evolution steps, shared by every epoch-key walk of one verify() call. */
export interface WalkBudget {
  remaining: number;
}

/** Default budget: 2^24 HMAC steps (about 10 s): more than a year of one-second batches from k[0]. */
export const DEFAULT_WALK_BUDGET = 2 ** 24;

/**
 * Verifier side: k[e] from k[0]. A checkpoint is kept every 1024 epochs, so a walk starts
 * from the nearest known key at or below the target (the last key, or a checkpoint), and
 * every step is charged to a budget: forged seals with absurd epochs cannot make the
 * verifier spend unbounded CPU (they come back null and are reported as bad MACs).
 */
export class EpochKeys {
  readonly #checkpoints = new Map<number, Uint8Array>();
  #furthest = 0;
  #lastEpoch = 0;
  #lastKey: Uint8Array;
  readonly #budget: WalkBudget;

  constructor(k0: Uint8Array, budget: WalkBudget = { remaining: DEFAULT_WALK_BUDGET }) {
    this.#lastKey = new Uint8Array(k0);
    this.#checkpoints.set(0, this.#lastKey);
    this.#budget = budget;
  }

  keyFor(epoch: number): Uint8Array | null {
    if (!Number.isSafeInteger(epoch) || epoch < 0) return null;
    // Nearest checkpoint at or below the target; the last key if it is nearer still.
    let e = Math.min(epoch - (epoch % 1024), this.#furthest - (this.#furthest % 1024));
    let k = this.#checkpoints.get(e)!;
    if (this.#lastEpoch <= epoch && this.#lastEpoch > e) {
      e = this.#lastEpoch;
      k = this.#lastKey;
    }
    const steps = epoch - e;
    if (steps > this.#budget.remaining) return null;
    this.#budget.remaining -= steps;
    while (e < epoch) {
      k = nextEpochKey(k);
      e += 1;
      if (e % 1024 === 0) this.#checkpoints.set(e, k);
    }
    if (e > this.#furthest) this.#furthest = e;
    this.#lastEpoch = e;
    this.#lastKey = k;
    return k;
  }
}
