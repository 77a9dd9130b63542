/**
 * RetryPolicy and SinkHealth at unit level, with an injected random source and clock:
 * full-jitter bounds, the cap, the deadline, Retry-After, and the sink-down vs.
 * poison-batch rule.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_RETRY_STATUSES,
  RetryPolicy,
  SinkHealth,
  parseRetryAfter,
  statusSet,
  type AttemptOutcome,
} from '../src/delivery/retry-policy.js';
import { LogSealError } from '../src/errors.js';
import { mulberry32 } from './helpers/test-sink.js';

const fail500: AttemptOutcome = { kind: 'retryable', reason: 'HTTP 500: boom', status: 500 };
const refused: AttemptOutcome = { kind: 'retryable', reason: 'ECONNREFUSED: connect failed' };
const ok: AttemptOutcome = { kind: 'ok' };

function clock(start = 1000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describe('RetryPolicy.backoff: exponential with full jitter', () => {
  it('draws uniformly below min(cap, base * 2^attempt)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 80 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const p = new RetryPolicy({ baseMs: 100, capMs: 10_000, random: () => r });
        const ceiling = Math.min(10_000, 100 * 2 ** attempt);
        const d = p.backoff(attempt);
        expect(Number.isInteger(d)).toBe(true);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(ceiling);
        expect(d).toBe(Math.floor(r * ceiling));
      }),
    );
  });

  it('the extremes of random give 0 and just under the ceiling; the ceiling doubles, then stops at the cap', () => {
    const lo = new RetryPolicy({ baseMs: 100, capMs: 3000, random: () => 0 });
    const hi = new RetryPolicy({ baseMs: 100, capMs: 3000, random: () => 0.999999 });
    expect([0, 1, 2, 3, 4, 5, 6, 60].map((a) => lo.backoff(a))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect([0, 1, 2, 3, 4, 5, 6, 1000].map((a) => hi.backoff(a))).toEqual([99, 199, 399, 799, 1599, 2999, 2999, 2999]);
  });

  it('is spread over the whole range (full jitter, not equal jitter)', () => {
    const p = new RetryPolicy({ baseMs: 1000, capMs: 1000, random: mulberry32(7) });
    const ds = Array.from({ length: 2000 }, () => p.backoff(5));
    expect(Math.min(...ds)).toBeLessThan(50);
    expect(Math.max(...ds)).toBeGreaterThan(950);
    const mean = ds.reduce((a, b) => a + b, 0) / ds.length;
    expect(mean).toBeGreaterThan(450);
    expect(mean).toBeLessThan(550);
  });

  it('a broken random source cannot make a negative or unbounded delay', () => {
    expect(new RetryPolicy({ baseMs: 10, capMs: 100, random: () => Number.NaN }).backoff(3)).toBe(0);
    expect(new RetryPolicy({ baseMs: 10, capMs: 100, random: () => -5 }).backoff(3)).toBe(0);
    expect(new RetryPolicy({ baseMs: 10, capMs: 100, random: () => 7 }).backoff(3)).toBeLessThan(80);
  });
});

describe('RetryPolicy.decide', () => {
  it('ok is done; fatal is dead-lettered at once with its status', () => {
    const p = new RetryPolicy();
    const h = new SinkHealth();
    expect(p.decide(p.begin(), ok, h)).toEqual({ action: 'done' });
    expect(p.decide(p.begin(), { kind: 'fatal', reason: 'HTTP 413: too large', status: 413 }, h)).toEqual({
      action: 'dead-letter', reason: 'HTTP 413: too large', status: 413,
    });
    expect(p.decide(p.begin(), { kind: 'fatal', reason: 'SELF_SIGNED_CERT_IN_CHAIN' }, h)).toEqual({
      action: 'dead-letter', reason: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
  });

  it('within the deadline, retries after the jittered backoff of each attempt', () => {
    const c = clock();
    const p = new RetryPolicy({ baseMs: 100, capMs: 1000, deadlineMs: 60_000, random: () => 0.5, clock: c.now });
    const h = new SinkHealth();
    const s = p.begin();
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const d = p.decide(s, fail500, h);
      expect(d.action).toBe('retry');
      if (d.action === 'retry') delays.push(d.delayMs);
      c.advance(10);
    }
    expect(delays).toEqual([50, 100, 200, 400, 500, 500]);
    expect(s.failures).toBe(6);
  });

  it('honours a Retry-After longer than the jitter, and ignores a shorter one', () => {
    const c = clock();
    const p = new RetryPolicy({ baseMs: 100, capMs: 1000, deadlineMs: 60_000, random: () => 0.5, clock: c.now });
    const h = new SinkHealth();
    expect(p.decide(p.begin(), { ...fail500, retryAfterMs: 5000 }, h)).toEqual({ action: 'retry', delayMs: 5000 });
    expect(p.decide(p.begin(), { ...fail500, retryAfterMs: 10 }, h)).toEqual({ action: 'retry', delayMs: 50 });
  });

  it('never waits past the deadline, even when Retry-After asks for more', () => {
    const c = clock();
    const p = new RetryPolicy({ baseMs: 100, capMs: 1000, deadlineMs: 10_000, random: () => 0.99, clock: c.now });
    const h = new SinkHealth();
    const s = p.begin();
    c.advance(8_000);
    expect(p.decide(s, { ...fail500, retryAfterMs: 3_600_000 }, h)).toEqual({ action: 'retry', delayMs: 2_000 });
    c.advance(1_990);
    expect(p.decide(s, fail500, h)).toEqual({ action: 'retry', delayMs: 10 });
  });

  it('past the deadline with no success anywhere since: the sink is down, the batch waits', () => {
    const c = clock();
    const p = new RetryPolicy({ baseMs: 100, capMs: 1000, deadlineMs: 5_000, random: () => 0.5, clock: c.now });
    const h = new SinkHealth({ clock: c.now });
    h.observe(ok); // a success BEFORE this batch first failed proves nothing about it
    const s = p.begin();
    for (let i = 0; i < 50; i++) {
      h.observe(refused);
      const d = p.decide(s, refused, h);
      c.advance(d.action === 'retry' || d.action === 'wait' ? Math.max(d.delayMs, 1) : 0);
      expect(d.action === 'retry' || d.action === 'wait').toBe(true);
    }
    const d = p.decide(s, { ...refused, retryAfterMs: 3_600_000 }, h);
    expect(d.action).toBe('wait');
    if (d.action === 'wait') {
      expect(d.delayMs).toBe(1000); // a Retry-After is honoured up to capMs while waiting
      expect(d.reason).toMatch(/^sink down: .*ECONNREFUSED/);
    }
    expect(h.down).toBe(true);
  });

  it('past the deadline while another request succeeded since its first failure: poison, dead-letter', () => {
    const c = clock();
    const p = new RetryPolicy({ baseMs: 100, capMs: 1000, deadlineMs: 5_000, random: () => 0.5, clock: c.now });
    const h = new SinkHealth({ clock: c.now });
    const s = p.begin();
    expect(p.decide(s, fail500, h).action).toBe('retry');
    c.advance(6_000);
    expect(p.decide(s, fail500, h).action).toBe('wait'); // nobody else got through yet
    h.observe(ok); // e.g. a heartbeat batch or another stream's batch
    const d = p.decide(s, fail500, h);
    expect(d).toMatchObject({ action: 'dead-letter', status: 500 });
    if (d.action === 'dead-letter') expect(d.reason).toMatch(/^poison batch: .*HTTP 500: boom$/);
  });

  it('a success by another batch within the deadline does not dead-letter early', () => {
    const c = clock();
    const p = new RetryPolicy({ baseMs: 100, capMs: 1000, deadlineMs: 5_000, random: () => 0.5, clock: c.now });
    const h = new SinkHealth();
    const s = p.begin();
    p.decide(s, fail500, h);
    h.observe(ok);
    c.advance(4_000);
    expect(p.decide(s, fail500, h).action).toBe('retry');
  });

  it('the deadline counts from the first attempt, not the first failure', () => {
    const c = clock();
    const p = new RetryPolicy({ baseMs: 100, capMs: 1000, deadlineMs: 5_000, random: () => 0.5, clock: c.now });
    const s = p.begin();
    c.advance(5_000);
    expect(p.decide(s, fail500, new SinkHealth()).action).toBe('wait');
    expect(p.deadlineAt(s)).toBe(6_000);
  });
});

describe('SinkHealth', () => {
  it('counts consecutive failures across batches; a success resets them', () => {
    const c = clock(50);
    const h = new SinkHealth({ downAfter: 2, clock: c.now });
    expect(h.down).toBe(false);
    h.observe(refused);
    expect(h.down).toBe(false);
    c.advance(10);
    h.observe(fail500);
    expect(h.down).toBe(true);
    expect(h.consecutiveFailures).toBe(2);
    expect(h.lastFailureAt).toBe(60);
    expect(h.lastError).toBe('HTTP 500: boom');
    c.advance(5);
    h.observe(ok);
    expect(h).toMatchObject({ down: false, consecutiveFailures: 0, successes: 1, lastSuccessAt: 65 });
  });

  it('a fatal answer is neither a success nor a failure (the sink answered)', () => {
    const h = new SinkHealth();
    h.observe(refused);
    h.observe({ kind: 'fatal', reason: 'HTTP 400', status: 400 });
    expect(h.consecutiveFailures).toBe(1);
    expect(h.successes).toBe(0);
    expect(h.lastError).toBe('HTTP 400');
  });
});

describe('Retry-After and status sets', () => {
  it('parses delay-seconds and the three HTTP-date forms (RFC 9110 §5.6.7)', () => {
    const ref = Date.parse('1994-11-06T08:49:00Z');
    expect(parseRetryAfter('120', ref)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', ref)).toBe(0);
    expect(parseRetryAfter(['3', '9'], ref)).toBe(3000);
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', ref)).toBe(37_000);
    expect(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', ref)).toBe(37_000);
    expect(parseRetryAfter('Sun Nov  6 08:49:37 1994', ref)).toBe(37_000);
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:00:00 GMT', ref)).toBe(0); // in the past: now
    expect(parseRetryAfter('99999999999', ref)).toBe(86_400_000);
  });

  it('ignores what it cannot parse', () => {
    for (const v of [undefined, '', '-1', '1.5', 'soon', '2024-01-01', '12abc']) expect(parseRetryAfter(v, 0)).toBeUndefined();
  });

  it('the default retry set is 408, 429 and every 5xx', () => {
    expect(DEFAULT_RETRY_STATUSES).toContain(408);
    expect(DEFAULT_RETRY_STATUSES).toContain(429);
    for (let s = 500; s < 600; s++) expect(DEFAULT_RETRY_STATUSES).toContain(s);
    expect(DEFAULT_RETRY_STATUSES).toHaveLength(102);
    expect(statusSet('s', [503, 429]).has(503)).toBe(true);
    expect(() => statusSet('s', [204])).toThrow(/"s"/);
    expect(() => statusSet('s', ['500'])).toThrow(/"s"/);
  });
});

describe('RetryPolicy / SinkHealth options', () => {
  const bad = (f: () => unknown, name: RegExp): void => {
    let err: unknown;
    try {
      f();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LogSealError);
    expect((err as LogSealError).code).toBe('LOGSEAL_ERR_INVALID_OPTION');
    expect((err as LogSealError).message).toMatch(name);
  };

  it('are validated at construction', () => {
    bad(() => new RetryPolicy({ baseMs: 0 }), /retry\.baseMs/);
    bad(() => new RetryPolicy({ capMs: Number.POSITIVE_INFINITY }), /retry\.capMs/);
    bad(() => new RetryPolicy({ baseMs: 500, capMs: 100 }), /retry\.capMs/);
    bad(() => new RetryPolicy({ deadlineMs: -1 }), /retry\.deadlineMs/);
    bad(() => new RetryPolicy({ random: 0.5 as unknown as () => number }), /retry\.random/);
    bad(() => new RetryPolicy({ jitter: 'full' } as unknown as object), /retry\.jitter/);
    bad(() => new SinkHealth({ downAfter: 0 }), /health\.downAfter/);
    bad(() => new SinkHealth({ clock: 'now' as unknown as () => number }), /health\.clock/);
  });

  it('have documented defaults', () => {
    const p = new RetryPolicy();
    expect([p.baseMs, p.capMs, p.deadlineMs]).toEqual([1000, 30_000, 120_000]);
  });
});
