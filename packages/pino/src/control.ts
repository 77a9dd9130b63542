/**
 * Main-thread helpers around a pino logger that writes to LogSeal (issue 5): flush until the
 * sink acknowledged, read the counters, and the SIGTERM/SIGINT handler.
 *
 * A logger reaches LogSeal in one of three ways, and each helper handles all three:
 *  - in-process: pino(stream) with our stream (or a pino.multistream holding it): direct calls;
 *  - a worker transport (`transport: { target }` or `{ targets }`): pino's ThreadStream, asked
 *    through the request channel in worker-hub.ts.
 */
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import pino from 'pino';
import { shutdownOnSignal, type ShutdownOnSignalOptions } from '@logseal/core';
import { LOGSEAL_STREAM, type LogSealPinoStats, type LogSealStream } from './transport.js';
import { REPLY_EVENT, REQUEST_CODE, type HubOp, type HubReply } from './worker-hub.js';

/** A pino logger, its destination stream, or one of our streams. */
export type LoggerOrStream = object;

interface ThreadStreamLike extends EventEmitter {
  worker: unknown;
  flush(cb: (err?: Error | null) => void): void;
  ref(): void;
  unref(): void;
}

type Target = { kind: 'local'; streams: LogSealStream[] } | { kind: 'thread'; stream: ThreadStreamLike };

const isOurs = (s: unknown): s is LogSealStream => typeof s === 'object' && s !== null && (s as Record<symbol, unknown>)[LOGSEAL_STREAM] === true;

function targetOf(x: LoggerOrStream): Target {
  const dest = (x as Record<symbol, unknown>)[pino.symbols.streamSym] ?? x;
  if (isOurs(dest)) return { kind: 'local', streams: [dest] };
  const inner = (dest as { streams?: { stream?: unknown }[] }).streams;
  if (Array.isArray(inner)) return { kind: 'local', streams: inner.map((e) => e.stream).filter(isOurs) }; // pino.multistream
  const t = dest as Partial<ThreadStreamLike>;
  if (typeof t.emit === 'function' && typeof t.flush === 'function' && t.worker !== undefined) return { kind: 'thread', stream: t as ThreadStreamLike };
  return { kind: 'local', streams: [] };
}

/** Sends one request to the worker and collects its replies. */
function ask(ts: ThreadStreamLike, op: HubOp, ackTimeoutMs: number): Promise<HubReply | null> {
  return new Promise((resolve, reject) => {
    const id = randomUUID();
    let acked = false;
    // The worker is unref()'d once ready; hold the loop open while we wait for it.
    ts.ref();
    const done = (r: HubReply | null, err?: Error): void => {
      clearTimeout(timer);
      ts.off(REPLY_EVENT, onReply);
      ts.off('close', onClose);
      ts.unref();
      if (err !== undefined) reject(err);
      else resolve(r);
    };
    const onReply = (r: HubReply): void => {
      if (r === null || typeof r !== 'object' || r.id !== id) return;
      if (r.phase === 'ack') {
        acked = true;
        clearTimeout(timer);
        return;
      }
      done(r);
    };
    const onClose = (): void => done(null, new Error('the pino transport worker has exited'));
    // No answer at all: no LogSeal transport in this worker.
    const timer = setTimeout(() => {
      if (!acked) done(null);
    }, ackTimeoutMs);
    ts.on(REPLY_EVENT, onReply);
    ts.once('close', onClose);
    ts.emit('message', { code: REQUEST_CODE, id, op });
  });
}

export interface HelperOptions {
  /** How long to wait for a worker to answer at all (default 5000 ms); no answer means no LogSeal transport. */
  ackTimeoutMs?: number;
}

/**
 * Resolves when everything the logger wrote so far is sealed and acknowledged by the sink (or
 * dead-lettered; with a spool, durable while the sink is down), in every LogSeal transport of
 * the logger. Unlike logger.flush(cb) this also works inside `targets: [...]`, where pino's
 * worker gives thread-stream no flush hook. Resolves with the number of LogSeal transports flushed.
 */
export async function logsealFlush(logger: LoggerOrStream, options: HelperOptions = {}): Promise<number> {
  const t = targetOf(logger);
  if (t.kind === 'local') {
    await Promise.all(t.streams.map((s) => s.flush()));
    return t.streams.length;
  }
  // First thread-stream's own flush: the worker has read every byte written so far.
  await new Promise<void>((resolve, reject) => t.stream.flush((err) => (err ? reject(err) : resolve())));
  const r = await ask(t.stream, 'flush', options.ackTimeoutMs ?? 5000);
  if (r === null) return 0;
  if (r.errors !== undefined && r.errors.length > 0) throw new Error(`LogSeal flush failed: ${r.errors.join('; ')}`);
  return r.count;
}

/** The counters of every LogSeal transport of the logger (an empty array when it has none). */
export async function logsealStats(logger: LoggerOrStream, options: HelperOptions = {}): Promise<LogSealPinoStats[]> {
  const t = targetOf(logger);
  if (t.kind === 'local') return Promise.all(t.streams.map((s) => s.stats()));
  const r = await ask(t.stream, 'stats', options.ackTimeoutMs ?? 5000);
  return (r?.stats ?? []) as LogSealPinoStats[];
}

export type ShutdownOptions = ShutdownOnSignalOptions;

/**
 * The SIGTERM / SIGINT handler a pino + LogSeal application needs (Node's default action for
 * these signals skips every `exit` listener, pino's exit hook included, so nothing would be
 * sealed `final`). On the signal:
 *  - worker transport: process.exit(); pino's exit hook ends the transport, which flushes and
 *    seals `final` within closeTimeoutMs (8 s) while the main thread waits (pino allows 10 s);
 *  - in-process stream: awaits stream.close() (flush, seal `final`), then exits.
 * In-process streams are also closed on `beforeExit` (an app that simply returns), since no
 * pino hook does that for a plain stream. Exit code: 128 + the signal's number (143 for
 * SIGTERM) unless `exitCode` is given. Returns a function that removes the handlers.
 */
export function installShutdownHandlers(logger: LoggerOrStream, options: ShutdownOptions = {}): () => void {
  const t = targetOf(logger);
  const closeLocal = async (): Promise<void> => {
    if (t.kind === 'local') await Promise.all(t.streams.map((s) => s.close()));
  };
  const removeSignals = shutdownOnSignal(closeLocal, options);
  if (t.kind !== 'local' || t.streams.length === 0) return removeSignals;
  let closing = false;
  const onBeforeExit = (): void => {
    if (closing) return;
    closing = true;
    void closeLocal();
  };
  process.on('beforeExit', onBeforeExit);
  return () => {
    removeSignals();
    process.off('beforeExit', onBeforeExit);
  };
}
