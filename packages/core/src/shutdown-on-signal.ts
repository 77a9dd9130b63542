/**
 * shutdownOnSignal(): the SIGTERM/SIGINT handler a logging application needs (issue 5).
 *
 * Node's default action for SIGTERM and SIGINT kills the process at once: no 'exit' event,
 * no 'beforeExit', no chance to deliver or seal what was logged (nodejs.org/api/process.html,
 * "Signal events"). Orchestrators send SIGTERM and wait a grace period (Kubernetes: 30 s by
 * default, then SIGKILL), so the right handler runs the async shutdown, bounded by a timeout
 * below that grace period, and then exits the way the signal would have: 128 + the signal
 * number (POSIX shell convention: 143 for SIGTERM, 130 for SIGINT), so supervisors still see
 * "terminated by signal".
 *
 * Logger-agnostic: the adapters wrap it (@logseal/winston's closeOnSignal ends the logger and
 * waits for 'finish'; a pino helper would end pino's transport).
 */
import { constants } from 'node:os';
import { invalidOption, rejectUnknownOptions } from './errors.js';

export interface ShutdownOnSignalOptions {
  /** Signals handled (default ['SIGTERM', 'SIGINT']). */
  signals?: readonly NodeJS.Signals[];
  /** The process exits this long after the signal even if shutdown has not settled (default 10000 ms). */
  timeoutMs?: number;
  /** Exit code (default: 128 + the signal's number, e.g. 143 for SIGTERM). */
  exitCode?: number;
  /** Called when shutdown rejects or times out, before exiting (default: nothing). */
  onError?: (err: unknown) => void;
}

const OPTIONS = ['signals', 'timeoutMs', 'exitCode', 'onError'];

/**
 * Installs the handlers; on the first of the signals runs `shutdown()` once, then exits.
 * A second signal while shutting down exits at once. Returns a function that removes the
 * handlers (the default signal action comes back).
 */
export function shutdownOnSignal(shutdown: () => unknown, options: ShutdownOnSignalOptions = {}): () => void {
  if (typeof shutdown !== 'function') invalidOption('shutdown', 'a function', shutdown);
  if (options === null || typeof options !== 'object') invalidOption('options', 'an object', options);
  rejectUnknownOptions('options', options, OPTIONS);
  const signals = options.signals ?? (['SIGTERM', 'SIGINT'] as const);
  if (!Array.isArray(signals) || signals.length === 0 || !signals.every((s) => typeof s === 'string' && s in constants.signals)) {
    invalidOption('signals', 'a non-empty array of signal names', signals);
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (typeof timeoutMs !== 'number' || !Number.isSafeInteger(timeoutMs) || timeoutMs < 1) invalidOption('timeoutMs', 'a positive integer', timeoutMs);
  const exitCode = options.exitCode;
  if (exitCode !== undefined && (typeof exitCode !== 'number' || !Number.isSafeInteger(exitCode) || exitCode < 0 || exitCode > 255)) {
    invalidOption('exitCode', 'an integer 0..255', exitCode);
  }
  const onError = options.onError;
  if (onError !== undefined && typeof onError !== 'function') invalidOption('onError', 'a function', onError);

  let started = false;
  const handler = (signal: NodeJS.Signals): void => {
    const code = exitCode ?? 128 + (constants.signals[signal] ?? 15);
    if (started) process.exit(code); // a second signal: the operator insists
    started = true;
    const timer = setTimeout(() => {
      onError?.(new Error(`shutdown did not settle within ${timeoutMs} ms`));
      process.exit(code);
    }, timeoutMs);
    Promise.resolve()
      .then(shutdown)
      .catch((err: unknown) => onError?.(err))
      .finally(() => {
        clearTimeout(timer);
        process.exit(code);
      });
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.removeListener(s, handler);
  };
}
