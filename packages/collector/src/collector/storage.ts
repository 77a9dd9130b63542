/**
 * Append-only storage with group commit. A batch is durable, and may be acknowledged,
 * once (1) its bytes are in its stream's segment and fsynced and (2) its line in
 * tlog/log.ndjson (which is also the transparency log's leaf) is written and fsynced, in
 * that order: the log line is the commit record, so recovery.ts can cut anything a crash
 * left half done. Requests that arrive while a commit is running wait for the next one and
 * share it: one fsync per touched segment (in parallel) plus one of the log, however many
 * batches the group holds.
 *
 * A failed write or fsync is not retried (after a failed fsync the kernel may have dropped
 * the dirty pages, so a second fsync can report success for data that is gone): storage is
 * marked failed, every later commit is refused (503 to shippers, which keep their batches
 * and retry), and a restart recovers from the files.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalize, LogSealError } from '@logseal/core';
import { CHECKPOINTS_FILE, EVIDENCE_FILE, type IndexEntry, LOG_FILE, STREAMS_DIR, streamDir, TLOG_DIR } from './layout.js';
import { readLineAt, syncDir, writeAll } from './line-file.js';
import { acquireLock } from './lock.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { recover, type StoredCheckpoint } from './recovery.js';
import { StreamStore } from './stream-store.js';
import { tlogLeafHash, type TlogTree } from './tlog-tree.js';

/** What ingestion hands to a commit: the verified batch and the seal fields its entry keeps. */
export type EntryDraft = Omit<IndexEntry, 'i' | 'leaf' | 'seg' | 'off' | 'len' | 't'>;

export interface CommitRequest {
  stream: StreamStore;
  bytes: Buffer;
  sealLine: string;
  draft: EntryDraft;
  /** Gap this batch leaves before it, recorded in gaps.ndjson. */
  gap: { fromBatch: number; toBatch: number; fromSeq: number; toSeq: number } | null;
  /** It filled part of an earlier gap. */
  filled: boolean;
}

interface Pending {
  req: CommitRequest;
  resolve: (e: IndexEntry) => void;
  reject: (err: unknown) => void;
}

export interface StorageOptions {
  dataDir: string;
  segmentBytes: number;
  clock: () => number;
  logger: Logger;
  metrics: Metrics;
}

export class Storage {
  readonly dataDir: string;
  readonly tree: TlogTree;
  readonly streams: Map<string, StreamStore>;
  lastCheckpoint: StoredCheckpoint | null;
  /** Set when a write or fsync failed: nothing more is committed until a restart. */
  failed: Error | null = null;
  readonly #o: StorageOptions;
  readonly #log: FileHandle;
  #logSize: number;
  readonly #logPositions: number[];
  #checkpoints: FileHandle | null = null;
  #evidence: FileHandle | null = null;
  readonly #release: () => Promise<void>;
  #queue: Pending[] = [];
  #running: Promise<void> | null = null;
  #closed = false;

  private constructor(o: StorageOptions, log: FileHandle, rec: Awaited<ReturnType<typeof recover>>, release: () => Promise<void>) {
    this.#o = o;
    this.dataDir = o.dataDir;
    this.#log = log;
    this.tree = rec.tree;
    this.streams = rec.streams;
    this.#logSize = rec.logSize;
    this.#logPositions = rec.logPositions;
    this.lastCheckpoint = rec.lastCheckpoint;
    this.#release = release;
  }

  /** Takes the directory's lock, recovers it (recovery.ts) and opens the log for appending. */
  static async open(o: StorageOptions): Promise<Storage> {
    await mkdir(o.dataDir, { recursive: true, mode: 0o750 });
    const release = await acquireLock(o.dataDir);
    try {
      for (const d of [TLOG_DIR, STREAMS_DIR]) await mkdir(join(o.dataDir, d), { recursive: true, mode: 0o750 });
      await syncDir(o.dataDir);
      const fsync = (): void => o.metrics.inc('fsyncs_total');
      const rec = await recover(o.dataDir, fsync, o.logger, o.metrics);
      const log = await open(join(o.dataDir, TLOG_DIR, LOG_FILE), 'a+', 0o644); // a+: entries are read back by offset
      await syncDir(join(o.dataDir, TLOG_DIR));
      return new Storage(o, log, rec, release);
    } catch (err) {
      await release();
      if (err instanceof LogSealError) throw err;
      throw new LogSealError('LOGSEAL_ERR_COLLECTOR_STORAGE', `data directory ${o.dataDir}: ${(err as Error).message}`, { cause: err });
    }
  }

  stream(sid: string): StreamStore | undefined {
    return this.streams.get(sid);
  }

  /** The stream's store, created (in memory; its directory at its first write) when new. */
  streamFor(sid: string): StreamStore {
    let s = this.streams.get(sid);
    if (s === undefined) {
      s = new StreamStore(sid, streamDir(this.dataDir, sid), false, () => this.#o.metrics.inc('fsyncs_total'));
      this.streams.set(sid, s);
    }
    return s;
  }

  /** Makes a verified batch durable; resolves with its index entry once it is (group commit). */
  commit(req: CommitRequest): Promise<IndexEntry> {
    if (this.failed !== null) return Promise.reject(this.#failure());
    if (this.#closed) return Promise.reject(new LogSealError('LOGSEAL_ERR_COLLECTOR_STORAGE', 'storage is closed'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ req, resolve, reject });
      this.#running ??= this.#pump();
    });
  }

  #failure(): LogSealError {
    return new LogSealError('LOGSEAL_ERR_COLLECTOR_STORAGE', `storage failed earlier (${this.failed?.message ?? 'unknown'}); restart the collector to recover`, { cause: this.failed });
  }

