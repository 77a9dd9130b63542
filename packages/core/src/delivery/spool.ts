/**
 * Disk spool (write-ahead): at-least-once delivery across crashes (issue 4 item 6).
 *
 * Layout of the spool directory (one stream per spool):
 *   lock            pid of the process that owns it (a second live owner is refused)
 *   state.json      chain state with the CURRENT MAC key (FileStateStore, atomic)
 *   open-<no>.log   chained records of the block that will be number <no>, not yet sealed, one canonical line each;
 *                   written without fsync, so they survive a killed process (the page cache
 *                   outlives it) but not a power cut. Rotated when the batch is sealed, deleted
 *                   once the sealed batch is durable.
 *   seg-<no>.log    sealed batches, appended and fsynced BEFORE they are sent; a block is a
 *                   header line {"spool":1,"no","sid","batch","n"} followed by n lines (records,
 *                   then the seal). `no` numbers blocks across streams (a restart after a final
 *                   seal starts a new stream whose batch numbers begin at 0 again)
 *   acked.json      {"no"}: every block <= no was acknowledged by the sink (or dead-lettered);
 *                   delivery is in order, so one watermark says it all
 *
 * Order of writes for a batch: block fsynced, then the chain state saved, then shipped. A crash
 * between the first two leaves a complete block newer than the state: recovery rolls the state
 * forward from it (stateAfterSeal), so the restarted process never re-seals a batch number.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { LogSealError, invalidOption, rejectUnknownOptions } from '../errors.js';
import { FileStateStore } from '../integrity/chain-state.js';
import type { RecordEnvelope, Seal } from '../integrity/types.js';

export interface SpoolOptions {
  /** Directory of the spool (created if missing). */
  dir: string;
  /** Cap on unacknowledged bytes on disk (default 256 MiB). The pipeline applies its overflow policy past it. */
  maxBytes?: number;
  /** Segment file size before rotation (default 8 MiB). */
  segmentBytes?: number;
}

const OPTIONS = ['dir', 'maxBytes', 'segmentBytes'];

/** One sealed batch read back from disk. */
export interface SpooledBatch {
  /** Spool block number. */
  no: number;
  sid: string;
  batch: number;
  /** Canonical lines: the records, then the seal. */
  lines: string[];
  records: RecordEnvelope[];
  seal: Seal;
  bytes: number;
}

export interface SpoolRecovery {
  /** Unacknowledged batches, in order: send these first. */
  batches: SpooledBatch[];
  /** The newest complete batch on disk (acknowledged or not), to roll the chain state forward. */
  newest: SpooledBatch | null;
  /** Chained records that were never sealed. */
  open: RecordEnvelope[];
  /** Bytes of torn writes (a crash mid-append) that were cut off. Reported, never silently kept. */
  truncatedBytes: number;
}

interface Segment {
  path: string;
  lastNo: number;
  bytes: number;
}

const isPosInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x > 0;

