/**
 * The record chain: every record is wrapped in an envelope {v, sid, seq, ts, prev,
 * [kind], body, h} where h = SHA-256(0x00 || JCS(envelope without h)) (the RFC 6962
 * leaf hash, so the same value is the record's Merkle leaf) and prev = the previous h.
 *
 * The envelope's canonical form is assembled from pieces instead of re-sorting the
 * envelope's keys per record: the field order below IS the RFC 8785 order
 * (UTF-16: body < h < kind < prev < seq < sid < ts < v), and a test pins the
 * equivalence with canonicalize().
 */
import { LogSealError } from '../errors.js';
import { canonicalize } from './canonical-json.js';
import { genesisHead, SID_PATTERN } from './domain.js';
import { leafHashHex } from './hash.js';
import type { GapBody, RecordEnvelope } from './types.js';

export interface ChainedRecord {
  /** The record's hash (hex): its leaf, and the next record's prev. */
  readonly h: string;
  readonly ts: number;
  /** The envelope as an object (built on first use: the pipeline ships `json` only). */
  readonly envelope: RecordEnvelope;
  /** RFC 8785 form of the whole envelope (with h): the bytes shipped and stored. */
  readonly json: string;
  /** h as bytes: the record's Merkle leaf (computed on first use). */
  readonly leaf: Uint8Array;
}

/** A class, not an object literal with getters: one shared shape for every record (hot path). */
class Chained implements ChainedRecord {
  #leaf: Uint8Array | undefined;
  #envelope: RecordEnvelope | undefined;
  constructor(
    readonly h: string,
    readonly ts: number,
    readonly json: string,
    /** The body object when the caller had one; else the envelope is parsed from json. */
    private readonly body: unknown,
  ) {}
  get envelope(): RecordEnvelope {
    if (this.#envelope === undefined) {
      const e = JSON.parse(this.json) as RecordEnvelope;
      if (this.body !== undefined) e.body = this.body;
      this.#envelope = e;
    }
    return this.#envelope;
  }
  get leaf(): Uint8Array {
    return (this.#leaf ??= new Uint8Array(Buffer.from(this.h, 'hex')));
  }
}

/** sid matches SID_PATTERN ([A-Za-z0-9._:-]), so its JSON form needs no escaping. */
function tail(prev: string, seq: number, sid: string, ts: number): string {
  return `,"prev":"${prev}","seq":${seq},"sid":"${sid}","ts":${ts},"v":1}`;
}

/** Builds a record from an already canonical body. */
function build(sid: string, seq: number, ts: number, prev: string, bodyJson: string, body: unknown, kind?: 'gap'): ChainedRecord {
  const kindPart = kind === undefined ? '' : `,"kind":"${kind}"`;
  const rest = kindPart + tail(prev, seq, sid, ts);
  const h = leafHashHex('{"body":' + bodyJson + rest);
  return new Chained(h, ts, '{"body":' + bodyJson + H_BEFORE + h + H_AFTER + rest, body);
}

/** Where appendInto() writes: see BatchBuffer.pushLeaf (delivery/batch-buffer.ts). */
export interface LeafLineWriter {
  pushLeaf(head: string, body: string, tail: string, before: string, after: string): string;
}

/** The `h` member (H_BEFORE + h + H_AFTER), which sits between the body and the rest in RFC 8785 order. */
const H_BEFORE = ',"h":"';
const H_AFTER = '"';

function checkTs(ts: number): void {
  if (!Number.isSafeInteger(ts) || ts < 0) {
    throw new LogSealError('LOGSEAL_ERR_INVALID_OPTION', 'record timestamp must be a non-negative integer of milliseconds');
  }
}

/** Appends records to one stream. Holds only sid, next seq and head: O(1) memory. */
export class RecordChain {
  readonly sid: string;
  #nextSeq: number;
  #head: string;

  constructor(sid: string, nextSeq = 0, head?: string) {
    if (!SID_PATTERN.test(sid)) throw new LogSealError('LOGSEAL_ERR_INVALID_OPTION', 'option "sid" must match ' + SID_PATTERN);
    if (!Number.isSafeInteger(nextSeq) || nextSeq < 0) {
      throw new LogSealError('LOGSEAL_ERR_STATE_INVALID', 'chain nextSeq must be a non-negative integer');
    }
    this.sid = sid;
    this.#nextSeq = nextSeq;
    this.#head = head ?? genesisHead(sid);
  }

  get nextSeq(): number {
    return this.#nextSeq;
  }

  get head(): string {
    return this.#head;
  }

  /** Chains `body`, which must be plain JSON data (the redactor's output). */
  append(body: unknown, ts: number): ChainedRecord {
    checkTs(ts);
    return this.#push(canonicalize(body), body, ts);
  }

  /**
   * Chains a body whose RFC 8785 form the caller already has (saves a second
   * canonicalisation). `body` (optional) is kept for `envelope`; without it the envelope is
   * parsed from the JSON when asked for.
   */
  appendCanonical(bodyJson: string, body: unknown, ts: number): ChainedRecord {
    checkTs(ts);
    return this.#push(bodyJson, body, ts);
  }

