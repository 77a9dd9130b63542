/**
 * 'loki': the Grafana Loki push API, JSON flavour: POST /loki/api/v1/push with
 *   {"streams":[{"stream":{<labels>},"values":[["<unix ns>","<line>"], ...]}]}
 * Timestamps are nanoseconds as decimal strings (Loki's JSON push format; a JS number
 * cannot hold them exactly). Each line is the RFC 8785 form of the record or seal, so a
 * query result's line is what the chain hashed; seals go in the same stream, after the
 * batch's records. Loki answers 204 with no body; it keeps entries with the same stream,
 * timestamp and line only once, so a resent batch is not stored twice.
 *
 * Labels are static (option `labels`, default {job="logseal"}) to keep the number of
 * streams low, as Loki's label best practices ask: sid, seq and the like live in the line
 * (query them with `| json`). `sidLabel: true` adds `logseal_sid` as a label: one stream
 * per process start, which makes "everything of stream X" a cheap query but multiplies
 * streams for short-lived processes; it is off by default.
 */
import { invalidOption, rejectUnknownOptions } from '../../errors.js';
import type { RecordEnvelope, Seal } from '../../integrity/types.js';
import type { EncodedRequest, Encoder, ItemRef, OutBatch } from '../types.js';
import { asEnvelope, asOptions, isObject, msToNs, optBool, optString, optStringMap, selectItems } from './common.js';

export interface LokiOptions {
  /** Static stream labels (default { job: 'logseal' }). Loki needs at least one. */
  labels?: Record<string, string>;
  /** Add the stream id as label `logseal_sid` (default false: see above). */
  sidLabel?: boolean;
  /** Multi-tenant Loki: sent as the X-Scope-OrgID header. */
  tenant?: string;
}

const OPTIONS = ['labels', 'sidLabel', 'tenant'];
/** Prometheus label names; names starting with __ are reserved for internal use. */
const LABEL_NAME = /^(?!__)[a-zA-Z_][a-zA-Z0-9_]{0,127}$/;
/** Loki's default limits_config.max_label_names_per_series. */
const MAX_LABELS = 15;

export function createLokiEncoder(options?: unknown): Encoder {
  const o = asOptions(options);
  rejectUnknownOptions('loki', o, OPTIONS);
  const sidLabel = optBool(o, 'loki', 'sidLabel') ?? false;
  const labels = optStringMap(o, 'loki', 'labels', LABEL_NAME, sidLabel ? MAX_LABELS - 1 : MAX_LABELS) ?? { job: 'logseal' };
  // Loki rejects a stream without labels.
  if (Object.keys(labels).length === 0) invalidOption('loki.labels', 'at least one label', labels);
  const tenant = optString(o, 'loki', 'tenant', /^[^\r\n]+$/, 'a tenant id without line breaks');
  const headers = tenant === undefined ? undefined : { 'X-Scope-OrgID': tenant };

  function encode(batch: OutBatch, only?: readonly ItemRef[]): EncodedRequest[] {
    const items = selectItems(batch, only);
    if (items.length === 0) return [];
    const stream = sidLabel ? { ...labels, logseal_sid: batch.sid } : labels;
    const values = items.map((it) => [msToNs(it.ts), it.json]);
    const body = JSON.stringify({ streams: [{ stream, values }] });
    const req: EncodedRequest = { path: '/loki/api/v1/push', method: 'POST', contentType: 'application/json', body, items: items.map((it) => it.ref) };
    if (headers !== undefined) req.headers = headers;
    return [req];
  }

  return { format: 'loki', encode };
}

/**
 * One entry: the line (string), a `[ts, line]` value pair as pushed or as returned by
 * query_range (`data.result[].values[]`), or an object with a `line` field.
 */
export function decodeLoki(item: unknown): RecordEnvelope | Seal {
  let line: unknown = item;
  if (Array.isArray(item)) line = item[1];
  else if (isObject(item) && typeof item.line === 'string') line = item.line;
  if (typeof line !== 'string') return asEnvelope('loki', undefined);
  return asEnvelope('loki', line);
}
