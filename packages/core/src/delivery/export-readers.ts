/**
 * Export readers: the reverse of the sink encoders. Whatever a sink gives back (an
 * Elasticsearch hit, a Loki line, a ClickHouse row, an OTLP LogRecord ...) decodeExport()
 * turns into the exact record envelope or seal object the chain hashed, ready for
 * verify(). The readers only unwrap: they never repair or judge an item, so a changed
 * item reaches the verifier, which names the change.
 *
 * Sinks do not keep LogSeal's order (Loki and Datadog return newest first, Elasticsearch
 * by score or sort key), and at-least-once delivery can store an item twice (Splunk HEC
 * has no idempotent ids). sortExport() puts decoded items back into the verifier's order
 * and drops exact duplicates, as the LogSeal collector does.
 */
import { invalidOption } from '../errors.js';
import { canonicalize } from '../integrity/canonical-json.js';
import { isSeal, type RecordEnvelope, type Seal } from '../integrity/types.js';
import { decodeClickhouse } from './encoders/clickhouse.js';
import { decodeDatadog } from './encoders/datadog.js';
import { decodeElasticsearch } from './encoders/elasticsearch.js';
import { type EncoderFormat, ENCODER_FORMATS, isEncoderFormat } from './encoders/index.js';
import { decodeJson } from './encoders/json.js';
import { decodeLogseal } from './encoders/logseal.js';
import { decodeLoki } from './encoders/loki.js';
import { decodeNdjson } from './encoders/ndjson.js';
import { decodeOtlp } from './encoders/otlp.js';
import { decodeSplunk } from './encoders/splunk.js';

const READERS: Record<EncoderFormat, (item: unknown) => RecordEnvelope | Seal> = {
  logseal: decodeLogseal,
  ndjson: decodeNdjson,
  json: decodeJson,
  elasticsearch: decodeElasticsearch,
  loki: decodeLoki,
  splunk: decodeSplunk,
  datadog: decodeDatadog,
  otlp: decodeOtlp,
  clickhouse: decodeClickhouse,
};

/**
 * One exported item (a document, line, row or log record; as text or parsed) -> the
 * record or seal. Throws LOGSEAL_ERR_EXPORT_FORMAT when the item holds no LogSeal item.
 * Never mutates `item`.
 */
export function decodeExport(format: EncoderFormat | string, item: unknown): RecordEnvelope | Seal {
  if (!isEncoderFormat(format)) invalidOption('format', `one of ${ENCODER_FORMATS.join(', ')}`, format);
  return READERS[format](item);
}

/** Position of an item in its stream: records at 2*seq, a seal right after its lastSeq. */
function position(x: RecordEnvelope | Seal): [number, number] | null {
  if (isSeal(x)) return typeof x.lastSeq === 'number' && typeof x.batch === 'number' ? [2 * x.lastSeq + 1, x.batch] : null;
  return typeof x.seq === 'number' ? [2 * x.seq, 0] : null;
}

/**
 * Decoded items in verification order: grouped by stream (in order of first appearance),
 * each stream's records by seq with every seal right after its last record (heartbeat
 * seals, which share a position, by batch). Exact duplicates (same canonical JSON) are
 * dropped unless `dedupe: false`; a duplicate that differs is kept for the verifier to
 * report. Items without a usable seq or batch stay, after their stream's others. Holds
 * the whole export in memory: for large exports, let the sink sort (docs/sinks.md).
 */
export function sortExport(items: Iterable<RecordEnvelope | Seal>, options: { dedupe?: boolean } = {}): (RecordEnvelope | Seal)[] {
  const dedupe = options.dedupe ?? true;
  if (typeof dedupe !== 'boolean') invalidOption('dedupe', 'a boolean', dedupe);
  const streams = new Map<string, { item: RecordEnvelope | Seal; pos: [number, number] | null; n: number }[]>();
  const seen = new Set<string>();
  let n = 0;
  for (const item of items) {
    if (dedupe) {
      let key: string;
      try {
        key = canonicalize(item);
      } catch {
        key = `\u0000${n}`; // not canonicalizable: never a duplicate; the verifier reports it
      }
      if (seen.has(key)) continue;
      seen.add(key);
    }
    const sid = typeof item.sid === 'string' ? item.sid : '';
    let list = streams.get(sid);
    if (list === undefined) streams.set(sid, (list = []));
    list.push({ item, pos: position(item), n: n++ });
  }
  const out: (RecordEnvelope | Seal)[] = [];
  for (const list of streams.values()) {
    list.sort((a, b) => {
      if (a.pos === null || b.pos === null) return a.pos === b.pos ? a.n - b.n : a.pos === null ? 1 : -1;
      return a.pos[0] - b.pos[0] || a.pos[1] - b.pos[1] || a.n - b.n;
    });
    for (const e of list) out.push(e.item);
  }
  return out;
}
