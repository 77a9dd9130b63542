/**
 * Sends sealed batches in order, one at a time, and decides what each failure means
 * (issue 4 item 3): retry with backoff, resend only the failed items of a partial answer
 * (Elasticsearch `_bulk`), dead-letter a fatal or poison batch, or wait while the sink is
 * down. A poison batch at the head would block the stream forever if nothing else were
 * ever sent, so while the head waits the NEXT batch is tried once as a probe: if the sink
 * accepts it, the sink is up and the head is poison (RetryPolicy's rule then dead-letters
 * it). Acknowledgement order can therefore differ from seal order; `onDone` is told about
 * each batch and the pipeline keeps the spool watermark contiguous.
 */
import * as diagnostics_channel from 'node:diagnostics_channel';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeadLetterFile } from './dead-letter.js';
import type { HttpSender, SendResult } from './http-sender.js';
import type { AttemptOutcome, RetryPolicy, RetryState, SinkHealth } from './retry-policy.js';
import type { EncodedRequest, Encoder, ItemRef, OutBatch } from './types.js';

export const SEND_CHANNEL = 'logseal:send';
export const RETRY_CHANNEL = 'logseal:retry';
export const DEAD_LETTER_CHANNEL = 'logseal:dead-letter';

export interface QueuedBatch {
  out: OutBatch;
  /** Resolves when the batch (and the chain state after it) is durable: nothing is sent before. */
  ready: Promise<void>;
  /** Spool block number, when spooled. */
  no?: number;
  retry?: RetryState;
  /** Items still to deliver after a partial answer; undefined: all. */
  pending?: ItemRef[];
  inFlight?: boolean;
  /** Set once `ready` resolved: the batch is on disk (spool) and may be evicted from memory. */
  durable?: boolean;
  /** Set when the records were evicted from memory; `load` reads them back from the spool. */
  evicted?: boolean;
  load?: () => Promise<void>;
}

export type DoneHow = 'delivered' | 'dead-lettered' | 'dropped';

export interface DelivererDeps {
  encoder: Encoder;
  sender: HttpSender;
  policy: RetryPolicy;
  health: SinkHealth;
  deadLetter: DeadLetterFile;
  /** A batch left the queue (dead-lettered records are counted in stats). */
  onDone(q: QueuedBatch, how: DoneHow): void;
  /** Single records of a batch were dead-lettered (a partial answer); the batch goes on. */
  onItemsDead?(q: QueuedBatch, seqs: readonly number[]): void;
  onError(err: unknown): void;
  stats: DeliveryStats;
}

export interface DeliveryStats {
  batchesSent: number;
  recordsSent: number;
  bytesSent: number;
  requests: number;
  retries: number;
  deadLetteredBatches: number;
  deadLetteredRecords: number;
  lastError: string | null;
}

const sendChannel = diagnostics_channel.channel(SEND_CHANNEL);
const retryChannel = diagnostics_channel.channel(RETRY_CHANNEL);
const deadChannel = diagnostics_channel.channel(DEAD_LETTER_CHANNEL);

function outcomeOf(r: SendResult): AttemptOutcome {
  if (r.kind === 'ok') return { kind: 'ok' };
  const o: AttemptOutcome = { kind: r.kind, reason: r.reason } as AttemptOutcome;
  if (r.status !== undefined) (o as { status?: number }).status = r.status;
  if (r.kind === 'retryable' && r.retryAfterMs !== undefined) (o as { retryAfterMs?: number }).retryAfterMs = r.retryAfterMs;
  return o;
}

function allItems(out: OutBatch): ItemRef[] {
  // Records of a batch have consecutive seqs from seal.firstSeq (no parsing of the lines needed).
  const items: ItemRef[] = [];
  for (let i = 0; i < out.seal.count; i++) items.push({ kind: 'record', seq: out.seal.firstSeq + i });
  items.push({ kind: 'seal', batch: out.batch });
  return items;
}

function lineOf(out: OutBatch, item: ItemRef): string {
  if (item.kind === 'seal') return out.sealJson;
  return out.recordJson[item.seq - out.seal.firstSeq] ?? '';
}

type Attempt =
  | { kind: 'done' }
  | { kind: 'again'; outcome: AttemptOutcome }
  | { kind: 'fatal'; reason: string; status?: number };

