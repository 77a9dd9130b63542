/**
 * errorForThreadBoundary(): an error that keeps its code when it crosses a worker-thread
 * boundary (issue 5: pino's transport runs in a worker and "pino surfaces the worker's
 * error in the main thread").
 *
 * postMessage() uses structured clone, and the HTML spec's serialization of Error objects
 * (as V8 implements it) keeps only name (for the built-in error types), message, stack and
 * cause: a LogSealError reaches the other thread as a plain Error, its `code` gone. The
 * error this returns carries the code at the front of its message, so it stays readable
 * wherever it surfaces ("LOGSEAL_ERR_INVALID_OPTION: option "batch.maxRecords" must be ...").
 * Any adapter that runs the pipeline in a worker (pino's transport; winston's worker mode)
 * throws this one across.
 */
import { LogSealError } from './errors.js';

export function errorForThreadBoundary(err: unknown): Error {
  if (err instanceof LogSealError) {
    if (err.message.startsWith(`${err.code}: `)) return err;
    return new LogSealError(err.code, `${err.code}: ${err.message}`, { cause: err.cause });
  }
  return err instanceof Error ? err : new Error(String(err));
}
