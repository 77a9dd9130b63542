/**
 * Shared shapes of the delivery layer (issue 4). A sealed batch travels as an
 * OutBatch from the pipeline to the spool, the encoders and the sender. Every wire
 * format carries the chain fields and the seal, so an export from any sink can be
 * verified by `logseal verify`.
 */
import type { RecordEnvelope, Seal } from '../integrity/types.js';

export interface OutBatch {
  sid: string;
  /** Seal batch number within the stream. */
  batch: number;
  /**
   * Chained records in seq order (consecutive: record i has seq seal.firstSeq + i). Built by
   * outBatch() as a lazily parsed view of recordJson: a queued batch holds only its lines,
   * and formats that need objects (elasticsearch, loki, ...) parse them when they encode.
   */
  readonly records: readonly RecordEnvelope[];
  /** RFC 8785 form of each record (same order): the native NDJSON lines. */
  readonly recordJson: readonly string[];
  /**
   * The same lines as one text, each ending in LF ('' for a heartbeat), when the batch was
   * built from it: a queued batch is then ONE string for the garbage collector to trace
   * instead of a thousand, and the native encoder sends it as it is.
   */
  readonly ndjson?: string;
  /**
   * The records' lines then the seal's line, LF-terminated, as UTF-8 bytes, when the batch
   * was built as bytes (the pipeline's BatchBuffer): the native body, sent as it is.
   */
  readonly wire?: Uint8Array;
  seal: Seal;
  sealJson: string;
  /** Approximate in-memory / on-the-wire size: sum of the JSON lengths. */
  bytes: number;
}

/** One HTTP request an encoder produced for (part of) a batch. */
export interface EncodedRequest {
  /** Path (and query) appended to the sink URL's path, e.g. '/_bulk'. Empty for none. */
  path: string;
  method: 'POST' | 'PUT';
  contentType: string;
  body: string | Uint8Array;
  /** Extra headers the format needs (e.g. Splunk's 'Authorization: Splunk <token>' is auth, not here). */
  headers?: Readonly<Record<string, string>>;
  /** Items in this request, in order: record seqs, and 'seal' for the seal document. */
  items: readonly ItemRef[];
}

export type ItemRef = { kind: 'record'; seq: number } | { kind: 'seal'; batch: number };

/** What a 2xx answer says about individual items (Elasticsearch _bulk answers 200 with per-item errors). */
export interface ItemOutcome {
  /** Indexes into EncodedRequest.items that failed. Empty: the whole request succeeded. */
  failed: readonly { index: number; status: number; retryable: boolean; reason: string }[];
}

export interface Encoder {
  /** Format name as used in options: 'logseal', 'ndjson', 'json', 'elasticsearch', 'loki', 'splunk', 'datadog', 'otlp', 'clickhouse'. */
  readonly format: string;
  /**
   * Encodes a batch, or only the listed items of it (a partial resend). Returns one or
   * more requests (a format with a per-request size limit may split).
   */
  encode(batch: OutBatch, only?: readonly ItemRef[]): EncodedRequest[];
  /** Reads a 2xx response body for per-item failures; absent: a 2xx means every item succeeded. */
  readItems?(req: EncodedRequest, status: number, body: string): ItemOutcome;
}

/** A batch as bytes: records then seal, each line LF-terminated; the records end at `recordsEnd`. */
export interface BatchBytes {
  readonly bytes: Uint8Array;
  readonly recordsEnd: number;
}

/**
 * An OutBatch over canonical lines, given as an array, as one LF-terminated text, or as the
 * bytes of the whole batch (records then seal); the other forms and `records` are derived on
 * first use and cached.
 */
export function outBatch(sid: string, lines: readonly string[] | string | BatchBytes, seal: Seal, sealJson: string, bytes?: number): OutBatch {
  const wire = typeof lines === 'object' && !Array.isArray(lines) ? (lines as BatchBytes) : undefined;
  let text = typeof lines === 'string' ? lines : undefined;
  let arr = Array.isArray(lines) ? (lines as readonly string[]) : undefined;
  let parsed: RecordEnvelope[] | undefined;
  let size = bytes;
  if (size === undefined) {
    size = sealJson.length;
    if (wire !== undefined) size = wire.bytes.byteLength;
    else if (text !== undefined) size += text.length;
    else for (const l of arr!) size += l.length + 1;
  }
  const recordsText = (): string => {
    if (text !== undefined) return text;
    if (wire !== undefined) return (text = Buffer.from(wire.bytes.buffer, wire.bytes.byteOffset, wire.recordsEnd).toString('utf8'));
    return (text = arr!.length === 0 ? '' : arr!.join('\n') + '\n');
  };
  return {
    sid,
    batch: seal.batch,
    get recordJson(): readonly string[] {
      if (arr !== undefined) return arr;
      const t = recordsText();
      return (arr = t === '' ? [] : t.slice(0, -1).split('\n'));
    },
    get ndjson(): string {
      return recordsText();
    },
    get records(): readonly RecordEnvelope[] {
      return (parsed ??= this.recordJson.map((l) => JSON.parse(l) as RecordEnvelope));
    },
    ...(wire !== undefined ? { wire: wire.bytes } : {}),
    seal,
    sealJson,
    bytes: size,
  };
}
