/**
 * Accepting one batch (POST /v1/batches): parse, rate-limit, verify COMPLETELY against
 * what the stream already stored, then commit, and only then answer 200. The outcomes
 * (docs/collector.md, "Statuses and error codes"):
 *
 *   new batch above the tip     checkBatch against the tip; a gap before it is accepted and
 *                               answered ({"gap":{fromBatch,toBatch,fromSeq,toSeq}})
 *   batch inside a gap          a late or resent batch: checkBatch against the stored batch
 *                               below it, plus the link to the stored batch above it
 *   stored batch, same bytes    200 {"duplicate":true}, not stored twice
 *   stored batch, other seal    authentic: 409 equivocation (logged, counted, evidence file);
 *                               not authentic: 403 (a forgery proves nothing about the producer)
 *
 * Refusals, in this precedence: 400 (shape), 403 seal_not_authentic (unknown key id, missing
 * authenticator, bad signature or MAC, wrong key epoch), 409 stream_final / chain_conflict
 * (authentic but contradicts what is stored: a fork), 422 batch_invalid (the records do not
 * match their seal). 403 rather than 401: the seal is the credential, and a collector has no
 * challenge to offer that a retry could satisfy (RFC 9110 section 15.5.4).
 *
 * Batches of one stream are handled one at a time (a per-sid lock, held until the commit
 * is durable); different streams verify in turn on the event loop and share group commits.
 */
import { createHash, verify as verifySignature } from 'node:crypto';
import { checkBatch, sealHash, sealPayload, type Finding, type Keyring, type Seal, type StreamTip } from '@logseal/core';
import { type BodyProblem, parseBatchBody, type ParsedBatch, recordsCanonical } from './batch-body.js';
import type { IndexEntry } from './layout.js';
import type { Logger } from './logger.js';
import type { Metrics, RejectReason } from './metrics.js';
import type { KeyRateLimiter } from './rate-limit.js';
import type { EntryDraft, Storage } from './storage.js';
import type { StreamStore } from './stream-store.js';

export interface Gap {
  fromBatch: number;
  toBatch: number;
  fromSeq: number;
  toSeq: number;
}

export interface Accepted {
  ok: true;
  sid: string;
  batch: number;
  /** Transparency-log leaf index of the seal. */
  leaf: number;
  duplicate?: true;
  gap?: Gap;
  filled?: true;
  warnings?: string[];
}

export interface Refused {
  status: number;
  code: RejectReason;
  message: string;
  findings?: Finding[];
  retryAfterMs?: number;
}

export type IngestResult = { status: 200; body: Accepted } | Refused;

const SHAPE = new Set(['RECORD_MALFORMED', 'SEAL_MALFORMED', 'INPUT_MALFORMED']);
const AUTH = new Set(['SEAL_UNKNOWN_KEY', 'SEAL_UNAUTHENTICATED', 'SEAL_BAD_SIGNATURE', 'SEAL_BAD_MAC', 'SEAL_EPOCH_ORDER']);
const FINAL = new Set(['SEAL_AFTER_FINAL', 'RECORD_AFTER_FINAL']);
const MAX_FINDINGS = 20;

export interface IngestDeps {
  storage: Storage;
  keyring: Keyring;
  kids: ReadonlySet<string>;
  limiter: KeyRateLimiter;
  metrics: Metrics;
  logger: Logger;
  clock: () => number;
  /** A batch of this stream was committed (forwarding). */
  onCommitted(stream: StreamStore): void;
}

function tipOf(e: IndexEntry): StreamTip {
  return { sid: e.sid, batch: e.batch, epoch: e.epoch, lastSeq: e.lastSeq, head: e.head, hash: e.hash, final: e.final, sealedAt: e.sealedAt };
}

