/**
 * createPipeline(): redact -> chain -> batch -> seal -> encode -> deliver (issue 4). The pino
 * and winston adapters are thin wrappers around this; everything both need lives here.
 *
 * Never lose a record silently: memory is capped (block / drop-newest / drop-oldest), every
 * drop is counted and written into the signed chain as a gap record, an optional disk spool
 * makes delivery at-least-once across crashes, flush() waits for the sink's acknowledgement,
 * and close() seals `final` and resolves within closeTimeoutMs.
 */
import * as diagnostics_channel from 'node:diagnostics_channel';
import { LogSealError } from './errors.js';
import { FileStateStore, stateAfterSeal } from './integrity/chain-state.js';
import { nextEpochKey } from './integrity/forward-mac.js';
import { loadMacKey } from './integrity/keys.js';
import type { ChainedRecord } from './integrity/record-chain.js';
import { sealHash, sealPayload } from './integrity/seal.js';
import { canonicalize } from './integrity/canonical-json.js';
import { StreamSealer } from './integrity/stream-sealer.js';
import type { GapBody } from './integrity/types.js';
import { createRedactor, type Redactor } from './redact/redactor.js';
import { prepareRecord, recordTime, type PreparedRecord } from './record-prep.js';
import { resolvePolicy } from './redact/policy.js';
import { ALL_RULES } from './redact/catalogue.js';
import { DeadLetterFile } from './delivery/dead-letter.js';
import { emitConfigWarnings } from './delivery/config-warnings.js';
import { Deliverer, type DeliveryStats, type QueuedBatch } from './delivery/deliverer.js';
import { createEncoder } from './delivery/encoders/index.js';
import { HttpSender } from './delivery/http-sender.js';
import { type PipelineOptions, type ResolvedPipelineOptions, resolvePipelineOptions, sealerOptions } from './delivery/pipeline-options.js';
import { RetryPolicy, SinkHealth } from './delivery/retry-policy.js';
import { Spool, type SpooledBatch } from './delivery/spool.js';
import { outBatch, type OutBatch } from './delivery/types.js';
import { BatchBuffer } from './delivery/batch-buffer.js';

export const DROP_CHANNEL = 'logseal:drop';
const dropChannel = diagnostics_channel.channel(DROP_CHANNEL);

export interface PipelineStats extends DeliveryStats {
  recordsIn: number;
  /** Records in which at least one value was redacted. */
  recordsRedacted: number;
  /** Values redacted, all records. */
  redactions: number;
  recordsDropped: number;
  gapRecords: number;
  batchesSealed: number;
  heartbeats: number;
  /** Batches written to the disk spool. */
  batchesSpooled: number;
  /** Records neither delivered nor spooled when close() gave up (no spool). */
  recordsLost: number;
  memoryBytes: number;
  peakMemoryBytes: number;
  queuedBatches: number;
  spoolBytes: number;
  sinkDown: boolean;
  sid: string;
}

export interface CloseResult {
  /** Everything was acknowledged by the sink (or dead-lettered) before the timeout. */
  delivered: boolean;
  /** Batches left in the spool for the next start. */
  spooledBatches: number;
  /** Records lost (undelivered, no spool). */
  lostRecords: number;
}

export interface Pipeline {
  /** Accepts one log object. Returns false when the memory (or spool) cap is reached under 'block': wait for drained(). */
  write(record: unknown): boolean;
  /**
   * Accepts a record already redacted and canonical (prepareRecord() with a redactor of the
   * same policy, in another thread); otherwise as write(). The only way in for a pipeline
   * created with `{ prepared: true }`.
   */
  writePrepared(record: PreparedRecord): boolean;
  /** write(), waiting for capacity first under 'block'. */
  writeAsync(record: unknown): Promise<void>;
  /** Resolves when the pipeline is below its caps again. */
  drained(): Promise<void>;
  /** Seals what is open and resolves when everything written so far is acknowledged (or spooled while the sink is down). */
  flush(): Promise<void>;
  /** Flushes, seals `final`, and resolves within closeTimeoutMs. Idempotent. */
  close(): Promise<CloseResult>;
  stats(): PipelineStats;
  readonly sid: string;
}

/** How a pipeline is fed (not part of PipelineOptions: it is the adapter's choice, not the user's). */
export interface PipelineMode {
  /**
   * Records arrive prepared (writePrepared) by a caller that redacts them itself, in its own
   * thread, with the policy of `options.redact`: the pipeline validates that policy but builds
   * no redactor of its own, and write() is refused.
   */
  prepared?: boolean;
}

