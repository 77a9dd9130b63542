/**
 * checkBatch(): verifies ONE sealed batch against the stored tip of its stream, for a
 * collector that must verify everything before it acknowledges (issue 6). It runs the same
 * per-stream logic as verify() (stream-verifier.ts), resumed from the tip, so a batch the
 * collector accepts is one `logseal verify` will accept later.
 */
import { invalidOption } from '../errors.js';
import { type Finding, finding } from './findings.js';
import type { KeyringEntry, ResolvedKey } from './keyring.js';
import { buildKeyring } from './keyring.js';
import { recomputeLeaf } from './record-chain.js';
import { checkSealShape, sealHash, sealPayload } from './seal.js';
import { type PendingRecord, StreamVerifier } from './stream-verifier.js';
import type { GapBody, RecordEnvelope, Seal } from './types.js';

/** What a collector keeps per stream to verify the next batch. */
export interface StreamTip {
  sid: string;
  batch: number;
  epoch: number;
  lastSeq: number;
  head: string;
  /** Seal hash of the tip's seal. */
  hash: string;
  final: boolean;
  sealedAt: number;
}

/** Keys by kid with a key-derivation budget that is refilled for every batch checked. */
export class Keyring {
  readonly #budget = { remaining: 0 };
  readonly entries: Map<string, ResolvedKey>;
  constructor(entries: readonly KeyringEntry[]) {
    this.entries = buildKeyring(entries, this.#budget);
  }
  /** @internal */
  refill(steps: number): void {
    this.#budget.remaining = steps;
  }
}

export interface BatchCheck {
  /** No finding of severity 'error'. */
  ok: boolean;
  findings: Finding[];
  /** The stream's tip after this batch (when ok). */
  tip: StreamTip | null;
  seal: Seal | null;
  /** Batches between the stored tip and this one that the collector does not have (seq range to resend). */
  gap: { fromBatch: number; toBatch: number; fromSeq: number; toSeq: number } | null;
}

/** Key-derivation steps allowed per batch: a live stream moves one epoch per batch. */
const STEPS_PER_BATCH = 2 ** 20;

/**
 * `items` are the batch's parsed lines (records, then the seal). `tip` is the stored tip of
 * the stream, or null for a stream the collector has not seen. Replays and equivocations of
 * stored batches (seal.batch <= tip.batch) must be handled by the caller before this.
 */
export function checkBatch(
  items: readonly unknown[],
  tip: StreamTip | null,
  keyring: Keyring | null,
  /** For batch 0 of a stream whose seal names `meta.follows`: the stored tip of that stream, if the collector has it. */
  predecessor?: StreamTip | null,
): BatchCheck {
  if (!Array.isArray(items)) invalidOption('items', 'an array of parsed records and a seal', items);
  const findings: Finding[] = [];
  const emit = (f: Finding): void => {
    findings.push(f);
  };
  const last = items[items.length - 1] as Record<string, unknown> | undefined;
  const fail = (why: string): BatchCheck => {
    findings.push(finding('SEAL_MALFORMED', why, { line: items.length }));
    return { ok: false, findings, tip: null, seal: null, gap: null };
  };
  if (typeof last !== 'object' || last === null || last.type !== 'seal') return fail('a batch ends with its seal');
  const shape = checkSealShape(last);
  if (shape !== null) return fail(`malformed seal: ${shape}`);
  const seal = last as unknown as Seal;
  if (tip !== null && seal.sid !== tip.sid) return fail('seal belongs to another stream');
  let payload: string;
  try {
    payload = sealPayload(seal);
  } catch {
    return fail('malformed seal: not canonical JSON data');
  }
  keyring?.refill(STEPS_PER_BATCH);
  const sv = new StreamVerifier(seal.sid, { emit, keyring: keyring?.entries ?? null, maxPending: Math.max(1, items.length), strictDrops: false });
  if (tip !== null) sv.resume(tip);
  for (let i = 0; i < items.length - 1; i++) {
    const o = items[i] as Record<string, unknown>;
    const line = i + 1;
    if (typeof o !== 'object' || o === null || Array.isArray(o)) {
      findings.push(finding('INPUT_MALFORMED', 'item is not a record', { line }));
      continue;
    }
    const res = recomputeLeaf(o);
    if ('malformed' in res) {
      findings.push(finding('RECORD_MALFORMED', `malformed record: ${res.malformed}`, { line }));
      continue;
    }
    if (o.sid !== seal.sid) {
      findings.push(finding('RECORD_INSERTED', 'record of another stream inside the batch', { line }));
      continue;
    }
    const env = o as unknown as RecordEnvelope;
    const rec: PendingRecord = { seq: env.seq, prev: env.prev, h: env.h, leaf: res.h, hOk: res.h === env.h, ts: env.ts, line };
    if (env.kind === 'gap') rec.gap = env.body as GapBody;
    sv.onRecord(rec);
  }
  const hash = sealHash(payload);
  sv.onSeal(seal, payload, hash, items.length);
  sv.settleHoles();
  // Only this batch is judged here: end-of-input findings (open stream, missing batches) are the collector's to record.
  let gap: BatchCheck['gap'] = null;
  if (tip !== null && seal.batch > tip.batch + 1) {
    gap = { fromBatch: tip.batch + 1, toBatch: seal.batch - 1, fromSeq: tip.lastSeq + 1, toSeq: seal.firstSeq - 1 };
  } else if (tip === null && seal.batch > 0) {
    // A stream first seen mid-way: accepted, and the missing head is a gap the shipper can fill.
    gap = { fromBatch: 0, toBatch: seal.batch - 1, fromSeq: 0, toSeq: seal.firstSeq - 1 };
    // (the stream verifier judges a missing head only at the end of its input: say it here)
    findings.push(finding('STREAM_HEAD_MISSING', `stream starts at batch ${seal.batch} (seq ${seal.firstSeq}); earlier batches are absent`, { sid: seal.sid, batch: 0, seq: 0, seqTo: seal.firstSeq - 1 }, 'warning'));
  }
  const f = seal.meta?.follows;
  if (tip === null && seal.batch === 0 && f !== undefined) {
    if (predecessor === undefined || predecessor === null) {
      findings.push(finding('STREAM_FOLLOWS_MISSING', `stream follows ${f.sid}, which this collector does not hold`, { sid: seal.sid, batch: 0 }, 'warning'));
    } else if (!predecessor.final || predecessor.hash !== f.seal || predecessor.head !== f.head || predecessor.lastSeq !== f.lastSeq) {
      findings.push(finding('STREAM_FOLLOWS_MISMATCH', `stream follows ${f.sid}, whose final seal differs from the one it names`, { sid: seal.sid, batch: 0 }));
    } else if (seal.mac !== undefined && seal.epoch !== predecessor.epoch + 1) {
      findings.push(finding('SEAL_EPOCH_ORDER', `first seal uses key epoch ${seal.epoch}; the stream it follows ended at ${predecessor.epoch}`, { sid: seal.sid, batch: 0 }));
    }
  }
  const errors = findings.filter((x) => x.severity === 'error');
  const ok = errors.length === 0;
  return {
    ok,
    findings,
    tip: ok ? { sid: seal.sid, batch: seal.batch, epoch: seal.epoch, lastSeq: seal.lastSeq, head: seal.head, hash, final: seal.final, sealedAt: seal.sealedAt } : null,
    seal,
    gap,
  };
}
