/**
 * StreamSealer: one writer's chain plus batch sealing. append() chains records;
 * seal() closes the current batch (count 0 = heartbeat) into a Seal committing to its
 * seq range, first prev, head, Merkle root, previous seal, time range, key id, batch
 * number and epoch, authenticated by Ed25519 and/or the forward-secure MAC. The new
 * chain state (with the evolved MAC key) is saved before seal() returns, so a seal
 * never leaves the process ahead of its state.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { LogSealError, invalidOption, rejectUnknownOptions } from '../errors.js';
import { canonicalize } from './canonical-json.js';
import { type ChainState, type StateStore, validateState } from './chain-state.js';
import { genesisHead, genesisSeal, KID_PATTERN, SID_PATTERN } from './domain.js';
import { EvolvingKey } from './forward-mac.js';
import { leafBytes, toHex } from './hash.js';
import { type KeyInput, kidForMacKey, kidForPublicKey, loadMacKey, loadSigningKey } from './keys.js';
import { merkleRoot } from './merkle.js';
import { type ChainedRecord, type LeafLineWriter, RecordChain } from './record-chain.js';
import { macInput, sealHash, sealPayload, signPayload } from './seal.js';
import type { GapBody, RecordEnvelope, Seal, SealMeta } from './types.js';

export interface StreamSealerOptions {
  /** Ed25519 private key (PEM, JWK, raw 32-byte seed or KeyObject). */
  signingKey?: KeyInput;
  /** MAC provisioning key k[0] (>= 32 bytes; raw, hex or base64url). Ignored when state is resumed. */
  macKey?: string | Uint8Array;
  /** Key id. Default: derived from the public key, else from k[0]. */
  kid?: string;
  /** Stream id for a new stream. Default: time-prefixed random id. */
  sid?: string;
  /** Resume this state (else the store's, else start fresh). */
  state?: ChainState;
  /** Loaded at construction, saved after every seal. */
  stateStore?: StateStore;
  /** Service and host names recorded in the first seal. */
  service?: string;
  host?: string;
  /** Milliseconds since the epoch; injectable for tests. */
  clock?: () => number;
  random?: (n: number) => Uint8Array;
}

const OPTION_NAMES = ['signingKey', 'macKey', 'kid', 'sid', 'state', 'stateStore', 'service', 'host', 'clock', 'random'];

export interface SealedBatch {
  seal: Seal;
  /** RFC 8785 form of the seal (with its authenticators): the bytes shipped. */
  json: string;
  /** Seal hash (the next seal's prevSeal). */
  hash: string;
}

function newSid(clock: () => number, random: (n: number) => Uint8Array): string {
  return clock().toString(36) + '-' + Buffer.from(random(12)).toString('base64url');
}

export class StreamSealer {
  readonly kid: string;
  #chain: RecordChain;
  #signingKey: KeyObject | undefined;
  #macKey: EvolvingKey | undefined;
  #store: StateStore | undefined;
  #clock: () => number;
  #batch: number;
  #prevSeal: string;
  #final = false;
  #meta: SealMeta | undefined;
  // the open batch
  /** Record hashes (hex) of the open batch; leaf bytes are built once, at the seal. */
  #leaves: string[] = [];
  #firstPrev: string;
  #tsMin = Infinity;
  #tsMax = -Infinity;