/** Builds a pipeline; options are validated and the spool recovered before it returns. */
export function createPipeline(options: PipelineOptions, mode: PipelineMode = {}): Pipeline {
  const o = resolvePipelineOptions(options);
  if (mode.prepared === true) resolvePolicy(o.redact ?? { preset: 'secrets' }, ALL_RULES);
  const pipeline = new LogSealPipeline(o, mode.prepared === true);
  emitConfigWarnings(o);
  return pipeline;
}

function outOfSpooled(b: SpooledBatch): OutBatch {
  return outBatch(b.sid, b.lines.slice(0, -1), b.seal, b.lines[b.lines.length - 1]!, b.bytes);
}

class LogSealPipeline implements Pipeline {
  readonly #o: ResolvedPipelineOptions;
  /** null when the records come prepared (PipelineMode.prepared). */
  readonly #redactor: Redactor | null;
  readonly #sealer: StreamSealer;
  readonly #sender: HttpSender;
  readonly #deliverer: Deliverer;
  readonly #health = new SinkHealth();
  readonly #deadLetter: DeadLetterFile;
  readonly #spool: Spool | undefined;
  readonly #store: FileStateStore | undefined;
  /** The open batch's canonical lines as UTF-8 (object trees and line strings die young). */
  readonly #batch = new BatchBuffer();
  #memBytes = 0;
  #ageTimer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #lastActivity: number;
  #persist: Promise<void> = Promise.resolve();
  #drops: { count: number; tsMin: number; tsMax: number; reason: string } | null = null;
  #drainWaiters: (() => void)[] = [];
  /** Keep-alive timers of awaited flush() / drained() calls (#held). */
  readonly #holds = new Set<NodeJS.Timeout>();
  #closing: Promise<CloseResult> | undefined;
  /** Spool block numbers done (delivered, dead-lettered, dropped) but not yet under the contiguous watermark. */
  #doneNos = new Set<number>();
  #watermark = -1;
  readonly #stats: PipelineStats;

