/**
 * Startup recovery of a data directory. tlog/log.ndjson is the commit record: a batch is
 * acknowledged only after its segment bytes AND its log line were fsynced (storage.ts), so
 *   - a log line that is torn (no LF, or not a valid entry as the last line) was never
 *     acknowledged: it is cut;
 *   - segment bytes past the end of the last committed batch of a segment were never
 *     acknowledged (a half-written line, or whole batches whose log line never became
 *     durable): they are cut;
 *   - an index.ndjson that differs from the stream's lines of the log (it is written after
 *     the log, without its own fsync) is rebuilt from the log;
 *   - a log line whose segment bytes are missing, or a published checkpoint the log no
 *     longer matches, means acknowledged data was lost or rewritten: startup REFUSES
 *     (LOGSEAL_ERR_COLLECTOR_STORAGE) rather than serve a log that contradicts itself.
 * Every cut is reported: a warn log line naming file, stream and byte count, and the
 * torn_tail_truncations_total / torn_tail_bytes_total metrics. Nothing is silently kept.
 */
import { chmod, open, readdir, rename, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { LogSealError } from '@logseal/core';
import { CHECKPOINTS_FILE, checkEntry, decodeSid, INDEX_FILE, type IndexEntry, LOG_FILE, segmentName, segmentNumber, STREAMS_DIR, streamDir, TLOG_DIR } from './layout.js';
import { scanLines, syncDir, writeAll } from './line-file.js';
import type { Logger } from './logger.js';
import type { Metrics, TornFile } from './metrics.js';
import { StreamStore } from './stream-store.js';
import { TlogTree } from './tlog-tree.js';

export interface StoredCheckpoint {
  size: number;
  root: string;
  timestamp: number;
  note: string;
}

export interface Recovered {
  tree: TlogTree;
  streams: Map<string, StreamStore>;
  /** Byte offset of each log line (leaf i), and the log's size. */
  logPositions: number[];
  logSize: number;
  lastCheckpoint: StoredCheckpoint | null;
  checkpointsSize: number;
}

function corrupt(message: string): never {
  throw new LogSealError('LOGSEAL_ERR_COLLECTOR_STORAGE', message);
}

interface Pass {
  /** index.ndjson size and last line the log implies. */
  indexSize: number;
  lastLine: string;
  /** Committed end of each segment. */
  segEnds: Map<number, number>;
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export async function recover(dataDir: string, onFsync: () => void, logger: Logger, metrics: Metrics): Promise<Recovered> {
  const report = (file: TornFile, path: string, bytes: number, fields: Record<string, string | number | boolean>): void => {
    metrics.inc('torn_tail_truncations_total', 1, file);
    metrics.inc('torn_tail_bytes_total', bytes);
    logger.warn('torn_tail_truncated', { file, path, bytes, ...fields });
  };
  const tlogDir = join(dataDir, TLOG_DIR);
  const logPath = join(tlogDir, LOG_FILE);

  // 1. The commit log: rebuild the tree, the per-stream batch lists and the committed segment ends.
  const tree = new TlogTree();
  const logPositions: number[] = [];
  const streams = new Map<string, StreamStore>();
  const pass = new Map<string, Pass>();
  let bad: { offset: number; why: string } | null = null;
  let logSize = 0;
  if ((await sizeOf(logPath)) !== null) {
    const scan = await scanLines(logPath, (line, offset, bytes) => {
      if (bad !== null) {
        corrupt(`${logPath}: entry at byte ${bad.offset} is invalid (${bad.why}) and is not the last one`);
      }
      let e: IndexEntry;
      try {
        e = JSON.parse(line) as IndexEntry;
      } catch {
        bad = { offset, why: 'not JSON' };
        return;
      }
      const why = checkEntry(e) ?? (e.i !== tree.size ? `leaf index ${e.i}, expected ${tree.size}` : null);
      if (why !== null) {
        bad = { offset, why };
        return;
      }
      tree.append(Buffer.from(e.leaf, 'hex'));
      logPositions.push(offset);
      let s = streams.get(e.sid);
      let p = pass.get(e.sid);
      if (s === undefined || p === undefined) {
        s = new StreamStore(e.sid, streamDir(dataDir, e.sid), true, onFsync);
        p = { indexSize: 0, lastLine: '', segEnds: new Map() };
        streams.set(e.sid, s);
        pass.set(e.sid, p);
      }
      if (s.has(e.batch)) corrupt(`${logPath}: batch ${e.batch} of ${e.sid} is logged twice`);
      s.adopt(e, p.indexSize);
      p.indexSize += bytes;
      p.lastLine = line;
      p.segEnds.set(e.seg, Math.max(p.segEnds.get(e.seg) ?? 0, e.off + e.len));
      s.bytes += e.len;
    });
    logSize = scan.complete;
    const torn = scan.size - scan.complete;
    const badAt: number | null = (bad as { offset: number } | null)?.offset ?? null;
    if (badAt !== null) logSize = badAt; // the last complete line is invalid: torn as well
    if (logSize < scan.size) {
      await truncate(logPath, logSize);
      report('journal', logPath, scan.size - logSize, { partialLine: torn > 0 });
    }
  }

  // 2. Every stream directory: cut uncommitted segment tails, check committed bytes are there, check the index.
  const streamsRoot = join(dataDir, STREAMS_DIR);
  const onDisk = new Set<string>();
  for (const ent of await readdir(streamsRoot, { withFileTypes: true })) {
    const name = ent.name;
    const sid = ent.isDirectory() ? decodeSid(name) : null;
    if (sid === null) continue; // not ours: left alone
    onDisk.add(sid);
    let s = streams.get(sid);
    const p = pass.get(sid) ?? { indexSize: 0, lastLine: '', segEnds: new Map<number, number>() };
    const dir = join(streamsRoot, name);
    const segs: number[] = [];
    for (const f of await readdir(dir)) {
      const n = segmentNumber(f);
      if (n !== null) segs.push(n);
    }
    segs.sort((a, b) => a - b);
    for (const n of p.segEnds.keys()) if (!segs.includes(n)) corrupt(`${dir}: ${segmentName(n)} holds acknowledged batches but is missing`);
    let active = 0;
    for (const n of segs) {
      const path = join(dir, segmentName(n));
      const st = await stat(path);
      const committed = p.segEnds.get(n) ?? 0;
      if (st.size < committed) corrupt(`${path}: ${committed - st.size} bytes of acknowledged batches are missing`);
      if (st.size > committed) {
        const readOnly = (st.mode & 0o200) === 0;
        if (readOnly) await chmod(path, 0o644);
        const tail = await tailInfo(path, committed, st.size);
        await truncate(path, committed);
        if (readOnly && committed > 0) await chmod(path, 0o444);
        report('segment', path, st.size - committed, { sid, partialLine: tail.partial, completeLines: tail.lines });
      }
      active = n;
    }
    const activePath = join(dir, segmentName(active));
    const activeSize = await sizeOf(activePath);
    if (s === undefined) {
      s = new StreamStore(sid, dir, true, onFsync);
      streams.set(sid, s);
    }
    // A read-only last segment was closed by a rotation whose successor was never created.
    if (activeSize !== null && activeSize > 0 && ((await stat(activePath)).mode & 0o200) === 0) active += 1;
    s.segNo = active;
    s.segSize = (await sizeOf(join(dir, segmentName(active)))) ?? 0;
    s.indexSize = p.indexSize;
    await checkIndex(dir, p, logPath, sid, report);
  }
  for (const sid of pass.keys()) if (!onDisk.has(sid)) corrupt(`${streamDir(dataDir, sid)}: directory of a stream with acknowledged batches is missing`);
  // Streams whose every batch was cut (never acknowledged) are not streams yet.
  for (const [sid, s] of streams) if (s.count === 0) streams.delete(sid);

  // 3. The last published checkpoint must still describe this log.
  const cpPath = join(tlogDir, CHECKPOINTS_FILE);
  let lastCheckpoint: StoredCheckpoint | null = null;
  let checkpointsSize = 0;
  if ((await sizeOf(cpPath)) !== null) {
    let last = '';
    const scan = await scanLines(cpPath, (line) => {
      last = line;
    });
    checkpointsSize = scan.complete;
    if (scan.size > scan.complete) {
      await truncate(cpPath, scan.complete);
      report('checkpoints', cpPath, scan.size - scan.complete, { partialLine: true });
    }
    if (last !== '') {
      try {
        lastCheckpoint = JSON.parse(last) as StoredCheckpoint;
      } catch {
        corrupt(`${cpPath}: last checkpoint is not JSON`);
      }
      const cp = lastCheckpoint!;
      if (!Number.isSafeInteger(cp.size) || cp.size > tree.size) corrupt(`${cpPath}: a published checkpoint covers ${cp.size} seals, the log holds ${tree.size}`);
      if (tree.root(cp.size).toString('hex') !== cp.root) corrupt(`${cpPath}: the log no longer matches its published checkpoint of size ${cp.size}`);
    }
  }
  return { tree, streams, logPositions, logSize, lastCheckpoint, checkpointsSize };
}

/** Lines in a torn tail, and whether it ends in a partial line (for the report only). */
async function tailInfo(path: string, from: number, to: number): Promise<{ lines: number; partial: boolean }> {
  const fh = await open(path, 'r');
  try {
    const n = Math.min(to - from, 64 * 2 ** 20);
    const buf = Buffer.alloc(n);
    await fh.read(buf, 0, n, from);
    let lines = 0;
    for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) lines++;
    return { lines, partial: buf[n - 1] !== 0x0a };
  } finally {
    await fh.close();
  }
}

/** index.ndjson must be exactly the stream's log lines; when not (lost page cache, a torn write), it is rebuilt. */
async function checkIndex(
  dir: string,
  p: Pass,
  logPath: string,
  sid: string,
  report: (file: TornFile, path: string, bytes: number, f: Record<string, string | number | boolean>) => void,
): Promise<void> {
  const path = join(dir, INDEX_FILE);
  const size = (await sizeOf(path)) ?? 0;
  let same = size === p.indexSize;
  if (same && size > 0) {
    let last = '';
    await scanLines(path, (line) => {
      last = line;
    }, Math.max(0, size - 64 * 1024));
    same = last === p.lastLine;
  }
  if (same) return;
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w', 0o644);
  try {
    const lines: string[] = [];
    await scanLines(logPath, (line) => {
      if ((JSON.parse(line) as IndexEntry).sid === sid) lines.push(line);
    });
    if (lines.length > 0) await writeAll(fh, Buffer.from(`${lines.join('\n')}\n`));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await syncDir(dir);
  report('index', path, Math.abs(size - p.indexSize), { sid, rebuilt: true });
}
