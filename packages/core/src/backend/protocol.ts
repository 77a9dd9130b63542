/**
 * Messages between the application's thread and the pipeline worker (thread mode), and the
 * shared memory both read. Kept in one place so the two sides cannot drift.
 *
 * Records travel prepared (redacted, as their canonical body text, with their time and
 * redaction count: thread-backend.ts), many per message: a postMessage costs far more than
 * one record's text, so records are posted in chunks (CHUNK_RECORDS / CHUNK_BYTES) at the end
 * of the tick or when a chunk is full.
 *
 * Shared memory (SharedArrayBuffer, read with Atomics so each side sees the other's writes
 * without a message round trip):
 *   ctl[CTL_CLOSED]   0 until the worker's pipeline is closed (or failed): what the
 *                     application's 'exit' hook waits on with Atomics.wait.
 *   ctl[CTL_WAITING]  1 while the application thread holds a log() callback back for want
 *                     of queue space: the worker then posts 'drain' after its next chunk.
 *   taken[0]          bytes of record text the worker has written into the pipeline so far;
 *                     posted minus taken is the queue between the threads. taken[1]: records.
 */
import type { CloseResult, PipelineStats } from '../pipeline.js';
import type { PipelineOptions } from '../delivery/pipeline-options.js';

export const CHUNK_RECORDS = 512;
export const CHUNK_BYTES = 512 * 1024;

export const CTL_CLOSED = 0;
export const CTL_WAITING = 1;

/** workerData of the pipeline worker. */
export interface WorkerInit {
  options: PipelineOptions;
  ctl: SharedArrayBuffer;
  taken: SharedArrayBuffer;
  /** Linux: raise the thread's nice value by this much at start (0: leave it). */
  nice: number;
}

/** A serialisable error: name, message, LogSeal code when there is one, stack. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

export type ToWorker =
  /** records[i]: canonical body text; meta[2i], meta[2i + 1]: its ts and redaction count. */
  | { t: 'records'; records: string[]; meta: number[]; bytes: number }
  | { t: 'flush'; id: number }
  | { t: 'close'; id: number }
  | { t: 'stats'; id: number };

export type FromWorker =
  | { t: 'ready'; sid: string }
  | { t: 'fatal'; error: WireError }
  | { t: 'warn'; error: WireError }
  | { t: 'drain' }
  | { t: 'reply'; id: number; value?: unknown; error?: WireError };

export type CloseReply = { result: CloseResult; stats: PipelineStats };

export function toWire(err: unknown): WireError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}), ...(err.stack !== undefined ? { stack: err.stack } : {}) };
  }
  return { name: 'Error', message: String(err) };
}
