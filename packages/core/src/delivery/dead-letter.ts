/**
 * DeadLetterFile: where a batch goes when the sink refused it for good (a fatal answer
 * such as 400 or 413, or a poison batch past its deadline; see retry-policy.ts). One
 * NDJSON entry per rejected batch (or per set of rejected items):
 *
 *   {"at":"<RFC 3339>","reason":"HTTP 413: ...","status":413,"sid":"...","batch":7,
 *    "firstSeq":700,"lastSeq":799,"lines":["<native record line>",...,"<seal line>"]}
 *
 * `lines` are the records' and seal's RFC 8785 lines byte for byte, so an entry can be
 * re-sent or fed to `logseal verify` as is. The file is created with mode 0600 (the lines
 * are redacted, but they are still logs), and each append is fsynced before it resolves:
 * once the pipeline counts a batch as dead-lettered, it survives a crash (issue 4: never
 * lose a record silently).
 *
 * A crash in the middle of an append can leave a torn last line. That append never
 * resolved, so the pipeline still held the batch; on open the torn tail is cut away, and
 * readDeadLetters ignores one too.
 */
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { invalidOption, LogSealError, rejectUnknownOptions } from '../errors.js';
import type { ItemRef, OutBatch } from './types.js';

export interface DeadLetterEntry {
  /** When it was written (RFC 3339, UTC). */
  at: string;
  reason: string;
  /** HTTP status of the refusal; null for a network-level failure (e.g. TLS). */
  status: number | null;
  sid: string;
  batch: number;
  firstSeq: number;
  lastSeq: number;
  /** Native NDJSON lines (records, then the seal when it was rejected too). */
  lines: string[];
}

export type DeadLetterInput = Omit<DeadLetterEntry, 'at' | 'status' | 'lines'> & {
  status?: number | null;
  lines: readonly string[];
};

export interface DeadLetterOptions {
  /** Wall clock in ms for `at` (default Date.now). */
  clock?: () => number;
}

const ENTRY_KEYS = ['at', 'reason', 'status', 'sid', 'batch', 'firstSeq', 'lastSeq', 'lines'];

function fail(message: string, cause?: unknown): never {
  throw new LogSealError('LOGSEAL_ERR_DEAD_LETTER', message, cause === undefined ? undefined : { cause });
}

export class DeadLetterFile {
  readonly path: string;
  readonly #clock: () => number;
  #handle: FileHandle | undefined;
  #size = 0;
  #count = 0;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  /** No I/O here: the file is opened on the first append. */
  constructor(path: string, options: DeadLetterOptions = {}) {
    if (typeof path !== 'string' || path === '' || path.includes('\0')) invalidOption('deadLetter.path', 'a file path', path);
    if (options === null || typeof options !== 'object') invalidOption('deadLetter', 'an object', options);
    rejectUnknownOptions('deadLetter', options, ['clock']);
    if (options.clock !== undefined && typeof options.clock !== 'function') invalidOption('deadLetter.clock', 'a function', options.clock);
    this.path = resolve(path);
    this.#clock = options.clock ?? Date.now;
  }

  /** Entries appended by this instance. */
  get count(): number {
    return this.#count;
  }

