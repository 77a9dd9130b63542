/**
 * Chain state: everything a restarted process needs to continue its stream (or to
 * start a new stream that names the one it follows). It holds the CURRENT forward-secure
 * MAC key, never an earlier one, so it is written atomically (temp file, fsync, rename,
 * fsync of the directory) with mode 0600 before a seal made with the old key is shipped.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync, unlinkSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LogSealError } from '../errors.js';
import { KID_PATTERN, SID_PATTERN } from './domain.js';

export interface ChainState {
  v: 1;
  sid: string;
  /** Seq the next record gets. */
  nextSeq: number;
  /** h of the last record (or the genesis value). */
  head: string;
  /** Number the next seal gets. */
  batch: number;
  /** Hash of the last seal (or the seal genesis value). */
  prevSeal: string;
  /** Epoch of the next seal. */
  epoch: number;
  kid: string;
  /** k[epoch], base64url, when a MAC key is in use. */
  macKey?: string;
  /** The stream was sealed final: a restart begins a new stream that follows this one. */
  final: boolean;
}

const HEX64 = /^[0-9a-f]{64}$/;
const isUint = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** Validates untrusted state (a file, a structured-cloned option). Returns a copy. */
export function validateState(x: unknown): ChainState {
  const bad = (why: string): never => {
    throw new LogSealError('LOGSEAL_ERR_STATE_INVALID', `invalid chain state: ${why}`);
  };
  if (typeof x !== 'object' || x === null) return bad('not an object');
  const s = x as Record<string, unknown>;
  if (s.v !== 1) bad('unsupported version');
  if (typeof s.sid !== 'string' || !SID_PATTERN.test(s.sid)) bad('sid');
  if (typeof s.kid !== 'string' || !KID_PATTERN.test(s.kid)) bad('kid');
  for (const k of ['nextSeq', 'batch', 'epoch'] as const) if (!isUint(s[k])) bad(k);
  for (const k of ['head', 'prevSeal'] as const) if (typeof s[k] !== 'string' || !HEX64.test(s[k] as string)) bad(k);
  if (s.macKey !== undefined && (typeof s.macKey !== 'string' || !/^[A-Za-z0-9_-]{43,}$/.test(s.macKey))) bad('macKey');
  if (typeof s.final !== 'boolean') bad('final');
  const out: ChainState = {
    v: 1,
    sid: s.sid as string,
    nextSeq: s.nextSeq as number,
    head: s.head as string,
    batch: s.batch as number,
    prevSeal: s.prevSeal as string,
    epoch: s.epoch as number,
    kid: s.kid as string,
    final: s.final as boolean,
  };
  if (s.macKey !== undefined) out.macKey = s.macKey as string;
  return out;
}

/** Where chain state lives between runs. Synchronous on purpose: a seal must not leave before its state is durable. */
export interface StateStore {
  load(): ChainState | null;
  save(state: ChainState): void;
}

/** A state file replaced atomically. */
export class FileStateStore implements StateStore {
  readonly path: string;

  constructor(path: string) {
    if (typeof path !== 'string' || path.length === 0) {
      throw new LogSealError('LOGSEAL_ERR_INVALID_OPTION', 'option "statePath" must be a non-empty string');
    }
    this.path = path;
  }

  load(): ChainState | null {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new LogSealError('LOGSEAL_ERR_STATE_IO', `cannot read chain state ${this.path}`, { cause: err });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new LogSealError('LOGSEAL_ERR_STATE_INVALID', `chain state ${this.path} is not JSON`, { cause: err });
    }
    return validateState(parsed);
  }

  /** Same as save() without blocking the event loop (the pipeline persists state on the app's thread for winston). */
  async saveAsync(state: ChainState): Promise<void> {
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      // 'wx' after unlink: never follow a planted symlink, never inherit an existing file's mode.
      await unlink(tmp).catch(() => undefined);
      const fh = await open(tmp, 'wx', 0o600);
      try {
        await fh.writeFile(JSON.stringify(state) + '\n');
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.path);
      const dh = await open(dirname(this.path), 'r');
      try {
        await dh.sync();
      } finally {
        await dh.close();
      }
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw new LogSealError('LOGSEAL_ERR_STATE_IO', `cannot write chain state ${this.path}`, { cause: err });
    }
  }

  save(state: ChainState): void {
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      try {
        unlinkSync(tmp);
      } catch {
        /* no leftover temp file */
      }
      const fd = openSync(tmp, 'wx', 0o600);
      try {
        writeSync(fd, JSON.stringify(state) + '\n');
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.path);
      // The rename is durable only once the directory entry is flushed.
      const dfd = openSync(dirname(this.path), 'r');
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
    } catch (err) {
      try {
        unlinkSync(tmp);
      } catch {
        /* the temp file may not exist */
      }
      throw new LogSealError('LOGSEAL_ERR_STATE_IO', `cannot write chain state ${this.path}`, { cause: err });
    }
  }
}

/** In-memory store, for tests and for callers that persist state themselves. */
export class MemoryStateStore implements StateStore {
  #state: ChainState | null;
  constructor(initial: ChainState | null = null) {
    this.#state = initial === null ? null : validateState(initial);
  }
  load(): ChainState | null {
    return this.#state === null ? null : { ...this.#state };
  }
  save(state: ChainState): void {
    this.#state = { ...state };
  }
}

/**
 * The state after `seal` was made from `state`. A spool that holds a complete batch newer than
 * the saved state (a crash between the spool's fsync and the state save) rolls the state
 * forward with this; the MAC key is evolved exactly as the sealer would have.
 */
export function stateAfterSeal(
  state: ChainState,
  seal: { sid: string; batch: number; epoch: number; lastSeq: number; head: string; prevSeal: string; final: boolean },
  sealHashHex: string,
  nextMacKey: (key: string) => string,
): ChainState {
  if (seal.sid !== state.sid || seal.batch !== state.batch || seal.prevSeal !== state.prevSeal || seal.epoch !== state.epoch) {
    throw new LogSealError('LOGSEAL_ERR_STATE_INVALID', 'spooled seal does not follow the saved chain state');
  }
  const next: ChainState = {
    ...state,
    nextSeq: seal.lastSeq + 1,
    head: seal.head,
    batch: state.batch + 1,
    prevSeal: sealHashHex,
    epoch: state.epoch + 1,
    final: seal.final,
  };
  if (state.macKey !== undefined) next.macKey = nextMacKey(state.macKey);
  return next;
}
