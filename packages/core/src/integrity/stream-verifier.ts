/**
 * One stream's verification state. Records are held (as 32-byte hashes plus a few
 * numbers, never bodies) only until their seal arrives, so memory is bounded by one
 * batch per stream. At each seal the batch is judged as a whole, which is what lets the
 * verifier NAME the tampering (a deleted record vs an inserted one vs a re-hashed one)
 * instead of reporting the first broken link.
 */
import { genesisHead, genesisSeal } from './domain.js';
import { type Finding, type FindingCode, finding } from './findings.js';
import { hashFromHex, leafBytes, toHex } from './hash.js';
import type { ResolvedKey } from './keyring.js';
import { merkleRoot } from './merkle.js';
import { verifyMac, verifySignature } from './seal.js';
import type { GapBody, Seal } from './types.js';

export interface PendingRecord {
  seq: number;
  prev: string;
  /** h as claimed by the record. */
  h: string;
  /** Leaf hash (hex) recomputed from the record's canonical form. */
  leaf: string;
  hOk: boolean;
  ts: number;
  line: number;
  gap?: GapBody;
}

export interface StreamVerifierContext {
  emit(f: Finding): void;
  /** null: no keys were given, authenticity is not checked (reported once per stream). */
  keyring: Map<string, ResolvedKey> | null;
  maxPending: number;
  /** Declared drops of sealed batches stay errors (BATCH_MISSING) instead of PRODUCER_DROPPED warnings. */
  strictDrops: boolean;
}

interface LastSeal {
  batch: number;
  epoch: number;
  lastSeq: number;
  head: string;
  hash: string;
  sealedAt: number;
}

/** How a stream began: checked against the stream it follows once the whole input is read. */
export interface StreamOrigin {
  epoch: number;
  hasMac: boolean;
  follows?: { sid: string; lastSeq: number; head: string; seal: string };
  line: number;
}

/** How a stream ended, for the stream that follows it. */
export interface StreamTail {
  final: boolean;
  lastSeq: number;
  head: string;
  hash: string;
  epoch: number;
}

export interface StreamSummary {
  sid: string;
  firstSeq: number | null;
  lastSeq: number | null;
  records: number;
  validRecords: number;
  seals: number;
  validSeals: number;
  final: boolean;
  tsMin: number | null;
  tsMax: number | null;
  lastSealedAt: number | null;
  meta?: Seal['meta'];
}

type Where = Omit<Finding, 'code' | 'severity' | 'message' | 'sid'>;

/** Batches remembered for replay / equivocation detection; older ones are still caught as SEAL_OUT_OF_ORDER. */
const SEEN_WINDOW = 65_536;

export class StreamVerifier {
  readonly sid: string;
  #ctx: StreamVerifierContext;
  #pending: PendingRecord[] = [];
  #last: LastSeal | null = null;
  /** batch number -> seal hash, for replay and equivocation (a bounded window of recent batches). */
  #seen = new Map<number, string>();
  #final = false;
  #keyWarned = false;
  /** Whole batches absent from the input, reconciled at end() with declared drops. */
  #missing: { batchFrom: number; batchTo: number; from: number; to: number; line: number; head?: boolean }[] = [];
  /** Records absent inside a sealed batch, likewise (a sink refused single items: send-failed). */
  #holes: { batch: number; from: number; to: number; line: number }[] = [];
  /** Seq ranges gap records declared as dropped after they were chained. */
  #declared: { from: number; to: number; reason: string }[] = [];
  #origin: StreamOrigin | undefined;
  #summary: StreamSummary;