  /** Appends one entry and fsyncs it. Appends are serialised in call order. */
  append(input: DeadLetterInput): Promise<DeadLetterEntry> {
    const entry = this.#entry(input);
    const run = this.#tail.then(() => this.#write(entry));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Dead-letters a whole batch, or only `only` of its items (a partial failure); the lines come from the batch as shipped. */
  appendBatch(batch: OutBatch, reason: string, status?: number | null, only?: readonly ItemRef[]): Promise<DeadLetterEntry> {
    const lines: string[] = [];
    let firstSeq = batch.seal.firstSeq;
    let lastSeq = batch.seal.lastSeq;
    if (only === undefined) {
      lines.push(...batch.recordJson, batch.sealJson);
    } else {
      const seqs = only.filter((i) => i.kind === 'record').map((i) => i.seq);
      firstSeq = seqs.length > 0 ? Math.min(...seqs) : firstSeq;
      lastSeq = seqs.length > 0 ? Math.max(...seqs) : lastSeq;
      const wanted = new Set(seqs);
      batch.records.forEach((r, i) => {
        if (wanted.has(r.seq)) lines.push(batch.recordJson[i]!);
      });
      if (only.some((i) => i.kind === 'seal')) lines.push(batch.sealJson);
    }
    return this.append({ reason, status: status ?? null, sid: batch.sid, batch: batch.batch, firstSeq, lastSeq, lines });
  }

  /** Waits for pending appends and closes the file. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#tail;
    const h = this.#handle;
    this.#handle = undefined;
    await h?.close();
  }

  #entry(input: DeadLetterInput): DeadLetterEntry {
    if (input === null || typeof input !== 'object') invalidOption('entry', 'an object', input);
    const { reason, sid, batch, firstSeq, lastSeq, lines } = input;
    const status = input.status ?? null;
    if (typeof reason !== 'string') invalidOption('entry.reason', 'a string', reason);
    if (typeof sid !== 'string') invalidOption('entry.sid', 'a string', sid);
    for (const [k, v] of [['batch', batch], ['firstSeq', firstSeq], ['lastSeq', lastSeq]] as const) {
      if (!Number.isSafeInteger(v) || v < -1) invalidOption(`entry.${k}`, 'an integer', v);
    }
    if (status !== null && (!Number.isInteger(status) || status < 100 || status > 599)) invalidOption('entry.status', 'an HTTP status or null', status);
    if (!Array.isArray(lines) || !lines.every((l) => typeof l === 'string')) invalidOption('entry.lines', 'an array of strings', lines);
    return { at: new Date(this.#clock()).toISOString(), reason, status, sid, batch, firstSeq, lastSeq, lines: [...lines] };
  }

  async #write(entry: DeadLetterEntry): Promise<DeadLetterEntry> {
    if (this.#closed) fail(`dead-letter file ${this.path} is closed`);
    const h = this.#handle ?? (await this.#open());
    const buf = Buffer.from(`${JSON.stringify(entry)}\n`, 'utf8');
    try {
      let off = 0;
      while (off < buf.length) {
        const { bytesWritten } = await h.write(buf, off, buf.length - off, this.#size + off);
        off += bytesWritten;
      }
      await h.sync();
    } catch (err) {
      // Leave no half line behind for the next append to glue onto (e.g. after ENOSPC).
      await h.truncate(this.#size).catch(() => undefined);
      fail(`cannot append to dead-letter file ${this.path}`, err);
    }
    this.#size += buf.length;
    this.#count++;
    return entry;
  }

  async #open(): Promise<FileHandle> {
    let h: FileHandle;
    try {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      // 'r+' after creating keeps positioned writes (appending mode would ignore the position on Linux).
      h = await open(this.path, 'a', 0o600).then(async (c) => {
        await c.close();
        return open(this.path, 'r+');
      });
      const st = await h.stat();
      if ((st.mode & 0o077) !== 0) await h.chmod(0o600);
      this.#size = st.size;
      if (st.size > 0) await this.#cutTornTail(h, st.size);
      // fsync the directory so the new file's name survives a crash too.
      const dir = await open(dirname(this.path), 'r');
      await dir.sync().finally(() => dir.close());
    } catch (err) {
      if (err instanceof LogSealError) throw err;
      fail(`cannot open dead-letter file ${this.path}`, err);
    }
    this.#handle = h;
    return h;
  }

  async #cutTornTail(h: FileHandle, size: number): Promise<void> {
    const chunk = Math.min(size, 1 << 20);
    const buf = Buffer.alloc(chunk);
    let end = size;
    // Scan backwards for the last newline; everything after it is a torn append.
    while (end > 0) {
      const start = Math.max(0, end - chunk);
      await h.read(buf, 0, end - start, start);
      const nl = buf.subarray(0, end - start).lastIndexOf(0x0a);
      if (nl >= 0) {
        const keep = start + nl + 1;
        if (keep !== size) await h.truncate(keep);
        this.#size = keep;
        return;
      }
      end = start;
    }
    await h.truncate(0);
    this.#size = 0;
  }
}

/** Reads a dead-letter file back. A torn last line (no newline) is ignored; any other malformed line throws. */
export async function readDeadLetters(path: string): Promise<DeadLetterEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    fail(`cannot read dead-letter file ${path}`, err);
  }
  const lines = text.split('\n');
  lines.pop(); // '' after the last newline, or a torn tail
  return lines.map((line, i) => {
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (err) {
      fail(`dead-letter file ${path}: line ${i + 1} is not JSON`, err);
    }
    const e = v as Record<string, unknown>;
    const ok = e !== null && typeof e === 'object' && !Array.isArray(e)
      && Object.keys(e).every((k) => ENTRY_KEYS.includes(k))
      && typeof e.at === 'string' && typeof e.reason === 'string' && typeof e.sid === 'string'
      && (e.status === null || Number.isInteger(e.status))
      && Number.isSafeInteger(e.batch) && Number.isSafeInteger(e.firstSeq) && Number.isSafeInteger(e.lastSeq)
      && Array.isArray(e.lines) && e.lines.every((l) => typeof l === 'string');
    if (!ok) fail(`dead-letter file ${path}: line ${i + 1} is not a dead-letter entry`);
    return e as unknown as DeadLetterEntry;
  });
}
