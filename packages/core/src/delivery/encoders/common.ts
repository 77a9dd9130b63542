/**
 * What every sink encoder shares: picking the items of a batch (all of them, or the
 * `only` subset of a partial resend), time conversions, and option checks. Every
 * encoder emits items in batch order: records by seq, then the seal, so a sink that
 * keeps arrival order stores an export the verifier can read as is.
 */
import { invalidOption, LogSealError } from '../../errors.js';
import type { RecordEnvelope, Seal } from '../../integrity/types.js';
import type { ItemRef, OutBatch } from '../types.js';

/** One item of a batch as the encoders see it. */
export type Selected =
  | { kind: 'record' | 'gap'; ref: ItemRef; json: string; ts: number; record: RecordEnvelope }
  | { kind: 'seal'; ref: ItemRef; json: string; ts: number; seal: Seal };

/**
 * The items to encode, in batch order. `only` (a partial resend, e.g. the failed items
 * of an Elasticsearch _bulk answer) may list items in any order and repeat them; an
 * item that is not part of this batch is a caller bug and throws.
 */
export function selectItems(batch: OutBatch, only?: readonly ItemRef[]): Selected[] {
  const { records, recordJson } = batch;
  const first = records.length > 0 ? records[0]!.seq : 0;
  let wantSeqs: Set<number> | null = null;
  let wantSeal = true;
  if (only !== undefined) {
    if (!Array.isArray(only)) invalidOption('only', 'an array of item references', only);
    wantSeqs = new Set();
    wantSeal = false;
    for (const ref of only) {
      if (ref !== null && typeof ref === 'object' && ref.kind === 'record' && records[ref.seq - first]?.seq === ref.seq) {
        wantSeqs.add(ref.seq);
      } else if (ref !== null && typeof ref === 'object' && ref.kind === 'seal' && ref.batch === batch.batch) {
        wantSeal = true;
      } else {
        invalidOption('only', `references to items of batch ${batch.batch} of stream ${batch.sid}`, ref);
      }
    }
  }
  const out: Selected[] = [];
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    if (wantSeqs !== null && !wantSeqs.has(record.seq)) continue;
    const json = recordJson[i];
    if (json === undefined) invalidOption('batch.recordJson', 'one canonical line per record');
    out.push({ kind: record.kind === 'gap' ? 'gap' : 'record', ref: { kind: 'record', seq: record.seq }, json, ts: record.ts, record });
  }
  if (wantSeal) {
    out.push({ kind: 'seal', ref: { kind: 'seal', batch: batch.seal.batch }, json: batch.sealJson, ts: batch.seal.sealedAt, seal: batch.seal });
  }
  return out;
}

/** Milliseconds since the epoch -> decimal nanoseconds, exactly (no float: ns overflow 2^53). */
export function msToNs(ms: number): string {
  return ms === 0 ? '0' : String(ms) + '000000';
}

/** RFC 3339 / ISO 8601 UTC time with milliseconds, as Elasticsearch's `@timestamp` expects. */
export function isoTime(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) {
    throw new LogSealError('LOGSEAL_ERR_ENCODE_LIMIT', 'a timestamp is outside the range of ISO 8601 dates');
  }
  return d.toISOString();
}

/** UTF-8 length: the sinks' limits are in bytes, JavaScript lengths are UTF-16 units. */
export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

// ---- option checks (thrown at construction, naming the option) ----

export type Options = Record<string, unknown>;

export function asOptions(options: unknown): Options {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) invalidOption('options', 'an object', options);
  return options as Options;
}

export function optString(o: Options, scope: string, key: string, check?: RegExp, expected?: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > 1024 || (check !== undefined && !check.test(v))) {
    invalidOption(`${scope}.${key}`, expected ?? 'a non-empty string of at most 1024 chars', v);
  }
  return v;
}

export function optInt(o: Options, scope: string, key: string, min: number, max: number): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    invalidOption(`${scope}.${key}`, `an integer from ${min} to ${max}`, v);
  }
  return v;
}

export function optBool(o: Options, scope: string, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') invalidOption(`${scope}.${key}`, 'a boolean', v);
  return v;
}

/** A flat string -> string map, copied (never kept: the caller may mutate theirs). */
export function optStringMap(
  o: Options,
  scope: string,
  key: string,
  keyPattern: RegExp,
  maxEntries: number,
): Record<string, string> | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) invalidOption(`${scope}.${key}`, 'an object of strings', v);
  const out: Record<string, string> = {};
  const entries = Object.entries(v);
  if (entries.length > maxEntries) invalidOption(`${scope}.${key}`, `at most ${maxEntries} entries`, entries.length);
  for (const [k, val] of entries) {
    if (!keyPattern.test(k)) invalidOption(`${scope}.${key}`, `keys matching ${keyPattern}`, k);
    if (typeof val !== 'string' || val.length === 0 || val.length > 1024) {
      invalidOption(`${scope}.${key}.${k}`, 'a non-empty string of at most 1024 chars', val);
    }
    out[k] = val;
  }
  return out;
}

/** Parses a JSON text, or null when it is not JSON. */
export function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Throws the export-reader error (an item that is not what this sink format writes). */
export function notExport(format: string, why: string): never {
  throw new LogSealError('LOGSEAL_ERR_EXPORT_FORMAT', `${format}: ${why}`);
}

/**
 * An item as stored (a line of text, or its parsed form) -> the record or seal object.
 * The reader checks the shape only as far as telling a LogSeal item from something
 * else: whether it is intact is the verifier's job, which names what was changed.
 */
export function asEnvelope(format: string, x: unknown): RecordEnvelope | Seal {
  const obj = typeof x === 'string' ? tryParse(x) : x;
  if (!isObject(obj) || typeof obj.sid !== 'string' || !(obj.type === 'seal' || 'seq' in obj)) {
    notExport(format, 'item is not a LogSeal record or seal');
  }
  return obj as unknown as RecordEnvelope | Seal;
}