  /**
   * Chains a canonical body and writes the record's line straight into `out` (the pipeline's
   * batch bytes): same record, same hash as appendCanonical(), but the line is encoded once
   * and hashed from its bytes, and no string or object is built for it. Returns h.
   */
  appendInto(bodyJson: string, ts: number, out: LeafLineWriter): string {
    checkTs(ts);
    const h = out.pushLeaf('{"body":', bodyJson, tail(this.#head, this.#nextSeq, this.sid, ts), H_BEFORE, H_AFTER);
    this.#nextSeq += 1;
    this.#head = h;
    return h;
  }

  /** A signed record of a producer-side loss (issue 4: the verifier reports it as a drop, not as tampering). */
  appendGap(body: GapBody, ts: number): ChainedRecord {
    checkTs(ts);
    if (!Number.isSafeInteger(body.dropped) || body.dropped < 1) {
      throw new LogSealError('LOGSEAL_ERR_INVALID_OPTION', 'gap "dropped" must be a positive integer');
    }
    const { fromSeq, toSeq } = body;
    if ((fromSeq === undefined) !== (toSeq === undefined)) {
      throw new LogSealError('LOGSEAL_ERR_INVALID_OPTION', 'gap "fromSeq" and "toSeq" go together');
    }
    if (fromSeq !== undefined && !(Number.isSafeInteger(fromSeq) && Number.isSafeInteger(toSeq) && fromSeq >= 0 && fromSeq <= toSeq! && toSeq! < this.#nextSeq)) {
      throw new LogSealError('LOGSEAL_ERR_INVALID_OPTION', 'gap seq range must lie within the chain so far');
    }
    const clean: GapBody = { dropped: body.dropped, reason: String(body.reason) };
    for (const k of ['tsMin', 'tsMax', 'fromSeq', 'toSeq'] as const) if (body[k] !== undefined) clean[k] = body[k];
    return this.#push(canonicalize(clean), clean, ts, 'gap');
  }

  /**
   * Re-adopts a record this chain wrote before a crash (read back from a spool): it must be
   * the next seq, link to the head, and hash correctly.
   */
  adopt(env: RecordEnvelope): void {
    const res = recomputeLeaf(env as unknown as Record<string, unknown>);
    if ('malformed' in res || res.h !== env.h || env.sid !== this.sid || env.seq !== this.#nextSeq || env.prev !== this.#head) {
      throw new LogSealError('LOGSEAL_ERR_STATE_INVALID', `spooled record ${String(env.seq)} does not continue the chain`);
    }
    this.#nextSeq += 1;
    this.#head = env.h;
  }

  #push(bodyJson: string, body: unknown, ts: number, kind?: 'gap'): ChainedRecord {
    const rec = build(this.sid, this.#nextSeq, ts, this.#head, bodyJson, body, kind);
    this.#nextSeq += 1;
    this.#head = rec.h;
    return rec;
  }
}

const RECORD_KEYS = new Set(['v', 'sid', 'seq', 'ts', 'prev', 'kind', 'body', 'h']);
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Verifier side: checks an untrusted parsed record's shape and recomputes its leaf from
 * the canonical form (never from the producer's bytes: duplicate keys or odd spacing
 * must not matter). Returns a reason string for a malformed record.
 */
export function recomputeLeaf(rec: Record<string, unknown>): { h: string } | { malformed: string } {
  for (const k of Object.keys(rec)) if (!RECORD_KEYS.has(k)) return { malformed: `unexpected field "${k}"` };
  const { sid, seq, ts, prev, kind, h } = rec;
  if (rec.v !== 1) return { malformed: 'unsupported version' };
  if (typeof sid !== 'string' || !SID_PATTERN.test(sid)) return { malformed: 'bad sid' };
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return { malformed: 'bad seq' };
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0) return { malformed: 'bad ts' };
  if (typeof prev !== 'string' || !HEX64.test(prev)) return { malformed: 'bad prev' };
  if (typeof h !== 'string' || !HEX64.test(h)) return { malformed: 'bad h' };
  if (kind !== undefined && kind !== 'gap') return { malformed: 'bad kind' };
  if (!('body' in rec)) return { malformed: 'missing body' };
  if (kind === 'gap') {
    const why = checkGapBody(rec.body);
    if (why !== null) return { malformed: `bad gap body: ${why}` };
  }
  let bodyJson: string;
  try {
    bodyJson = canonicalize(rec.body);
  } catch {
    return { malformed: 'body is not canonical JSON data' };
  }
  const kindPart = kind === undefined ? '' : `,"kind":"${kind}"`;
  return { h: leafHashHex('{"body":' + bodyJson + kindPart + tail(prev, seq, sid, ts)) };
}

const GAP_KEYS = new Set(['dropped', 'reason', 'tsMin', 'tsMax', 'fromSeq', 'toSeq']);
const isUint = (x: unknown): boolean => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** Shape of an untrusted gap body (docs/format.md section 3); null when well-formed. */
export function checkGapBody(b: unknown): string | null {
  if (typeof b !== 'object' || b === null || Array.isArray(b)) return 'not an object';
  const g = b as Record<string, unknown>;
  for (const k of Object.keys(g)) if (!GAP_KEYS.has(k)) return `unexpected field "${k}"`;
  if (!isUint(g.dropped) || (g.dropped as number) < 1) return 'dropped';
  if (typeof g.reason !== 'string' || g.reason.length === 0 || g.reason.length > 64) return 'reason';
  for (const k of ['tsMin', 'tsMax', 'fromSeq', 'toSeq'] as const) if (g[k] !== undefined && !isUint(g[k])) return k;
  if ((g.fromSeq === undefined) !== (g.toSeq === undefined)) return 'fromSeq/toSeq go together';
  if (g.fromSeq !== undefined && (g.fromSeq as number) > (g.toSeq as number)) return 'fromSeq after toSeq';
  return null;
}
