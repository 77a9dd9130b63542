/**
 * The read-only routes: checkpoint, proofs, log identity, streams. Hashes in JSON answers
 * are lowercase hex (as in docs/format.md); the checkpoint itself is the C2SP note, whose
 * root line is base64 by that format. Proofs default to the tree size of the latest signed
 * checkpoint (signed on demand when the log grew), so every proof an auditor receives
 * can be checked against a signature.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LogSealError } from '@logseal/core';
import type { Running } from './collector.js';
import { sendError, sendJson } from './http-json.js';
import { ID_PATTERN } from './validate.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const MAX_LIST = 10_000;
const MAX_GAPS = 1000;

function uintParam(url: URL, name: string): number | undefined | null {
  const v = url.searchParams.get(name);
  if (v === null) return undefined;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(v) || !Number.isSafeInteger(Number(v))) return null;
  return Number(v);
}

function badQuery(res: ServerResponse, message: string): void {
  sendError(res, 400, 'bad_query', message);
}

function notFound(res: ServerResponse, message = 'no such resource'): void {
  sendError(res, 404, 'not_found', message);
}

export async function handleQuery(req: IncomingMessage, res: ServerResponse, url: URL, run: Running): Promise<void> {
  const { tlog, storage } = run;
  const path = url.pathname;
  if (path === '/v1/checkpoint') {
    const cp = await tlog.current();
    const json = url.searchParams.get('format') === 'json' || /application\/json/.test(req.headers.accept ?? '');
    if (json) return sendJson(res, 200, { origin: cp.origin, size: cp.size, rootHash: hex(cp.root), timestamp: cp.timestamp, note: cp.note });
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(cp.note);
    return;
  }
  if (path === '/v1/log') {
    const latest = tlog.latest();
    return sendJson(res, 200, {
      origin: tlog.origin,
      verifierKey: tlog.verifierKey,
      publicKey: String(tlog.publicKey.export({ format: 'pem', type: 'spki' })),
      size: tlog.size,
      leaf: 'SHA-256(0x00 || seal line)',
      checkpoint: latest === null ? null : latest.note,
    });
  }
  if (path === '/v1/proof/inclusion') {
    let index = uintParam(url, 'index');
    const sid = url.searchParams.get('sid');
    const batch = uintParam(url, 'batch');
    const size = uintParam(url, 'size');
    if (index === null || batch === null || size === null) return badQuery(res, 'index, batch and size are non-negative integers');
    if (index === undefined) {
      if (sid === null || !ID_PATTERN.test(sid) || batch === undefined) return badQuery(res, 'give ?sid=&batch= or ?index=');
      const entry = await storage.stream(sid)?.get(batch);
      if (entry === undefined) return notFound(res, `batch ${batch} of stream ${sid} is not stored`);
      index = entry.i;
    }
    if (index >= tlog.size) return notFound(res, `no leaf ${index}`);
    const cp = await tlog.current();
    const treeSize = size ?? cp.size;
    if (treeSize <= index || treeSize > tlog.size) return badQuery(res, `size must be in [${index + 1}, ${tlog.size}]`);
    const entry = await storage.entryAt(index);
    return sendJson(res, 200, {
      sid: entry.sid,
      batch: entry.batch,
      leafIndex: index,
      treeSize,
      leafHash: entry.leaf,
      seal: await storage.sealLine(entry),
      proof: tlog.inclusion(index, treeSize).map(hex),
      rootHash: hex(tlog.root(treeSize)),
      ...(treeSize === cp.size ? { checkpoint: cp.note } : {}),
    });
  }
  if (path === '/v1/proof/consistency') {
    const from = uintParam(url, 'from');
    const to = uintParam(url, 'to');
    if (from === null || to === null || from === undefined) return badQuery(res, 'from (and to) are tree sizes: ?from=N[&to=M]');
    const cp = await tlog.current();
    const size2 = to ?? cp.size;
    if (from < 1 || from > size2 || size2 > tlog.size) return badQuery(res, `need 1 <= from <= to <= ${tlog.size}`);
    try {
      return sendJson(res, 200, { from, to: size2, proof: tlog.consistency(from, size2).map(hex), ...(size2 === cp.size ? { checkpoint: cp.note } : {}) });
    } catch (err) {
      if (err instanceof LogSealError) return badQuery(res, err.message);
      throw err;
    }
  }
  if (path === '/v1/streams') {
    const streams = [...storage.streams.values()].slice(0, MAX_LIST).map((s) => ({
      sid: s.sid,
      batches: s.count,
      missing: s.missing,
      bytes: s.bytes,
      tip: s.tip === null ? null : { batch: s.tip.batch, lastSeq: s.tip.lastSeq, final: s.tip.final, sealedAt: s.tip.sealedAt },
    }));
    return sendJson(res, 200, { streams, total: storage.streams.size });
  }
  if (path.startsWith('/v1/streams/')) {
    let sid: string | null;
    try {
      sid = decodeURIComponent(path.slice('/v1/streams/'.length));
    } catch {
      sid = null;
    }
    if (sid === null || !ID_PATTERN.test(sid)) return badQuery(res, 'not a stream id');
    const s = storage.stream(sid);
    if (s === undefined) return notFound(res, `stream ${sid} is not stored`);
    // Open gaps: the holes between stored batch numbers (and before the first one).
    const gaps: { fromBatch: number; toBatch: number }[] = [];
    let expect = 0;
    for (const b of s.batches) {
      if (b > expect) gaps.push({ fromBatch: expect, toBatch: b - 1 });
      if (gaps.length >= MAX_GAPS) break;
      expect = b + 1;
    }
    const tip = s.tip;
    return sendJson(res, 200, {
      sid: s.sid,
      batches: s.count,
      missing: s.missing,
      bytes: s.bytes,
      tip: tip === null ? null : { batch: tip.batch, lastSeq: tip.lastSeq, final: tip.final, sealedAt: tip.sealedAt, hash: tip.hash },
      gaps,
    });
  }
  return notFound(res);
}
