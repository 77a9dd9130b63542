/**
 * The pino transport (issue 5): a pino-abstract-transport stream that feeds @logseal/core's
 * pipeline. The same function serves three uses:
 *
 *   pino({ transport: { target: '@logseal/pino', options } })     one worker target
 *   pino({ transport: { targets: [{ target: '@logseal/pino', options }, ...] } })
 *   const stream = await logseal(options); pino(stream)             in-process stream
 *
 * Lines: pino-abstract-transport builds the stream pino writes to (a split2 Transform) and
 * runs its lifecycle; line-dispatch.ts takes over its write path, so each line is split,
 * parsed once (line-parser.ts: non-JSON lines wrapped, level label added) and handed to the
 * pipeline without a trip through the stream's readable side.
 *
 * Flush: thread-stream 4.2 (pinojs/thread-stream#198) answers the main thread's flush(cb)
 * only after the worker's destination flushed: lib/worker.js `flushDestination` calls
 * `destination.flush(cb)` when the destination has one (a promise it returns is awaited
 * too). Our destination is the split2 stream pino-abstract-transport returns, so we give it
 * a `flush`: wait until every line written so far has reached the pipeline, then the
 * pipeline's flush(), which seals the open batch and resolves when the sink acknowledged it.
 *
 * Exit: pino's exit hook (on-exit-leak-free -> autoEnd) calls thread-stream's end(), which
 * blocks the main thread (Atomics.wait, up to 10 s) until the destination emits 'close'.
 * end() reaches our stream as end(); split2 ends, autoDestroy calls pino-abstract-transport's
 * `close`, and ours closes the pipeline: flush, seal `final`, deliver within closeTimeoutMs
 * (default 8000, inside that window).
 */
import { once } from 'node:events';
import { setPriority } from 'node:os';
import type { Transform } from 'node:stream';
import { workerData } from 'node:worker_threads';
import build from 'pino-abstract-transport';
import {
  checkPipelineOptions, DEFAULT_MEMORY_BYTES, entryScriptName, errorForThreadBoundary, InlineBackend, invalidOption, pipelineOptionsFromConfig, ThreadBackend,
  type Backend, type BackendEvents, type CloseResult, type TransportStats,
} from '@logseal/core';
import { configView, lineParser, type LineCounters, type PinoConfigView } from './line-parser.js';
import type { LogSealPinoOptions } from './options.js';
import { dispatchLines } from './line-dispatch.js';
import { joinHub } from './worker-hub.js';

/** Counters of one transport: the pipeline's and its thread's, plus the lines it read. */
export interface LogSealPinoStats extends TransportStats {
  /** Lines read from pino. */
  linesIn: number;
  /** Lines that were not a JSON object or array, shipped wrapped (`_nonJson: true`). */
  nonJsonLines: number;
}

/** The stream the transport function returns (pino writes lines into it). */
export interface LogSealStream extends Transform {
  /** Stream id of the chain this transport writes. */
  readonly sid: string;
  /**
   * Resolves when every line written so far is sealed and acknowledged by the sink (or
   * dead-lettered after the retry deadline; with a spool, durable on disk while the sink is
   * down). With a callback (pino's logger.flush(cb) and thread-stream call it so) returns nothing.
   */
  flush(): Promise<void>;
  flush(cb: (err?: Error | null) => void): void;
  /** Ends the stream: flushes, seals `final`, resolves within closeTimeoutMs. Idempotent. */
  close(): Promise<CloseResult>;
  stats(): Promise<LogSealPinoStats>;
}

/** Brand of our streams, so the main-thread helpers can tell one from pino's ThreadStream. */
export const LOGSEAL_STREAM = Symbol.for('logseal.pino.stream');

/**
 * Keys added to the options object of a single `target`: `pinoWillSendConfig` and `levels`
 * (customLevels) by pino/lib/transport.js, `$context` by thread-stream/index.js createWorker.
 */
const PINO_ADDED = ['pinoWillSendConfig', 'levels', '$context'];

/** Running in a worker to which pino will send its config (PINO_CONFIG). */
function pinoWillSendConfig(): boolean {
  const wd = workerData as { workerData?: { pinoWillSendConfig?: unknown } } | null;
  return wd?.workerData?.pinoWillSendConfig === true;
}