function ioError(what: string, cause: unknown): LogSealError {
  return new LogSealError('LOGSEAL_ERR_SPOOL_IO', `spool: cannot ${what}`, { cause });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class Spool {
  readonly dir: string;
  readonly maxBytes: number;
  readonly segmentBytes: number;
  readonly stateStore: FileStateStore;
  #segments: Segment[] = [];
  /** Number and bytes of each unacknowledged block, in order. */
  #unacked: { no: number; bytes: number }[] = [];
  /** Where each unacknowledged block lives, so it can be read back after its memory copy was evicted. */
  #where = new Map<number, { path: string; offset: number; bytes: number }>();
  #unackedBytes = 0;
  #acked = -1;
  #nextNo = 0;
  #segFh: FileHandle | undefined;
  #openFd: number | undefined;
  #openPath: string | undefined;
  #openBuf: string[] = [];
  #openBytes = 0;
  #writeChain: Promise<void> = Promise.resolve();
  #opened = false;

  constructor(options: SpoolOptions) {
    if (typeof options !== 'object' || options === null) invalidOption('spool', 'an object', options);
    rejectUnknownOptions('spool', options, OPTIONS);
    if (typeof options.dir !== 'string' || options.dir.length === 0) invalidOption('spool.dir', 'a non-empty string', options.dir);
    this.dir = options.dir;
    this.maxBytes = options.maxBytes ?? 256 * 2 ** 20;
    this.segmentBytes = options.segmentBytes ?? 8 * 2 ** 20;
    if (!isPosInt(this.maxBytes)) invalidOption('spool.maxBytes', 'a positive integer', options.maxBytes);
    if (!isPosInt(this.segmentBytes)) invalidOption('spool.segmentBytes', 'a positive integer', options.segmentBytes);
    this.stateStore = new FileStateStore(join(this.dir, 'state.json'));
  }

  /** Unacknowledged bytes on disk (sealed batches plus open records). */
  get bytes(): number {
    return this.#unackedBytes + this.#openBytes;
  }

  /** Takes the lock and reads back what a previous run left. Synchronous: it runs once, before the first record. */
  open(): SpoolRecovery {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw ioError(`create ${this.dir}`, err);
    }
    this.#lock();
    try {
      const acked = JSON.parse(readFileSync(join(this.dir, 'acked.json'), 'utf8')) as { no?: unknown };
      if (typeof acked.no === 'number' && Number.isSafeInteger(acked.no)) this.#acked = acked.no;
    } catch (err) {
      // Missing, empty or torn (a power cut): every block on disk is sent again. At-least-once
      // is the safe side; duplicates are removed by (sid, seq) downstream.
      if ((err as NodeJS.ErrnoException).code !== undefined && (err as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError('read acked.json', err);
    }
    this.#nextNo = this.#acked + 1;

    let truncatedBytes = 0;
    const batches: SpooledBatch[] = [];
    let newest: SpooledBatch | null = null;
    const names = readdirSync(this.dir).filter((n) => /^seg-\d{12}\.log$/.test(n)).sort();
    for (const name of names) {
      const path = join(this.dir, name);
      const { blocks, goodBytes, totalBytes } = readBlocks(readFileSync(path, "utf8"));
      if (goodBytes < totalBytes) {
        truncatedBytes += totalBytes - goodBytes;
        truncateSync(path, goodBytes);
      }
      if (blocks.length === 0) {
        unlinkSync(path);
        continue;
      }
      this.#segments.push({ path, lastNo: blocks[blocks.length - 1]!.no, bytes: goodBytes });
      for (const b of blocks) {
        newest = b;
        this.#nextNo = Math.max(this.#nextNo, b.no + 1);
        if (b.no > this.#acked) {
          batches.push(b);
          this.#where.set(b.no, { path, offset: b.offset, bytes: b.bytes });
          this.#unacked.push({ no: b.no, bytes: b.bytes });
          this.#unackedBytes += b.bytes;
        }
      }
    }
    const open: RecordEnvelope[] = [];
    const lastSealed = newest?.seal.lastSeq ?? -1;
    const lastSid = newest?.sid;
    const openNames = readdirSync(this.dir).filter((n) => /^open-\d{12}\.log$/.test(n)).sort();
    for (const name of openNames) {
      const { records, goodBytes, totalBytes } = readOpen(readFileSync(join(this.dir, name), 'utf8'));
      truncatedBytes += totalBytes - goodBytes;
      // Records already inside a durable batch (a crash before the old open file was deleted) are skipped.
      for (const r of records) if (r.sid !== lastSid || r.seq > lastSealed) open.push(r);
    }
    // The survivors go into the current open file first (atomically), then the old files go:
    // a crash at any point of recovery loses nothing.
    const current = `open-${String(this.#nextNo).padStart(12, '0')}.log`;
    const text = open.length === 0 ? '' : open.map((r) => JSON.stringify(r)).join('\n') + '\n';
    try {
      writeFileSync(join(this.dir, current + '.tmp'), text, { mode: 0o600 });
      renameSync(join(this.dir, current + '.tmp'), join(this.dir, current));
      for (const name of openNames) if (name !== current) unlinkSync(join(this.dir, name));
    } catch (err) {
      throw ioError('rewrite open records', err);
    }
    this.#rotateOpen(this.#nextNo);
    this.#openBytes = Buffer.byteLength(text);
    this.#opened = true;
    return { batches, newest, open, truncatedBytes };
  }

  /** Appends a chained, not yet sealed record. Buffered; written at the end of the current tick. */
  appendOpen(line: string): void {
    if (this.#openBuf.length === 0) setImmediate(() => this.flushOpen());
    this.#openBuf.push(line);
  }

  /** Writes buffered open records now (no fsync: survives a killed process, not a power cut). */
  flushOpen(): void {
    if (this.#openBuf.length === 0 || this.#openFd === undefined) return;
    const text = this.#openBuf.join('\n') + '\n';
    this.#openBuf = [];
    try {
      writeSync(this.#openFd, text);
      this.#openBytes += Buffer.byteLength(text);
    } catch (err) {
      throw ioError('append to open.log', err);
    }
  }

  /**
   * Appends a sealed batch (records then seal, canonical lines) and fsyncs it. The open-records
   * file of that batch is rotated now (records logged from here on belong to the next batch)
   * and deleted once the block is durable. Returns the block number (for ack) and a promise
   * that resolves when the block is on disk.
   */
  commit(sid: string, batch: number, lines: readonly string[] | { text: string; count: number } | { bytes: Uint8Array; count: number }): { no: number; durable: Promise<void> } {
    this.#ensureOpen();
    this.flushOpen();
    const no = this.#nextNo++;
    const oldOpen = this.#openPath;
    this.#rotateOpen(this.#nextNo);
    // `lines` may come as the batch's LF-terminated bytes (the pipeline's form), as one text, or as an array.
    const n = Array.isArray(lines) ? lines.length : (lines as { count: number }).count;
    const header = JSON.stringify({ spool: 1, no, sid, batch, n }) + '\n';
    let text: string | Buffer;
    if (Array.isArray(lines)) text = header + lines.join('\n') + '\n';
    else if ('bytes' in lines) text = Buffer.concat([Buffer.from(header), lines.bytes]);
    else text = header + (lines as { text: string }).text;
    const bytes = typeof text === 'string' ? Buffer.byteLength(text) : text.byteLength;
    this.#unacked.push({ no, bytes });
    this.#unackedBytes += bytes;
    const run = async (): Promise<void> => {
      try {
        const seg = await this.#segmentFor(no, bytes);
        const last = this.#segments[this.#segments.length - 1]!;
        await (typeof text === 'string' ? seg.write(text) : seg.write(text));
        await seg.datasync();
        if (this.#unacked.some((u) => u.no === no)) this.#where.set(no, { path: last.path, offset: last.bytes, bytes });
        last.lastNo = no;
        last.bytes += bytes;
        if (oldOpen !== undefined) await unlink(oldOpen).catch(() => undefined);
      } catch (err) {
        throw ioError(`write batch ${batch}`, err);
      }
    };
    const durable = this.#writeChain.then(run);
    this.#writeChain = durable.catch(() => undefined);
    return { no, durable };
  }

  /** Every block <= `no` is acknowledged: move the watermark and delete fully acknowledged segments. */
  async ack(no: number): Promise<void> {
    if (no <= this.#acked) return;
    this.#acked = no;
    while (this.#unacked.length > 0 && this.#unacked[0]!.no <= no) {
      const u = this.#unacked.shift()!;
      this.#unackedBytes -= u.bytes;
      this.#where.delete(u.no);
    }
    const path = join(this.dir, 'acked.json');
    const tmp = path + '.tmp';
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify({ no }) + '\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    // A segment is deleted only when every block in it is acknowledged and it is not being written.
    while (this.#segments.length > 1 && this.#segments[0]!.lastNo <= no) {
      const seg = this.#segments.shift()!;
      await unlink(seg.path).catch(() => undefined);
    }
  }

  /** Reads a durable, unacknowledged block back (its memory copy was evicted). */
  async read(no: number): Promise<SpooledBatch> {
    const w = this.#where.get(no);
    if (w === undefined) throw new LogSealError('LOGSEAL_ERR_SPOOL_IO', `spool: block ${no} is not on disk`);
    const fh = await open(w.path, 'r');
    try {
      const buf = Buffer.allocUnsafe(w.bytes);
      await fh.read(buf, 0, w.bytes, w.offset);
      const { blocks } = readBlocks(buf.toString("utf8"), w.offset);
      if (blocks.length !== 1 || blocks[0]!.no !== no) throw new Error('block boundary mismatch');
      return blocks[0]!;
    } catch (err) {
      throw ioError(`read block ${no}`, err);
    } finally {
      await fh.close();
    }
  }

  /** The oldest unacknowledged block (drop-oldest overflow acknowledges it as dropped, with a gap record). */
  oldest(): { no: number; bytes: number } | undefined {
    return this.#unacked[0];
  }

  async close(): Promise<void> {
    if (!this.#opened) return;
    this.#opened = false;
    this.flushOpen();
    await this.#writeChain;
    await this.#segFh?.close();
    this.#segFh = undefined;
    if (this.#openFd !== undefined) closeSync(this.#openFd);
    this.#openFd = undefined;
    if (this.#openBytes === 0 && this.#openPath !== undefined) unlinkSync(this.#openPath);
    try {
      unlinkSync(join(this.dir, 'lock'));
    } catch {
      /* already gone */
    }
  }

  #rotateOpen(batch: number): void {
    if (this.#openFd !== undefined) closeSync(this.#openFd);
    this.#openPath = join(this.dir, `open-${String(batch).padStart(12, '0')}.log`);
    try {
      this.#openFd = openSync(this.#openPath, 'a', 0o600);
    } catch (err) {
      throw ioError(`open ${this.#openPath}`, err);
    }
    this.#openBytes = 0;
  }

  #ensureOpen(): void {
    if (!this.#opened) throw new LogSealError('LOGSEAL_ERR_SPOOL_IO', 'spool is not open');
  }

  async #segmentFor(no: number, bytes: number): Promise<FileHandle> {
    const cur = this.#segments[this.#segments.length - 1];
    if (this.#segFh !== undefined && cur !== undefined && cur.bytes + bytes <= this.segmentBytes) return this.#segFh;
    if (this.#segFh === undefined && cur !== undefined && cur.bytes + bytes <= this.segmentBytes) {
      this.#segFh = await open(cur.path, 'a', 0o600);
      return this.#segFh;
    }
    await this.#segFh?.close();
    const path = join(this.dir, `seg-${String(no).padStart(12, '0')}.log`);
    this.#segFh = await open(path, 'a', 0o600);
    this.#segments.push({ path, lastNo: no, bytes: 0 });
    return this.#segFh;
  }

  #lock(): void {
    const path = join(this.dir, 'lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        writeSync(fd, String(process.pid));
        fsyncSync(fd);
        closeSync(fd);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError('create the lock file', err);
        const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
        if (Number.isSafeInteger(pid) && pid !== process.pid && pidAlive(pid)) {
          throw new LogSealError('LOGSEAL_ERR_SPOOL_LOCKED', `spool ${this.dir} is in use by process ${pid}`);
        }
        // A stale lock from a crashed process: take it over.
        unlinkSync(path);
      }
    }
    throw new LogSealError('LOGSEAL_ERR_SPOOL_LOCKED', `cannot lock spool ${this.dir}`);
  }
}

/** Parses segment text into complete blocks; a torn tail (crash mid-append) ends the good part. */
function readBlocks(text: string, base = 0): { blocks: (SpooledBatch & { offset: number })[]; goodBytes: number; totalBytes: number } {
  const blocks: (SpooledBatch & { offset: number })[] = [];
  const totalBytes = Buffer.byteLength(text);
  let pos = 0;
  let goodBytes = 0;
  for (;;) {
    const nl = text.indexOf('\n', pos);
    if (nl === -1) break;
    let header: { spool?: number; no?: number; sid?: string; batch?: number; n?: number };
    try {
      header = JSON.parse(text.slice(pos, nl));
    } catch {
      break;
    }
    const isUint = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
    if (header.spool !== 1 || typeof header.sid !== 'string' || !isUint(header.no) || !isUint(header.batch) || !isPosInt(header.n)) break;
    const lines: string[] = [];
    let p = nl + 1;
    for (let i = 0; i < header.n; i++) {
      const e = text.indexOf('\n', p);
      if (e === -1) break;
      lines.push(text.slice(p, e));
      p = e + 1;
    }
    if (lines.length !== header.n) break;
    let parsed: unknown[];
    try {
      parsed = lines.map((l) => JSON.parse(l));
    } catch {
      break;
    }
    const seal = parsed[parsed.length - 1] as Seal;
    if (seal?.type !== 'seal' || seal.batch !== header.batch) break;
    const block = text.slice(pos, p);
    const bytes = Buffer.byteLength(block);
    blocks.push({ no: header.no, sid: header.sid, batch: header.batch, lines, records: parsed.slice(0, -1) as RecordEnvelope[], seal, bytes, offset: base + goodBytes });
    goodBytes += bytes;
    pos = p;
  }
  return { blocks, goodBytes, totalBytes };
}

/** Parses an open-records file; a torn last line (no newline, or not JSON) ends the good part. */
function readOpen(text: string): { records: RecordEnvelope[]; goodBytes: number; totalBytes: number } {
  const records: RecordEnvelope[] = [];
  let goodBytes = 0;
  let pos = 0;
  for (;;) {
    const nl = text.indexOf('\n', pos);
    if (nl === -1) break;
    const line = text.slice(pos, nl);
    try {
      records.push(JSON.parse(line) as RecordEnvelope);
    } catch {
      break;
    }
    goodBytes += Buffer.byteLength(line) + 1;
    pos = nl + 1;
  }
  return { records, goodBytes, totalBytes: Buffer.byteLength(text) };
}
