/**
 * The pipeline as an adapter (the pino and winston transports) sees it: InlineBackend runs
 * the pipeline in the caller's thread, ThreadBackend redacts there and chains, seals and
 * ships in a worker thread of its own. The adapter holds one and knows nothing else about
 * where the work happens.
 */
import type { CloseResult, PipelineStats } from '../pipeline.js';
import type { LogSealWarning } from './warnings.js';

/** Pipeline counters plus what the adapter adds. */
export interface TransportStats extends PipelineStats {
  /** true when the pipeline runs in a worker thread. */
  thread: boolean;
  /** Records the transport received (log() calls that reached it). */
  recordsLogged: number;
  /** Records handed to the worker and not yet in its pipeline (thread mode; 0 in-process). */
  recordsQueued: number;
  /** Records that could not be shipped: logged after close, or after the worker failed. */
  recordsRefused: number;
}

export interface BackendEvents {
  /** Delivery trouble the pipeline recovers from (or records for the verifier). */
  warn(w: LogSealWarning): void;
  /** The backend cannot go on: the worker failed, or its pipeline could not be built. */
  fatal(err: Error): void;
}

export interface Backend {
  /**
   * Takes one record (not mutated, not kept). Returns false when the producer should wait for
   * drained() before the next one (the 'block' overflow policy, or the worker's queue is full).
   * Never throws for the pipeline's state: a refused record is counted and warned about.
   */
  write(record: object): boolean;
  drained(): Promise<void>;
  /** Resolves when everything written is acknowledged by the sink (or durable in the spool while it is down). */
  flush(): Promise<void>;
  /** Flushes, seals `final`, releases the worker or sockets. Idempotent. */
  close(): Promise<CloseResult>;
  stats(): Promise<TransportStats>;
  /** Stream id, once known (thread mode: after the worker started). */
  readonly sid: string | undefined;
  readonly closed: boolean;
}