  async #pump(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const group = this.#queue.splice(0);
        if (this.failed !== null) {
          for (const p of group) p.reject(this.#failure());
          continue;
        }
        await this.#commitGroup(group);
      }
    } finally {
      this.#running = null;
    }
  }

  async #commitGroup(group: Pending[]): Promise<void> {
    const { metrics, clock } = this.#o;
    try {
      // 1. Segment bytes: streams in parallel, a stream's batches in order.
      const byStream = new Map<StreamStore, Pending[]>();
      for (const p of group) {
        const list = byStream.get(p.req.stream);
        if (list === undefined) byStream.set(p.req.stream, [p]);
        else list.push(p);
      }
      const placed = new Map<Pending, { seg: number; off: number }>();
      await Promise.all([...byStream].map(async ([s, list]) => {
        for (const p of list) placed.set(p, await s.writeBatch(p.req.bytes, this.#o.segmentBytes));
      }));
      // 2. ... fsynced, once per stream.
      await Promise.all([...byStream.keys()].map((s) => s.syncSegment()));
      // 3. The commit record: log lines, one write, one fsync.
      const t = clock();
      const base = this.tree.size;
      const entries: IndexEntry[] = group.map((p, k) => {
        const where = placed.get(p)!;
        return { ...p.req.draft, i: base + k, leaf: tlogLeafHash(p.req.sealLine).toString('hex'), seg: where.seg, off: where.off, len: p.req.bytes.length, t };
      });
      const lines = entries.map((e) => canonicalize(e));
      const data = Buffer.from(`${lines.join('\n')}\n`);
      await writeAll(this.#log, data);
      await this.#log.sync();
      metrics.inc('fsyncs_total');
      metrics.inc('commits_total');
      let pos = this.#logSize;
      for (let k = 0; k < entries.length; k++) {
        this.tree.append(Buffer.from(entries[k]!.leaf, 'hex'));
        this.#logPositions.push(pos);
        pos += Buffer.byteLength(lines[k]!) + 1;
      }
      this.#logSize = pos;
      // 4. Derived files (rebuilt from the log after a crash): index and gap events.
      for (let k = 0; k < group.length; k++) {
        const { req } = group[k]!;
        await req.stream.appendIndex(entries[k]!, lines[k]!);
        if (req.gap !== null) await req.stream.appendGapEvent({ t, event: 'gap', ...req.gap });
        if (req.filled) await req.stream.appendGapEvent({ t, event: 'filled', batch: req.draft.batch });
      }
      group.forEach((p, k) => p.resolve(entries[k]!));
    } catch (err) {
      this.failed = err instanceof Error ? err : new Error(String(err));
      metrics.set('storage_failed', 1);
      this.#o.logger.error('storage_failed', { error: this.failed.message, code: (err as NodeJS.ErrnoException).code ?? null });
      for (const p of group) p.reject(this.#failure());
    }
  }

  /** The log entry of leaf `i`. */
  async entryAt(i: number): Promise<IndexEntry> {
    const pos = this.#logPositions[i];
    if (pos === undefined) throw new LogSealError('LOGSEAL_ERR_INVALID_OPTION', `no log entry ${i}`);
    return JSON.parse(await readLineAt(this.#log, pos)) as IndexEntry;
  }

  /** A stored batch's seal line (its last line). */
  async sealLine(entry: IndexEntry): Promise<string> {
    const s = this.streams.get(entry.sid);
    if (s === undefined) throw new LogSealError('LOGSEAL_ERR_COLLECTOR_STORAGE', `no stream ${entry.sid}`);
    const bytes = await s.readBatch(entry);
    const text = bytes.toString('utf8', 0, bytes.length - 1);
    return text.slice(text.lastIndexOf('\n') + 1);
  }

  /** Appends one evidence record (equivocation, fork) and fsyncs it: it is what an auditor will ask for. */
  async appendEvidence(record: object): Promise<void> {
    this.#evidence ??= await open(join(this.dataDir, EVIDENCE_FILE), 'a', 0o644);
    await writeAll(this.#evidence, Buffer.from(`${JSON.stringify(record)}\n`));
    await this.#evidence.sync();
  }

  /** Appends a signed checkpoint (after everything it covers is durable: the log is fsynced per commit). */
  async appendCheckpoint(cp: StoredCheckpoint): Promise<void> {
    if (this.#checkpoints === null) {
      this.#checkpoints = await open(join(this.dataDir, TLOG_DIR, CHECKPOINTS_FILE), 'a', 0o644);
      await syncDir(join(this.dataDir, TLOG_DIR));
    }
    await writeAll(this.#checkpoints, Buffer.from(`${canonicalize(cp)}\n`));
    await this.#checkpoints.sync();
    this.lastCheckpoint = cp;
  }

  storageBytes(): number {
    let n = 0;
    for (const s of this.streams.values()) n += s.bytes;
    return n;
  }

  /** Waits for the running commit, closes every file, releases the lock. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#running !== null) await this.#running;
    for (const s of this.streams.values()) {
      try {
        await s.close();
      } catch (err) {
        this.#o.logger.error('close_failed', { sid: s.sid, error: (err as Error).message });
      }
    }
    for (const fh of [this.#log, this.#checkpoints, this.#evidence]) if (fh !== null) await fh.close();
    await this.#release();
  }
}