  constructor(sid: string, ctx: StreamVerifierContext) {
    this.sid = sid;
    this.#ctx = ctx;
    this.#summary = {
      sid, firstSeq: null, lastSeq: null, records: 0, validRecords: 0, seals: 0, validSeals: 0,
      final: false, tsMin: null, tsMax: null, lastSealedAt: null,
    };
  }

  summary(): StreamSummary {
    return { ...this.#summary };
  }

  /**
   * Continues from a stored tip (the collector verifies batch by batch against what it
   * already holds). Replays and equivocations of stored batches are the caller's to
   * detect: it has every stored seal hash, this verifier only the tip's.
   */
  resume(tip: StreamTail & { batch: number; sealedAt: number }): void {
    this.#last = { batch: tip.batch, epoch: tip.epoch, lastSeq: tip.lastSeq, head: tip.head, hash: tip.hash, sealedAt: tip.sealedAt };
    this.#final = tip.final;
    this.#seen.set(tip.batch, tip.hash);
  }

  origin(): StreamOrigin | undefined {
    return this.#origin;
  }

  tail(): StreamTail | undefined {
    const l = this.#last;
    return l === null ? undefined : { final: this.#final, lastSeq: l.lastSeq, head: l.head, hash: l.hash, epoch: l.epoch };
  }

  #emit(code: FindingCode, message: string, where: Where = {}): void {
    this.#ctx.emit(finding(code, message, { sid: this.sid, ...where }));
  }

  onRecord(r: PendingRecord): void {
    this.#summary.records += 1;
    // Held even after the final seal: a replayed batch consumes its copies; anything else is RECORD_AFTER_FINAL.
    this.#pending.push(r);
    if (this.#pending.length > this.#ctx.maxPending) {
      // Memory bound: a batch this large without a seal is itself a finding.
      this.#reportUnsealed(this.#pending);
      this.#pending = [];
    }
  }

  /** `payload` is the seal's signed form (sealPayload), `hash` its seal hash; computed once by the caller. */
  onSeal(s: Seal, payload: string, hash: string, line: number): void {
    const sum = this.#summary;
    sum.seals += 1;
    const seen = this.#seen.get(s.batch);
    if (seen !== undefined) {
      // The copies' records are consumed with the seal: the batch was judged the first time.
      this.#takeRange(s.firstSeq, s.lastSeq);
      if (seen === hash) this.#emit('BATCH_REPLAYED', `batch ${s.batch} appears again`, { batch: s.batch, line, seq: s.firstSeq, seqTo: s.lastSeq });
      else this.#emit('SEAL_EQUIVOCATION', `two different seals for batch ${s.batch}`, { batch: s.batch, line });
      return;
    }
    if (this.#final) {
      this.#reportAfterFinal(this.#takeRange(s.firstSeq, s.lastSeq));
      this.#emit('SEAL_AFTER_FINAL', `seal of batch ${s.batch} after the final seal`, { batch: s.batch, line });
      return;
    }
    const last = this.#last;
    if (last !== null && s.batch < last.batch) {
      this.#takeRange(s.firstSeq, s.lastSeq);
      // It is not missing after all: it came late.
      this.#missing = this.#missing.filter((m) => !(m.batchFrom === s.batch && m.batchTo === s.batch));
      this.#emit('SEAL_OUT_OF_ORDER', `seal for batch ${s.batch} after batch ${last.batch}`, { batch: s.batch, line });
      return;
    }
    let findings = 0;
    const flag = (code: FindingCode, message: string, where: Where): void => {
      findings += 1;
      this.#emit(code, message, where);
    };

    // The epoch this seal must carry. Batch 0 of a stream that follows no other starts at 0:
    // otherwise a host compromised at epoch j could rewrite the stream from batch 0 with k[j].
    let want: number | undefined;
    if (last !== null) want = last.epoch + (s.batch - last.batch);
    else if (s.batch === 0 && s.meta?.follows === undefined) want = 0;
    const epochOk = want === undefined || s.epoch === want;
    if (!epochOk) flag('SEAL_EPOCH_ORDER', `seal of batch ${s.batch} uses key epoch ${s.epoch}, expected ${want}`, { batch: s.batch, line });
    const authOk = this.#authenticate(s, payload, line, epochOk, flag);

    // Continuity with the previous seal of this stream.
    if (last === null) {
      if (s.batch !== 0) {
        const orphans = this.#takeRange(0, s.firstSeq - 1);
        if (orphans.length > 0) {
          flag('SEAL_MISSING', `seal(s) of batch 0..${s.batch - 1} missing (records present, unsealed)`, {
            batch: s.batch - 1, seq: orphans.reduce((m, r) => Math.min(m, r.seq), Infinity), seqTo: s.firstSeq - 1, line,
          });
        } else {
          // Judged at the end, like any missing batches: the producer may have declared them dropped.
          this.#missing.push({ batchFrom: 0, batchTo: s.batch - 1, from: 0, to: s.firstSeq - 1, line, head: true });
        }
      } else {
        if (s.prevSeal !== genesisSeal(this.sid)) flag('SEAL_CHAIN_BROKEN', 'batch 0 does not start from the seal genesis', { batch: 0, line });
        if (s.firstSeq !== 0 || s.firstPrev !== genesisHead(this.sid)) {
          flag('CHAIN_BROKEN', 'batch 0 does not start at seq 0 from the chain genesis', { batch: 0, seq: s.firstSeq, line });
        }
        this.#origin = { epoch: s.epoch, hasMac: s.mac !== undefined, line };
        const f = s.meta?.follows;
        if (f !== undefined) this.#origin.follows = f;
      }
      if (s.meta !== undefined) sum.meta = s.meta;
    } else {
      const missing = s.batch - last.batch - 1;
      if (missing > 0) {
        const from = last.lastSeq + 1;
        const to = s.firstSeq - 1;
        const orphans = this.#takeRange(from, to);
        if (orphans.length > 0) {
          flag('SEAL_MISSING', `seal of batch ${range(last.batch + 1, s.batch - 1)} is missing (records present, unsealed)`, { batch: last.batch + 1, seq: from, seqTo: to, line });
        } else {
          // Judged at the end: a later gap record may declare these batches dropped by the producer (drop-oldest).
          this.#missing.push({ batchFrom: last.batch + 1, batchTo: s.batch - 1, from, to, line });
        }
      } else {
        if (s.prevSeal !== last.hash) flag('SEAL_CHAIN_BROKEN', `seal of batch ${s.batch} does not link to batch ${last.batch}`, { batch: s.batch, line });
        if (s.firstSeq !== last.lastSeq + 1 || s.firstPrev !== last.head) {
          flag('CHAIN_BROKEN', `batch ${s.batch} does not continue the chain of batch ${last.batch}`, { batch: s.batch, seq: s.firstSeq, line });
        }
      }
    }

    const checked = this.#checkRecords(s, line);
    findings += checked.findings;

    this.#last = { batch: s.batch, epoch: s.epoch, lastSeq: s.lastSeq, head: s.head, hash, sealedAt: s.sealedAt };
    this.#seen.set(s.batch, hash);
    if (this.#seen.size > SEEN_WINDOW) this.#seen.delete(this.#seen.keys().next().value!);
    if (sum.firstSeq === null) sum.firstSeq = s.firstSeq;
    if (s.count > 0) sum.lastSeq = s.lastSeq;
    if (s.tsMin !== null && (sum.tsMin === null || s.tsMin < sum.tsMin)) sum.tsMin = s.tsMin;
    if (s.tsMax !== null && (sum.tsMax === null || s.tsMax > sum.tsMax)) sum.tsMax = s.tsMax;
    sum.lastSealedAt = s.sealedAt;
    if (authOk && findings === 0) {
      sum.validSeals += 1;
      sum.validRecords += checked.present;
    }
    if (s.final) {
      this.#final = true;
      sum.final = true;
    }
  }

  /**
   * Reports records missing inside sealed batches now, as RECORD_DELETED (a collector judging
   * one batch: nothing later can declare them dropped).
   */
  settleHoles(): void {
    for (const h of this.#holes) {
      this.#emit('RECORD_DELETED', h.from === h.to ? `record ${h.from} is missing` : `records ${h.from}..${h.to} are missing`, { seq: h.from, seqTo: h.to, batch: h.batch, line: h.line });
    }
    this.#holes = [];
  }

  /** End of input: what is still open is reported. */
  end(opts: { requireFinal: boolean; now?: number; maxSealAgeMs?: number }): void {
    for (const m of this.#missing) {
      const batches = range(m.batchFrom, m.batchTo);
      const declared = coveredBy(this.#declared, m.from, m.to);
      const where = { batch: m.batchFrom, seq: m.from, seqTo: m.to, line: m.line };
      if (declared === undefined && m.head === true) {
        this.#emit('STREAM_HEAD_MISSING', `stream starts at batch ${m.batchTo + 1} (seq ${m.to + 1}); earlier batches are absent`, { ...where, batch: 0 });
      } else if (declared === undefined) {
        this.#emit('BATCH_MISSING', `batch ${batches} is missing (seq ${m.from}..${m.to})`, where);
      } else if (this.#ctx.strictDrops) {
        this.#emit('BATCH_MISSING', `batch ${batches} is missing (seq ${m.from}..${m.to}); the producer declared it dropped (${declared.reason})`, where);
      } else {
        this.#emit('PRODUCER_DROPPED', `batch ${batches} (seq ${m.from}..${m.to}) dropped by the producer (${declared.reason})`, where);
      }
    }
    this.#missing = [];
    for (const h of this.#holes) {
      const declared = this.#ctx.strictDrops ? undefined : coveredBy(this.#declared, h.from, h.to);
      const what = h.from === h.to ? `record ${h.from}` : `records ${h.from}..${h.to}`;
      const where = { seq: h.from, seqTo: h.to, batch: h.batch, line: h.line };
      if (declared === undefined) this.#emit('RECORD_DELETED', `${what} ${h.from === h.to ? 'is' : 'are'} missing`, where);
      else this.#emit('PRODUCER_DROPPED', `${what} of batch ${h.batch} not delivered by the producer (${declared.reason})`, where);
    }
    this.#holes = [];
    if (this.#final) this.#reportAfterFinal(this.#pending);
    else if (this.#pending.length > 0) this.#reportUnsealed(this.#pending);
    this.#pending = [];
    if (this.#final) return;
    const last = this.#last;
    if (last !== null && opts.now !== undefined && opts.maxSealAgeMs !== undefined && opts.now - last.sealedAt > opts.maxSealAgeMs) {
      this.#emit('STREAM_STALE', `last seal (batch ${last.batch}) is older than ${opts.maxSealAgeMs} ms and not final: the tail may be cut`, { batch: last.batch });
    } else if (last !== null) {
      this.#ctx.emit(finding('STREAM_NOT_FINAL', `stream has no final seal (last: batch ${last.batch})`,
        { sid: this.sid, batch: last.batch }, opts.requireFinal ? 'error' : 'warning'));
    }
  }

  #reportAfterFinal(recs: PendingRecord[]): void {
    for (const r of recs) this.#emit('RECORD_AFTER_FINAL', `record ${r.seq} after the final seal`, { seq: r.seq, line: r.line });
  }

  #reportUnsealed(recs: PendingRecord[]): void {
    let lo = Infinity;
    let hi = -Infinity;
    for (const r of recs) {
      if (r.seq < lo) lo = r.seq;
      if (r.seq > hi) hi = r.seq;
    }
    this.#emit('RECORDS_UNSEALED', `${recs.length} record(s) have no seal`, { seq: lo, seqTo: hi, line: recs[0]!.line });
  }

  /** Removes and returns pending records with seq in [from, to]. */
  #takeRange(from: number, to: number): PendingRecord[] {
    const taken: PendingRecord[] = [];
    const kept: PendingRecord[] = [];
    for (const r of this.#pending) (r.seq >= from && r.seq <= to ? taken : kept).push(r);
    this.#pending = kept;
    return taken;
  }

  #authenticate(s: Seal, payload: string, line: number, epochOk: boolean, flag: (c: FindingCode, m: string, w: Where) => void): boolean {
    const ring = this.#ctx.keyring;
    if (ring === null) {
      if (!this.#keyWarned) {
        this.#keyWarned = true;
        this.#emit('KEY_NOT_CHECKED', 'no keys given: seals were checked for integrity, not authenticity', { batch: s.batch, line });
      }
      return true;
    }
    const entry = ring.get(s.kid);
    const where = { batch: s.batch, line };
    if (entry === undefined) {
      flag('SEAL_UNKNOWN_KEY', `unknown key id "${s.kid}"`, where);
      return false;
    }
    let ok = true;
    if (entry.publicKey !== undefined) {
      if (s.sig === undefined) {
        flag('SEAL_UNAUTHENTICATED', 'seal has no signature but the key requires one', where);
        ok = false;
      } else if (!verifySignature(entry.publicKey, payload, s.sig)) {
        flag('SEAL_BAD_SIGNATURE', 'seal signature does not verify', where);
        ok = false;
      }
    }
    if (entry.epochKeys !== undefined) {
      if (s.mac === undefined) {
        flag('SEAL_UNAUTHENTICATED', 'seal has no MAC but the key requires one', where);
        ok = false;
      } else if (!epochOk) {
        // Already SEAL_EPOCH_ORDER; the key of a wrong epoch is not derived (no walking to hostile epochs).
        ok = false;
      } else {
        const key = entry.epochKeys.keyFor(s.epoch);
        if (key === null || !verifyMac(key, payload, s.mac)) {
          flag('SEAL_BAD_MAC', key === null ? `seal MAC not checked: epoch ${s.epoch} is beyond the key-derivation budget` : `seal MAC does not verify under the epoch ${s.epoch} key`, where);
          ok = false;
        }
      }
    }
    return ok;
  }

  /**
   * Judges the pending records against seal `s`. Returns the findings it raised and how many
   * records are present; missing ones are judged at end(), against declared drops.
   */
  #checkRecords(s: Seal, line: number): { findings: number; present: number } {
    let n = 0;
    const flag = (code: FindingCode, message: string, where: Where): void => {
      n += 1;
      this.#emit(code, message, where);
    };
    const later: PendingRecord[] = [];
    const bySeq = new Map<number, PendingRecord[]>();
    let maxSeq = -1;
    for (const r of this.#pending) {
      if (r.seq > s.lastSeq) {
        // A record of a later batch before this seal: out of order; judged with its own seal.
        flag('RECORD_REORDERED', `record ${r.seq} appears before the seal of batch ${s.batch}`, { seq: r.seq, line: r.line });
        later.push(r);
        continue;
      }
      if (r.seq < s.firstSeq) {
        flag('RECORD_INSERTED', `record ${r.seq} is not part of batch ${s.batch} (seq ${s.firstSeq}..${s.lastSeq})`, { seq: r.seq, line: r.line });
        continue;
      }
      if (r.seq < maxSeq) flag('RECORD_REORDERED', `record ${r.seq} appears after record ${maxSeq}`, { seq: r.seq, line: r.line });
      else maxSeq = r.seq;
      const group = bySeq.get(r.seq);
      if (group === undefined) bySeq.set(r.seq, [r]);
      else group.push(r);
    }
    this.#pending = later;

    // Walk only the seqs that are present (a hostile seal may claim a range of 2^53): the holes
    // between them are the deleted records.
    const present = [...bySeq.keys()].sort((a, b) => a - b);
    const chosen: PendingRecord[] = [];
    let expectedPrev = s.firstPrev;
    let prevSeq = s.firstSeq - 1;
    let prevModified = false;
    let holes = false;
    const deleted = (from: number, to: number): void => {
      holes = true;
      this.#holes.push({ batch: s.batch, from, to, line });
    };
    for (const seq of present) {
      const afterGap = seq > prevSeq + 1;
      if (afterGap) deleted(prevSeq + 1, seq - 1);
      const group = bySeq.get(seq)!;
      const next = bySeq.get(seq + 1);
      const rec = group.length === 1 ? group[0]! : pickGenuine(group, expectedPrev, seq === s.lastSeq ? [s.head] : (next ?? []).map((x) => x.prev));
      for (const other of group) {
        if (other === rec) continue;
        if (other.h === rec.h && other.hOk && rec.hOk) flag('RECORD_DUPLICATE', `record ${seq} appears twice`, { seq, line: other.line });
        else flag('RECORD_INSERTED', `a second, different record ${seq}`, { seq, line: other.line });
      }
      let modified = false;
      if (!rec.hOk) {
        flag('RECORD_MODIFIED', `record ${seq} does not match its hash`, { seq, line: rec.line });
        modified = true;
      }
      if (rec.prev !== expectedPrev && !afterGap) {
        if (seq === s.firstSeq) {
          flag('CHAIN_BROKEN', `record ${seq} does not link to the previous batch`, { seq, line: rec.line });
        } else if (!prevModified) {
          // The previous record's content and hash were both rewritten: its successor still names the original.
          const p = chosen[chosen.length - 1]!;
          flag('RECORD_MODIFIED', `record ${p.seq} was changed and re-hashed (record ${seq} does not link to it)`, { seq: p.seq, line: p.line });
        }
      }
      if (rec.gap !== undefined) {
        const g = rec.gap;
        this.#emit('PRODUCER_DROPPED', `${g.dropped} record(s) dropped by the producer (${g.reason})`, { seq, line: rec.line });
        if (g.fromSeq !== undefined && g.toSeq !== undefined) this.#declared.push({ from: g.fromSeq, to: g.toSeq, reason: g.reason });
      }
      chosen.push(rec);
      expectedPrev = rec.h;
      prevModified = modified;
      prevSeq = seq;
    }
    if (prevSeq < s.lastSeq) deleted(prevSeq + 1, s.lastSeq);
    const tip = chosen[chosen.length - 1];
    if (tip !== undefined && tip.seq === s.lastSeq && tip.h !== s.head && !prevModified) {
      flag('RECORD_MODIFIED', `record ${tip.seq} was changed and re-hashed (the seal names another head)`, { seq: tip.seq, line: tip.line });
    }
    // With records missing the root cannot match: the holes themselves are the finding.
    if (n === 0 && !holes) {
      const root = toHex(merkleRoot(leafBytes(chosen.map((r) => r.leaf))));
      if (root !== s.root || hashFromHex(s.root) === null) {
        flag('SEAL_ROOT_MISMATCH', `Merkle root of batch ${s.batch} does not match its records`, { batch: s.batch, line });
      } else if (chosen.length > 0) {
        let lo = Infinity;
        let hi = -Infinity;
        for (const r of chosen) {
          if (r.ts < lo) lo = r.ts;
          if (r.ts > hi) hi = r.ts;
        }
        if (lo !== s.tsMin || hi !== s.tsMax) flag('SEAL_MALFORMED', `time range of batch ${s.batch} does not match its records`, { batch: s.batch, line });
      }
    }
    return { findings: n, present: chosen.length };
  }
}

function range(from: number, to: number): string {
  return from === to ? String(from) : `${from}..${to}`;
}

/** The declaration(s) whose union covers [from, to] (consecutive dropped batches are declared one by one), or undefined. */
function coveredBy(declared: readonly { from: number; to: number; reason: string }[], from: number, to: number): { reason: string } | undefined {
  const parts = declared.filter((d) => d.to >= from && d.from <= to).sort((a, b) => a.from - b.from);
  let next = from;
  for (const d of parts) {
    if (d.from > next) return undefined;
    next = Math.max(next, d.to + 1);
    if (next > to) return parts[0];
  }
  return undefined;
}

/** The genuine record among several with one seq: it links back, hashes right, and is named by its successor. */
function pickGenuine(group: PendingRecord[], expectedPrev: string, successorPrevs: readonly string[]): PendingRecord {
  let best = group[0]!;
  let bestScore = -1;
  for (const r of group) {
    const score = (r.hOk ? 1 : 0) + (r.prev === expectedPrev ? 1 : 0) + (successorPrevs.includes(r.h) ? 2 : 0);
    if (score > bestScore) {
      best = r;
      bestScore = score;
    }
  }
  return best;
}
