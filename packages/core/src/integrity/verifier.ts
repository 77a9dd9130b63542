/**
 * verify(source, options): one pass over records and seals (objects, NDJSON lines, or
 * raw byte chunks of an NDJSON file), any number of interleaved streams, memory bounded
 * by one batch per stream. Returns a report whose findings name each problem with a
 * stable code and its location (stream, seq, batch, input line).
 */
import { StringDecoder } from 'node:string_decoder';
import { invalidOption, LogSealError, rejectUnknownOptions } from '../errors.js';
import { type Finding, finding } from './findings.js';
import { canonicalize } from './canonical-json.js';
import { DEFAULT_WALK_BUDGET } from './forward-mac.js';
import { buildKeyring, type KeyringEntry, type ResolvedKey } from './keyring.js';
import { recomputeLeaf } from './record-chain.js';
import { checkSealShape, sealHash, sealPayload } from './seal.js';
import { type PendingRecord, StreamVerifier, type StreamSummary } from './stream-verifier.js';
import type { GapBody, Seal } from './types.js';

export interface VerifyOptions {
  /** Keys by key id. Without keys, integrity is checked but authenticity is not (a KEY_NOT_CHECKED warning). */
  keys?: readonly KeyringEntry[];
  /** A stream without a final seal is an error instead of a warning (an archive that should be closed). */
  requireFinal?: boolean;
  /** With maxSealAgeMs: a non-final stream whose last seal is older than now - maxSealAgeMs is STREAM_STALE (cut tail). */
  now?: number;
  maxSealAgeMs?: number;
  /** Records held per stream while waiting for their seal (default 1,000,000). */
  maxPendingRecords?: number;
  /** Findings kept in the report (default 10,000); the rest are counted. */
  maxFindings?: number;
  /** Batches a producer declared dropped (drop-oldest, send-failed) stay BATCH_MISSING errors (default false: PRODUCER_DROPPED warnings). */
  strictDrops?: boolean;
  /**
   * Every NDJSON line must be exactly the RFC 8785 form of what it holds, as the sealer and
   * the collector write it (default false: sinks may re-serialise). Catches duplicate keys
   * and other byte-level edits that leave the parsed value unchanged.
   */
  canonical?: boolean;
}

const OPTIONS = ['keys', 'requireFinal', 'now', 'maxSealAgeMs', 'maxPendingRecords', 'maxFindings', 'strictDrops', 'canonical'];
/** A line longer than this is reported and skipped, so a file without newlines cannot exhaust memory. */
const MAX_LINE = 64 * 2 ** 20;

export interface VerifyReport {
  /** True when no finding has severity 'error'. */
  ok: boolean;
  /** Whether seals were checked against keys (false when no keys were given). */
  authenticated: boolean;
  records: { total: number; valid: number };
  seals: { total: number; valid: number };
  streams: StreamSummary[];
  timeRange: { min: number | null; max: number | null };
  findings: Finding[];
  /** Findings beyond maxFindings, counted but not kept. */
  findingsDropped: number;
  /** Input lines/items read, and bytes for byte input. */
  items: number;
  bytes: number;
}

const isPosInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x > 0;

/** Incremental verifier: push items, then end(). verify() drives it from an (async) iterable. */
export class Verifier {
  readonly #streams = new Map<string, StreamVerifier>();
  readonly #keyring: Map<string, ResolvedKey> | null;
  readonly #findings: Finding[] = [];
  #dropped = 0;
  #errors = 0;
  #items = 0;
  #bytes = 0;
  #decoder = new StringDecoder('utf8');
  #partial = '';
  readonly #opts: Required<Pick<VerifyOptions, 'requireFinal' | 'maxPendingRecords' | 'maxFindings' | 'strictDrops' | 'canonical'>> & VerifyOptions;
  #skipping = false;