  constructor(options: StreamSealerOptions) {
    if (typeof options !== 'object' || options === null) invalidOption('options', 'an object', options);
    rejectUnknownOptions('sealer', options, OPTION_NAMES);
    this.#clock = options.clock ?? Date.now;
    if (typeof this.#clock !== 'function') invalidOption('clock', 'a function');
    const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
    if (options.signingKey !== undefined) this.#signingKey = loadSigningKey(options.signingKey);
    if (options.sid !== undefined && (typeof options.sid !== 'string' || !SID_PATTERN.test(options.sid))) {
      invalidOption('sid', 'a string matching ' + SID_PATTERN, options.sid);
    }
    if (options.kid !== undefined && (typeof options.kid !== 'string' || !KID_PATTERN.test(options.kid))) {
      invalidOption('kid', 'a string matching ' + KID_PATTERN, options.kid);
    }
    for (const k of ['service', 'host'] as const) {
      const v = options[k];
      if (v !== undefined && (typeof v !== 'string' || v.length > 256)) invalidOption(k, 'a string of at most 256 chars', v);
    }
    this.#store = options.stateStore;
    const saved = options.state !== undefined ? validateState(options.state) : (this.#store?.load() ?? null);

    const meta: SealMeta = {};
    if (options.service !== undefined) meta.service = options.service;
    if (options.host !== undefined) meta.host = options.host;

    if (saved !== null && !saved.final) {
      // Continue the same stream: a crash or restart before a final seal.
      if (options.sid !== undefined && options.sid !== saved.sid) {
        throw new LogSealError('LOGSEAL_ERR_STATE_INVALID', 'saved state belongs to another stream than option "sid"');
      }
      this.#chain = new RecordChain(saved.sid, saved.nextSeq, saved.head);
      this.#batch = saved.batch;
      this.#prevSeal = saved.prevSeal;
      this.kid = saved.kid;
      if (saved.macKey !== undefined) this.#macKey = new EvolvingKey(loadMacKey(saved.macKey), saved.epoch);
    } else {
      const sid = options.sid ?? newSid(this.#clock, random);
      if (saved !== null && sid === saved.sid) throw new LogSealError('LOGSEAL_ERR_STREAM_FINAL', 'stream was sealed final');
      this.#chain = new RecordChain(sid);
      this.#batch = 0;
      this.#prevSeal = genesisSeal(sid);
      if (saved !== null) {
        // A new stream after a clean shutdown: name the one it follows, keep the key epoch moving forward.
        meta.follows = { sid: saved.sid, lastSeq: saved.nextSeq - 1, head: saved.head, seal: saved.prevSeal };
        this.kid = options.kid ?? saved.kid;
        if (saved.macKey !== undefined) this.#macKey = new EvolvingKey(loadMacKey(saved.macKey), saved.epoch);
      } else {
        const k0 = options.macKey === undefined ? undefined : loadMacKey(options.macKey);
        if (k0 !== undefined) this.#macKey = new EvolvingKey(k0, 0);
        this.kid =
          options.kid ??
          (this.#signingKey !== undefined ? kidForPublicKey(this.#signingKey) : k0 !== undefined ? kidForMacKey(k0) : '');
        k0?.fill(0);
      }
    }
    if (this.#signingKey === undefined && this.#macKey === undefined) {
      throw new LogSealError('LOGSEAL_ERR_KEY_MISSING', 'sealing needs option "signingKey", "macKey" or both');
    }
    if (this.#batch === 0 && Object.keys(meta).length > 0) this.#meta = meta;
    this.#firstPrev = this.#chain.head;
  }

  get sid(): string {
    return this.#chain.sid;
  }

  /** Records appended since the last seal. */
  get pending(): number {
    return this.#leaves.length;
  }

  get isFinal(): boolean {
    return this.#final;
  }

  append(body: unknown, ts: number = this.#clock()): ChainedRecord {
    this.#open();
    return this.#record(this.#chain.append(body, ts));
  }

  /** Chains a body whose RFC 8785 form the caller already computed. */
  appendCanonical(bodyJson: string, body: unknown, ts: number = this.#clock()): ChainedRecord {
    this.#open();
    return this.#record(this.#chain.appendCanonical(bodyJson, body, ts));
  }

  /** appendCanonical(), writing the record's line into `out` instead of returning it (RecordChain.appendInto). Returns h. */
  appendInto(bodyJson: string, ts: number, out: LeafLineWriter): string {
    this.#open();
    const h = this.#chain.appendInto(bodyJson, ts, out);
    this.#track(h, ts);
    return h;
  }

  /** Records a producer-side loss in the chain (signed like any record). */
  appendGap(gap: GapBody, ts: number = this.#clock()): ChainedRecord {
    this.#open();
    return this.#record(this.#chain.appendGap(gap, ts));
  }

  /** Re-adopts chained records that were written but not sealed before a crash (from a spool). */
  adoptPending(records: readonly RecordEnvelope[]): void {
    this.#open();
    for (const env of records) {
      this.#chain.adopt(env);
      this.#track(env.h, env.ts);
    }
  }

  /** Closes the open batch (possibly empty: a heartbeat). `final` ends the stream. */
  seal(options: { final?: boolean } = {}): SealedBatch {
    this.#open();
    const final = options.final === true;
    const count = this.#leaves.length;
    const nextSeq = this.#chain.nextSeq;
    const seal: Seal = {
      v: 1,
      type: 'seal',
      sid: this.sid,
      batch: this.#batch,
      epoch: this.#macKey?.epoch ?? this.#batch,
      firstSeq: nextSeq - count,
      lastSeq: nextSeq - 1,
      count,
      firstPrev: this.#firstPrev,
      head: this.#chain.head,
      root: toHex(merkleRoot(leafBytes(this.#leaves))),
      prevSeal: this.#prevSeal,
      tsMin: count === 0 ? null : this.#tsMin,
      tsMax: count === 0 ? null : this.#tsMax,
      sealedAt: this.#clock(),
      kid: this.kid,
      final,
    };
    if (this.#meta !== undefined) seal.meta = this.#meta;
    const payload = sealPayload(seal);
    let nextKey: Uint8Array | undefined;
    if (this.#macKey !== undefined) {
      seal.mac = Buffer.from(this.#macKey.mac(macInput(payload))).toString('base64url');
      nextKey = this.#macKey.peekNext();
    }
    if (this.#signingKey !== undefined) seal.sig = signPayload(this.#signingKey, payload);
    const hash = sealHash(payload);
    const sealed: SealedBatch = { seal, json: canonicalize(seal), hash };

    // The new state is saved BEFORE anything changes in memory: if the save throws, this
    // sealer is exactly as it was (seal() may be called again) and no seal has left.
    const next: ChainState = {
      v: 1,
      sid: this.sid,
      nextSeq: this.#chain.nextSeq,
      head: this.#chain.head,
      batch: this.#batch + 1,
      prevSeal: hash,
      epoch: seal.epoch + 1,
      kid: this.kid,
      final,
    };
    if (nextKey !== undefined) next.macKey = Buffer.from(nextKey).toString('base64url');
    this.#store?.save(next);

    this.#macKey?.advance(nextKey);
    this.#batch += 1;
    this.#prevSeal = hash;
    this.#final = final;
    this.#meta = undefined;
    this.#leaves = [];
    this.#firstPrev = this.#chain.head;
    this.#tsMin = Infinity;
    this.#tsMax = -Infinity;
    return sealed;
  }

  /** The state to persist (it holds the current MAC key: treat it as a secret). */
  state(): ChainState {
    const s: ChainState = {
      v: 1,
      sid: this.sid,
      nextSeq: this.#chain.nextSeq - this.#leaves.length,
      head: this.#firstPrev,
      batch: this.#batch,
      prevSeal: this.#prevSeal,
      epoch: this.#macKey?.epoch ?? this.#batch,
      kid: this.kid,
      final: this.#final,
    };
    if (this.#macKey !== undefined) s.macKey = Buffer.from(this.#macKey.exportKey()).toString('base64url');
    return s;
  }

  #open(): void {
    if (this.#final) throw new LogSealError('LOGSEAL_ERR_STREAM_FINAL', 'stream was sealed final; nothing more can be appended');
  }

  #record(rec: ChainedRecord): ChainedRecord {
    this.#track(rec.h, rec.ts);
    return rec;
  }

  #track(h: string, ts: number): void {
    this.#leaves.push(h);
    if (ts < this.#tsMin) this.#tsMin = ts;
    if (ts > this.#tsMax) this.#tsMax = ts;
  }

}

export { genesisHead, genesisSeal };
