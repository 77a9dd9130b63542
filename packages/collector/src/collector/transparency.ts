/**
 * The transparency log over accepted seals (RFC 6962 / RFC 9162): leaf i is
 * SHA-256(0x00 || the i-th accepted seal's stored line), in commit order. The line
 * includes the seal's `sig` and `mac`, so an inclusion proof shows that the collector
 * logged exactly that authenticated seal; the seal in turn commits to its batch's records
 * (Merkle root) and to every earlier seal of its stream (prevSeal).
 *
 * A signed checkpoint (checkpoint.ts) is published every checkpointIntervalMs when the
 * tree grew, and on demand (GET /v1/checkpoint when the tree grew since the last one,
 * close()). An auditor who kept an old checkpoint asks for a consistency proof to a new
 * one; a collector that rewrote or dropped an accepted seal cannot produce it.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LogSealError, loadPublicKey, loadSigningKey, rawPublicKey } from '@logseal/core';
import { createHash } from 'node:crypto';
import { parseCheckpoint, signCheckpoint, type SignedCheckpoint, verifierKey } from './checkpoint.js';
import { CHECKPOINT_KEY_FILE, TLOG_DIR } from './layout.js';
import { syncDir } from './line-file.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { Storage } from './storage.js';

/** The configured key, else the one in the data directory, else a new one saved there (0600). */
export async function loadCheckpointKey(dataDir: string, configured: KeyObject | undefined, logger: Logger): Promise<KeyObject> {
  if (configured !== undefined) return configured;
  const path = join(dataDir, TLOG_DIR, CHECKPOINT_KEY_FILE);
  try {
    return loadSigningKey(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  await writeFile(path, String(privateKey.export({ format: 'pem', type: 'pkcs8' })), { mode: 0o600, flag: 'wx' });
  await syncDir(join(dataDir, TLOG_DIR));
  logger.warn('checkpoint_key_created', { path });
  return privateKey;
}

export function defaultOrigin(key: KeyObject): string {
  return `logseal-collector/${createHash('sha256').update(rawPublicKey(loadPublicKey(key))).digest('hex').slice(0, 16)}`;
}

export class TransparencyLog {
  readonly origin: string;
  readonly publicKey: KeyObject;
  readonly #key: KeyObject;
  readonly #storage: Storage;
  readonly #clock: () => number;
  readonly #metrics: Metrics;
  readonly #logger: Logger;
  #latest: SignedCheckpoint | null;
  #publishing: Promise<SignedCheckpoint> | null = null;
  #timer: NodeJS.Timeout | undefined;

  constructor(storage: Storage, key: KeyObject, origin: string, clock: () => number, metrics: Metrics, logger: Logger) {
    this.#storage = storage;
    this.#key = key;
    this.publicKey = loadPublicKey(key);
    this.origin = origin;
    this.#clock = clock;
    this.#metrics = metrics;
    this.#logger = logger;
    const last = storage.lastCheckpoint;
    this.#latest = last === null ? null : parseCheckpoint(last.note);
    if (this.#latest !== null) metrics.set('checkpoint_size', this.#latest.size);
  }

  get size(): number {
    return this.#storage.tree.size;
  }

  /** C2SP verifier key text for auditors' tooling. */
  get verifierKey(): string {
    return verifierKey(this.origin, this.publicKey);
  }

  /** The latest checkpoint, signing a new one first when the tree grew (or none exists). Concurrent calls share one. */
  async current(): Promise<SignedCheckpoint> {
    const latest = this.#latest;
    if (latest !== null && latest.size === this.size && latest.origin === this.origin) return latest;
    this.#publishing ??= this.#publish().finally(() => {
      this.#publishing = null;
    });
    return this.#publishing;
  }

  /** The last published checkpoint, without publishing. */
  latest(): SignedCheckpoint | null {
    return this.#latest;
  }

  async #publish(): Promise<SignedCheckpoint> {
    const size = this.size;
    const prev = this.#latest?.timestamp ?? 0;
    // Checkpoint times never go backwards, whatever the clock does.
    const timestamp = Math.max(Math.floor(this.#clock()), prev);
    const cp = signCheckpoint({ origin: this.origin, size, root: this.#storage.tree.root(size), timestamp }, this.#key);
    await this.#storage.appendCheckpoint({ size, root: Buffer.from(cp.root).toString('hex'), timestamp, note: cp.note });
    this.#latest = cp;
    this.#metrics.inc('checkpoints_total');
    this.#metrics.set('checkpoint_size', size);
    this.#logger.info('checkpoint', { size, root: Buffer.from(cp.root).toString('hex') });
    return cp;
  }

  start(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.#timer = setInterval(() => {
      if (this.#storage.failed !== null || (this.#latest !== null && this.#latest.size === this.size)) return;
      this.current().catch((err: unknown) => this.#logger.error('checkpoint_failed', { error: (err as Error).message }));
    }, intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Inclusion proof of leaf `index` in the tree of `size` leaves. */
  inclusion(index: number, size: number): Buffer[] {
    this.#range(index, 0, size - 1, 'leaf index');
    this.#range(size, 1, this.size, 'tree size');
    return this.#storage.tree.inclusionProof(index, size);
  }

  consistency(from: number, to: number): Buffer[] {
    this.#range(to, 1, this.size, 'to');
    this.#range(from, 1, to, 'from');
    return this.#storage.tree.consistencyProof(from, to);
  }

  root(size: number): Buffer {
    this.#range(size, 0, this.size, 'tree size');
    return this.#storage.tree.root(size);
  }

  #range(v: number, min: number, max: number, what: string): void {
    if (!Number.isSafeInteger(v) || v < min || v > max) throw new LogSealError('LOGSEAL_ERR_CHECKPOINT', `${what} must be in [${min}, ${max}]`);
  }
}
