/**
 * The open batch as UTF-8 bytes. Each canonical line (a record's, then at the seal the
 * seal's) is encoded once, straight into one growing buffer, and the sealed batch leaves as
 * that buffer, which the native encoder sends as it is and the spool writes as it is.
 *
 * Why not keep strings and join them at the seal: a record's line is a concatenation
 * (body + hash + chain fields), so joining a thousand of them makes V8 flatten each one, and
 * the joined text is then encoded to UTF-8 again for the socket. Measured on Node 20 over
 * the bench record mix: join + encode about 2.6 us per record, writing each line into the
 * buffer about 0.3 us (bench/pipeline.mjs shows the whole pipeline's figure).
 */

import { hash } from 'node:crypto';

const LF = 0x0a;
/** RFC 6962's leaf prefix, written just before a line while its leaf hash is taken. */
const LEAF_PREFIX = 0x00;
/** A SHA-256 in hex. */
const HASH_HEX = 64;
/** First capacity; the buffer doubles as needed and keeps its size for the next batch. */
const INITIAL_BYTES = 64 * 1024;

/**
 * Byte 0 of the buffer is a spare byte before the first line, so that every line (the first
 * too) has a byte in front of it to hold the leaf prefix while pushLeaf() hashes it.
 */
const START = 1;

export class BatchBuffer {
  #buf: Buffer;
  #len = START;
  #lines = 0;
  #lastStart = START;

  constructor(initialBytes = INITIAL_BYTES) {
    this.#buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes written so far (every line with its LF). */
  get byteLength(): number {
    return this.#len - START;
  }

  /** Lines written so far. */
  get lines(): number {
    return this.#lines;
  }

  /** Appends `line` and an LF; returns the bytes written. */
  push(line: string): number {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8 (a surrogate pair: 4 bytes for 2 units).
    this.#reserve(line.length * 3 + 1);
    const start = this.#len;
    const n = this.#buf.write(line, start, 'utf8');
    this.#buf[start + n] = LF;
    this.#len = start + n + 1;
    this.#lines++;
    this.#lastStart = start;
    return n + 1;
  }

  /**
   * Appends the line head + body + before + h + after + tail, where h is the RFC 6962 leaf hash (hex) of
   * head + body + tail, i.e. SHA-256(0x00 || those bytes): a chained record, whose hash covers
   * its envelope without `h` and whose line carries `h` between the body and the rest
   * (record-chain.ts). `head`, `tail`, `before` and `after` must be ASCII. The line is encoded once, in
   * place, and hashed from the bytes: never encoded twice, never joined with other lines.
   * Returns h; byteLength grows by the line's bytes.
   */
  pushLeaf(head: string, body: string, tail: string, before: string, after: string): string {
    const midBytes = before.length + HASH_HEX + after.length;
    this.#reserve(head.length + body.length * 3 + tail.length + midBytes + 1);
    const buf = this.#buf;
    const start = this.#len;
    // Two writes, not six: a Buffer#write call costs more than flattening a short
    // concatenation (a throwaway A/B on the record mix, hash included, gave about 7 % per line).
    // head and tail are ASCII, so the tail's bytes are its length and the body ends where they start.
    let o = start + buf.write(head + body + tail, start, 'utf8');
    const bodyEnd = o - tail.length;
    const saved = buf[start - 1]!;
    buf[start - 1] = LEAF_PREFIX;
    const h = hash('sha256', buf.subarray(start - 1, o), 'hex');
    buf[start - 1] = saved;
    // Make room for before + h + after between the body and the tail, then write it there.
    buf.copyWithin(bodyEnd + midBytes, bodyEnd, o);
    buf.write(before + h + after, bodyEnd, 'latin1');
    o += midBytes;
    buf[o] = LF;
    this.#len = o + 1;
    this.#lines++;
    this.#lastStart = start;
    return h;
  }

  /** The last line written, as text (without its LF): for a spool that keeps the open batch's lines. */
  lastLine(): string {
    return this.#buf.toString('utf8', this.#lastStart, this.#len - 1);
  }

  /**
   * The batch's bytes, and an empty buffer for the next batch. A buffer at most a quarter
   * empty is handed over as it is (and a new one allocated); a mostly empty one is copied to
   * size and reused, so a queued batch never pins much more memory than its bytes.
   */
  take(): Buffer {
    const buf = this.#buf;
    const len = this.#len;
    this.#len = START;
    this.#lines = 0;
    this.#lastStart = START;
    if (len * 4 >= buf.length * 3) {
      this.#buf = Buffer.allocUnsafe(buf.length);
      return buf.subarray(START, len);
    }
    return Buffer.from(buf.subarray(START, len));
  }

  #reserve(bytes: number): void {
    if (this.#len + bytes > this.#buf.length) this.#grow(this.#len + bytes);
  }

  #grow(need: number): void {
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.#buf.copy(next, 0, 0, this.#len);
    this.#buf = next;
  }
}