/** Options as the user wrote them: without what pino added to a single target's options. */
function userOptions(options: unknown): LogSealPinoOptions {
  if (options === undefined || options === null) return {};
  const wd = workerData as { workerData?: unknown } | null;
  if (typeof options === 'object' && options === wd?.workerData) {
    const copy: Record<string, unknown> = { ...(options as Record<string, unknown>) };
    for (const k of PINO_ADDED) delete copy[k];
    return copy as LogSealPinoOptions;
  }
  return options as LogSealPinoOptions;
}

/**
 * config.ts takes the default `service` from process.argv[1], which in pino's worker is
 * thread-stream's worker.js: name the application's entry script instead, unless an option
 * or the environment names the service.
 */
function withWorkerService(config: LogSealPinoOptions): LogSealPinoOptions {
  if (typeof config !== 'object' || config === null || config.service !== undefined) return config;
  if (process.env.LOGSEAL_SERVICE || process.env.npm_package_name) return config;
  const name = entryScriptName();
  return name === null ? config : { ...config, service: name };
}

/**
 * Records posted to the pipeline thread and not yet taken by it, at most (bytes of redacted
 * text): past it the stream holds pino's writes. The memory cap (`memory.maxBytes`) bounds it
 * too, so a small cap keeps its meaning: at most twice the cap is held, half on each side.
 */
const THREAD_QUEUE_BYTES = 16 * 2 ** 20;

/**
 * The pipeline thread's default nice value (Linux). It is the second stage: pino's worker
 * parses and redacts, then hands over. Measured on two cores (bench/pino-bench-app.mjs, 5
 * rounds of 100,000): nice 0 delivered 108k rec/s with the main thread at 1.20x the no-op
 * target's busy time; nice 10 delivered 129k rec/s at 0.94x. When cores are contended the
 * application and the parsing stage win; the pipeline thread catches up when they idle.
 */
const DEFAULT_THREAD_NICE = 10;

function threadValue(v: unknown): boolean {
  if (v === undefined) return true;
  if (typeof v !== 'boolean') invalidOption('thread', 'a boolean', v);
  return v;
}

function niceValue(name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 19) invalidOption(name, 'an integer 0..19', v);
  return v;
}

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Builds the transport. Options are validated (and the pipeline built, the spool recovered)
 * before the stream exists, so a bad option fails the worker before its first record; the
 * error carries its code in its message, because pino re-raises it in the main thread from a
 * structured clone that drops `code` (errorForThreadBoundary).
 */
