/**
 * One stream's files and in-memory index (writer side). Segments are opened with O_APPEND
 * ('a'), so every write lands at the end whatever a crashed predecessor left behind, and a
 * segment is rotated when the next batch would take it past segmentBytes: the old one is
 * fsynced, closed and made read-only (0444) before the next one is created and its
 * directory entry fsynced. Nothing here fsyncs data for a commit: storage.ts's group commit
 * calls syncSegment() for every stream it wrote to, once per commit.
 *
 * Memory per stored batch is two numbers (batch number and the entry's offset in
 * index.ndjson, kept sorted by batch); entries are read back from index.ndjson on demand,
 * except the tip and a small cache of recent ones, which cover the hot path (the next
 * batch, a retry of the last one).
 */
import { chmod, mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { GAPS_FILE, INDEX_FILE, type IndexEntry, segmentName } from './layout.js';
import { readLineAt, syncDir, writeAll } from './line-file.js';

/** Recent entries kept per stream besides the tip (a handful: thousands of streams may be open). */
const CACHE = 4;

export class StreamStore {
  readonly sid: string;
  readonly dir: string;
  /** Stored batch numbers, ascending, and the byte offset of each one's line in index.ndjson. */
  readonly batches: number[] = [];
  readonly positions: number[] = [];
  /** The stored batch with the highest number. */
  tip: IndexEntry | null = null;
  /** Bytes in all segments. */
  bytes = 0;
  segNo = 0;
  segSize = 0;
  indexSize = 0;
  #seg: FileHandle | null = null;
  #index: FileHandle | null = null;
  #gaps: FileHandle | null = null;
  #dirReady: boolean;
  readonly #cache = new Map<number, IndexEntry>();
  readonly #onFsync: () => void;

  constructor(sid: string, dir: string, exists: boolean, onFsync: () => void) {
    this.sid = sid;
    this.dir = dir;
    this.#dirReady = exists;
    this.#onFsync = onFsync;
  }

  get count(): number {
    return this.batches.length;
  }

  /** Batches missing before the tip (never received, or not yet). */
  get missing(): number {
    return this.tip === null ? 0 : this.tip.batch + 1 - this.batches.length;
  }

  /** Position of `batch` in `batches`, or -(insertion point) - 1. */
  #find(batch: number): number {
    let lo = 0;
    let hi = this.batches.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const b = this.batches[mid]!;
      if (b === batch) return mid;
      if (b < batch) lo = mid + 1;
      else hi = mid - 1;
    }
    return -lo - 1;
  }

  has(batch: number): boolean {
    return this.#find(batch) >= 0;
  }

  async get(batch: number): Promise<IndexEntry | undefined> {
    if (this.tip?.batch === batch) return this.tip;
    const hit = this.#cache.get(batch);
    if (hit !== undefined) return hit;
    const k = this.#find(batch);
    if (k < 0) return undefined;
    return this.#read(this.positions[k]!);
  }

  /** The stored entry with the largest batch number below `batch`. */
  async before(batch: number): Promise<IndexEntry | undefined> {
    const k = this.#find(batch);
    const at = k >= 0 ? k : -k - 1;
    return at > 0 ? this.get(this.batches[at - 1]!) : undefined;
  }

  /** The stored entries just below and just above `batch` (which is not stored). */
  async neighbours(batch: number): Promise<{ prev: IndexEntry | undefined; next: IndexEntry | undefined }> {
    let k = this.#find(batch);
    if (k >= 0) throw new Error('neighbours() of a stored batch');
    k = -k - 1;
    const prev = k > 0 ? await this.get(this.batches[k - 1]!) : undefined;
    const next = k < this.batches.length ? await this.get(this.batches[k]!) : undefined;
    return { prev, next };
  }

  async #read(position: number): Promise<IndexEntry> {
    return (await this.readIndexEntry(position)).entry;
  }

  /** The entry whose index.ndjson line starts at `position`, and that line's length in bytes (LF included). */
  async readIndexEntry(position: number): Promise<{ entry: IndexEntry; bytes: number }> {
    this.#index ??= await open(join(this.dir, INDEX_FILE), 'a+');
    const line = await readLineAt(this.#index, position);
    return { entry: JSON.parse(line) as IndexEntry, bytes: Buffer.byteLength(line) + 1 };
  }

  /** Registers an entry whose index line sits at `position` (recovery and commits). */
  adopt(entry: IndexEntry, position: number): void {
    const k = this.#find(entry.batch);
    if (k >= 0) throw new Error(`batch ${entry.batch} of ${this.sid} indexed twice`);
    const at = -k - 1;
    if (at === this.batches.length) {
      this.batches.push(entry.batch);
      this.positions.push(position);
    } else {
      this.batches.splice(at, 0, entry.batch);
      this.positions.splice(at, 0, position);
    }
    if (this.tip === null || entry.batch > this.tip.batch) this.tip = entry;
    this.#cache.set(entry.batch, entry);
    if (this.#cache.size > CACHE) this.#cache.delete(this.#cache.keys().next().value!);
  }

  async #ensureDir(): Promise<void> {
    if (this.#dirReady) return;
    await mkdir(this.dir, { recursive: true, mode: 0o750 });
    await syncDir(join(this.dir, '..'));
    this.#dirReady = true;
  }

  async #openSegment(): Promise<FileHandle> {
    if (this.#seg !== null) return this.#seg;
    await this.#ensureDir();
    // O_APPEND: the kernel puts every write at the end of the file.
    const fh = await open(join(this.dir, segmentName(this.segNo)), 'a', 0o644);
    this.segSize = (await fh.stat()).size;
    await syncDir(this.dir);
    this.#seg = fh;
    return fh;
  }

  /** Closes the active segment for good: fsync, close, read-only, then the next one is used. */
  async #rotate(): Promise<void> {
    const fh = await this.#openSegment();
    await fh.sync();
    this.#onFsync();
    await fh.close();
    this.#seg = null;
    await chmod(join(this.dir, segmentName(this.segNo)), 0o444);
    this.segNo += 1;
    this.segSize = 0;
  }

  /** Appends a batch to the active segment (rotating first when it would overflow); NOT fsynced. */
  async writeBatch(bytes: Buffer, segmentBytes: number): Promise<{ seg: number; off: number }> {
    await this.#openSegment();
    if (this.segSize > 0 && this.segSize + bytes.length > segmentBytes) await this.#rotate();
    const fh = await this.#openSegment();
    const off = this.segSize;
    // Counted before the write: a failed write leaves the size unknown, and storage fails the collector anyway.
    this.segSize += bytes.length;
    this.bytes += bytes.length;
    await writeAll(fh, bytes);
    return { seg: this.segNo, off };
  }

  async syncSegment(): Promise<void> {
    if (this.#seg === null) return;
    await this.#seg.sync();
    this.#onFsync();
  }

  /** Appends the entry's line (already durable in tlog/log.ndjson) to index.ndjson and registers it. */
  async appendIndex(entry: IndexEntry, line: string): Promise<void> {
    this.#index ??= await open(join(this.dir, INDEX_FILE), 'a+');
    const position = this.indexSize;
    const data = Buffer.from(`${line}\n`);
    this.indexSize += data.length;
    await writeAll(this.#index, data);
    this.adopt(entry, position);
  }

  async appendGapEvent(event: object): Promise<void> {
    this.#gaps ??= await open(join(this.dir, GAPS_FILE), 'a', 0o644);
    await writeAll(this.#gaps, Buffer.from(`${JSON.stringify(event)}\n`));
  }

  /** Reads a stored batch's bytes back (replays, evidence, forwarding, proofs). */
  async readBatch(entry: IndexEntry): Promise<Buffer> {
    const fh = await open(join(this.dir, segmentName(entry.seg)), 'r');
    try {
      const buf = Buffer.alloc(entry.len);
      const { bytesRead } = await fh.read(buf, 0, entry.len, entry.off);
      if (bytesRead !== entry.len) throw new Error(`segment ${entry.seg} of ${this.sid} is shorter than its index says`);
      return buf;
    } finally {
      await fh.close();
    }
  }

  /** fsyncs the index (it is derived from the log, so only at close and checkpoints) and closes every file. */
  async close(): Promise<void> {
    const handles = [this.#seg, this.#index, this.#gaps];
    this.#seg = this.#index = this.#gaps = null;
    for (const fh of handles) {
      if (fh === null) continue;
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
  }
}
