/**
 * Shapes of the messages the pipeline publishes on `node:diagnostics_channel` (issue 4
 * item 9; DESIGN convention 6). Types only: the publishers are deliverer.ts (send, retry,
 * dead-letter), pipeline.ts (drop) and redact/redactor.ts (redact, RedactEvent). A channel
 * with no subscriber costs one `hasSubscribers` check; messages are built only when someone
 * listens. No message ever carries a record, a value or a credential: ids, counts, statuses
 * and reasons only. docs/delivery.md describes each field; test/delivery-observability.test.ts
 * checks them against real traffic.
 *
 * ```js
 * import { subscribe } from 'node:diagnostics_channel';
 * subscribe('logseal:retry', (m) => metrics.retries.inc({ action: m.action }));
 * ```
 */

/** `logseal:send`: one HTTP request finished, whatever its outcome (a batch may take several). */
export interface SendEvent {
  sid: string;
  /** Seal batch number within the stream. */
  batch: number;
  /** Items in the request: records plus the seal (fewer on a partial resend). */
  items: number;
  /** Body bytes put on the wire (after gzip). */
  bytes: number;
  /** 'ok' (2xx), 'retryable' (network error, timeout, a status in the retry set) or 'fatal'. */
  kind: 'ok' | 'retryable' | 'fatal';
  /** HTTP status; undefined when no answer came (reset, timeout, refused, not HTTP). */
  status: number | undefined;
  /** Duration of the request in ms (performance.now()). */
  ms: number;
}

/** `logseal:retry`: a batch failed and will be sent again after `delayMs`. */
export interface RetryEvent {
  sid: string;
  batch: number;
  /** Failed attempts of this batch so far (1 after the first failure). */
  attempt: number;
  delayMs: number;
  /** 'retry': within the batch's deadline; 'wait': past it, but the sink looks down (nothing else succeeded). */
  action: 'retry' | 'wait';
  /** The last error, e.g. "HTTP 503: ..." or "UND_ERR_SOCKET: other side closed". */
  reason: string;
}

/** `logseal:drop`: records were dropped under a memory or spool overflow policy. */
export interface DropEvent {
  /** 'drop-newest': the record being written; 'drop-oldest': the oldest queued batch not in flight. */
  policy: 'drop-newest' | 'drop-oldest';
  /** Records dropped by this event (gap records that left with a batch are not counted). */
  dropped: number;
  /** drop-oldest only: the batch that left. */
  sid?: string;
  batch?: number;
}

/** `logseal:dead-letter`: a batch, or some items of a batch, went to the dead-letter file. */
export interface DeadLetterEvent {
  sid: string;
  batch: number;
  /** Records dead-lettered by this event (0 when only the seal was refused). */
  records: number;
  reason: string;
  /** HTTP status of the refusal; undefined for a failure without one (TLS, an unbuildable request, a poison batch on a network error). */
  status: number | undefined;
}
