/**
 * 'elasticsearch' (and OpenSearch): the `_bulk` API. The body is NDJSON, action line then
 * source line per item, ending with LF (the _bulk API rejects a body without the final
 * newline). Every action is `create` with a stable `_id`:
 *   records  `<sid>:<seq>`        seals  `<sid>:seal:<batch>`
 * so resending an item can never index it twice: a second `create` of the same id fails
 * with 409 version_conflict_engine_exception, which here means "already stored" = success
 * (winston-elasticsearch#165 duplicated documents by retrying `index` actions without ids).
 * `create` is also the only op_type data streams accept, and data streams need the
 * `@timestamp` field, so each document is the envelope (or seal) plus `@timestamp`
 * (ISO 8601 of `ts`, or of `sealedAt` for a seal); the export reader drops `@timestamp`
 * and gets back the exact object the chain hashed.
 *
 * _bulk answers 200 even when items failed: `errors: true` and a status per item, in
 * request order. readItems() maps them back: 2xx and 409 succeeded, 429 and 5xx are
 * retryable (es_rejected_execution_exception, unavailable shards), any other status (400
 * mapper_parsing_exception, 403 index closed or read-only ...) is not.
 */
import { invalidOption, rejectUnknownOptions } from '../../errors.js';
import type { RecordEnvelope, Seal } from '../../integrity/types.js';
import type { EncodedRequest, Encoder, ItemOutcome, ItemRef, OutBatch } from '../types.js';
import { asEnvelope, asOptions, isObject, isoTime, optString, selectItems, tryParse, utf8Bytes } from './common.js';
import { NDJSON_TYPE } from './logseal.js';

export interface ElasticsearchOptions {
  /** Index, alias or data stream name (required). Date math is not supported: name the alias. */
  index: string;
  /** Ingest pipeline to run (`?pipeline=`). It must not rewrite the LogSeal fields. */
  pipeline?: string;
}

const OPTIONS = ['index', 'pipeline'];

/**
 * Elasticsearch index naming rules (Create index API, "Path parameters"): lowercase, none
 * of \ / * ? " < > | space , # (nor ':' since 7.0), not starting with - _ +, not . or ..,
 * at most 255 bytes. OpenSearch has the same rules.
 */
const INDEX_NAME = /^(?![-_+])(?!\.\.?$)[^A-Z\\/*?"<>| ,#:\u0000-\u001f]+$/;

export function documentId(sid: string, ref: ItemRef): string {
  return ref.kind === 'record' ? `${sid}:${ref.seq}` : `${sid}:seal:${ref.batch}`;
}

function failAll(req: EncodedRequest, status: number, reason: string): ItemOutcome {
  // Every action is an idempotent create, so resending all of them is always safe.
  return { failed: req.items.map((_, index) => ({ index, status, retryable: true, reason })) };
}

export function readBulkResponse(req: EncodedRequest, status: number, body: string): ItemOutcome {
  const parsed = tryParse(body);
  if (!isObject(parsed)) return failAll(req, status, 'unreadable _bulk response');
  const items = parsed.items;
  if (!Array.isArray(items)) {
    return parsed.errors === false ? { failed: [] } : failAll(req, status, '_bulk response without items');
  }
  if (items.length !== req.items.length) return failAll(req, status, `_bulk response has ${items.length} items for ${req.items.length} actions`);
  const failed: ItemOutcome['failed'][number][] = [];
  items.forEach((entry: unknown, index) => {
    // Each entry is keyed by its action: { "create": { "_id", "status", "error"? } }.
    const op = isObject(entry) ? Object.values(entry)[0] : undefined;
    const st = isObject(op) ? op.status : undefined;
    if (typeof st !== 'number') {
      failed.push({ index, status, retryable: true, reason: 'item without a status' });
      return;
    }
    if ((st >= 200 && st < 300) || st === 409) return;
    const err = isObject(op) && isObject(op.error) ? op.error : {};
    const type = typeof err.type === 'string' ? err.type : 'error';
    const why = typeof err.reason === 'string' ? `: ${err.reason.slice(0, 300)}` : '';
    failed.push({ index, status: st, retryable: st === 429 || st >= 500, reason: type + why });
  });
  return { failed };
}

export function createElasticsearchEncoder(options?: unknown): Encoder {
  const o = asOptions(options);
  rejectUnknownOptions('elasticsearch', o, OPTIONS);
  if (o.index === undefined) invalidOption('elasticsearch.index', 'given (an index, alias or data stream name)');
  const index = optString(o, 'elasticsearch', 'index', INDEX_NAME, 'a lowercase Elasticsearch index name')!;
  if (utf8Bytes(index) > 255) invalidOption('elasticsearch.index', 'at most 255 bytes', index);
  const pipeline = optString(o, 'elasticsearch', 'pipeline');
  const path = '/_bulk' + (pipeline === undefined ? '' : `?pipeline=${encodeURIComponent(pipeline)}`);
  const indexJson = JSON.stringify(index);

  function encode(batch: OutBatch, only?: readonly ItemRef[]): EncodedRequest[] {
    const items = selectItems(batch, only);
    if (items.length === 0) return [];
    let body = '';
    for (const it of items) {
      const id = JSON.stringify(documentId(batch.sid, it.ref));
      body += `{"create":{"_index":${indexJson},"_id":${id}}}\n`;
      // The canonical line is a non-empty object: splice @timestamp in front of its members.
      body += `{"@timestamp":"${isoTime(it.ts)}",` + it.json.slice(1) + '\n';
    }
    return [{ path, method: 'POST', contentType: NDJSON_TYPE, body, items: items.map((it) => it.ref) }];
  }

  return { format: 'elasticsearch', encode, readItems: readBulkResponse };
}

/** A document's `_source` (object or JSON text), or a search hit carrying `_source`. */
export function decodeElasticsearch(item: unknown): RecordEnvelope | Seal {
  const parsed = typeof item === 'string' ? tryParse(item) : item;
  const source = isObject(parsed) && isObject(parsed._source) ? parsed._source : parsed;
  if (!isObject(source)) return asEnvelope('elasticsearch', source);
  const { '@timestamp': _ts, ...rest } = source;
  return asEnvelope('elasticsearch', rest);
}
