/**
 * When to send a failed batch again, and when to give up on it (issue 4, item 3).
 *
 * Backoff is exponential with FULL jitter: the delay before retry n (0-based) is drawn
 * uniformly from [0, min(capMs, baseMs * 2^n)) ("Exponential Backoff And Jitter", AWS
 * Architecture Blog, 2015): many senders that failed together do not come back together.
 * A `Retry-After` answer (RFC 9110 §10.2.3) is used when it asks for longer than the
 * jittered delay, but never past the batch's deadline.
 *
 * THE RULE (sink down vs. poison batch). A deadline alone cannot tell "the sink is down"
 * from "this batch is poison" (ClickHouse answers one malformed row with a 500 for the
 * whole insert, the same status it uses when it is overloaded). So a batch that is past
 * its deadline is dead-lettered ONLY IF the sink accepted some other request after this
 * batch first failed (another batch, another stream, or a heartbeat batch used as a probe:
 * a real write, not a ping, since a ping succeeds on a sink that rejects every write).
 * Otherwise the sink counts as down and the batch WAITS: `decide` answers 'wait' with a
 * delay, the batch stays in memory (within the pipeline's cap) or in the spool, and is
 * tried again; it is dead-lettered as soon as a later attempt fails while another request
 * has succeeded in the meantime. A fatal answer (a 4xx outside the retry set, a TLS
 * verification failure) is dead-lettered at once: repeating the same bytes cannot help.
 *
 * Every SendResult must be given to `SinkHealth.observe()` (the order relative to
 * `decide()` does not matter): successes are counted, not timed, so two events in the
 * same clock tick cannot be misordered.
 */
import { invalidOption, rejectUnknownOptions } from '../errors.js';

/** Network errors are always retryable; these statuses too by default: 408, 429 and every 5xx. */
export const DEFAULT_RETRY_STATUSES: readonly number[] = Object.freeze([
  408,
  429,
  ...Array.from({ length: 100 }, (_, i) => 500 + i),
]);

/** Validates a set of HTTP statuses (integers 100..599) given as option `name`. */
export function statusSet(name: string, value: unknown): ReadonlySet<number> {
  if (!Array.isArray(value)) invalidOption(name, 'an array of HTTP status codes (100..599)', value);
  for (const s of value as unknown[]) {
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 100 || s > 599) {
      invalidOption(name, 'an array of HTTP status codes (100..599)', s);
    }
    if (s >= 200 && s < 300) invalidOption(name, 'free of 2xx statuses (they are successes)', s);
  }
  return new Set(value as number[]);
}

/**
 * Parses a Retry-After value (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. A date
 * is measured against `reference` (the response's own Date header when present, so the
 * two clocks in the subtraction are the server's). Returns milliseconds >= 0, or
 * undefined when absent or unparseable (an unparseable value is ignored, not an error).
 */
export function parseRetryAfter(value: string | readonly string[] | undefined, reference: number): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value) as string | undefined;
  if (v === undefined) return undefined;
  const t = v.trim();
  if (/^\d+$/.test(t)) {
    const s = Number(t);
    // Cap absurd values at a day: the policy clips to the deadline or capMs anyway.
    return Math.min(s, 86_400) * 1000;
  }
  // IMF-fixdate, plus the obsolete RFC 850 and asctime forms a recipient must accept (§5.6.7).
  if (!/^[A-Za-z]{3}/.test(t)) return undefined;
  const d = Date.parse(/GMT$/.test(t) ? t : `${t} GMT`);
  if (Number.isNaN(d)) return undefined;
  return Math.max(0, d - reference);
}

/** What one attempt came to; a SendResult fits, and so does a per-item outcome. */
export type AttemptOutcome =
  | { kind: 'ok' }
  | { kind: 'retryable'; reason: string; status?: number; retryAfterMs?: number }
  | { kind: 'fatal'; reason: string; status?: number };

export type RetryDecision =
  | { action: 'done' }
  /** Within the deadline: send again after delayMs. */
  | { action: 'retry'; delayMs: number }
  /** Past the deadline, but the sink looks down: keep the batch (memory or spool), try again after delayMs. */
  | { action: 'wait'; delayMs: number; reason: string }
  /** Give up: append to the dead-letter file, count it, go on with the stream. */
  | { action: 'dead-letter'; reason: string; status?: number };

/** Per-batch retry bookkeeping; created by `RetryPolicy.begin()` before the first attempt. */
export interface RetryState {
  /** Clock reading at the first attempt: the deadline counts from here. */
  readonly startedAt: number;
  /** Failed attempts so far. */
  failures: number;
  /** SinkHealth.successes when this batch first failed (undefined before). */
  successMark: number | undefined;
}

export interface RetryPolicyOptions {
  /** First backoff ceiling in ms (default 1000). */
  baseMs?: number;
  /** Ceiling for any one backoff in ms (default 30_000); also the longest 'wait' delay. */
  capMs?: number;
  /**
   * Time in ms from a batch's first attempt after which it stops being retried as
   * transient (default 120_000): then it is dead-lettered if the sink is healthy, or
   * waits if the sink is down (see THE RULE above).
   */
  deadlineMs?: number;
  /** Uniform random in [0, 1) (default Math.random); injectable for tests. */
  random?: () => number;
  /** Monotonic clock in ms (default performance.now): deadlines must not jump with the wall clock. */
  clock?: () => number;
}

const POLICY_OPTIONS = ['baseMs', 'capMs', 'deadlineMs', 'random', 'clock'];

function posMs(name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) invalidOption(name, 'a finite number of milliseconds > 0', v);
  return v;
}

