/**
 * Forwarding of stored batches to another sink (issue 6, item 5) through core's encoders
 * and HttpSender, so the collector can sit in front of Elasticsearch, Loki, ClickHouse...
 *
 * It never touches acknowledgement: a batch is forwarded only after it was committed, by
 * reading it back from storage. Each stream has a cursor (a byte offset in its
 * index.ndjson, saved in forward.json in the stream's directory) and one sender loop, so
 * a stream's batches leave in commit order (batch order, except late gap fills, which
 * leave when they arrive), one at a time. Failures follow core's RetryPolicy: retryable
 * answers are retried with backoff for as long as the sink is down; a batch the sink
 * refuses for good (or a poison batch past the policy's deadline while the sink accepts
 * others) goes to a dead-letter file and the stream moves on. Delivery is at least once:
 * the cursor is saved without fsync, so after a crash a few batches may be sent again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createEncoder, DeadLetterFile, HttpSender, RetryPolicy, SinkHealth,
  type AttemptOutcome, type Encoder, type ItemRef, type OutBatch, type RecordEnvelope, type Seal,
} from '@logseal/core';
import type { IndexEntry } from './layout.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { ResolvedForward } from './options.js';
import type { Storage } from './storage.js';
import type { StreamStore } from './stream-store.js';

const CURSOR_FILE = 'forward.json';

interface Cursor {
  /** Next index.ndjson offset to forward. */
  pos: number;
  /** Batches forwarded (or dead-lettered) so far. */
  done: number;
  running: boolean;
  saved: number;
}

function outBatch(bytes: Buffer): OutBatch {
  const lines = bytes.toString('utf8', 0, bytes.length - 1).split('\n');
  const sealJson = lines.pop()!;
  const seal = JSON.parse(sealJson) as Seal;
  return {
    sid: seal.sid,
    batch: seal.batch,
    records: lines.map((l) => JSON.parse(l) as RecordEnvelope),
    recordJson: lines,
    seal,
    sealJson,
    bytes: bytes.length,
  };
}

export class Forwarder {
  readonly #encoder: Encoder;
  readonly #sender: HttpSender;
  readonly #policy: RetryPolicy;
  readonly #health = new SinkHealth();
  readonly #deadLetter: DeadLetterFile;
  readonly #metrics: Metrics;
  readonly #logger: Logger;
  readonly #cursors = new Map<string, Cursor>();
  readonly #loops = new Set<Promise<void>>();
  readonly #abort = new AbortController();
  #storage: Storage | null = null;
  #stopped = false;

  /** Validates the sink options (encoder, HttpSender, RetryPolicy) at construction; no I/O. */
  constructor(o: ResolvedForward, metrics: Metrics, logger: Logger, clock: () => number) {
    this.#encoder = createEncoder(o.format, o.formatOptions);
    this.#sender = new HttpSender({ ...o.http, url: o.url, clock, ...(o.dispatcher === undefined ? {} : { dispatcher: o.dispatcher }) });
    this.#policy = new RetryPolicy(o.retry);
    this.#deadLetter = new DeadLetterFile(o.deadLetterPath, { clock });
    this.#metrics = metrics;
    this.#logger = logger;
  }

  /** Loads every stream's cursor and starts forwarding what is behind it. */
  async start(storage: Storage): Promise<void> {
    this.#storage = storage;
    for (const s of storage.streams.values()) {
      let pos = 0;
      try {
        const saved = JSON.parse(await readFile(join(s.dir, CURSOR_FILE), 'utf8')) as { pos?: unknown };
        if (typeof saved.pos === 'number' && Number.isSafeInteger(saved.pos) && saved.pos >= 0 && saved.pos <= s.indexSize) pos = saved.pos;
      } catch {
        /* none yet: forward from the start */
      }
      const done = s.positions.filter((p) => p < pos).length;
      this.#cursors.set(s.sid, { pos, done, running: false, saved: pos });
      this.notify(s);
    }
    this.#updateGauge();
  }

