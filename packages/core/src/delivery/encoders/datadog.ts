/**
 * 'datadog': the Datadog Logs intake, API v2: POST /api/v2/logs with a JSON array of
 *   {"ddsource":..,"ddtags":..,"hostname":..,"service":..,"message":"<item as JSON text>"}
 * `message` is the RFC 8785 form of the record or seal, as a string, so the line the chain
 * hashed is what Datadog receives. Authentication is the DD-API-KEY header: configure it
 * on the sender.
 *
 * Limits per request (Datadog "Send logs" API reference): 5 MB uncompressed payload,
 * 1,000 entries, 1 MB per log. A batch over either request limit is split into several
 * requests, in order. A log over 1 MB is NOT sent: Datadog would accept it and truncate it
 * (answering 2xx), and a truncated record can never verify, so encode() throws
 * LOGSEAL_ERR_ENCODE_LIMIT naming the seq instead (the sender dead-letters the batch with
 * that reason; keep records smaller than 1 MB, e.g. with the batcher's record size cap).
 * Limits are counted in UTF-8 bytes with decimal MB (5,000,000 and 1,000,000), a margin
 * below the binary reading of "MB".
 *
 * Datadog answers 202 for the whole request; there is no per-item status.
 */
import { LogSealError, rejectUnknownOptions } from '../../errors.js';
import type { RecordEnvelope, Seal } from '../../integrity/types.js';
import type { EncodedRequest, Encoder, ItemRef, OutBatch } from '../types.js';
import { asEnvelope, asOptions, isObject, optInt, optString, selectItems, tryParse, utf8Bytes } from './common.js';

export const DATADOG_MAX_BYTES = 5_000_000;
export const DATADOG_MAX_ENTRIES = 1000;
export const DATADOG_MAX_ENTRY_BYTES = 1_000_000;

export interface DatadogOptions {
  service?: string;
  hostname?: string;
  /** Default 'logseal'. */
  ddsource?: string;
  /** Comma-separated `key:value` tags, e.g. 'env:prod,team:core'. */
  ddtags?: string;
  /** Per-request payload cap in bytes, at most (and by default) 5,000,000. */
  maxBytes?: number;
  /** Per-request entry cap, at most (and by default) 1,000. */
  maxEntries?: number;
}

const OPTIONS = ['service', 'hostname', 'ddsource', 'ddtags', 'maxBytes', 'maxEntries'];

export function createDatadogEncoder(options?: unknown): Encoder {
  const o = asOptions(options);
  rejectUnknownOptions('datadog', o, OPTIONS);
  const fields: Record<string, string> = { ddsource: optString(o, 'datadog', 'ddsource') ?? 'logseal' };
  for (const k of ['ddtags', 'hostname', 'service'] as const) {
    const v = optString(o, 'datadog', k);
    if (v !== undefined) fields[k] = v;
  }
  // A request must hold at least one entry of the largest allowed size: '[' entry ']'.
  const maxBytes = optInt(o, 'datadog', 'maxBytes', 1024, DATADOG_MAX_BYTES) ?? DATADOG_MAX_BYTES;
  const maxEntries = optInt(o, 'datadog', 'maxEntries', 1, DATADOG_MAX_ENTRIES) ?? DATADOG_MAX_ENTRIES;
  const maxEntryBytes = Math.min(DATADOG_MAX_ENTRY_BYTES, maxBytes - 2);
  const prefix = JSON.stringify(fields).slice(0, -1) + ',"message":';

  function encode(batch: OutBatch, only?: readonly ItemRef[]): EncodedRequest[] {
    const items = selectItems(batch, only);
    const out: EncodedRequest[] = [];
    let entries: string[] = [];
    let refs: ItemRef[] = [];
    let bytes = 2; // '[' and ']'
    const flush = (): void => {
      if (entries.length === 0) return;
      out.push({ path: '/api/v2/logs', method: 'POST', contentType: 'application/json', body: '[' + entries.join(',') + ']', items: refs });
      entries = [];
      refs = [];
      bytes = 2;
    };
    for (const it of items) {
      const entry = prefix + JSON.stringify(it.json) + '}';
      const size = utf8Bytes(entry);
      if (size > maxEntryBytes) {
        const what = it.ref.kind === 'record' ? `record seq ${it.ref.seq}` : `seal of batch ${it.ref.batch}`;
        throw new LogSealError(
          'LOGSEAL_ERR_ENCODE_LIMIT',
          `datadog: ${what} of stream ${batch.sid} is ${size} bytes as a log entry, over the ${maxEntryBytes}-byte limit (Datadog would truncate it)`,
        );
      }
      const sep = entries.length === 0 ? 0 : 1;
      if (entries.length >= maxEntries || bytes + sep + size > maxBytes) flush();
      bytes += (entries.length === 0 ? 0 : 1) + size;
      entries.push(entry);
      refs.push(it.ref);
    }
    flush();
    return out;
  }

  return { format: 'datadog', encode };
}

/**
 * A log entry as sent (`message` holds the JSON text), the message string itself, or an
 * event from the Logs Search API v2 (`{attributes: {message, attributes: {...}}}`):
 * Datadog parses a JSON message into attributes, so when the message is not kept as
 * JSON text the envelope is rebuilt from the parsed attributes, keeping only the
 * envelope's and seal's own fields (anything Datadog adds is not covered by the chain).
 */
const RECORD_KEYS = ['v', 'sid', 'seq', 'ts', 'prev', 'kind', 'body', 'h'];
const SEAL_KEYS = [
  'v', 'type', 'sid', 'batch', 'epoch', 'firstSeq', 'lastSeq', 'count', 'firstPrev', 'head', 'root',
  'prevSeal', 'tsMin', 'tsMax', 'sealedAt', 'kid', 'final', 'meta', 'mac', 'sig',
];

export function decodeDatadog(item: unknown): RecordEnvelope | Seal {
  const parsed = typeof item === 'string' ? tryParse(item) : item;
  if (!isObject(parsed)) return asEnvelope('datadog', parsed);
  if ('sid' in parsed) return asEnvelope('datadog', parsed);
  const event = isObject(parsed.attributes) ? parsed.attributes : parsed;
  const fromMessage = typeof event.message === 'string' ? tryParse(event.message) : null;
  if (isObject(fromMessage) && 'sid' in fromMessage) return asEnvelope('datadog', fromMessage);
  const attrs = isObject(event.attributes) ? event.attributes : null;
  if (attrs === null) return asEnvelope('datadog', undefined);
  const keys = attrs.type === 'seal' ? SEAL_KEYS : RECORD_KEYS;
  const picked: Record<string, unknown> = {};
  for (const k of keys) if (k in attrs) picked[k] = attrs[k];
  return asEnvelope('datadog', picked);
}