function fn<T>(name: string, v: unknown, dflt: T): T {
  if (v === undefined) return dflt;
  if (typeof v !== 'function') invalidOption(name, 'a function', v);
  return v as T;
}

export class RetryPolicy {
  readonly baseMs: number;
  readonly capMs: number;
  readonly deadlineMs: number;
  readonly #random: () => number;
  readonly #clock: () => number;

  constructor(options: RetryPolicyOptions = {}) {
    if (options === null || typeof options !== 'object') invalidOption('retry', 'an object', options);
    rejectUnknownOptions('retry', options, POLICY_OPTIONS);
    this.baseMs = posMs('retry.baseMs', options.baseMs, 1000);
    this.capMs = posMs('retry.capMs', options.capMs, 30_000);
    this.deadlineMs = posMs('retry.deadlineMs', options.deadlineMs, 120_000);
    if (this.capMs < this.baseMs) invalidOption('retry.capMs', `>= retry.baseMs (${this.baseMs})`, this.capMs);
    this.#random = fn('retry.random', options.random, Math.random);
    this.#clock = fn('retry.clock', options.clock, () => performance.now());
  }

  /** Call before a batch's first attempt. */
  begin(): RetryState {
    return { startedAt: this.#clock(), failures: 0, successMark: undefined };
  }

  /** Full-jitter delay before retry number `attempt` (0-based): uniform in [0, min(cap, base * 2^attempt)). */
  backoff(attempt: number): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** Math.min(Math.max(0, attempt), 64));
    let r = this.#random();
    if (!(r >= 0)) r = 0; // NaN or negative from a broken source: retry soon rather than never
    if (r >= 1) r = 1 - Number.EPSILON;
    return Math.floor(r * ceiling);
  }

  /** Clock reading at which `state`'s deadline passes. */
  deadlineAt(state: RetryState): number {
    return state.startedAt + this.deadlineMs;
  }

  /** Applies THE RULE (file comment) to one attempt's outcome. Updates `state`; reads `health`. */
  decide(state: RetryState, outcome: AttemptOutcome, health: SinkHealth): RetryDecision {
    if (outcome.kind === 'ok') return { action: 'done' };
    if (outcome.kind === 'fatal') {
      return outcome.status === undefined
        ? { action: 'dead-letter', reason: outcome.reason }
        : { action: 'dead-letter', reason: outcome.reason, status: outcome.status };
    }
    const now = this.#clock();
    if (state.successMark === undefined) state.successMark = health.successes;
    const jitter = this.backoff(state.failures);
    state.failures++;
    const wanted = Math.max(jitter, outcome.retryAfterMs ?? 0);
    const remaining = this.deadlineAt(state) - now;
    if (remaining > 0) return { action: 'retry', delayMs: Math.min(wanted, Math.ceil(remaining)) };
    if (health.successes > state.successMark) {
      const dl = `poison batch: still failing ${this.deadlineMs} ms after its first attempt while the sink accepted other requests; last error: ${outcome.reason}`;
      return outcome.status === undefined ? { action: 'dead-letter', reason: dl } : { action: 'dead-letter', reason: dl, status: outcome.status };
    }
    return {
      action: 'wait',
      delayMs: Math.min(this.capMs, wanted),
      reason: `sink down: no request has succeeded since this batch first failed; last error: ${outcome.reason}`,
    };
  }
}

export interface SinkHealthOptions {
  /** Consecutive failed attempts (across batches) after which `down` is true (default 3). */
  downAfter?: number;
  /** Wall clock for lastSuccessAt / lastFailureAt (default Date.now). */
  clock?: () => number;
}

/**
 * Health of one sink across all batches: consecutive failures and the last success. The
 * retry decision reads `successes` (a counter); `down` and the times are for stats().
 */
export class SinkHealth {
  readonly #downAfter: number;
  readonly #clock: () => number;
  #successes = 0;
  #consecutiveFailures = 0;
  #lastSuccessAt: number | undefined;
  #lastFailureAt: number | undefined;
  #lastError: string | undefined;

  constructor(options: SinkHealthOptions = {}) {
    if (options === null || typeof options !== 'object') invalidOption('health', 'an object', options);
    rejectUnknownOptions('health', options, ['downAfter', 'clock']);
    const d = options.downAfter ?? 3;
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 1) invalidOption('health.downAfter', 'an integer >= 1', d);
    this.#downAfter = d;
    this.#clock = fn('health.clock', options.clock, Date.now);
  }

  /**
   * Records one attempt. 'ok' is a success; 'retryable' a failure; 'fatal' is neither:
   * the sink answered (it is up) but refused this request for its content or our setup.
   */
  observe(outcome: AttemptOutcome): void {
    if (outcome.kind === 'ok') {
      this.#successes++;
      this.#consecutiveFailures = 0;
      this.#lastSuccessAt = this.#clock();
    } else if (outcome.kind === 'retryable') {
      this.#consecutiveFailures++;
      this.#lastFailureAt = this.#clock();
      this.#lastError = outcome.reason;
    } else {
      this.#lastError = outcome.reason;
    }
  }

  /** Successful requests so far (any batch, any stream, heartbeats). */
  get successes(): number {
    return this.#successes;
  }

  get consecutiveFailures(): number {
    return this.#consecutiveFailures;
  }

  /** True after `downAfter` consecutive failed attempts with no success between them. */
  get down(): boolean {
    return this.#consecutiveFailures >= this.#downAfter;
  }

  get lastSuccessAt(): number | undefined {
    return this.#lastSuccessAt;
  }

  get lastFailureAt(): number | undefined {
    return this.#lastFailureAt;
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }
}
