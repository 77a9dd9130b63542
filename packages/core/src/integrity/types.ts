/**
 * Wire types of the integrity layer. docs/format.md is the normative description;
 * this file is its TypeScript mirror. Hashes are 64 lowercase hex characters;
 * signatures and MACs are unpadded base64url (RFC 4648 section 5, as in JOSE).
 */

/** Format version carried by every record and seal. */
export const FORMAT_VERSION = 1;

/** A chained log record. `h` is SHA-256(0x00 || JCS(envelope without h)), the RFC 6962 leaf hash. */
export interface RecordEnvelope {
  v: 1;
  /** Stream id: one writer, one chain. */
  sid: string;
  /** 0-based, +1 per record, no holes. */
  seq: number;
  /** Milliseconds since the Unix epoch (integer). */
  ts: number;
  /** `h` of the previous record, or the stream's genesis value for seq 0. */
  prev: string;
  /** Present only on records the chain wrote itself: 'gap' records a producer-side loss. */
  kind?: 'gap';
  /** The redacted log object (for kind 'gap': a GapBody). */
  body: unknown;
  h: string;
}

/** Body of a `kind: 'gap'` record: records the producer lost before they entered the chain. */
export interface GapBody {
  /** How many records were dropped. */
  dropped: number;
  /** Why: 'overflow' (memory cap under a drop policy), 'spool-overflow', 'shutdown', ... */
  reason: string;
  /** Producer time range of what was dropped, when known (ms since epoch). */
  tsMin?: number;
  tsMax?: number;
  /** Seq range of already-chained records that were dropped (drop-oldest of sealed batches). */
  fromSeq?: number;
  toSeq?: number;
}

/** Optional metadata carried by the first seal of a stream. */
export interface SealMeta {
  service?: string;
  host?: string;
  /** The stream this one continues after a restart without saved state being resumed. */
  follows?: { sid: string; lastSeq: number; head: string; seal: string };
}

/** One seal per batch (count 0 for a heartbeat). Signed and/or MACed over its JCS form without mac/sig. */
export interface Seal {
  v: 1;
  type: 'seal';
  sid: string;
  /** 0-based batch number within the stream, +1 per seal. */
  batch: number;
  /** Forward-secure MAC key epoch; +1 per seal within a stream. */
  epoch: number;
  /** Seq of the first record in the batch (for count 0: the next seq to be written). */
  firstSeq: number;
  /** Seq of the last record (for count 0: firstSeq - 1). */
  lastSeq: number;
  count: number;
  /** `prev` of the first record (for count 0: the current head). */
  firstPrev: string;
  /** `h` of the last record (for count 0: the current head). */
  head: string;
  /** RFC 6962 Merkle tree head over the batch's record hashes (empty tree: SHA-256 of ""). */
  root: string;
  /** Seal hash of the previous seal of this stream, or the stream's seal genesis for batch 0. */
  prevSeal: string;
  /** Min and max record `ts` in the batch; null for a heartbeat. */
  tsMin: number | null;
  tsMax: number | null;
  /** When the seal was made (ms since epoch). */
  sealedAt: number;
  /** Key id: names the key set (public key and/or MAC provisioning key) the verifier must use. */
  kid: string;
  /** True on the last seal of a stream closed cleanly. */
  final: boolean;
  meta?: SealMeta;
  /** HMAC-SHA-256 under the epoch key (base64url). */
  mac?: string;
  /** Ed25519 signature (base64url). */
  sig?: string;
}

export type SealedItem = RecordEnvelope | Seal;

export function isSeal(x: unknown): x is Seal {
  return typeof x === 'object' && x !== null && (x as { type?: unknown }).type === 'seal';
}