  constructor(options: VerifyOptions = {}) {
    if (typeof options !== 'object' || options === null) invalidOption('options', 'an object', options);
    rejectUnknownOptions('verify', options, OPTIONS);
    const o = { requireFinal: false, maxPendingRecords: 1_000_000, maxFindings: 10_000, strictDrops: false, canonical: false, ...options };
    for (const k of ['requireFinal', 'strictDrops', 'canonical'] as const) if (typeof o[k] !== 'boolean') invalidOption(k, 'a boolean', o[k]);
    if (!isPosInt(o.maxPendingRecords)) invalidOption('maxPendingRecords', 'a positive integer', o.maxPendingRecords);
    if (!isPosInt(o.maxFindings)) invalidOption('maxFindings', 'a positive integer', o.maxFindings);
    if (o.now !== undefined && typeof o.now !== 'number') invalidOption('now', 'a number (ms since epoch)', o.now);
    if (o.maxSealAgeMs !== undefined && !isPosInt(o.maxSealAgeMs)) invalidOption('maxSealAgeMs', 'a positive integer', o.maxSealAgeMs);
    if ((o.now === undefined) !== (o.maxSealAgeMs === undefined)) invalidOption('now', 'given together with maxSealAgeMs');
    this.#opts = o;
    // One key-derivation budget per verify() call, shared by every key (forward-mac.ts).
    this.#keyring = o.keys === undefined ? null : buildKeyring(o.keys, { remaining: DEFAULT_WALK_BUDGET });
  }

  #emit = (f: Finding): void => {
    if (f.severity === 'error') this.#errors += 1;
    if (this.#findings.length < this.#opts.maxFindings) this.#findings.push(f);
    else this.#dropped += 1;
  };

  #stream(sid: string): StreamVerifier {
    let s = this.#streams.get(sid);
    if (s === undefined) {
      s = new StreamVerifier(sid, { emit: this.#emit, keyring: this.#keyring, maxPending: this.#opts.maxPendingRecords, strictDrops: this.#opts.strictDrops });
      this.#streams.set(sid, s);
    }
    return s;
  }

  /** One item: a parsed record or seal, an NDJSON line (string), or a chunk of NDJSON bytes (Uint8Array). */
  push(item: unknown): void {
    if (item instanceof Uint8Array) {
      this.#bytes += item.byteLength;
      this.#chunk(this.#decoder.write(item as Buffer));
      return;
    }
    if (typeof item === 'string') {
      if (!item.includes('\n')) this.#line(item);
      else {
        const lines = item.split('\n');
        if (lines[lines.length - 1] === '') lines.pop(); // "a\n" is one line, not two
        for (const l of lines) this.#line(l);
      }
      return;
    }
    this.#items += 1;
    this.#object(item, this.#items);
  }

  /** Lines and items read so far (a caller verifying several files maps finding lines back to files with it). */
  get itemsRead(): number {
    return this.#items;
  }

  /** Ends the current byte stream: a last line without a newline is processed now (call between files). */
  endOfInput(): void {
    const tail = this.#partial + this.#decoder.end();
    this.#partial = '';
    this.#skipping = false;
    if (tail.length > 0) this.#line(tail);
  }

  #chunk(text: string): void {
    let start = 0;
    let nl = text.indexOf('\n');
    if (nl === -1) {
      if (this.#skipping) return;
      this.#partial += text;
      if (this.#partial.length > MAX_LINE) {
        this.#items += 1;
        this.#emit(finding('INPUT_MALFORMED', `line longer than ${MAX_LINE} bytes`, { line: this.#items }));
        this.#partial = '';
        this.#skipping = true;
      }
      return;
    }
    if (this.#skipping) {
      this.#skipping = false;
      this.#partial = '';
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    if (this.#partial.length > 0) {
      this.#line(this.#partial + text.slice(0, nl));
      this.#partial = '';
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    while (nl !== -1) {
      this.#line(text.slice(start, nl));
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    this.#partial = text.slice(start);
  }

  #line(raw: string): void {
    this.#items += 1;
    const line = raw.trim();
    if (line.length === 0) return;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      this.#emit(finding('INPUT_MALFORMED', 'line is not JSON', { line: this.#items }));
      return;
    }
    if (this.#opts.canonical) {
      let canon: string | undefined;
      try {
        canon = canonicalize(obj);
      } catch {
        canon = undefined;
      }
      if (canon !== line) this.#emit(finding('INPUT_NONCANONICAL', 'line is not in RFC 8785 canonical form', { line: this.#items }));
    }
    this.#object(obj, this.#items);
  }

  #object(obj: unknown, line: number): void {
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      this.#emit(finding('INPUT_MALFORMED', 'item is not a record or a seal', { line }));
      return;
    }
    const o = obj as Record<string, unknown>;
    const sid = typeof o.sid === 'string' ? o.sid : undefined;
    if (o.type === 'seal') {
      const why = checkSealShape(o);
      if (why !== null) {
        this.#emit(finding('SEAL_MALFORMED', `malformed seal: ${why}`, { sid, line, batch: typeof o.batch === 'number' ? o.batch : undefined }));
        return;
      }
      const seal = o as unknown as Seal;
      let payload: string;
      try {
        payload = sealPayload(seal);
      } catch {
        // e.g. a lone surrogate or absurd nesting inside meta: not canonical JSON data
        this.#emit(finding('SEAL_MALFORMED', 'malformed seal: not canonical JSON data', { sid: seal.sid, line, batch: seal.batch }));
        return;
      }
      this.#stream(seal.sid).onSeal(seal, payload, sealHash(payload), line);
      return;
    }
    if (!('seq' in o) || !('h' in o)) {
      this.#emit(finding('INPUT_MALFORMED', 'item is not a record or a seal', { sid, line }));
      return;
    }
    const res = recomputeLeaf(o);
    const seq = o.seq as number;
    if ('malformed' in res) {
      this.#emit(finding('RECORD_MALFORMED', `malformed record: ${res.malformed}`, { sid, line, seq: typeof seq === 'number' ? seq : undefined }));
      return;
    }
    const rec: PendingRecord = {
      seq,
      prev: o.prev as string,
      h: o.h as string,
      leaf: res.h,
      hOk: res.h === o.h,
      ts: o.ts as number,
      line,
    };
    if (o.kind === 'gap') rec.gap = o.body as GapBody;
    this.#stream(sid!).onRecord(rec);
  }

