/**
 * What the transport reports on its 'warn' event, as winston transports do (winston's Http
 * transport emits 'warn' for every failed request; the logger re-emits a transport's 'warn'
 * and 'error' with the transport as second argument). 'warn' never stops the application:
 * with no listener it is simply not heard. Errors that end the transport go to 'error'.
 *
 * Delivery trouble is read from @logseal/core's diagnostics channels (DESIGN convention 6),
 * filtered to this transport's stream id, in whichever thread runs the pipeline.
 */
import * as diagnostics_channel from 'node:diagnostics_channel';
import { DEAD_LETTER_CHANNEL, RETRY_CHANNEL } from '../delivery/deliverer.js';
import type { DeadLetterEvent, RetryEvent } from '../delivery/events.js';

/** Codes of the warnings this transport emits (LogSealError codes are for thrown errors). */
export const WARNING_CODES = {
  LOGSEAL_WARN_RETRY: 'A batch was not accepted by the sink and will be retried.',
  LOGSEAL_WARN_DEAD_LETTER: 'A batch was given up on and written to the dead-letter file; the chain records the gap.',
  LOGSEAL_WARN_DELIVERY: 'The pipeline reported a delivery error (spool, dead-letter file or sender trouble).',
  LOGSEAL_WARN_CLOSE: 'close() ended before everything was delivered: records were spooled for the next start, or lost.',
  LOGSEAL_WARN_AFTER_CLOSE: 'A record was logged after the transport closed; it was not shipped.',
} as const;
export type WarningCode = keyof typeof WARNING_CODES;

/** The Error emitted on 'warn'. */
export class LogSealWarning extends Error {
  readonly code: string;
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'LogSealWarning';
    this.code = code;
    if (details !== undefined) Object.assign(this, details);
  }
}

/** Calls `warn` for retries and dead letters of stream `sid`; returns the unsubscriber. */
export function watchDelivery(sid: string, warn: (w: LogSealWarning) => void): () => void {
  const onRetry = (m: unknown): void => {
    const r = m as RetryEvent;
    if (r.sid !== sid) return;
    warn(new LogSealWarning('LOGSEAL_WARN_RETRY', `LogSeal: batch ${r.batch} not accepted (${r.reason}); retry ${r.attempt} in ${Math.round(r.delayMs)} ms`, { batch: r.batch, attempt: r.attempt, reason: r.reason }));
  };
  const onDead = (m: unknown): void => {
    const d = m as DeadLetterEvent;
    if (d.sid !== sid) return;
    warn(new LogSealWarning('LOGSEAL_WARN_DEAD_LETTER', `LogSeal: batch ${d.batch} (${d.records} records) dead-lettered: ${d.reason}`, { batch: d.batch, records: d.records, reason: d.reason }));
  };
  diagnostics_channel.subscribe(RETRY_CHANNEL, onRetry);
  diagnostics_channel.subscribe(DEAD_LETTER_CHANNEL, onDead);
  return () => {
    diagnostics_channel.unsubscribe(RETRY_CHANNEL, onRetry);
    diagnostics_channel.unsubscribe(DEAD_LETTER_CHANNEL, onDead);
  };
}