export class Deliverer {
  readonly #d: DelivererDeps;
  readonly #queue: QueuedBatch[] = [];
  #running = false;
  #stopped = false;
  #abort = new AbortController();
  #idle: (() => void)[] = [];

  constructor(deps: DelivererDeps) {
    this.#d = deps;
  }

  get queued(): readonly QueuedBatch[] {
    return this.#queue;
  }

  enqueue(q: QueuedBatch): void {
    this.#queue.push(q);
    void this.#pump();
  }

  /** Removes the oldest batch that is not being sent (drop-oldest overflow). */
  dropOldest(): QueuedBatch | undefined {
    const i = this.#queue.findIndex((q) => !q.inFlight);
    if (i < 0) return undefined;
    const [q] = this.#queue.splice(i, 1);
    this.#d.onDone(q!, 'dropped');
    return q;
  }

  /** Resolves when the queue is empty. */
  idle(): Promise<void> {
    if (this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Stops sending: sleeps end now; what is queued stays queued (in the spool, or counted as lost by the pipeline). */
  stop(): void {
    this.#stopped = true;
    this.#abort.abort();
  }

  async #pump(): Promise<void> {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    try {
      while (this.#queue.length > 0 && !this.#stopped) {
        const head = this.#queue[0]!;
        // In flight from here: drop-oldest must not take a batch the sender holds.
        head.inFlight = true;
        await head.ready;
        if (head.evicted === true) await head.load!();
        const { delay, waiting } = await this.#deliver(head);
        head.inFlight = false;
        if (delay === 0 || this.#stopped) continue;
        // The head is past its deadline and the sink looks down. Probe with the next batch:
        // if the sink takes it, the sink is up and the head is poison (dead-lettered next round).
        const next = this.#queue[1];
        if (waiting && next !== undefined) {
          next.inFlight = true;
          await next.ready;
          if (next.evicted === true) await next.load!();
          const probe = await this.#deliver(next, true);
          next.inFlight = false;
          if (probe.delay === 0) continue;
        }
        try {
          await sleep(delay, undefined, { signal: this.#abort.signal, ref: false });
        } catch {
          /* aborted by stop() */
        }
      }
    } catch (err) {
      this.#d.onError(err);
    } finally {
      this.#running = false;
      if (this.#queue.length === 0) for (const r of this.#idle.splice(0)) r();
    }
  }

  /**
   * One round for batch `q`: send its pending items; returns 0 when the batch left the
   * queue (delivered or dead-lettered), else the delay before its next round.
   * `waiting` says the batch is past its deadline while the sink looks down.
   * A probe gets one attempt and never waits.
   */
  async #deliver(q: QueuedBatch, probe = false): Promise<{ delay: number; waiting: boolean }> {
    const d = this.#d;
    q.retry ??= d.policy.begin();
    const res = await this.#attempt(q);
    if (res.kind === 'done') {
      this.#finish(q, 'delivered');
      return { delay: 0, waiting: false };
    }
    if (res.kind === 'fatal') {
      await this.#deadLetter(q, res.reason, res.status);
      return { delay: 0, waiting: false };
    }
    if (probe) return { delay: -1, waiting: false };
    const decision = d.policy.decide(q.retry, res.outcome, d.health);
    if (decision.action === 'done') {
      this.#finish(q, 'delivered');
      return { delay: 0, waiting: false };
    }
    if (decision.action === 'dead-letter') {
      await this.#deadLetter(q, decision.reason, decision.status);
      return { delay: 0, waiting: false };
    }
    d.stats.retries++;
    if (retryChannel.hasSubscribers) {
      retryChannel.publish({ sid: q.out.sid, batch: q.out.batch, attempt: q.retry.failures, delayMs: decision.delayMs, action: decision.action, reason: res.outcome.kind === 'ok' ? '' : res.outcome.reason });
    }
    return { delay: Math.max(1, decision.delayMs), waiting: decision.action === 'wait' };
  }

  async #attempt(q: QueuedBatch): Promise<Attempt> {
    const d = this.#d;
    const items = q.pending;
    const reqs: EncodedRequest[] = d.encoder.encode(q.out, items);
    const again: ItemRef[] = [];
    const dead: ItemRef[] = [];
    let deadReason = '';
    let deadStatus: number | undefined;
    let lastOutcome: AttemptOutcome | undefined;
    for (let i = 0; i < reqs.length; i++) {
      const req = reqs[i]!;
      const started = performance.now();
      const r = await d.sender.send(req);
      d.stats.requests++;
      d.stats.bytesSent += r.bytesSent;
      const outcome = outcomeOf(r);
      d.health.observe(outcome);
      if (sendChannel.hasSubscribers) {
        sendChannel.publish({ sid: q.out.sid, batch: q.out.batch, items: req.items.length, bytes: r.bytesSent, kind: r.kind, status: 'status' in r ? r.status : undefined, ms: performance.now() - started });
      }
      if (r.kind === 'ok') {
        const failed = d.encoder.readItems?.(req, r.status, r.body).failed ?? [];
        for (const f of failed) {
          const item = req.items[f.index];
          if (item === undefined) continue;
          if (f.retryable) again.push(item);
          else {
            dead.push(item);
            deadReason = `item refused: ${f.reason}`;
            deadStatus = f.status;
          }
        }
        if (failed.some((f) => f.retryable)) lastOutcome = { kind: 'retryable', reason: `${again.length} item(s) failed in a partial answer` };
        continue;
      }
      d.stats.lastError = r.reason;
      if (r.kind === 'fatal') {
        dead.push(...req.items);
        deadReason = r.reason;
        deadStatus = r.status;
        continue;
      }
      // Retryable: this request's items and every later request's items go again.
      lastOutcome = outcome;
      for (let j = i; j < reqs.length; j++) again.push(...reqs[j]!.items);
      break;
    }
    if (dead.length > 0) {
      const whole = dead.length === (items ?? allItems(q.out)).length && again.length === 0;
      if (!whole) await this.#deadLetterItems(q, dead, deadReason, deadStatus);
      else return deadStatus === undefined ? { kind: 'fatal', reason: deadReason } : { kind: 'fatal', reason: deadReason, status: deadStatus };
    }
    if (again.length === 0) return { kind: 'done' };
    q.pending = again;
    return { kind: 'again', outcome: lastOutcome ?? { kind: 'retryable', reason: 'partial failure' } };
  }

  #finish(q: QueuedBatch, how: DoneHow): void {
    const i = this.#queue.indexOf(q);
    if (i < 0) return; // already left the queue (never twice)
    this.#queue.splice(i, 1);
    if (how === 'delivered') {
      this.#d.stats.batchesSent++;
      this.#d.stats.recordsSent += q.out.seal.count;
    }
    this.#d.onDone(q, how);
  }

  async #deadLetter(q: QueuedBatch, reason: string, status?: number): Promise<void> {
    const items = q.pending ?? allItems(q.out);
    await this.#writeDead(q, items, reason, status);
    this.#d.stats.deadLetteredBatches++;
    this.#finish(q, 'dead-lettered');
  }

