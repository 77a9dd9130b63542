/**
 * 'otlp': OpenTelemetry Protocol logs over HTTP, JSON encoding: POST /v1/logs with an
 * ExportLogsServiceRequest in the OTLP/JSON mapping of the protobuf (opentelemetry-proto
 * docs/specification.md "JSON Protobuf Encoding": lowerCamelCase field names, 64-bit
 * integers as decimal strings, enums as integers):
 *   {"resourceLogs":[{"resource":{"attributes":[service.name ...]},
 *     "scopeLogs":[{"scope":{"name":"logseal"},"logRecords":[{
 *       "timeUnixNano":"<ts ns>","observedTimeUnixNano":"<seal time ns>",
 *       "severityNumber":9,"severityText":"INFO",
 *       "body":{"stringValue":"<item as JSON text>"},
 *       "attributes":[logseal.sid, logseal.seq | logseal.batch, logseal.kind]}]}]}]}
 * The body is the RFC 8785 form of the record or seal as a string (not a kvlistValue:
 * AnyValue cannot tell an integer from a float or keep key order, and the verifier needs
 * the exact JSON values back).
 *
 * Severity comes from the record body's `level`: pino's numbers (10 trace .. 60 fatal)
 * and level names (npm and syslog names as winston uses them), mapped to the Logs Data
 * Model's SeverityNumber ranges (TRACE 1-4, DEBUG 5-8, INFO 9-12, WARN 13-16, ERROR 17-20,
 * FATAL 21-24; syslog per the Data Model appendix). Gap records are WARN, seals INFO.
 *
 * Partial failure: the collector answers 200 with `partialSuccess.rejectedLogRecords` =
 * N when it dropped N records, without saying which, and the client MUST NOT retry
 * (OTLP specification, "Partial Success"). readItems() therefore reports every item of
 * the request as failed, not retryable, with the count in the reason and in `rejected`:
 * the sender dead-letters the whole request, so the N lost records are among what the
 * dead-letter file keeps (never lost silently), at the cost of also keeping M - N that
 * did arrive.
 */
import { invalidOption, rejectUnknownOptions } from '../../errors.js';
import type { RecordEnvelope, Seal } from '../../integrity/types.js';
import type { EncodedRequest, Encoder, ItemOutcome, ItemRef, OutBatch } from '../types.js';
import { asEnvelope, asOptions, isObject, msToNs, optString, optStringMap, selectItems, tryParse, type Selected } from './common.js';

export interface OtlpOptions {
  /** Resource attribute service.name (default 'unknown_service', the semantic-conventions default). */
  serviceName?: string;
  /** Further resource attributes (string values), e.g. { 'deployment.environment': 'prod' }. */
  resource?: Record<string, string>;
}

/** What readItems() returns: ItemOutcome plus the collector's own count of rejected records. */
export interface OtlpItemOutcome extends ItemOutcome {
  rejected: number;
}

const OPTIONS = ['serviceName', 'resource'];
const ATTR_KEY = /^[A-Za-z0-9_.\-/]{1,255}$/;

const NAMES = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
/** Level names -> SeverityNumber (npm levels as winston uses them, and syslog levels). */
const BY_NAME: Record<string, number> = {
  trace: 1, silly: 1, debug: 5, verbose: 6, http: 9, info: 9, informational: 9, notice: 10,
  warn: 13, warning: 13, error: 17, err: 17, crit: 18, critical: 18, alert: 19, emerg: 21, emergency: 21, fatal: 21,
};

/** pino levels: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal; custom levels fall in the band below the next. */
export function severityOf(level: unknown): { number: number; text: string } | null {
  if (typeof level === 'number' && Number.isFinite(level)) {
    const band = Math.min(5, Math.max(0, Math.floor(level / 10) - 1));
    return { number: 1 + band * 4, text: NAMES[band]! };
  }
  if (typeof level === 'string') {
    const n = BY_NAME[level.toLowerCase()];
    if (n !== undefined) return { number: n, text: level };
  }
  return null;
}

