/**
 * Forward-secure MAC (Bellare-Yee style key evolution): the sealing host holds only
 * k[e]; after each seal it derives k[e+1] = HMAC-SHA-256(k[e], "logseal.v1.mac.next")
 * and overwrites k[e]. HMAC is one-way in its key, so a host compromised at epoch j
 * learns nothing that lets it MAC a seal for an epoch < j. The verifier holds k[0] and
 * walks forward to any epoch.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { LogSealError } from '../errors.js';
import { LABEL_MAC_NEXT } from './domain.js';

const NEXT = new TextEncoder().encode(LABEL_MAC_NEXT);

export function nextEpochKey(key: Uint8Array): Uint8Array {
  return hmac(sha256, key, NEXT);
}

export function macBytes(key: Uint8Array, message: Uint8Array): Uint8Array {
  return hmac(sha256, key, message);
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

  mac(message: Uint8Array): Uint8Array {
    return macBytes(this.#key, message);
  }

  /** Moves to the next epoch and zeroes the old key in place (best effort in a GC'd runtime; see docs). */
  advance(): void {
    const next = nextEpochKey(this.#key);
    this.#key.fill(0);
    this.#key = next;
    this.#epoch += 1;
  }

  /** The current key, for atomically persisted chain state. */
  exportKey(): Uint8Array {
    return new Uint8Array(this.#key);
  }
}

/**
 * Verifier side: k[e] from k[0]. Seals are mostly checked in epoch order, so the last
 * key is cached and walked forward; a checkpoint every 1024 epochs bounds the cost of
 * going back (a replayed or out-of-order seal).
 */
export class EpochKeys {
  readonly #checkpoints = new Map<number, Uint8Array>();
  #lastEpoch = 0;
  #lastKey: Uint8Array;
  /** Walking further than this from a known key is refused: a forged epoch of 2^40 must not hang the verifier. */
  static readonly MAX_WALK = 1 << 20;

  constructor(k0: Uint8Array) {
    this.#lastKey = new Uint8Array(k0);
    this.#checkpoints.set(0, this.#lastKey);
  }

  /** Returns null for an epoch that is negative, fractional or absurdly large (hostile input). */
  keyFor(epoch: number): Uint8Array | null {
    if (!Number.isSafeInteger(epoch) || epoch < 0) return null;
    let e = this.#lastEpoch;
    let k = this.#lastKey;
    if (epoch < e) {
      // Checkpoints exist for every multiple of 1024 up to the furthest epoch walked.
      e = epoch - (epoch % 1024);
      k = this.#checkpoints.get(e)!;
    }
    if (epoch - e > EpochKeys.MAX_WALK) return null;
    while (e < epoch) {
      k = nextEpochKey(k);
      e += 1;
      if (e % 1024 === 0) this.#checkpoints.set(e, k);
    }
    this.#lastEpoch = e;
    this.#lastKey = k;
    return k;
  }
}