  /**
   * A stream that follows another (a restart after a clean shutdown) is anchored to it: the
   * named stream must be in the input, end with the final seal `follows` names, and the new
   * stream's first MAC epoch must be the next one. Without this a host compromised at epoch j
   * could forge a "new" stream and rewrite history with k[j].
   */
  #checkFollows(s: StreamVerifier): void {
    const origin = s.origin();
    const f = origin?.follows;
    if (origin === undefined || f === undefined) return;
    const where = { sid: s.sid, batch: 0, line: origin.line };
    const prev = this.#streams.get(f.sid)?.tail();
    if (prev === undefined) {
      this.#emit(finding('STREAM_FOLLOWS_MISSING', `stream follows ${f.sid}, which is not in the input`, where));
      return;
    }
    if (!prev.final || prev.hash !== f.seal || prev.head !== f.head || prev.lastSeq !== f.lastSeq) {
      this.#emit(finding('STREAM_FOLLOWS_MISMATCH', `stream follows ${f.sid}, whose final seal differs from the one it names`, where));
    } else if (origin.hasMac && origin.epoch !== prev.epoch + 1) {
      this.#emit(finding('SEAL_EPOCH_ORDER', `first seal uses key epoch ${origin.epoch}; the stream it follows ended at ${prev.epoch}`, where));
    }
  }

  end(): VerifyReport {
    this.endOfInput();
    const streams: StreamSummary[] = [];
    for (const s of this.#streams.values()) {
      this.#checkFollows(s);
      s.end({ requireFinal: this.#opts.requireFinal, now: this.#opts.now, maxSealAgeMs: this.#opts.maxSealAgeMs });
      streams.push(s.summary());
    }
    let min: number | null = null;
    let max: number | null = null;
    const totals = { records: 0, valid: 0, seals: 0, validSeals: 0 };
    for (const s of streams) {
      totals.records += s.records;
      totals.valid += s.validRecords;
      totals.seals += s.seals;
      totals.validSeals += s.validSeals;
      if (s.tsMin !== null && (min === null || s.tsMin < min)) min = s.tsMin;
      if (s.tsMax !== null && (max === null || s.tsMax > max)) max = s.tsMax;
    }
    return {
      ok: this.#errors === 0,
      authenticated: this.#keyring !== null,
      records: { total: totals.records, valid: totals.valid },
      seals: { total: totals.seals, valid: totals.validSeals },
      streams,
      timeRange: { min, max },
      findings: this.#findings,
      findingsDropped: this.#dropped,
      items: this.#items,
      bytes: this.#bytes,
    };
  }
}

/** Verifies an iterable or async iterable of records, seals, NDJSON lines or NDJSON byte chunks (e.g. fs.createReadStream(path)). */
export async function verify(source: AsyncIterable<unknown> | Iterable<unknown>, options: VerifyOptions = {}): Promise<VerifyReport> {
  const v = new Verifier(options);
  if (source === null || typeof source !== 'object' || !(Symbol.asyncIterator in source || Symbol.iterator in source)) {
    throw new LogSealError('LOGSEAL_ERR_VERIFY_INPUT', 'verify() needs an iterable or async iterable source');
  }
  for await (const item of source as AsyncIterable<unknown>) v.push(item);
  return v.end();
}