export async function createLogSealStream(options?: LogSealPinoOptions): Promise<LogSealStream> {
  const inWorker = pinoWillSendConfig();
  let backend: Backend;
  let live: LogSealStream | undefined;
  const events: BackendEvents = {
    // Delivery trouble is printed as a process warning by the thread that runs the pipeline
    // (pino's worker threads print to the process's stderr); retries are diagnostics only. What
    // the backend itself reports (a close that failed, a record after close) is printed here.
    warn: (w) => {
      if (w.code === 'LOGSEAL_WARN_CLOSE' || w.code === 'LOGSEAL_WARN_AFTER_CLOSE') process.emitWarning(w.message, { code: w.code, type: 'LogSealWarning' });
    },
    // The pipeline thread died: fail the stream, and pino re-raises the error in the main thread.
    fatal: (err) => live?.destroy(err),
  };
  try {
    const { workerNice, thread: threadOption, threadNice: threadNiceOption, ...config } = userOptions(options);
    const nice = niceValue('workerNice', workerNice, 0);
    const threadNice = niceValue('threadNice', threadNiceOption, DEFAULT_THREAD_NICE);
    const thread = threadValue(threadOption);
    const pipelineOptions = pipelineOptionsFromConfig(inWorker ? withWorkerService(config) : config);
    // Linux keeps a nice value per thread (setpriority(2), NOTES), so this lowers only the
    // priority of pino's worker thread, never the application's threads; set before the
    // pipeline thread is created, which inherits it.
    if (inWorker && nice > 0 && process.platform === 'linux') setPriority(0, nice);
    if (thread) {
      checkPipelineOptions(pipelineOptions);
      const tb = new ThreadBackend(pipelineOptions, events, {
        queueBytes: Math.min(THREAD_QUEUE_BYTES, pipelineOptions.memory?.maxBytes ?? DEFAULT_MEMORY_BYTES),
        exitHook: false, // pino's exit hook ends the stream, which closes the backend
        name: 'logseal-pino',
        nice: threadNice,
      });
      backend = tb;
      // The spool and state file are opened in the pipeline thread: their errors too must
      // come before the stream exists (pino then fails in the main thread).
      await tb.ready();
    } else {
      backend = new InlineBackend(pipelineOptions, events, false);
    }
  } catch (err) {
    throw inWorker ? errorForThreadBoundary(err) : err;
  }

  const counters: LineCounters = { lines: 0, nonJson: 0 };
  let view: PinoConfigView = configView(undefined);
  let closeResult: CloseResult | undefined;
  let leaveHub: () => void = () => undefined;

  const stream = (await build(
    (src) => {
      const s = src as Transform & { levels?: unknown; messageKey?: unknown; errorKey?: unknown };
      if (inWorker) {
        // expectPinoConfig: pino-abstract-transport calls us once the config arrived.
        view = configView({ levels: s.levels, messageKey: s.messageKey, errorKey: s.errorKey });
      } else {
        // In-process, pino emits its config on the stream it writes to (pino.js: PINO_CONFIG).
        src.on('message', (m: { code?: unknown; config?: unknown } | null) => {
          if (m !== null && typeof m === 'object' && m.code === 'PINO_CONFIG') view = configView(m.config);
        });
      }
      // Records go to the pipeline from the write path (line-dispatch.ts); nothing is pushed
      // to the readable side, which must still flow for the stream to end and autoDestroy.
      src.resume();
    },
    {
      // Only where pino will send it: elsewhere pino-abstract-transport would fail the stream.
      expectPinoConfig: inWorker,
      // pino sets lastLevel/lastObj/... on metadata streams for every record; we need none.
      metadata: false,
      // pino-abstract-transport calls this from _destroy and passes its promise's result to
      // destroy's callback: re-throw the error we were destroyed with, or it is swallowed.
      close: async (err: Error | null) => {
        leaveHub();
        closeResult = await backend.close();
        if (err) throw err;
      },
    } as { expectPinoConfig: true; metadata: false },
  )) as unknown as LogSealStream;
  const parse = lineParser(() => view, counters);
  const lines = dispatchLines(stream, {
    parse,
    // 'block' backpressure: write() is false over the memory cap or the thread queue (the record is taken).
    deliver: (record) => backend.write(record as object),
    drained: () => backend.drained(),
  });

  /** Every line written so far has been handed to the pipeline. */
  const inputSettled = async (): Promise<void> => {
    while (!stream.destroyed && (stream.writableLength > 0 || lines.waiting)) await tick(2);
  };
  const flushAll = async (): Promise<void> => {
    await inputSettled();
    await backend.flush();
  };
  const stats = async (): Promise<LogSealPinoStats> => ({ ...(await backend.stats()), linesIn: counters.lines, nonJsonLines: counters.nonJson });

  const end = stream.end.bind(stream) as (...a: unknown[]) => LogSealStream;
  Object.defineProperties(stream, {
    [LOGSEAL_STREAM]: { value: true },
    sid: { get: () => backend.sid, enumerable: true },
    stats: { value: stats },
    flush: {
      // One declared parameter: thread-stream passes its callback when flush.length > 0.
      value: function flush(cb?: (err?: Error | null) => void): Promise<void> | void {
        const p = flushAll();
        if (typeof cb !== 'function') return p;
        p.then(() => cb(), (err: Error) => cb(err));
      },
    },
    end: {
      value: (...args: unknown[]) => {
        lines.release();
        return end(...args);
      },
    },
    close: {
      value: async (): Promise<CloseResult> => {
        if (closeResult !== undefined) return closeResult;
        if (stream.destroyed) return backend.close();
        const closed = once(stream, 'close');
        if (!stream.writableEnded) stream.end();
        await closed.catch(() => undefined);
        return closeResult ?? (await backend.close());
      },
    },
  });
  leaveHub = joinHub({ flush: flushAll, stats });
  live = stream;
  return stream;
}
