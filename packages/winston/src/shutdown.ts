/**
 * Exit helpers for winston applications. winston has no exit hook of its own: logger.end()
 * ends every transport and emits 'finish' when they all have, and that is the one reliable
 * "everything is shipped" signal (the transport's 'finish' waits for delivery and the final
 * seal). These two wrap it:
 *
 *   await endLogger(logger)          before process.exit(), or at the end of a script
 *   closeOnSignal(logger)            SIGTERM / SIGINT: end the logger, then exit 128 + signo
 *
 * In thread mode (the default) the transport's 'exit' hook also delivers what was logged
 * before a bare process.exit(); these helpers are still the way to exit with the final seal
 * acknowledged by the sink rather than merely sent within the hook's time limit.
 */
import { shutdownOnSignal, type ShutdownOnSignalOptions } from '@logseal/core';

/** The part of a winston Logger these helpers use. */
export interface EndableLogger {
  end(): unknown;
  once(event: 'finish' | 'error', listener: (...args: unknown[]) => void): unknown;
  removeListener(event: 'finish' | 'error', listener: (...args: unknown[]) => void): unknown;
  readonly writableFinished?: boolean;
}

/**
 * Ends `logger` and resolves on its 'finish', i.e. when every transport has finished: for
 * LogSealTransport, when everything logged is delivered (or spooled) and sealed `final`.
 * Resolves at once if the logger already finished. Never rejects: a transport 'error' is
 * winston's to report (it re-emits it on the logger).
 */
export function endLogger(logger: EndableLogger): Promise<void> {
  if (logger.writableFinished === true) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      logger.removeListener('finish', done);
      resolve();
    };
    logger.once('finish', done);
    logger.end();
  });
}

/**
 * Installs SIGTERM/SIGINT handlers that end `logger` (endLogger) and then exit with 128 + the
 * signal number, or after `timeoutMs` (default 10 s, inside Kubernetes' 30 s grace period)
 * whatever happens. Returns a function that removes the handlers. See @logseal/core's
 * shutdownOnSignal for the options.
 */
export function closeOnSignal(logger: EndableLogger, options?: ShutdownOnSignalOptions): () => void {
  return shutdownOnSignal(() => endLogger(logger), options);
}
