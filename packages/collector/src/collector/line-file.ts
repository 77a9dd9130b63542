/**
 * Small file helpers for append-only NDJSON files: a chunked line scanner that reports
 * where the last complete (LF-terminated) line ends, so recovery can cut a torn tail, and
 * durable-append primitives (write loops, fsync of a file and of its directory).
 */
import { open, type FileHandle } from 'node:fs/promises';

const CHUNK = 1 << 20;

export interface ScanResult {
  /** File size when scanned. */
  size: number;
  /** Bytes up to and including the last LF: everything after it is a torn line. */
  complete: number;
}

/**
 * Calls onLine(text, offset, byteLength) for every LF-terminated line from `start`.
 * A line longer than `maxLine` bytes throws (callers treat it as corruption).
 */
export async function scanLines(path: string, onLine: (line: string, offset: number, bytes: number) => void, start = 0, maxLine = 256 * 2 ** 20): Promise<ScanResult> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    let pos = start;
    let carry: Buffer = Buffer.alloc(0);
    let carryAt = start;
    const buf = Buffer.allocUnsafe(CHUNK);
    while (pos < size) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, size - pos), pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      let data = carry.length > 0 ? Buffer.concat([carry, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
      let from = 0;
      for (let lf = data.indexOf(0x0a); lf >= 0; lf = data.indexOf(0x0a, from)) {
        onLine(data.toString('utf8', from, lf), carryAt + from, lf - from + 1);
        from = lf + 1;
      }
      carryAt += from;
      data = data.subarray(from);
      if (data.length > maxLine) throw new Error(`${path}: line at byte ${carryAt} is longer than ${maxLine} bytes`);
      carry = Buffer.from(data); // a copy: `buf` is reused
    }
    return { size, complete: carryAt };
  } finally {
    await fh.close();
  }
}

/** Writes all of `data` (regular files can return short writes on a full disk or a signal). */
export async function writeAll(fh: FileHandle, data: Uint8Array, position: number | null = null): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position === null ? null : position + done);
    if (bytesWritten <= 0) throw new Error('write made no progress');
    done += bytesWritten;
  }
}

/** fsync of a directory, so a file created (or renamed) in it survives a power cut (POSIX: the entry lives in the directory). */
export async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return; // directories cannot be opened for fsync there
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Reads one LF-terminated line starting at `offset` (index and log lines are short). */
export async function readLineAt(fh: FileHandle, offset: number): Promise<string> {
  let size = 4096;
  for (;;) {
    const buf = Buffer.allocUnsafe(size);
    const { bytesRead } = await fh.read(buf, 0, size, offset);
    const lf = buf.subarray(0, bytesRead).indexOf(0x0a);
    if (lf >= 0) return buf.toString('utf8', 0, lf);
    if (bytesRead < size) throw new Error(`no complete line at byte ${offset}`);
    size *= 4;
  }
}
