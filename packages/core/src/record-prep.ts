/**
 * What happens to a log object before it is chained, shared by the pipeline and the CLI's
 * `logseal seal`: pick its timestamp, redact it, and attach the redaction summary.
 */
import type { Redactor } from './redact/redactor.js';

/** Timestamp of a log object: pino's `time` (ms), a `timestamp` (ISO or ms, as winston writes it), else the clock. */
export function recordTime(obj: unknown, clock: () => number): number {
  if (typeof obj === 'object' && obj !== null) {
    const o = obj as { time?: unknown; timestamp?: unknown };
    for (const t of [o.time, o.timestamp]) {
      if (typeof t === 'number' && Number.isSafeInteger(t) && t >= 0) return t;
      if (typeof t === 'string' && t.length <= 40) {
        const ms = Date.parse(t);
        if (Number.isSafeInteger(ms) && ms >= 0) return ms;
      }
    }
  }
  return clock();
}

/**
 * The body to chain: the redacted value, carrying `_redacted` (policy, version, counts per
 * class: never a value or a key) when anything was redacted, as its RFC 8785 text.
 */
export function redactForChain(redactor: Redactor, obj: unknown, position: number): { bodyJson: string; redactions: number } {
  const r = redactor.redactCanonical(obj, position);
  return { bodyJson: r.json, redactions: r.findings.length };
}

/** A log object made ready to chain: its canonical redacted body, its time and its redaction count. */
export interface PreparedRecord {
  readonly bodyJson: string;
  readonly ts: number;
  readonly redactions: number;
}

/**
 * What Pipeline.write() does to a log object before chaining it, for adapters that do it in
 * another thread than the pipeline's (Pipeline.writePrepared): @logseal/winston redacts in
 * the application's thread, so only redacted text ever crosses to the pipeline worker.
 */
export function prepareRecord(redactor: Redactor, obj: unknown, position: number, clock: () => number): PreparedRecord {
  const ts = recordTime(obj, clock);
  const { bodyJson, redactions } = redactForChain(redactor, obj, position);
  return { bodyJson, ts, redactions };
}
