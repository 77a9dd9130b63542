/**
 * Thread mode, producer side: the thread that calls write() (the application's thread under
 * @logseal/winston, pino's transport worker under @logseal/pino) redacts each record here
 * into its canonical body text (prepareRecord, the same walk the in-process pipeline makes),
 * posts the prepared records to the pipeline worker in chunks, and answers the adapter's
 * write / flush / close / stats from the worker's replies (protocol.ts).
 *
 * Why split the work there: write() must copy the record synchronously anyway (the
 * application may change its objects right after logging), and the redacting walk IS such a
 * copy, into exactly the text the chain hashes. The worker then has no JSON to parse and
 * nothing to redact: it chains, seals and ships. Only redacted text crosses to the worker,
 * and the `logseal:redact` diagnostics events are published in the producer's thread. On two
 * cores the two halves cost about the same per record, so they run side by side:
 * docs/winston.md ("Thread or not") and docs/pino.md ("Two threads") have the measurements.
 *
 * The worker is unref'd: it never keeps the application alive by itself. It is ref'd only
 * while the application waits on it (a flush, a close, a log() callback held back for queue
 * space), so `await transport.flush()` and logger.end() complete.
 *
 * Exit (issue 5: process.exit() right after logging must not lose records), `exitHook`:
 * winston has no exit hook, and nothing asynchronous runs after process 'exit'. But the worker is a thread
 * of its own: it keeps running while this thread blocks. The 'exit' hook posts what is
 * buffered and a close, then blocks in Atomics.wait until the worker has delivered (or
 * spooled) and sealed `final`, for at most closeTimeoutMs + 2 s. pino's thread-stream does
 * the same for pino's transports. The same hook covers an event loop that ran dry without
 * logger.end() and an uncaught exception, which both emit 'exit'.
 */
import { Worker } from 'node:worker_threads';
import type { PipelineOptions } from '../delivery/pipeline-options.js';
import type { CloseResult, PipelineStats } from '../pipeline.js';
import { prepareRecord } from '../record-prep.js';
import { createRedactor, type Redactor } from '../redact/redactor.js';
import type { Backend, BackendEvents, TransportStats } from './backend.js';
import { CHUNK_BYTES, CHUNK_RECORDS, CTL_CLOSED, CTL_WAITING, type CloseReply, type FromWorker, type ToWorker, type WireError, type WorkerInit } from './protocol.js';
import { LogSealWarning } from './warnings.js';

const WORKER_URL = new URL('./pipeline-worker.js', import.meta.url);
/** Worker start-up (module loading) on top of closeTimeoutMs, for the 'exit' hook's wait. */
const EXIT_MARGIN_MS = 2000;

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

function fromWire(w: WireError): Error {
  const e = new Error(w.message) as Error & { code?: string };
  e.name = w.name;
  if (w.code !== undefined) e.code = w.code;
  if (w.stack !== undefined) e.stack = w.stack;
  return e;
}

/** How the pipeline thread runs. */
export interface ThreadOptions {
  /** Bytes of prepared records posted and not yet taken by the worker's pipeline, at most; past it write() returns false. */
  queueBytes: number;
  /** Block in process 'exit' until the worker has delivered and sealed `final` (see above). */
  exitHook: boolean;
  /** The thread's name (debuggers, profiles). Default 'logseal-pipeline'. */
  name?: string;
  /**
   * Linux: the pipeline thread's nice value (0..19), added to the one it inherits from the
   * thread that creates it. Default 0.
   */
  nice?: number;
}

export class ThreadBackend implements Backend {
  readonly #worker: Worker;
  readonly #events: BackendEvents;
  readonly #ctl: Int32Array;
  readonly #taken: BigInt64Array;
  readonly #queueBytes: number;
  readonly #closeTimeoutMs: number;
  readonly #redactor: Redactor;
  #chunk: string[] = [];
  /** ts and redaction count of each record of the chunk, in pairs. */
  #meta: number[] = [];
  #chunkBytes = 0;
  #flushScheduled = false;
  #posted = 0;
  #postedRecords = 0;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  #drainWaiters: (() => void)[] = [];
  #sid: string | undefined;
  #ready: Promise<string> | undefined;
  #readyWaiter: Pending | undefined;
  #dead: Error | undefined;
  #closing: Promise<CloseResult> | undefined;
  #closeResult: CloseReply | undefined;
  #logged = 0;
  #refused = 0;
  #refs = 0;
  readonly #onExit: (() => void) | undefined;

