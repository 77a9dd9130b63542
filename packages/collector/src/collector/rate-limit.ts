/**
 * Requests per key id: a token bucket per `kid` (refilled at `perSecond`, holding at most
 * `burst`). It is consulted after the seal line is parsed and its kid found in the
 * keyring, and BEFORE the batch is verified, so one key's flood costs the collector a
 * JSON.parse per request rather than a signature check and a hash per record. Unknown kids
 * never get a bucket (they are refused outright), so the map is bounded by the keyring.
 */
export class KeyRateLimiter {
  readonly #perSecond: number;
  readonly #burst: number;
  readonly #clock: () => number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  /** perSecond 0 disables the limit. */
  constructor(perSecond: number, burst: number, clock: () => number) {
    this.#perSecond = perSecond;
    this.#burst = Math.max(1, burst);
    this.#clock = clock;
  }

  /** Takes one token for `kid`; returns 0 when allowed, else the ms until a token is due. */
  take(kid: string): number {
    if (this.#perSecond <= 0) return 0;
    const now = this.#clock();
    let b = this.#buckets.get(kid);
    if (b === undefined) {
      b = { tokens: this.#burst, at: now };
      this.#buckets.set(kid, b);
    }
    const elapsed = Math.max(0, now - b.at);
    b.tokens = Math.min(this.#burst, b.tokens + (elapsed * this.#perSecond) / 1000);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) * 1000) / this.#perSecond);
  }
}