  /** A batch of `s` was committed. */
  notify(s: StreamStore): void {
    if (this.#stopped) return;
    let c = this.#cursors.get(s.sid);
    if (c === undefined) {
      c = { pos: 0, done: 0, running: false, saved: -1 };
      this.#cursors.set(s.sid, c);
    }
    this.#updateGauge();
    if (c.running) return;
    c.running = true;
    const loop = this.#run(s, c).finally(() => {
      c.running = false;
      this.#loops.delete(loop);
    });
    this.#loops.add(loop);
  }

  #updateGauge(): void {
    const storage = this.#storage;
    if (storage === null) return;
    let pending = 0;
    for (const [sid, c] of this.#cursors) pending += (storage.stream(sid)?.count ?? 0) - c.done;
    this.#metrics.set('forward_pending_batches', pending);
  }

  async #run(s: StreamStore, c: Cursor): Promise<void> {
    try {
      while (!this.#stopped && c.pos < s.indexSize) {
        const { entry, bytes: lineBytes } = await s.readIndexEntry(c.pos);
        await this.#forward(entry, await s.readBatch(entry));
        if (this.#stopped) return;
        c.pos += lineBytes;
        c.done += 1;
        this.#updateGauge();
        await this.#save(s, c);
      }
    } catch (err) {
      if (!this.#stopped) this.#logger.error('forward_failed', { sid: s.sid, error: (err as Error).message });
    }
  }

  async #save(s: StreamStore, c: Cursor): Promise<void> {
    if (c.saved === c.pos) return;
    c.saved = c.pos;
    await writeFile(join(s.dir, CURSOR_FILE), `${JSON.stringify({ pos: c.pos })}\n`);
  }

  /** Delivers one batch (or dead-letters it); returns when it left, or when stopped. */
  async #forward(entry: IndexEntry, bytes: Buffer): Promise<void> {
    const out = outBatch(bytes);
    const state = this.#policy.begin();
    let pending: ItemRef[] | undefined;
    while (!this.#stopped) {
      const again: ItemRef[] = [];
      let outcome: Exclude<AttemptOutcome, { kind: 'ok' }> | null = null;
      for (const req of this.#encoder.encode(out, pending)) {
        const r = await this.#sender.send(req);
        this.#health.observe(r.kind === 'ok' ? { kind: 'ok' } : { kind: r.kind, reason: r.reason });
        if (r.kind === 'ok') {
          const failed = this.#encoder.readItems?.(req, r.status, r.body).failed ?? [];
          for (const f of failed) {
            const item = req.items[f.index];
            if (item !== undefined) again.push(item);
            if (!f.retryable) outcome = { kind: 'fatal', reason: `item refused: ${f.reason}`, status: f.status };
          }
          continue;
        }
        if (r.kind === 'fatal') {
          outcome = r.status === undefined ? { kind: 'fatal', reason: r.reason } : { kind: 'fatal', reason: r.reason, status: r.status };
          break;
        }
        outcome = { kind: 'retryable', reason: r.reason, ...(r.status === undefined ? {} : { status: r.status }), ...(r.retryAfterMs === undefined ? {} : { retryAfterMs: r.retryAfterMs }) };
        break;
      }
      if (outcome === null && again.length === 0) {
        this.#metrics.inc('forward_batches_total', 1, 'ok');
        return;
      }
      if (outcome === null) outcome = { kind: 'retryable', reason: `${again.length} item(s) failed in a partial answer` };
      const decision = this.#policy.decide(state, outcome, this.#health);
      if (decision.action === 'dead-letter' || outcome.kind === 'fatal') {
        const reason = decision.action === 'dead-letter' ? decision.reason : outcome.reason;
        await this.#deadLetter.append({ reason, status: outcome.status ?? null, sid: entry.sid, batch: entry.batch, firstSeq: entry.firstSeq, lastSeq: entry.lastSeq, lines: [...out.recordJson, out.sealJson] });
        this.#metrics.inc('forward_batches_total', 1, 'dead_letter');
        this.#logger.warn('forward_dead_letter', { sid: entry.sid, batch: entry.batch, status: outcome.status ?? null, reason });
        return;
      }
      if (decision.action === 'done') return;
      this.#metrics.inc('forward_batches_total', 1, 'retry');
      if (again.length > 0) pending = again;
      try {
        await sleep(Math.max(1, decision.delayMs), undefined, { signal: this.#abort.signal });
      } catch {
        return; // stopped
      }
    }
  }

  /** Stops the loops (a batch being sent is abandoned: it is sent again after a restart), saves cursors, closes the sender. */
  async close(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    await this.#sender.close();
    await Promise.allSettled([...this.#loops]);
  }
}