  /**
   * Options must already be checked (checkPipelineOptions): the worker reports only I/O
   * failures (ready() rejects with them).
   */
  constructor(options: PipelineOptions, events: BackendEvents, thread: ThreadOptions) {
    const { queueBytes, exitHook, name = 'logseal-pipeline', nice = 0 } = thread;
    this.#events = events;
    this.#queueBytes = queueBytes;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 8000;
    this.#redactor = createRedactor(options.redact ?? { preset: 'secrets' });
    const ctl = new SharedArrayBuffer(8);
    const taken = new SharedArrayBuffer(16);
    this.#ctl = new Int32Array(ctl);
    this.#taken = new BigInt64Array(taken);
    const init: WorkerInit = { options, ctl, taken, nice };
    this.#worker = new Worker(WORKER_URL, { workerData: init, name });
    this.#worker.on('message', (m: FromWorker) => this.#onMessage(m));
    this.#worker.on('error', (err) => this.#fail(err));
    this.#worker.on('exit', (code) => {
      if (this.#closeResult !== undefined || this.#dead !== undefined) return;
      const err = new Error(`LogSeal pipeline worker exited (code ${code}) before it was closed`);
      // Exiting while a close is under way: the close reports it (a 'warn'); otherwise the transport is dead ('error').
      if (this.#closing !== undefined) this.#rejectPending(err);
      else this.#fail(err);
    });
    // After the listeners: adding a 'message' listener refs the worker's port again.
    this.#worker.unref();
    if (exitHook) {
      this.#onExit = () => this.#exitSync();
      process.once('exit', this.#onExit);
    }
  }

  get sid(): string | undefined {
    return this.#sid;
  }

  /** Resolves with the stream id once the worker's pipeline is built; rejects with the error that kept it from being built. */
  ready(): Promise<string> {
    if (this.#sid !== undefined) return Promise.resolve(this.#sid);
    if (this.#dead !== undefined) return Promise.reject(this.#dead);
    this.#ready ??= new Promise<string>((resolve, reject) => {
      this.#readyWaiter = { resolve: resolve as (v: unknown) => void, reject };
      this.#ref();
    });
    return this.#ready;
  }

  get closed(): boolean {
    return this.#closing !== undefined || this.#dead !== undefined;
  }

  write(record: object): boolean {
    this.#logged++;
    if (this.#closing !== undefined || this.#dead !== undefined) {
      this.#refuse();
      return true;
    }
    const p = prepareRecord(this.#redactor, record, this.#logged, Date.now);
    this.#chunk.push(p.bodyJson);
    this.#meta.push(p.ts, p.redactions);
    this.#chunkBytes += p.bodyJson.length;
    if (this.#chunk.length >= CHUNK_RECORDS || this.#chunkBytes >= CHUNK_BYTES) this.#post();
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#post());
    }
    return this.#queued() < this.#queueBytes;
  }

  drained(): Promise<void> {
    if (this.#queued() < this.#queueBytes || this.#dead !== undefined) return Promise.resolve();
    return new Promise((resolve) => {
      this.#drainWaiters.push(resolve);
      if (this.#drainWaiters.length === 1) this.#ref();
      this.#armDrain();
    });
  }

  async flush(): Promise<void> {
    if (this.#closing !== undefined) {
      await this.#closing;
      return;
    }
    if (this.#dead !== undefined) return;
    this.#post();
    await this.#request({ t: 'flush', id: 0 });
  }

  close(): Promise<CloseResult> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async stats(): Promise<TransportStats> {
    let s: PipelineStats | undefined = this.#closeResult?.stats;
    if (s === undefined && this.#dead === undefined) s = (await this.#request({ t: 'stats', id: 0 })) as PipelineStats;
    return {
      ...(s ?? emptyStats(this.#sid ?? '')),
      thread: true,
      recordsLogged: this.#logged,
      recordsQueued: this.#chunk.length + this.#postedRecords - Number(Atomics.load(this.#taken, 1)),
      recordsRefused: this.#refused,
    };
  }

  async #close(): Promise<CloseResult> {
    if (this.#dead !== undefined) return { delivered: false, spooledBatches: 0, lostRecords: this.#refused };
    this.#post();
    try {
      const reply = (await this.#request({ t: 'close', id: 0 })) as CloseReply;
      this.#closeResult = reply;
      return reply.result;
    } catch (err) {
      this.#events.warn(new LogSealWarning('LOGSEAL_WARN_CLOSE', `LogSeal: close failed: ${(err as Error).message}`));
      return { delivered: false, spooledBatches: 0, lostRecords: 0 };
    } finally {
      if (this.#onExit !== undefined) process.removeListener('exit', this.#onExit);
    }
  }

  /** Bytes snapshotted and not yet taken by the worker's pipeline. */
  #queued(): number {
    return this.#chunkBytes + this.#posted - Number(Atomics.load(this.#taken, 0));
  }

  #post(): void {
    this.#flushScheduled = false;
    if (this.#chunk.length === 0) return;
    const m: ToWorker = { t: 'records', records: this.#chunk, meta: this.#meta, bytes: this.#chunkBytes };
    this.#posted += this.#chunkBytes;
    this.#postedRecords += this.#chunk.length;
    this.#chunk = [];
    this.#meta = [];
    this.#chunkBytes = 0;
    this.#worker.postMessage(m);
  }

  /** Asks the worker to post 'drain' after its next chunk; re-checks after asking (no lost wake-up). */
  #armDrain(): void {
    Atomics.store(this.#ctl, CTL_WAITING, 1);
    if (this.#queued() < this.#queueBytes) this.#wakeDrain();
  }

  #wakeDrain(): void {
    if (this.#drainWaiters.length === 0) return;
    if (this.#queued() >= this.#queueBytes && this.#dead === undefined) return this.#armDrain();
    Atomics.store(this.#ctl, CTL_WAITING, 0);
    for (const r of this.#drainWaiters.splice(0)) r();
    this.#unref();
  }

  #request(m: ToWorker & { id: number }): Promise<unknown> {
    if (this.#dead !== undefined) return Promise.reject(this.#dead);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#ref();
      this.#worker.postMessage({ ...m, id });
    });
  }

  #onMessage(m: FromWorker): void {
    switch (m.t) {
      case 'ready':
        this.#sid = m.sid;
        if (this.#readyWaiter !== undefined) {
          this.#readyWaiter.resolve(m.sid);
          this.#readyWaiter = undefined;
          this.#unref();
        }
        return;
      case 'drain':
        return this.#wakeDrain();
      case 'warn':
        return this.#events.warn(Object.assign(new LogSealWarning(m.error.code ?? 'LOGSEAL_WARN_DELIVERY', m.error.message), m.error.stack !== undefined ? { stack: m.error.stack } : {}));
      case 'fatal':
        return this.#fail(fromWire(m.error));
      case 'reply': {
        const p = this.#pending.get(m.id);
        if (p === undefined) return;
        this.#pending.delete(m.id);
        this.#unref();
        if (m.error !== undefined) p.reject(fromWire(m.error));
        else p.resolve(m.value);
        return;
      }
    }
  }

  #rejectPending(err: Error): void {
    this.#readyWaiter?.reject(err);
    this.#readyWaiter = undefined;
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
    this.#refs = 0;
    this.#worker.unref();
  }

  /** The worker cannot go on: fail what waits on it, refuse further records, report once. */
  #fail(err: Error): void {
    if (this.#dead !== undefined) return;
    this.#dead = err;
    this.#rejectPending(err);
    this.#refused += this.#chunk.length;
    this.#chunk = [];
    this.#chunkBytes = 0;
    this.#wakeDrain();
    if (this.#onExit !== undefined) process.removeListener('exit', this.#onExit);
    this.#events.fatal(err);
  }

  #refuse(): void {
    this.#refused++;
    if (this.#refused === 1) {
      this.#events.warn(new LogSealWarning('LOGSEAL_WARN_AFTER_CLOSE', 'LogSeal: record logged after the transport was closed or failed; not shipped (further ones are counted in stats().recordsRefused)'));
    }
  }

  #ref(): void {
    if (this.#refs++ === 0) this.#worker.ref();
  }

  #unref(): void {
    if (this.#refs > 0 && --this.#refs === 0) this.#worker.unref();
  }

  /** process 'exit': nothing asynchronous runs any more; block until the worker has closed the pipeline. */
  #exitSync(): void {
    if (this.#dead !== undefined || this.#closeResult !== undefined) return;
    this.#post();
    if (this.#closing === undefined) {
      this.#closing = Promise.resolve({ delivered: false, spooledBatches: 0, lostRecords: 0 });
      this.#worker.postMessage({ t: 'close', id: 0 } satisfies ToWorker);
    }
    const deadline = Date.now() + this.#closeTimeoutMs + EXIT_MARGIN_MS;
    while (Atomics.load(this.#ctl, CTL_CLOSED) === 0) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      Atomics.wait(this.#ctl, CTL_CLOSED, 0, left);
    }
  }
}

function emptyStats(sid: string): PipelineStats {
  return {
    recordsIn: 0, recordsRedacted: 0, redactions: 0, recordsDropped: 0, gapRecords: 0, batchesSealed: 0, heartbeats: 0,
    batchesSpooled: 0, recordsLost: 0, memoryBytes: 0, peakMemoryBytes: 0, queuedBatches: 0, spoolBytes: 0, sinkDown: false,
    sid, batchesSent: 0, recordsSent: 0, bytesSent: 0, requests: 0, retries: 0, deadLetteredBatches: 0, deadLetteredRecords: 0, lastError: null,
  };
}