  async #deadLetterItems(q: QueuedBatch, items: ItemRef[], reason: string, status?: number): Promise<void> {
    await this.#writeDead(q, items, reason, status);
    const seqs = items.flatMap((x) => (x.kind === 'record' ? [x.seq] : []));
    if (seqs.length > 0) this.#d.onItemsDead?.(q, seqs);
  }

  async #writeDead(q: QueuedBatch, items: ItemRef[], reason: string, status?: number): Promise<void> {
    const d = this.#d;
    const seqs = items.flatMap((x) => (x.kind === 'record' ? [x.seq] : []));
    const records = seqs.length;
    d.stats.deadLetteredRecords += records;
    if (deadChannel.hasSubscribers) deadChannel.publish({ sid: q.out.sid, batch: q.out.batch, records, reason, status });
    try {
      await d.deadLetter.append({
        reason,
        status: status ?? null,
        sid: q.out.sid,
        batch: q.out.batch,
        firstSeq: seqs.length > 0 ? seqs.reduce((a, b) => Math.min(a, b)) : q.out.seal.firstSeq,
        lastSeq: seqs.length > 0 ? seqs.reduce((a, b) => Math.max(a, b)) : q.out.seal.lastSeq,
        lines: items.map((x) => lineOf(q.out, x)),
      });
    } catch (err) {
      d.onError(err);
    }
  }
}