function sha256hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export class Ingestor {
  readonly #d: IngestDeps;
  /** Per-sid tail of the lock chain; deleted when the stream goes idle, so junk sids leave nothing behind. */
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(deps: IngestDeps) {
    this.#d = deps;
  }

  async ingest(body: Buffer): Promise<IngestResult> {
    const parsed = parseBatchBody(body);
    if ('status' in parsed) return this.#refuse(parsed as BodyProblem);
    const { seal } = parsed;
    const where = { sid: seal.sid, batch: seal.batch, kid: seal.kid };
    if (!this.#d.kids.has(seal.kid)) {
      // Refused before any work: an unknown key id cannot authenticate anything.
      return this.#refuse({ status: 403, code: 'seal_not_authentic', message: `unknown key id "${seal.kid}"`, findings: [{ code: 'SEAL_UNKNOWN_KEY', severity: 'error', message: `unknown key id "${seal.kid}"`, sid: seal.sid, batch: seal.batch }] }, where);
    }
    if (seal.sig === undefined && seal.mac === undefined) {
      // Malformed by the format too (SEAL_MALFORMED), but what it means is "unsigned": refused as not authentic.
      return this.#refuse({ status: 403, code: 'seal_not_authentic', message: 'the seal has neither a signature nor a MAC', findings: [{ code: 'SEAL_UNAUTHENTICATED', severity: 'error', message: 'no authenticator', sid: seal.sid, batch: seal.batch }] }, where);
    }
    const wait = this.#d.limiter.take(seal.kid);
    if (wait > 0) return this.#refuse({ status: 429, code: 'rate_limited', message: `too many batches for key id "${seal.kid}"`, retryAfterMs: wait }, where);
    const gate = signatureGate(this.#d.keyring, seal as unknown as Seal);
    if (gate !== null) return this.#refuse({ status: 403, code: 'seal_not_authentic', message: gate.message, findings: [{ ...gate, severity: 'error', sid: seal.sid, batch: seal.batch }] }, where);
    return this.#locked(seal.sid, () => this.#ingestLocked(parsed));
  }

  #locked<T>(sid: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#locks.get(sid) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.#locks.set(sid, tail);
    void tail.then(() => {
      if (this.#locks.get(sid) === tail) this.#locks.delete(sid);
    });
    return run;
  }

  async #ingestLocked(p: ParsedBatch): Promise<IngestResult> {
    const { storage } = this.#d;
    if (storage.failed !== null) return this.#refuse({ status: 503, code: 'storage_failed', message: 'storage failed; the collector must be restarted', retryAfterMs: 5000 });
    const seal = p.seal as unknown as Seal;
    const where = { sid: seal.sid, batch: seal.batch, kid: seal.kid };
    let hash: string;
    try {
      hash = sealHash(sealPayload(seal));
    } catch {
      return this.#refuse({ status: 400, code: 'batch_shape', message: 'the seal is malformed' }, where);
    }
    const digest = sha256hex(p.bytes);
    const stream = storage.stream(seal.sid);
    const follows = this.#followed(seal);

    if (stream?.has(seal.batch)) {
      const stored = (await stream.get(seal.batch))!;
      if (stored.hash === hash && stored.digest === digest) return this.#duplicate(stored);
      const below = await stream.before(seal.batch);
      const r = checkBatch(p.items, below === undefined ? null : tipOf(below), this.#d.keyring, seal.batch === 0 ? follows : undefined);
      const auth = r.findings.filter((f) => AUTH.has(f.code));
      if (stored.hash === hash) {
        // Same seal, other bytes: the records cannot all be the ones the seal covers.
        if (!r.ok) return this.#refuse(this.#classify(r.findings, false), where);
        const bad = recordsCanonical(p);
        if (bad > 0) return this.#refuse(notCanonical(bad), where);
        return this.#duplicate(stored);
      }
      if (auth.length > 0) return this.#refuse({ status: 403, code: 'seal_not_authentic', message: 'seal is not authentic', findings: auth }, where);
      await this.#evidence('equivocation', seal, p, stored);
      this.#d.metrics.inc('equivocations_total');
      this.#d.logger.warn('equivocation', { ...where, stored: stored.hash, received: hash });
      return this.#refuse({ status: 409, code: 'equivocation', message: `batch ${seal.batch} is stored with another seal (${stored.hash}); both are kept as evidence` }, where);
    }

    const tip = stream?.tip ?? null;
    let prev: IndexEntry | undefined;
    let next: IndexEntry | undefined;
    if (stream !== undefined && tip !== null && seal.batch < tip.batch) ({ prev, next } = await stream.neighbours(seal.batch));
    else prev = tip ?? undefined;
    const r = checkBatch(p.items, prev === undefined ? null : tipOf(prev), this.#d.keyring, seal.batch === 0 ? follows : undefined);
    const linkBroken = (prev !== undefined && !linksAfter(prev, seal)) || (next !== undefined && !linksBefore(seal, hash, next));
    if (!r.ok || linkBroken) {
      const refusal = this.#classify(r.findings, linkBroken);
      if (refusal.code === 'chain_conflict' && !r.findings.some((f) => AUTH.has(f.code) && f.severity === 'error')) {
        const stored = next !== undefined && !linksBefore(seal, hash, next) ? next : prev;
        await this.#evidence('fork', seal, p, stored);
        this.#d.metrics.inc('chain_conflicts_total');
        this.#d.logger.warn('chain_conflict', { ...where, received: hash });
      }
      return this.#refuse(refusal, where);
    }
    const bad = recordsCanonical(p);
    if (bad > 0) return this.#refuse(notCanonical(bad), where);
    const entryDraft: EntryDraft = {
      sid: seal.sid, batch: seal.batch, kid: seal.kid, digest, hash, epoch: seal.epoch, firstSeq: seal.firstSeq, lastSeq: seal.lastSeq,
      count: seal.count, firstPrev: seal.firstPrev, head: seal.head, prevSeal: seal.prevSeal, final: seal.final, sealedAt: seal.sealedAt,
    };
    const filled = next !== undefined;
    // A fill lands inside a gap that was recorded when the batch above it arrived: only a batch above the tip opens one.
    const gap = filled ? null : r.gap;
    let entry: IndexEntry;
    try {
      entry = await storage.commit({ stream: storage.streamFor(seal.sid), bytes: p.bytes, sealLine: p.lines[p.lines.length - 1]!, draft: entryDraft, gap, filled });
    } catch {
      // The cause (with paths) is in the collector's log (storage_failed), not in the answer.
      return this.#refuse({ status: 503, code: 'storage_failed', message: 'storage failed; the collector must be restarted', retryAfterMs: 5000 }, where);
    }
    const m = this.#d.metrics;
    m.inc('batches_accepted_total');
    m.inc('records_accepted_total', seal.count);
    m.inc('bytes_accepted_total', p.bytes.length);
    const body: Accepted = { ok: true, sid: seal.sid, batch: seal.batch, leaf: entry.i };
    if (gap !== null) {
      body.gap = gap;
      m.inc('gaps_total');
      this.#d.logger.info('gap', { ...where, ...gap });
    }
    if (filled) {
      body.filled = true;
      m.inc('gaps_filled_total');
    }
    const warnings = [...new Set(r.findings.filter((f) => f.severity === 'warning').map((f) => f.code))];
    if (warnings.length > 0) body.warnings = warnings;
    this.#d.logger.debug('batch_accepted', { ...where, records: seal.count, leaf: entry.i });
    this.#d.onCommitted(storage.streamFor(seal.sid));
    return { status: 200, body };
  }

  /** The stored final tip of the stream a follow-on batch 0 names, when held (a non-final one is "not held yet"). */
  #followed(seal: Seal): StreamTip | null {
    const f = seal.meta?.follows;
    if (f === undefined || f.sid === seal.sid) return null;
    const tip = this.#d.storage.stream(f.sid)?.tip;
    return tip !== undefined && tip !== null && tip.final ? tipOf(tip) : null;
  }

  #duplicate(stored: IndexEntry): IngestResult {
    this.#d.metrics.inc('batches_duplicate_total');
    return { status: 200, body: { ok: true, sid: stored.sid, batch: stored.batch, leaf: stored.i, duplicate: true } };
  }

  #classify(findings: Finding[], linkBroken: boolean): Refused {
    const errors = findings.filter((f) => f.severity === 'error');
    const pick = (set: Set<string>): Finding[] => errors.filter((f) => set.has(f.code));
    const shown = (fs: Finding[]): Finding[] => fs.slice(0, MAX_FINDINGS);
    if (pick(SHAPE).length > 0) return { status: 400, code: 'batch_shape', message: 'malformed record or seal', findings: shown(pick(SHAPE)) };
    if (pick(AUTH).length > 0) return { status: 403, code: 'seal_not_authentic', message: 'seal is not authentic', findings: shown(pick(AUTH)) };
    if (pick(FINAL).length > 0) return { status: 409, code: 'stream_final', message: 'the stream was sealed final', findings: shown(pick(FINAL)) };
    if (linkBroken || errors.some((f) => f.code === 'STREAM_FOLLOWS_MISMATCH')) {
      return { status: 409, code: 'chain_conflict', message: 'the batch does not link to the batches stored around it', findings: shown(errors) };
    }
    return { status: 422, code: 'batch_invalid', message: 'the records do not match their seal', findings: shown(errors) };
  }

  async #evidence(kind: 'equivocation' | 'fork', seal: Seal, p: ParsedBatch, stored: IndexEntry | undefined): Promise<void> {
    try {
      await this.#d.storage.appendEvidence({
        t: this.#d.clock(), kind, sid: seal.sid, batch: seal.batch,
        received: p.lines[p.lines.length - 1],
        stored: stored === undefined ? null : { batch: stored.batch, leaf: stored.i, seal: await this.#d.storage.sealLine(stored) },
      });
    } catch (err) {
      this.#d.logger.error('evidence_write_failed', { sid: seal.sid, batch: seal.batch, error: (err as Error).message });
    }
  }

  #refuse(r: Refused | BodyProblem, where?: { sid: string; batch: number; kid: string }): Refused {
    this.#d.metrics.inc('rejects_total', 1, r.code);
    const findings = 'findings' in r ? r.findings : undefined;
    this.#d.logger.info('batch_refused', { code: r.code, status: r.status, ...(where ?? {}), findings: findings?.map((f) => f.code) });
    return r as Refused;
  }
}

