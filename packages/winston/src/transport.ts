/**
 * LogSealTransport: a winston-transport subclass (winston >= 3) that ships what winston logs
 * through @logseal/core's pipeline: redact -> chain -> batch -> seal -> deliver (issue 5).
 *
 *   new LogSealTransport({ url, preset, signingKey, ... })   in winston.createLogger({ transports })
 *
 * Contract with winston (winston-transport/modern.js, winston/lib/winston/logger.js):
 *   - log(info, callback): info is the object after the logger's and this transport's formats;
 *     it is never mutated (record.ts). The callback is held back while the pipeline is full
 *     under the 'block' overflow policy, which is how a Writable says "wait" to winston's pipe.
 *   - _final(): logger.end() ends every transport and emits its own 'finish' only after all
 *     of theirs; ours comes after everything is delivered (or spooled) and sealed `final`.
 *   - close(): winston calls it when the transport is removed (logger.remove/clear/close);
 *     it closes the pipeline the same way and returns the CloseResult promise.
 *   - Events, as winston transports emit them: 'warn' (delivery trouble, never fatal: see
 *     core's backend/warnings.ts), 'error' (the transport cannot go on: the worker failed or its spool could
 *     not be opened; winston re-emits it on the logger, so listen there), 'logged' (info).
 *   - winston's exception and rejection handlers set `_ending` on handling transports before
 *     logging the uncaught error, then wait for their 'finish' (3 s at most) and exit: after
 *     that record the transport ends itself so that 'finish' means "delivered", unless the
 *     logger's exitOnError is false (then it only flushes, and stays usable).
 */
import TransportStream from 'winston-transport';
import { InlineBackend, LogSealWarning, ThreadBackend, type Backend, type BackendEvents, type CloseResult, type TransportStats } from '@logseal/core';
import { resolveTransportOptions, type LogSealTransportOptions } from './options.js';
import { recordOf, type Info } from './record.js';

export class LogSealTransport extends TransportStream {
  /** Transport name (option `name`, default 'logseal'). */
  readonly name: string;
  readonly #backend: Backend;
  readonly #formatted: boolean;
  /** Set by winston's ExceptionHandler / RejectionHandler on the transports that handle them. */
  declare _ending?: boolean;
  /** The logger piping to us (winston-transport sets it on 'pipe'). */
  declare parent?: { exitOnError?: unknown; readableLength?: number } | null;
  /** Arguments of an end() held back until the logger's buffer has reached us (see end()). */
  #heldEnd: unknown[] | undefined;

  /**
   * Validates every option (a bad one throws a LogSealError naming it, code
   * LOGSEAL_ERR_INVALID_OPTION or the key/policy code) and starts the pipeline: in a worker
   * thread by default, in this thread with `thread: false`.
   */
  constructor(options?: LogSealTransportOptions) {
    const o = resolveTransportOptions(options);
    super(o.winston);
    this.name = o.name;
    this.#formatted = o.formatted;
    const events: BackendEvents = {
      warn: (w) => void this.emit('warn', w),
      fatal: (err) => void this.emit('error', err),
    };
    this.#backend = o.thread ? new ThreadBackend(o.pipeline, events, { queueBytes: o.queueBytes, exitHook: o.exitHook, name: 'logseal-winston' }) : new InlineBackend(o.pipeline, events, o.exitHook);
  }

  /** Stream id of this transport's chain (thread mode: once the worker has started). */
  get sid(): string | undefined {
    return this.#backend.sid;
  }

  override log(info: Info, callback: () => void): void {
    let ok = true;
    try {
      ok = this.#backend.write(recordOf(info, this.#formatted));
    } catch (err) {
      // Never into the application: a record the pipeline refuses is a warning.
      this.emit('warn', err);
    }
    if (this.listenerCount('logged') > 0) setImmediate(() => this.emit('logged', info));
    if (this._ending === true) this.#onHandlerEnding();
    if (this.#heldEnd !== undefined && !this.#parentHoldsRecords()) this.#releaseEnd();
    if (ok) callback();
    else void this.#backend.drained().then(callback);
  }

  /**
   * winston's Logger._final() ends its transports as soon as its last record is *transformed*,
   * while up to a highWaterMark of records may still sit in its readable buffer waiting for a
   * slow transport (ours, under 'block' backpressure): the pipe then writes them after end,
   * they are lost and 'write after end' is raised on the logger. So an end() that comes while
   * the logger still holds records for us is held back until the last of them reaches log()
   * (or the logger unpipes us); then the stream ends as asked.
   */
  override end(...args: unknown[]): this {
    if (this.#heldEnd === undefined && !this.writableEnded && this.#parentHoldsRecords()) {
      this.#heldEnd = args;
      this.once('unpipe', () => this.#releaseEnd());
      return this;
    }
    return (super.end as (...a: unknown[]) => this)(...args);
  }

  #parentHoldsRecords(): boolean {
    const n = this.parent?.readableLength;
    return typeof n === 'number' && n > 0;
  }

  #releaseEnd(): void {
    const args = this.#heldEnd;
    if (args === undefined) return;
    this.#heldEnd = undefined;
    (super.end as (...a: unknown[]) => this)(...args);
  }

  /** Resolves when every record log() has received is acknowledged by the sink (or durable in the spool while it is down). */
  flush(): Promise<void> {
    return this.#backend.flush();
  }

  /** Flushes, seals `final`, stops the worker or sockets; resolves within closeTimeoutMs (+ worker start-up). Idempotent. */
  override close(): Promise<CloseResult> {
    return this.#backend.close().then((r) => {
      return r;
    });
  }

  /** Pipeline counters (thread mode: fetched from the worker). */
  stats(): Promise<TransportStats> {
    return this.#backend.stats();
  }

  /** Writable's last step before 'finish': deliver and seal final first. Never fails the stream: trouble is a 'warn'. */
  override _final(callback: (error?: Error | null) => void): void {
    this.#backend.close().then(
      (r) => {
        if (!r.delivered || r.lostRecords > 0) {
          const what = r.spooledBatches > 0 ? `${r.spooledBatches} batch(es) left in the spool for the next start` : `${r.lostRecords} record(s) lost`;
          this.emit('warn', new LogSealWarning('LOGSEAL_WARN_CLOSE', `LogSeal: closed before everything was delivered: ${what}`, { ...r }));
        }
        callback();
      },
      (err: unknown) => {
        this.emit('warn', err);
        callback();
      },
    );
  }

  #onHandlerEnding(): void {
    this._ending = false;
    const exitOnError = this.parent?.exitOnError;
    if (exitOnError === false) {
      void this.#backend.flush().catch((err: unknown) => this.emit('warn', err));
      return;
    }
    // winston exits once our 'finish' comes: end after this record, so 'finish' means delivered.
    setImmediate(() => this.end());
  }
}

/** Named factory: `createTransport(options)` is `new LogSealTransport(options)`. */
export function createTransport(options?: LogSealTransportOptions): LogSealTransport {
  return new LogSealTransport(options);
}
