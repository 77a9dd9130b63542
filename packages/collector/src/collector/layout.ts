/**
 * The data directory's layout (docs/collector.md, "Storage layout"): names, the index
 * entry shape, and the encoding of stream ids into directory names. Shared by the writer
 * (storage.ts) and the readers the CLI uses (data-dir.ts).
 *
 *   <dataDir>/
 *     LOCK                       pid of the collector that holds the directory
 *     evidence.ndjson            equivocations and forks (both seals, for an auditor)
 *     tlog/log.ndjson            THE commit log: one line per accepted batch, in commit order;
 *                                line i is leaf i of the transparency log (fsynced per group commit)
 *     tlog/checkpoints.ndjson    every signed checkpoint, append-only
 *     tlog/checkpoint-key.pem    the checkpoint signing key, when none is configured (0600)
 *     streams/<enc(sid)>/
 *       seg-000000000000.ndjson  the stream's batches, canonical lines as received, in arrival order
 *       index.ndjson             the stream's lines of tlog/log.ndjson (batch -> segment, offset, seal hash)
 *       gaps.ndjson              gap and fill events
 */
import { join } from 'node:path';

export const LOCK_FILE = 'LOCK';
export const EVIDENCE_FILE = 'evidence.ndjson';
export const TLOG_DIR = 'tlog';
export const LOG_FILE = 'log.ndjson';
export const CHECKPOINTS_FILE = 'checkpoints.ndjson';
export const CHECKPOINT_KEY_FILE = 'checkpoint-key.pem';
export const STREAMS_DIR = 'streams';
export const INDEX_FILE = 'index.ndjson';
export const GAPS_FILE = 'gaps.ndjson';

/** One accepted batch: a line of tlog/log.ndjson and of its stream's index.ndjson (RFC 8785 JSON). */
export interface IndexEntry {
  /** Leaf index in the transparency log (= line number of tlog/log.ndjson, 0-based). */
  i: number;
  /** RFC 6962 leaf hash: SHA-256(0x00 || the seal's stored line), hex. */
  leaf: string;
  sid: string;
  batch: number;
  kid: string;
  /** Segment number, byte offset and length of the batch (records and seal, LF-terminated lines). */
  seg: number;
  off: number;
  len: number;
  /** SHA-256 of those bytes, hex: a replay is byte-identical when seal hash and digest match. */
  digest: string;
  /** Seal hash (the next seal's prevSeal) and the seal fields the verifier of the neighbours needs. */
  hash: string;
  epoch: number;
  firstSeq: number;
  lastSeq: number;
  count: number;
  firstPrev: string;
  head: string;
  prevSeal: string;
  final: boolean;
  sealedAt: number;
  /** Collector clock when it was committed (ms). */
  t: number;
}

/** Characters kept as they are in a stream's directory name; all others become %XX. */
const PLAIN = /[A-Za-z0-9_-]/;

/**
 * sid -> directory name. Stream ids may be "." or ".." or hold ":" (docs/format.md allows
 * [A-Za-z0-9._:-]), which must never become path components, so '.' and ':' are
 * percent-encoded ("a.b" -> "a%2Eb"). Reversible and injective.
 */
export function encodeSid(sid: string): string {
  let out = '';
  for (const ch of sid) out += PLAIN.test(ch) ? ch : `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/** Directory name -> sid, or null for a name encodeSid cannot have produced. */
export function decodeSid(name: string): string | null {
  if (!/^(?:[A-Za-z0-9_-]|%2E|%3A)+$/.test(name)) return null;
  const sid = name.replace(/%2E/g, '.').replace(/%3A/g, ':');
  return sid.length <= 128 && encodeSid(sid) === name ? sid : null;
}

export function segmentName(n: number): string {
  return `seg-${String(n).padStart(12, '0')}.ndjson`;
}

/** Segment number of a file name, or null. */
export function segmentNumber(name: string): number | null {
  const m = /^seg-(\d{12})\.ndjson$/.exec(name);
  return m === null ? null : Number(m[1]);
}

export function streamDir(dataDir: string, sid: string): string {
  return join(dataDir, STREAMS_DIR, encodeSid(sid));
}

const HEX64 = /^[0-9a-f]{64}$/;
const uint = (x: unknown): boolean => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** Shape check of an index entry read back from disk (null when well-formed). */
export function checkEntry(e: unknown): string | null {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return 'not an object';
  const o = e as Record<string, unknown>;
  for (const k of ['i', 'batch', 'seg', 'off', 'len', 'epoch', 'firstSeq', 'count', 'sealedAt', 't'] as const) if (!uint(o[k])) return `bad ${k}`;
  if (typeof o.lastSeq !== 'number' || !Number.isSafeInteger(o.lastSeq) || o.lastSeq < -1) return 'bad lastSeq';
  for (const k of ['leaf', 'digest', 'hash', 'firstPrev', 'head', 'prevSeal'] as const) if (typeof o[k] !== 'string' || !HEX64.test(o[k] as string)) return `bad ${k}`;
  if (typeof o.sid !== 'string' || typeof o.kid !== 'string') return 'bad sid or kid';
  if (typeof o.final !== 'boolean') return 'bad final';
  return null;
}
