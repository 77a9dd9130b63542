/**
 * Readers of a collector data directory, for `logseal verify DIR` and auditors (no lock
 * taken: they only read, and read only what the index says was committed).
 *
 *   listStreams(dir)            the streams, with batch counts, tips and missing batches
 *   isDataDir(path)             is it a collector data directory?
 *   readStream(dir, sid)        the stream's stored lines in BATCH order (segments are in
 *                               arrival order: a late gap fill sits after later batches),
 *                               as core's verify() expects them
 *   readDataDir(dir)            every stream's lines, one stream after the other
 *   read...Located()            the same with each line's segment file and byte offset
 *   readCheckpoints(dir)        the signed checkpoints, oldest first
 *   auditLog(dir, {publicKey})  re-derives the transparency log from the stored seals and
 *                               checks every published checkpoint against it
 *
 * Memory: readStream holds four numbers per batch of the stream (the order), never the
 * data; batches are read one at a time.
 */
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { LogSealError, type KeyInput } from '@logseal/core';
import { parseCheckpoint, type SignedCheckpoint, verifyCheckpoint } from './checkpoint.js';
import { CHECKPOINTS_FILE, checkEntry, decodeSid, INDEX_FILE, type IndexEntry, LOG_FILE, segmentName, STREAMS_DIR, streamDir, TLOG_DIR } from './layout.js';
import { scanLines } from './line-file.js';
import { TlogTree, tlogLeafHash } from './tlog-tree.js';

