/**
 * 'splunk': the Splunk HTTP Event Collector (HEC), JSON event endpoint:
 * POST /services/collector/event with a body of concatenated JSON event objects
 * ("batched" events, one per line here for readability):
 *   {"time":<epoch seconds>.<ms>,"host":..,"source":..,"sourcetype":..,"index":..,"event":<item>}
 * `event` is the record envelope or the seal object itself (its RFC 8785 form), so the
 * indexed `_raw` is the JSON the chain hashed. `time` is the record's `ts` (the seal's
 * `sealedAt`) in seconds with millisecond decimals, written exactly from the integer ms.
 *
 * Authentication is the header `Authorization: Splunk <HEC token>`: configure it as a
 * custom header on the sender; encoders never see credentials. With indexer
 * acknowledgement on, set `channel` (a GUID): it is sent as X-Splunk-Request-Channel.
 *
 * HEC answers 200 {"text":"Success","code":0} for the whole request. It has no per-item
 * status on success; an error (400 {"text":"Invalid data format","code":6,
 * "invalid-event-number":N}) says events before N may already be indexed, and HEC has
 * no idempotent ids, so a resend can store them twice: the export reader's sortExport()
 * drops such exact duplicates before verification.
 */
import { rejectUnknownOptions } from '../../errors.js';
import type { RecordEnvelope, Seal } from '../../integrity/types.js';
import type { EncodedRequest, Encoder, ItemRef, OutBatch } from '../types.js';
import { asEnvelope, asOptions, isObject, optString, selectItems, tryParse } from './common.js';

export interface SplunkOptions {
  host?: string;
  source?: string;
  sourcetype?: string;
  index?: string;
  /** HEC channel GUID, required by Splunk when indexer acknowledgement is enabled. */
  channel?: string;
}

const OPTIONS = ['host', 'source', 'sourcetype', 'index', 'channel'] as const;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Integer milliseconds -> epoch seconds with exactly three decimals (no float rounding). */
export function epochSeconds(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${s}.${String(ms - s * 1000).padStart(3, '0')}`;
}

export function createSplunkEncoder(options?: unknown): Encoder {
  const o = asOptions(options);
  rejectUnknownOptions('splunk', o, OPTIONS);
  let meta = '';
  for (const k of ['host', 'source', 'sourcetype', 'index'] as const) {
    const v = optString(o, 'splunk', k);
    if (v !== undefined) meta += `,${JSON.stringify(k)}:${JSON.stringify(v)}`;
  }
  const channel = optString(o, 'splunk', 'channel', GUID, 'a GUID');
  const headers = channel === undefined ? undefined : { 'X-Splunk-Request-Channel': channel };

  function encode(batch: OutBatch, only?: readonly ItemRef[]): EncodedRequest[] {
    const items = selectItems(batch, only);
    if (items.length === 0) return [];
    let body = '';
    for (const it of items) body += `{"time":${epochSeconds(it.ts)}${meta},"event":${it.json}}\n`;
    const req: EncodedRequest = { path: '/services/collector/event', method: 'POST', contentType: 'application/json', body, items: items.map((it) => it.ref) };
    if (headers !== undefined) req.headers = headers;
    return [req];
  }

  return { format: 'splunk', encode };
}

/**
 * An HEC event object as sent ({time, ..., event}), or the event itself: a search
 * result's `_raw` (JSON text) or its parsed form.
 */
export function decodeSplunk(item: unknown): RecordEnvelope | Seal {
  const parsed = typeof item === 'string' ? tryParse(item) : item;
  if (isObject(parsed) && !('sid' in parsed) && 'event' in parsed) {
    const ev = parsed.event;
    return asEnvelope('splunk', ev);
  }
  return asEnvelope('splunk', parsed);
}
