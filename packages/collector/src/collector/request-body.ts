/**
 * Reads a request body under the size limit: the declared Content-Length is checked
 * before a byte is read, the received bytes as they arrive, and for
 * `Content-Encoding: gzip` the DECOMPRESSED bytes too, so a small gzip bomb is cut at
 * the limit rather than inflated into memory. Other encodings get 415. The time a client
 * may take is the server's requestTimeout (slow-loris bodies get 408 from Node).
 */
import type { IncomingMessage } from 'node:http';
import { createGunzip } from 'node:zlib';
import type { RejectReason } from './metrics.js';

export type BodyRead =
  | { ok: true; body: Buffer; wireBytes: number }
  | { ok: false; status: number; code: RejectReason; message: string; wireBytes: number };

export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const gzip = encoding === 'gzip' || encoding === 'x-gzip';
  if (!gzip && encoding !== 'identity') {
    return Promise.resolve({ ok: false, status: 415, code: 'unsupported_encoding', message: `content-encoding "${encoding}" is not supported (identity or gzip)`, wireBytes: 0 });
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.resolve({ ok: false, status: 413, code: 'body_too_large', message: `body of ${declared} bytes exceeds the limit of ${maxBytes}`, wireBytes: 0 });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let wire = 0;
    let done = false;
    const finish = (r: BodyRead): void => {
      if (done) return;
      done = true;
      resolve(r);
    };
    const tooLarge = (): void => finish({ ok: false, status: 413, code: 'body_too_large', message: `body exceeds the limit of ${maxBytes} bytes`, wireBytes: wire });
    const onData = (c: Buffer): void => {
      if (done) return;
      size += c.length;
      if (size > maxBytes) {
        chunks.length = 0;
        tooLarge();
        return;
      }
      chunks.push(c);
    };
    const onEnd = (): void => finish({ ok: true, body: Buffer.concat(chunks, size), wireBytes: wire });
    const aborted = (): void => finish({ ok: false, status: 400, code: 'request_aborted', message: 'the client went away or timed out', wireBytes: wire });
    req.on('data', (c: Buffer) => {
      wire += c.length;
      if (wire > maxBytes) tooLarge();
    });
    req.on('aborted', aborted);
    req.on('error', aborted);
    if (!gzip) {
      req.on('data', onData);
      req.on('end', onEnd);
      return;
    }
    const gunzip = createGunzip();
    gunzip.on('data', (c: Buffer) => {
      onData(c);
      if (done) gunzip.destroy();
    });
    gunzip.on('end', onEnd);
    gunzip.on('error', () => finish({ ok: false, status: 400, code: 'body_not_ndjson', message: 'body is not valid gzip', wireBytes: wire }));
    req.pipe(gunzip);
  });
}