  constructor(o: ResolvedPipelineOptions, prepared: boolean) {
    this.#o = o;
    this.#redactor = prepared ? null : createRedactor(o.redact ?? { preset: 'secrets' });
    const encoder = createEncoder(o.format, o.formatOptions);
    this.#sender = new HttpSender({ ...(o.http ?? {}), url: o.url, ...(o.dispatcher !== undefined ? { dispatcher: o.dispatcher } : {}) });
    const policy = new RetryPolicy({ ...(o.retry ?? {}), ...(o.random !== undefined ? { random: o.random } : {}) });
    this.#deadLetter = new DeadLetterFile(o.deadLetterPath);
    this.#stats = {
      recordsIn: 0, recordsRedacted: 0, redactions: 0, recordsDropped: 0, gapRecords: 0, batchesSealed: 0, heartbeats: 0,
      batchesSpooled: 0, recordsLost: 0, memoryBytes: 0, peakMemoryBytes: 0, queuedBatches: 0, spoolBytes: 0, sinkDown: false,
      sid: '', batchesSent: 0, recordsSent: 0, bytesSent: 0, requests: 0, retries: 0, deadLetteredBatches: 0,
      deadLetteredRecords: 0, lastError: null,
    };
    this.#deliverer = new Deliverer({
      encoder, sender: this.#sender, policy, health: this.#health, deadLetter: this.#deadLetter, stats: this.#stats,
      onDone: (q, how) => this.#onDone(q, how),
      onItemsDead: (q, seqs) => {
        // The sink refused single records for good: declare each contiguous run in the chain,
        // so the export verifies with PRODUCER_DROPPED (send-failed) instead of RECORD_DELETED.
        if (q.out.sid !== this.#sealer.sid) return;
        const sorted = [...seqs].sort((a, b) => a - b);
        let from = sorted[0]!;
        for (let i = 1; i <= sorted.length; i++) {
          if (i < sorted.length && sorted[i] === sorted[i - 1]! + 1) continue;
          const to = sorted[i - 1]!;
          this.#gap({ dropped: to - from + 1, reason: 'send-failed', fromSeq: from, toSeq: to });
          if (i < sorted.length) from = sorted[i]!;
        }
      },
      onError: (err) => {
        this.#stats.lastError = err instanceof Error ? err.message : String(err);
        process.emitWarning(`LogSeal delivery error: ${this.#stats.lastError}`, { code: 'LOGSEAL_WARN_DELIVERY', type: 'LogSealWarning' });
      },
    });

    const sealerBase = sealerOptions(o);
    if (o.spool !== undefined) {
      this.#spool = new Spool({ dir: o.spool.dir, ...(o.spool.maxBytes !== undefined ? { maxBytes: o.spool.maxBytes } : {}), ...(o.spool.segmentBytes !== undefined ? { segmentBytes: o.spool.segmentBytes } : {}) });
      this.#store = this.#spool.stateStore;
      const rec = this.#spool.open();
      let state = this.#store.load();
      // A new stream killed before its first state save (a first start, or the stream that
      // follows a final one) exists only in the spool: rebuild its start from its sid
      // (test/delivery-crash.test.ts "kill before the first batch is sealed").
      let fresh: StreamSealer | undefined;
      const spooledSid = rec.open[rec.open.length - 1]?.sid ?? rec.newest?.sid;
      if (spooledSid !== undefined && (state === null || (state.final && state.sid !== spooledSid)) && (o.sid === undefined || o.sid === spooledSid)) {
        fresh = new StreamSealer({ ...sealerBase, sid: spooledSid, ...(state !== null ? { state } : {}) });
        state = fresh.state();
      }
      // A crash between the spool's fsync of batches and their state saves: roll the state
      // forward through EVERY durable batch past it. Blocks become durable in the spool's own
      // write chain while the state saves queue behind them, so the state can trail by several
      // batches (test "three kills"); none of those was sent (a batch leaves only after its state save).
      let rolled = false;
      for (const b of rec.batches) {
        if (state === null || b.sid !== state.sid || b.batch !== state.batch) continue;
        state = stateAfterSeal(state, b.seal, sealHashOf(b), (k) => Buffer.from(nextEpochKey(loadMacKey(k))).toString('base64url'));
        rolled = true;
      }
      if (rolled) this.#store.save(state!);
      this.#sealer = fresh !== undefined && !rolled ? fresh : new StreamSealer({ ...sealerBase, ...(state !== null ? { state } : {}) });
      const adopt = rec.open.filter((r) => r.sid === this.#sealer.sid);
      if (adopt.length > 0 && !this.#sealer.isFinal) {
        this.#sealer.adoptPending(adopt);
        // (spool.open() already rewrote them into the current open-records file)
        for (const env of adopt) {
          this.#memBytes += this.#batch.push(canonicalize(env));
        }
      }
      this.#stats.recordsLost += rec.open.length - adopt.length;
      if (rec.truncatedBytes > 0) {
        process.emitWarning(`LogSeal spool: ${rec.truncatedBytes} bytes of a torn write were cut off at recovery`, { code: 'LOGSEAL_WARN_SPOOL_TORN', type: 'LogSealWarning' });
      }
      for (const b of rec.batches) {
        const out = outOfSpooled(b);
        this.#memBytes += out.bytes;
        // Durable already (read back from disk): evictable again under memory pressure.
        this.#deliverer.enqueue({ out, ready: Promise.resolve(), no: b.no, durable: true });
      }
      this.#evict();
      this.#watermark = rec.batches.length > 0 ? rec.batches[0]!.no - 1 : -1;
    } else {
      this.#store = o.statePath !== undefined ? new FileStateStore(o.statePath) : undefined;
      const state = this.#store?.load() ?? null;
      this.#sealer = new StreamSealer({ ...sealerBase, ...(state !== null ? { state } : {}) });
    }
    this.#stats.sid = this.#sealer.sid;
    this.#lastActivity = o.clock();
    if (o.heartbeatMs > 0) {
      this.#heartbeat = setInterval(() => this.#beat(), o.heartbeatMs);
      this.#heartbeat.unref();
    }
    if (this.#batch.lines > 0) this.#armAge();
  }

  get sid(): string {
    return this.#sealer.sid;
  }

  write(record: unknown): boolean {
    if (this.#redactor === null) throw new LogSealError('LOGSEAL_ERR_INVALID_OPTION', 'this pipeline takes prepared records only (writePrepared)');
    if (!this.#admit(record, null)) return true;
    return this.#append(prepareRecord(this.#redactor, record, this.#stats.recordsIn, this.#o.clock));
  }

  writePrepared(record: PreparedRecord): boolean {
    if (!this.#admit(null, record.ts)) return true;
    return this.#append(record);
  }

  /** Counts the record in; false when the overflow policy drops it (counted, and declared in the chain). */
  #admit(record: unknown, ts: number | null): boolean {
    if (this.#closing !== undefined) throw new LogSealError('LOGSEAL_ERR_PIPELINE_CLOSED', 'pipeline is closed');
    this.#stats.recordsIn++;
    this.#lastActivity = this.#o.clock();
    if (this.#overCap()) {
      const policy = this.#overflowPolicy();
      // The spool's cap is named in the gap record (docs/format.md section 3), the memory cap as 'overflow'.
      const reason = this.#spool !== undefined && this.#spool.bytes > this.#spool.maxBytes ? 'spool-overflow' : 'overflow';
      if (policy === 'drop-newest' || (policy === 'drop-oldest' && !this.#dropOldest(reason))) {
        this.#noteDrop(1, ts ?? recordTime(record, this.#o.clock), 'drop-newest', reason);
        return false;
      }
    }
    return true;
  }

  #append({ bodyJson, ts, redactions }: PreparedRecord): boolean {
    const st = this.#stats;
    if (redactions > 0) {
      st.recordsRedacted++;
      st.redactions += redactions;
    }
    this.#flushDrops();
    const before = this.#batch.byteLength;
    this.#sealer.appendInto(bodyJson, ts, this.#batch);
    this.#pushed(this.#batch.byteLength - before, null);
    if (this.#batch.lines >= this.#o.batch.maxRecords || this.#batch.byteLength >= this.#o.batch.maxBytes) this.#sealBatch(false);
    else if (this.#batch.lines === 1) this.#armAge();
    return !(this.#overCap() && this.#overflowPolicy() === 'block');
  }

  async writeAsync(record: unknown): Promise<void> {
    if (this.#overCap() && this.#overflowPolicy() === 'block') await this.drained();
    this.write(record);
  }

  drained(): Promise<void> {
    if (!this.#overCap()) return Promise.resolve();
    return this.#held(new Promise((resolve) => this.#drainWaiters.push(resolve)));
  }

  async flush(): Promise<void> {
    if (this.#batch.lines > 0 || this.#drops !== null) this.#sealBatch(false);
    await this.#held(this.#settled());
  }

  /**
   * Keeps the event loop alive while a caller awaits `p` (until close()). The deliverer's
   * backoff sleeps are unref'd so background retries never hold an exiting app open; but
   * with a caller awaiting flush() or drained() and nothing else on the loop, Node would end
   * the process with the await unsettled (exit code 13) and drop what is in memory
   * (test/delivery-crash.test.ts "keeps the process alive").
   */
  async #held<T>(p: Promise<T>): Promise<T> {
    const t = setInterval(() => undefined, 2 ** 30);
    this.#holds.add(t);
    try {
      return await p;
    } finally {
      clearInterval(t);
      this.#holds.delete(t);
    }
  }

  close(): Promise<CloseResult> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  stats(): PipelineStats {
    const s = this.#stats;
    s.memoryBytes = this.#memBytes;
    s.queuedBatches = this.#deliverer.queued.length;
    s.spoolBytes = this.#spool?.bytes ?? 0;
    s.sinkDown = this.#health.down;
    return { ...s };
  }

  async #close(): Promise<CloseResult> {
    clearInterval(this.#heartbeat);
    clearTimeout(this.#ageTimer);
    if (!this.#sealer.isFinal) this.#sealBatch(true);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#o.closeTimeoutMs);
    });
    const done = await Promise.race([this.#deliverer.idle().then(() => 'idle' as const), timeout]);
    clearTimeout(timer);
    this.#deliverer.stop();
    for (const t of this.#holds) clearInterval(t);
    const left = this.#deliverer.queued;
    let spooledBatches = 0;
    let lostRecords = 0;
    if (this.#spool !== undefined) spooledBatches = left.length;
    else for (const q of left) lostRecords += q.out.seal.count;
    this.#stats.recordsLost += lostRecords;
    await this.#persist.catch(() => undefined);
    await Promise.allSettled([this.#spool?.close(), this.#deadLetter.close(), this.#sender.close()]);
    return { delivered: done === 'idle', spooledBatches, lostRecords };
  }

  /** Everything sealed so far is delivered, or (spool) durable while the sink is down. */
  async #settled(): Promise<void> {
    const idle = this.#deliverer.idle();
    if (this.#spool === undefined) return idle;
    const durable = this.#persist;
    for (;;) {
      const r = await Promise.race([idle.then(() => 'idle' as const), new Promise<'tick'>((res) => setTimeout(res, 200, 'tick').unref())]);
      if (r === 'idle') return;
      if (this.#health.down) {
        await durable;
        return;
      }
    }
  }

  #push(rec: ChainedRecord): void {
    this.#pushed(this.#batch.push(rec.json), rec.json);
  }

  /** Bookkeeping of a line just written into the open batch (`json`: its text, when at hand). */
  #pushed(bytes: number, json: string | null): void {
    this.#memBytes += bytes;
    if (this.#memBytes > this.#stats.peakMemoryBytes) this.#stats.peakMemoryBytes = this.#memBytes;
    this.#spool?.appendOpen(json ?? this.#batch.lastLine());
  }

  #sealBatch(final: boolean): void {
    clearTimeout(this.#ageTimer);
    this.#ageTimer = undefined;
    this.#flushDrops();
    const count = this.#batch.lines;
    const sealed = this.#sealer.seal({ final });
    const state = this.#sealer.state();
    // One buffer per sealed batch from here on: records then the seal line (see BatchBuffer).
    const recordsEnd = this.#batch.byteLength;
    this.#memBytes += this.#batch.push(sealed.json);
    const bytes = this.#batch.take();
    const out = outBatch(this.#sealer.sid, { bytes, recordsEnd }, sealed.seal, sealed.json, bytes.byteLength);
    this.#stats.batchesSealed++;
    if (count === 0) this.#stats.heartbeats++;
    const q: QueuedBatch = { out, ready: Promise.resolve() };
    if (this.#spool !== undefined) {
      const c = this.#spool.commit(out.sid, out.batch, { bytes, count: count + 1 });
      q.no = c.no;
      this.#stats.batchesSpooled++;
      // Write-ahead, then the chain state (its MAC key is the next epoch's), then the batch may leave.
      this.#persist = this.#persist.then(() => c.durable).then(() => this.#store!.saveAsync(state));
      q.ready = this.#persist;
    } else if (this.#store !== undefined) {
      this.#persist = this.#persist.then(() => this.#store!.saveAsync(state));
      q.ready = this.#persist;
    }
    q.ready.then(
      () => {
        q.durable = true;
        this.#evict();
      },
      (err: unknown) => {
        this.#stats.lastError = err instanceof Error ? err.message : String(err);
      },
    );
    this.#deliverer.enqueue(q);
  }

  /**
   * With a spool, a batch that is durable on disk need not stay in memory: past half the
   * memory cap the newest durable batches (sent last) give up their records, which are read
   * back from the spool when their turn comes. A long outage then fills the spool, not the heap.
   */
  #evict(): void {
    const spool = this.#spool;
    if (spool === undefined) return;
    const queued = this.#deliverer.queued;
    for (let i = queued.length - 1; i >= 1 && this.#memBytes > this.#o.memory.maxBytes / 2; i--) {
      const q = queued[i]!;
      if (q.inFlight === true || q.evicted === true || q.durable !== true || q.no === undefined || q.out.seal.count === 0) continue;
      const no = q.no;
      this.#memBytes -= q.out.bytes;
      q.evicted = true;
      q.out = outBatch(q.out.sid, [], q.out.seal, q.out.sealJson, q.out.bytes);
      q.load = async () => {
        q.out = outOfSpooled(await spool.read(no));
        q.evicted = false;
        this.#memBytes += q.out.bytes;
      };
    }
    if (!this.#overCap()) for (const r of this.#drainWaiters.splice(0)) r();
  }

  #onDone(q: QueuedBatch, how: 'delivered' | 'dead-lettered' | 'dropped'): void {
    if (q.evicted !== true) this.#memBytes -= q.out.bytes;
    if (how === 'dead-lettered' && q.out.seal.count > 0) {
      // The sink never got these records: say so in the chain, so the verifier names a loss, not tampering.
      this.#gap({ dropped: q.out.seal.count, reason: 'send-failed', fromSeq: q.out.seal.firstSeq, toSeq: q.out.seal.lastSeq });
    }
    if (q.no !== undefined && this.#spool !== undefined) {
      this.#doneNos.add(q.no);
      let w = this.#watermark;
      while (this.#doneNos.delete(w + 1)) w++;
      if (w > this.#watermark) {
        this.#watermark = w;
        void this.#spool.ack(w).catch((err: unknown) => {
          this.#stats.lastError = err instanceof Error ? err.message : String(err);
        });
      }
    }
    if (!this.#overCap()) for (const r of this.#drainWaiters.splice(0)) r();
  }

  #overflowPolicy(): 'block' | 'drop-newest' | 'drop-oldest' {
    const sp = this.#o.spool;
    if (this.#spool !== undefined && sp !== undefined && this.#spool.bytes > this.#spool.maxBytes) return sp.overflow;
    return this.#o.memory.overflow;
  }

  #overCap(): boolean {
    return this.#memBytes >= this.#o.memory.maxBytes || (this.#spool !== undefined && this.#spool.bytes > this.#spool.maxBytes);
  }

  /** drop-oldest: the oldest sealed batch not being sent leaves; a gap record names its seq range. */
  #dropOldest(reason: string): boolean {
    const q = this.#deliverer.dropOldest();
    if (q === undefined) return false;
    // An evicted batch's records are on disk only: its seal still gives the count and range
    // (its own gap records, if any, are counted as dropped records and not re-declared).
    const gaps = q.evicted === true ? [] : q.out.records.filter((r) => r.kind === 'gap');
    const n = q.out.seal.count - gaps.length;
    this.#stats.recordsDropped += n;
    if (q.out.seal.count > 0 && q.out.sid === this.#sealer.sid) {
      // Declare the batch's seq range, and again every range its own gap records declared
      // (they leave with it), merged where they touch: the verifier must see every hole covered.
      const ranges = [{ from: q.out.seal.firstSeq, to: q.out.seal.lastSeq, dropped: n }];
      for (const g of gaps) {
        const b = g.body as GapBody;
        if (b.fromSeq !== undefined && b.toSeq !== undefined) ranges.push({ from: b.fromSeq, to: b.toSeq, dropped: b.dropped });
      }
      ranges.sort((a, b) => a.from - b.from);
      const merged: typeof ranges = [];
      for (const r of ranges) {
        const last = merged[merged.length - 1];
        if (last !== undefined && r.from <= last.to + 1) {
          last.to = Math.max(last.to, r.to);
          last.dropped += r.dropped;
        } else merged.push({ ...r });
      }
      for (const r of merged) this.#gap({ dropped: Math.max(1, r.dropped), reason, fromSeq: r.from, toSeq: r.to });
    }
    if (dropChannel.hasSubscribers) dropChannel.publish({ policy: 'drop-oldest', dropped: n, sid: q.out.sid, batch: q.out.batch });
    return true;
  }

  #noteDrop(n: number, ts: number, policy: string, reason: string): void {
    this.#stats.recordsDropped += n;
    if (this.#drops !== null && this.#drops.reason !== reason) this.#flushDrops();
    const d = (this.#drops ??= { count: 0, tsMin: ts, tsMax: ts, reason });
    d.count += n;
    d.tsMin = Math.min(d.tsMin, ts);
    d.tsMax = Math.max(d.tsMax, ts);
    if (dropChannel.hasSubscribers) dropChannel.publish({ policy, dropped: n });
    if (this.#batch.lines === 0 && this.#ageTimer === undefined) this.#armAge();
  }

  /** Records drops of not-yet-chained records as one gap record before the next record or seal. */
  #flushDrops(): void {
    const d = this.#drops;
    if (d === null) return;
    this.#drops = null;
    this.#gap({ dropped: d.count, reason: d.reason, tsMin: d.tsMin, tsMax: d.tsMax });
  }

  #gap(body: GapBody): void {
    if (this.#sealer.isFinal) return;
    this.#stats.gapRecords++;
    this.#push(this.#sealer.appendGap(body));
    if (this.#batch.lines === 1) this.#armAge();
  }

  #armAge(): void {
    clearTimeout(this.#ageTimer);
    this.#ageTimer = setTimeout(() => {
      this.#ageTimer = undefined;
      if (this.#batch.lines > 0 || this.#drops !== null) this.#sealBatch(false);
    }, this.#o.batch.maxAgeMs);
    this.#ageTimer.unref();
  }

  #beat(): void {
    if (this.#closing !== undefined || this.#batch.lines > 0) return;
    if (this.#o.clock() - this.#lastActivity < this.#o.heartbeatMs) return;
    this.#lastActivity = this.#o.clock();
    this.#sealBatch(false);
  }
}

/** The spool keeps the seal as shipped; its hash is recomputed, never trusted from disk. */
function sealHashOf(b: SpooledBatch): string {
  return sealHash(sealPayload(b.seal));
}