/** Does `seal` continue the stored batch `prev` (directly, or after a gap)? Only what checkBatch cannot see across a gap. */
function linksAfter(prev: IndexEntry, seal: Seal): boolean {
  if (seal.batch === prev.batch + 1) return seal.prevSeal === prev.hash && seal.firstPrev === prev.head && seal.firstSeq === prev.lastSeq + 1;
  return seal.firstSeq > prev.lastSeq;
}

/** Is the stored batch `next` a continuation of `seal` (hash `hash`)? */
function linksBefore(seal: Seal, hash: string, next: IndexEntry): boolean {
  if (seal.final) return false;
  if (next.batch === seal.batch + 1) {
    return next.prevSeal === hash && next.firstPrev === seal.head && next.firstSeq === seal.lastSeq + 1 && next.epoch === seal.epoch + 1;
  }
  return next.firstSeq > seal.lastSeq && next.epoch - seal.epoch === next.batch - seal.batch;
}

function notCanonical(line: number): Refused {
  return { status: 400, code: 'not_canonical', message: `line ${line} is not in RFC 8785 canonical form` };
}

const SIG_LABEL = Buffer.from('logseal.v1.seal.sig\0'); // docs/format.md section 5

/**
 * Cheap authenticity gate before checkBatch: when the key id's entry holds a public key, the
 * seal's Ed25519 signature must be there and verify (one signature check). Without it, a
 * forged seal claiming a large key epoch for a stream the collector has not seen would make
 * checkBatch derive MAC keys up to that epoch (bounded per batch, but CPU all the same)
 * before failing. MAC-only key ids have no such gate: the per-key rate limit bounds them.
 */
function signatureGate(keyring: Keyring, seal: Seal): { code: 'SEAL_UNAUTHENTICATED' | 'SEAL_BAD_SIGNATURE'; message: string } | null {
  const entry = keyring.entries.get(seal.kid);
  if (entry?.publicKey === undefined) return null;
  if (typeof seal.sig !== 'string') return { code: 'SEAL_UNAUTHENTICATED', message: 'seal has no signature but the key requires one' };
  let ok = false;
  try {
    const sig = Buffer.from(seal.sig, 'base64url');
    ok = sig.length === 64 && verifySignature(null, Buffer.concat([SIG_LABEL, Buffer.from(sealPayload(seal))]), entry.publicKey, sig);
  } catch {
    ok = false;
  }
  return ok ? null : { code: 'SEAL_BAD_SIGNATURE', message: 'seal signature does not verify' };
}