export interface StreamInfo {
  sid: string;
  /** Directory of the stream's files. */
  dir: string;
  /** Batches stored. */
  batches: number;
  /** Batch numbers below the highest stored one that are not stored (gaps). */
  missing: number;
  records: number;
  /** Bytes of stored batches. */
  bytes: number;
  tip: { batch: number; lastSeq: number; final: boolean; sealedAt: number } | null;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function storageError(message: string): never {
  throw new LogSealError('LOGSEAL_ERR_COLLECTOR_STORAGE', message);
}

/** The entries of a stream's index.ndjson (complete lines only), in file (commit) order. */
export async function readStreamIndex(dataDir: string, sid: string): Promise<IndexEntry[]> {
  const path = join(streamDir(dataDir, sid), INDEX_FILE);
  const out: IndexEntry[] = [];
  if (!(await exists(path))) return out;
  await scanLines(path, (line, offset) => {
    let e: unknown;
    try {
      e = JSON.parse(line);
    } catch {
      storageError(`${path}: entry at byte ${offset} is not JSON`);
    }
    const why = checkEntry(e);
    if (why !== null) storageError(`${path}: entry at byte ${offset}: ${why}`);
    out.push(e as IndexEntry);
  });
  return out;
}

export async function listStreams(dataDir: string): Promise<StreamInfo[]> {
  const root = join(dataDir, STREAMS_DIR);
  if (!(await exists(root))) storageError(`${dataDir} is not a collector data directory (no ${STREAMS_DIR}/)`);
  const out: StreamInfo[] = [];
  for (const name of (await readdir(root)).sort()) {
    const sid = decodeSid(name);
    if (sid === null) continue;
    let batches = 0;
    let records = 0;
    let bytes = 0;
    let tip: IndexEntry | null = null;
    for (const e of await readStreamIndex(dataDir, sid)) {
      batches++;
      records += e.count;
      bytes += e.len;
      if (tip === null || e.batch > tip.batch) tip = e;
    }
    if (batches === 0) continue;
    out.push({
      sid, dir: join(root, name), batches, records, bytes, missing: tip === null ? 0 : tip.batch + 1 - batches,
      tip: tip === null ? null : { batch: tip.batch, lastSeq: tip.lastSeq, final: tip.final, sealedAt: tip.sealedAt },
    });
  }
  return out;
}

/** Is `path` a collector data directory (it has tlog/log.ndjson or streams/)? For `logseal verify PATH`. */
export async function isDataDir(path: string): Promise<boolean> {
  return (await exists(join(path, TLOG_DIR, LOG_FILE))) || ((await exists(join(path, STREAMS_DIR))) && (await exists(join(path, TLOG_DIR))));
}

/** A stored line and where it is: its segment file and the byte offset of the line in it. */
export interface LocatedLine {
  line: string;
  file: string;
  offset: number;
}

/** A stream's stored NDJSON lines (records, then their seal, batch after batch), in batch order. */
export async function* readStream(dataDir: string, sid: string): AsyncGenerator<string> {
  for await (const l of readStreamLocated(dataDir, sid)) yield l.line;
}

/** readStream() with each line's segment file and byte offset, so a verifier can name where a finding is. */
export async function* readStreamLocated(dataDir: string, sid: string): AsyncGenerator<LocatedLine> {
  const dir = streamDir(dataDir, sid);
  const entries = await readStreamIndex(dataDir, sid);
  const order = entries.map((e) => [e.batch, e.seg, e.off, e.len] as const).sort((a, b) => a[0] - b[0]);
  entries.length = 0;
  let fh: FileHandle | null = null;
  let fhSeg = -1;
  try {
    for (const [batch, seg, off, len] of order) {
      if (seg !== fhSeg) {
        await fh?.close();
        fh = null;
        fh = await open(join(dir, segmentName(seg)), 'r');
        fhSeg = seg;
      }
      const buf = Buffer.allocUnsafe(len);
      const { bytesRead } = await fh!.read(buf, 0, len, off);
      if (bytesRead !== len) storageError(`${dir}: batch ${batch} is cut short in ${segmentName(seg)}`);
      const text = buf.toString('utf8', 0, len - 1);
      const file = join(dir, segmentName(seg));
      let at = off;
      for (const line of text.split('\n')) {
        yield { line, file, offset: at };
        at += Buffer.byteLength(line) + 1;
      }
    }
  } finally {
    await fh?.close();
  }
}

/** Every stored line of every stream (stream after stream, each in batch order): the input of `logseal verify DIR`. */
export async function* readDataDir(dataDir: string): AsyncGenerator<string> {
  for (const s of await listStreams(dataDir)) yield* readStream(dataDir, s.sid);
}

/** readDataDir() with locations. */
export async function* readDataDirLocated(dataDir: string): AsyncGenerator<LocatedLine> {
  for (const s of await listStreams(dataDir)) yield* readStreamLocated(dataDir, s.sid);
}

/** The published checkpoints, oldest first (parsed, signatures not checked here). */
export async function readCheckpoints(dataDir: string): Promise<SignedCheckpoint[]> {
  const path = join(dataDir, TLOG_DIR, CHECKPOINTS_FILE);
  const out: SignedCheckpoint[] = [];
  if (!(await exists(path))) return out;
  await scanLines(path, (line) => {
    out.push(parseCheckpoint((JSON.parse(line) as { note: string }).note));
  });
  return out;
}

export interface LogAudit {
  ok: boolean;
  /** Leaves (accepted seals) in the log. */
  size: number;
  /** Root of the whole log (hex). */
  rootHash: string;
  checkpoints: number;
  problems: string[];
}

/**
 * Re-derives the transparency log from the stored seals and checks it: every log entry's
 * batch bytes hash to its digest, its leaf is the hash of the stored seal line, and every
 * published checkpoint's root is the root of the log at its size (signed by `publicKey`
 * when given). This is what proves the collector's own history (not the producers') intact.
 */
export async function auditLog(dataDir: string, options: { publicKey?: KeyInput } = {}): Promise<LogAudit> {
  const problems: string[] = [];
  const tree = new TlogTree();
  const logPath = join(dataDir, TLOG_DIR, LOG_FILE);
  const entries: IndexEntry[] = [];
  if (await exists(logPath)) {
    await scanLines(logPath, (line, offset) => {
      try {
        const e = JSON.parse(line) as IndexEntry;
        const why = checkEntry(e);
        if (why !== null || e.i !== entries.length) problems.push(`log entry at byte ${offset}: ${why ?? `leaf index ${e.i}, expected ${entries.length}`}`);
        else entries.push(e);
      } catch {
        problems.push(`log entry at byte ${offset} is not JSON`);
      }
    });
  }
  const handles = new Map<string, FileHandle>();
  try {
    for (const e of entries) {
      tree.append(Buffer.from(e.leaf, 'hex'));
      const file = join(streamDir(dataDir, e.sid), segmentName(e.seg));
      let fh = handles.get(file);
      if (fh === undefined) {
        try {
          fh = await open(file, 'r');
        } catch {
          problems.push(`leaf ${e.i}: ${file} is missing`);
          continue;
        }
        for (const [k, h] of handles) {
          await h.close();
          handles.delete(k);
        }
        handles.set(file, fh);
      }
      const buf = Buffer.alloc(e.len);
      const { bytesRead } = await fh.read(buf, 0, e.len, e.off);
      if (bytesRead !== e.len || createHash('sha256').update(buf).digest('hex') !== e.digest) {
        problems.push(`leaf ${e.i} (${e.sid} batch ${e.batch}): stored bytes differ from the log's digest`);
        continue;
      }
      const text = buf.toString('utf8', 0, e.len - 1);
      if (tlogLeafHash(text.slice(text.lastIndexOf('\n') + 1)).toString('hex') !== e.leaf) problems.push(`leaf ${e.i} (${e.sid} batch ${e.batch}): leaf hash is not the stored seal's`);
    }
  } finally {
    for (const h of handles.values()) await h.close();
  }
  const cps = await readCheckpoints(dataDir);
  let prevSize = 0;
  for (const cp of cps) {
    if (options.publicKey !== undefined) {
      try {
        verifyCheckpoint(cp.note, options.publicKey);
      } catch (err) {
        problems.push(`checkpoint of size ${cp.size}: ${(err as Error).message}`);
      }
    }
    if (cp.size < prevSize) problems.push(`checkpoint of size ${cp.size} follows one of size ${prevSize}: the log shrank`);
    prevSize = Math.max(prevSize, cp.size);
    if (cp.size > tree.size) problems.push(`checkpoint of size ${cp.size} covers more than the ${tree.size} seals logged`);
    else if (!tree.root(cp.size).equals(Buffer.from(cp.root))) problems.push(`checkpoint of size ${cp.size}: its root is not the log's root at that size`);
  }
  return { ok: problems.length === 0, size: tree.size, rootHash: tree.root().toString('hex'), checkpoints: cps.length, problems };
}