function str(key: string, value: string): object {
  return { key, value: { stringValue: value } };
}

function int(key: string, value: number): object {
  return { key, value: { intValue: String(value) } };
}

function logRecord(it: Selected, sid: string, batch: number, observed: string): object {
  const rec: Record<string, unknown> = { timeUnixNano: msToNs(it.ts), observedTimeUnixNano: observed };
  const sev = it.kind === 'seal'
    ? { number: 9, text: 'INFO' }
    : it.kind === 'gap'
      ? { number: 13, text: 'WARN' }
      : severityOf(isObject(it.record.body) ? it.record.body.level : undefined);
  if (sev !== null) {
    rec.severityNumber = sev.number;
    rec.severityText = sev.text;
  }
  rec.body = { stringValue: it.json };
  rec.attributes = it.kind === 'seal'
    ? [str('logseal.sid', sid), int('logseal.batch', batch), str('logseal.kind', 'seal')]
    : [str('logseal.sid', sid), int('logseal.seq', it.record.seq), int('logseal.batch', batch), str('logseal.kind', it.kind)];
  return rec;
}

export function readPartialSuccess(req: EncodedRequest, status: number, body: string): OtlpItemOutcome {
  const parsed = tryParse(body);
  const ps = isObject(parsed) && isObject(parsed.partialSuccess) ? parsed.partialSuccess : null;
  // int64 in OTLP/JSON: a decimal string, though some servers write a number.
  const raw = ps?.rejectedLogRecords;
  const n = typeof raw === 'string' ? Number(raw) : typeof raw === 'number' ? raw : 0;
  const rejected = Number.isSafeInteger(n) && n > 0 ? n : 0;
  if (rejected === 0) return { failed: [], rejected: 0 };
  const msg = typeof ps?.errorMessage === 'string' && ps.errorMessage.length > 0 ? `: ${ps.errorMessage.slice(0, 300)}` : '';
  const reason = `OTLP partial success: ${rejected} of ${req.items.length} log records rejected, unattributed${msg}`;
  return { failed: req.items.map((_, index) => ({ index, status, retryable: false, reason })), rejected };
}

export function createOtlpEncoder(options?: unknown): Encoder {
  const o = asOptions(options);
  rejectUnknownOptions('otlp', o, OPTIONS);
  const serviceName = optString(o, 'otlp', 'serviceName') ?? 'unknown_service';
  const extra = optStringMap(o, 'otlp', 'resource', ATTR_KEY, 128) ?? {};
  if ('service.name' in extra) invalidOption('otlp.resource', "without 'service.name' (set it with otlp.serviceName)");
  const resource = { attributes: [str('service.name', serviceName), ...Object.entries(extra).map(([k, v]) => str(k, v))] };

  function encode(batch: OutBatch, only?: readonly ItemRef[]): EncodedRequest[] {
    const items = selectItems(batch, only);
    if (items.length === 0) return [];
    const observed = msToNs(batch.seal.sealedAt);
    const logRecords = items.map((it) => logRecord(it, batch.sid, batch.batch, observed));
    const body = JSON.stringify({ resourceLogs: [{ resource, scopeLogs: [{ scope: { name: 'logseal' }, logRecords }] }] });
    return [{ path: '/v1/logs', method: 'POST', contentType: 'application/json', body, items: items.map((it) => it.ref) }];
  }

  return { format: 'otlp', encode, readItems: readPartialSuccess };
}

/** One LogRecord (OTLP/JSON object or text), or just its body string. */
export function decodeOtlp(item: unknown): RecordEnvelope | Seal {
  const parsed = typeof item === 'string' ? tryParse(item) : item;
  if (isObject(parsed) && isObject(parsed.body) && typeof parsed.body.stringValue === 'string') {
    return asEnvelope('otlp', parsed.body.stringValue);
  }
  return asEnvelope('otlp', parsed);
}
