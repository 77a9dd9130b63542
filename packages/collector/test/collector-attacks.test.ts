/**
 * The collector under attack (issue 6, "Tests"): every hostile request is refused with its
 * status and code, NOTHING of it is stored (no stream directory, no log leaf, no segment
 * byte), and a good stream shipping through the real pipeline at the same time keeps
 * working and verifies clean at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { canonicalize, createPipeline, generateKeys, type Pipeline } from '@logseal/core';
import { EVIDENCE_FILE } from '../src/collector/layout.js';
import { body, keyring, logBody, postBatch, Producer, producerKeys, removeTempDirs, type Running, send, startCollector, stopCollectors, tempDir, verifyStored } from './helpers/collector-harness.js';

let r: Running;
let good: Pipeline;
let goodWritten = 0;
let pump: NodeJS.Timeout;

beforeAll(async () => {
  r = await startCollector({ limits: { maxBodyBytes: 64 * 1024, headersTimeoutMs: 400, requestTimeoutMs: 800 } });
  const keys = producerKeys();
  good = createPipeline({
    url: r.address.batchesUrl, signingKey: keys.privateKey, macKey: keys.macKey, sid: 'good-stream',
    batch: { maxRecords: 7, maxAgeMs: 20 }, heartbeatMs: 0, spool: { dir: tempDir() }, retry: { baseMs: 10, capMs: 50 },
  });
  // The good stream ships all along, interleaved with every attack below.
  pump = setInterval(() => {
    for (let i = 0; i < 3; i++) good.write(logBody(goodWritten++));
  }, 5);
});

afterAll(async () => {
  clearInterval(pump);
  await stopCollectors();
  removeTempDirs();
});

/** Snapshot of what is stored, to prove a refusal stored nothing. */
function stored(): { leaves: number; streams: string[] } {
  return { leaves: r.collector.stats().tlogSize, streams: readdirSync(join(r.dataDir, 'streams')).sort() };
}

async function refused(payload: string | Buffer, status: number, code: string, headers: Record<string, string> = {}): Promise<any> {
  const sidDirs = stored().streams.filter((s) => s !== 'good-stream');
  const before = r.collector.stats().rejects[code] ?? 0;
  const a = await postBatch(r, payload, headers);
  expect(a.status, a.text).toBe(status);
  expect(a.json.ok).toBe(false);
  expect(a.json.error.code).toBe(code);
  expect(r.collector.stats().rejects[code]).toBe(before + 1);
  expect(stored().streams.filter((s) => s !== 'good-stream')).toEqual(sidDirs);
  return a.json;
}

function reseal(lines: string[], edit: (seal: Record<string, unknown>) => void): string {
  const seal = JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
  edit(seal);
  return body([...lines.slice(0, -1), canonicalize(seal)]);
}

describe('collector under attack', () => {
  it('refuses forged, unsigned and unknown-key batches with 403 and stores none of them', async () => {
    const p = new Producer({ sid: 'victim' });
    const lines = p.lines(4);
    // A seal whose signed content was changed after signing.
    const forged = await refused(reseal(lines, (s) => { s.sealedAt = (s.sealedAt as number) + 1; }), 403, 'seal_not_authentic');
    expect(forged.error.findings.map((f: { code: string }) => f.code)).toEqual(['SEAL_BAD_SIGNATURE']);
    // The same edit with the signature removed: refused, the key id requires a signature.
    const macOnly = await refused(reseal(lines, (s) => { s.sealedAt = (s.sealedAt as number) + 1; delete s.sig; }), 403, 'seal_not_authentic');
    expect(macOnly.error.findings.map((f: { code: string }) => f.code)).toContain('SEAL_UNAUTHENTICATED');
    // Unsigned: neither signature nor MAC.
    const unsigned = await refused(reseal(lines, (s) => { delete s.sig; delete s.mac; }), 403, 'seal_not_authentic');
    expect(unsigned.error.findings[0].code).toBe('SEAL_UNAUTHENTICATED');
    // Signed but without the forward-secure MAC the key id requires (a compromised host signing with its long-term key only).
    const noMac = new Producer({ sid: 'victim-2', mac: false });
    const stripped = await refused(noMac.batch(2), 403, 'seal_not_authentic');
    expect(stripped.error.findings.map((f: { code: string }) => f.code)).toEqual(['SEAL_UNAUTHENTICATED']);
    // A valid MAC with a forged signature.
    const forgedSig = await refused(reseal(lines, (s) => { s.sig = Buffer.alloc(64, 1).toString('base64url'); }), 403, 'seal_not_authentic');
    expect(forgedSig.error.findings.map((f: { code: string }) => f.code)).toEqual(['SEAL_BAD_SIGNATURE']);
    // Sealed by a key the collector does not know.
    const stranger = new Producer({ keys: generateKeys(), sid: 'stranger' });
    const unknown = await refused(stranger.batch(3), 403, 'seal_not_authentic');
    expect(unknown.error.findings[0].code).toBe('SEAL_UNKNOWN_KEY');
    // Sealed by another key but claiming the known key id.
    const impostor = new Producer({ keys: { ...generateKeys(), kid: producerKeys().kid }, sid: 'impostor' });
    const claimed = reseal(impostor.lines(2), (s) => { s.kid = producerKeys().kid; });
    await refused(claimed, 403, 'seal_not_authentic');
    // A MAC-only key id: a forged seal fails its MAC.
    const macKeys = generateKeys();
    const macCollector = await startCollector({ keys: [{ macKey: macKeys.macKey }] });
    const m = new Producer({ keys: macKeys, sign: false, sid: 'mac-only' });
    const mLines = m.lines(2);
    const badMac = await postBatch(macCollector, reseal(mLines, (s) => { s.sealedAt = (s.sealedAt as number) + 1; }));
    expect(badMac.status).toBe(403);
    expect(badMac.json.error.findings.map((f: { code: string }) => f.code)).toEqual(['SEAL_BAD_MAC']);
    expect((await postBatch(macCollector, body(mLines))).status).toBe(200);
    // The genuine batch still goes in afterwards: nothing of the attempts stuck to the stream.
    expect((await postBatch(r, body(lines))).status).toBe(200);
  });

  it('refuses records that do not match their (authentic) seal with 422', async () => {
    const p = new Producer({ sid: 'tampered' });
    const lines = p.lines(5);
    const edited = lines.map((l, i) => (i === 2 ? l.replace('request 2 done', 'request 2 DONE') : l));
    const a = await refused(body(edited), 422, 'batch_invalid');
    expect(a.error.findings[0].code).toBe('RECORD_MODIFIED');
    // Reordered records.
    const swapped = [lines[1]!, lines[0]!, ...lines.slice(2)];
    const b = await refused(body(swapped), 422, 'batch_invalid');
    expect(b.error.findings.map((f: { code: string }) => f.code)).toContain('RECORD_REORDERED');
    // A record deleted.
    const c = await refused(body([...lines.slice(0, 3), ...lines.slice(4)]), 422, 'batch_invalid');
    expect(c.error.findings.map((f: { code: string }) => f.code)).toContain('RECORD_DELETED');
  });

  it('refuses malformed bodies with 400 and a stable code', async () => {
    const p = new Producer({ sid: 'shapes' });
    const lines = p.lines(2);
    await refused('', 400, 'body_empty');
    await refused('\n', 400, 'body_empty');
    await refused('not json at all\n', 400, 'body_not_ndjson');
    await refused(Buffer.from([0xff, 0xfe, 0x7b, 0x7d, 0x0a]), 400, 'body_not_ndjson'); // not UTF-8
    await refused(`${lines[0]}\n\n${lines[1]}\n`, 400, 'body_not_ndjson'); // empty line
    await refused('[1,2]\n', 400, 'batch_shape');
    await refused(body(lines.slice(0, 1)), 400, 'batch_shape'); // no seal
    await refused(body([lines[2]!, lines[0]!, lines[1]!]), 400, 'batch_shape'); // seal first
    const q = new Producer({ sid: 'two-batches' });
    await refused(body([...q.lines(1), ...q.lines(1)]), 400, 'batch_shape'); // two batches in one request
    await refused(reseal(lines, (s) => { s.sid = '../../etc'; }), 400, 'batch_shape');
    // Not canonical: whitespace, key order, CRLF, duplicate keys.
    await refused(body([lines[0]!.replace('{"body":', '{ "body":'), ...lines.slice(1)]), 400, 'not_canonical');
    await refused(body([...lines.slice(0, 2), lines[2]!.replace('{"batch":', '{"batch" :')]), 400, 'not_canonical');
    const obj = JSON.parse(lines[0]!) as Record<string, unknown>;
    await refused(body([JSON.stringify({ v: obj.v, ...obj }), ...lines.slice(1)]), 400, 'not_canonical'); // members out of order
    await refused(body([lines[0]!.replace('{"body":{', '{"body":{"msg":"forged",'), ...lines.slice(1)]), 400, 'not_canonical'); // a duplicate key: JSON.parse keeps the last
    await refused(`${lines.join('\r\n')}\r\n`, 400, 'not_canonical');
    await refused(body(lines), 415, 'unsupported_encoding', { 'content-encoding': 'br' });
    await refused(Buffer.from('not gzip'), 400, 'body_not_ndjson', { 'content-encoding': 'gzip' });
  });

  it('refuses prototype-poisoning keys with 400, even in a correctly sealed batch', async () => {
    const p = new Producer({ sid: 'poison' });
    // JSON.parse makes "__proto__" an own key, which the sealer hashes like any other: the batch is authentic.
    const rec = p.sealer.append(JSON.parse('{"msg":"x","__proto__":{"isAdmin":true}}'));
    expect(rec.json).toContain('"__proto__":{"isAdmin":true}');
    const a = await refused(body([rec.json, p.sealer.seal().json]), 400, 'prototype_poisoning');
    expect(a.error.message).toContain('__proto__');
    const q = new Producer({ sid: 'poison-2' });
    const rec2 = q.sealer.append(JSON.parse('{"nested":[{"constructor":{"prototype":{"polluted":1}}}]}'));
    await refused(body([rec2.json, q.sealer.seal().json]), 400, 'prototype_poisoning');
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    // A string that merely mentions __proto__ is fine.
    const fine = new Producer({ sid: 'mentions-proto' });
    const rec3 = fine.sealer.append({ msg: 'the "__proto__" key and constructor.prototype are refused' });
    expect((await postBatch(r, body([rec3.json, fine.sealer.seal().json]))).status).toBe(200);
  });

  it('refuses oversized bodies with 413, declared, streamed or gzip-inflated', async () => {
    const p = new Producer({ sid: 'big' });
    const huge = p.batch(400); // about 60 KiB per 400 records: over 64 KiB with the seal
    expect(Buffer.byteLength(huge)).toBeGreaterThan(64 * 1024);
    await refused(huge, 413, 'body_too_large');
    // A gzip bomb: 80 KiB on the wire, 16 MiB inflated.
    const bomb = gzipSync(Buffer.alloc(16 * 2 ** 20, 0x20));
    expect(bomb.length).toBeLessThan(64 * 1024);
    await refused(bomb, 413, 'body_too_large', { 'content-encoding': 'gzip' });
    // Chunked, no Content-Length: cut while streaming.
    const a = await chunked(huge);
    expect(a).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('answers a replay with duplicate:true and an equivocating seal with 409, kept as evidence', async () => {
    const p = new Producer({ sid: 'equivocator' });
    expect((await postBatch(r, p.batch(2))).status).toBe(200);
    const fork = p.state();
    const mine = p.batch(3);
    const other = new Producer({ state: fork });
    const theirs = other.batch(3); // same batch number, same keys, other records
    expect((await postBatch(r, mine)).status).toBe(200);
    const replay = await postBatch(r, mine);
    expect(replay.json).toMatchObject({ ok: true, batch: 1, duplicate: true });
    const a = await refused(theirs, 409, 'equivocation');
    expect(a.error.message).toContain('batch 1');
    expect(r.collector.stats().equivocations).toBe(1);
    expect((await send(`${r.address.url}/v1/streams/equivocator`)).json).toMatchObject({ batches: 2, tip: { batch: 1 } });
    const evidence = readFileSync(join(r.dataDir, EVIDENCE_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const e = evidence.find((x) => x.kind === 'equivocation');
    expect(e).toMatchObject({ sid: 'equivocator', batch: 1, stored: { batch: 1 } });
    expect(JSON.parse(e.received).batch).toBe(1);
    expect(e.received).not.toBe(e.stored.seal);
    expect(r.logs.events('equivocation')).toHaveLength(1);
    // A FORGED second seal is not evidence of anything: 403.
    await refused(reseal(theirs.trim().split('\n'), (s) => { s.root = '0'.repeat(64); }), 403, 'seal_not_authentic');
    expect(r.collector.stats().equivocations).toBe(1);
    // The producer's fork continuing from its own batch 1 does not link to what is stored: 409 (a fork).
    const c = await refused(other.batch(1), 409, 'chain_conflict');
    expect(c.error.findings.map((f: { code: string }) => f.code)).toContain('SEAL_CHAIN_BROKEN');
  });

  it('refuses batches after a final seal with 409', async () => {
    const p = new Producer({ sid: 'closed' });
    expect((await postBatch(r, p.batch(1, true))).status).toBe(200);
    const q = new Producer({ state: { ...p.state(), final: false } });
    await refused(q.batch(1), 409, 'stream_final');
  });

  it('cuts slow-loris connections (headers and body) with 408 and keeps serving', async () => {
    const dripHeaders = drip(['POST /v1/batches HTTP/1.1\r\n', 'Host: x\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n', 'X-C: 3\r\n', 'X-D: 4\r\n', 'X-E: 5\r\n', 'X-F: 6\r\n', 'X-G: 7\r\n', 'X-H: 8\r\n', 'X-I: 9\r\n', 'X-J: 10\r\n', 'X-K: 11\r\n', 'X-L: 12\r\n'], 150);
    const p = new Producer({ sid: 'loris' });
    const b = p.batch(3);
    const dripBody = drip([`POST /v1/batches HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(b)}\r\n\r\n`, ...chunksOf(b, 40)], 150);
    // Meanwhile an honest client is served.
    const q = new Producer({ sid: 'honest' });
    expect((await postBatch(r, q.batch(2))).status).toBe(200);
    const [h, bd] = await Promise.all([dripHeaders, dripBody]);
    expect(h.closedEarly).toBe(true);
    expect(h.response).toMatch(/^HTTP\/1\.1 408 /);
    expect(bd.closedEarly).toBe(true);
    expect(bd.response).toMatch(/^HTTP\/1\.1 408 /);
    expect(existsSync(join(r.dataDir, 'streams', 'loris'))).toBe(false);
    expect((await postBatch(r, q.batch(2))).status).toBe(200);
  });

  it('rate-limits per key id with 429 and Retry-After', async () => {
    const keys = generateKeys();
    const limited = await startCollector({ keys: keyring(keys), limits: { keyRequestsPerSecond: 1, keyBurst: 2 }, clock: () => 1_000_000 });
    const p = new Producer({ keys, sid: 'fast' });
    expect((await postBatch(limited, p.batch(1))).status).toBe(200);
    expect((await postBatch(limited, p.batch(1))).status).toBe(200);
    const a = await postBatch(limited, p.batch(1));
    expect(a.status).toBe(429);
    expect(a.json.error.code).toBe('rate_limited');
    expect(Number(a.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('the good stream shipped throughout and verifies clean; only accepted batches are stored', async () => {
    clearInterval(pump);
    const closed = await good.close();
    expect(closed.delivered).toBe(true);
    expect(good.stats().deadLetteredBatches).toBe(0);
    const stats = r.collector.stats();
    await r.collector.close();
    const report = await verifyStored(r.dataDir);
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([]);
    const goodStream = report.streams.find((s) => s.sid === 'good-stream')!;
    expect(goodStream.records).toBe(goodWritten);
    expect(goodStream.final).toBe(true);
    // Streams stored: the good one and those whose genuine batches were accepted above; no attacker's.
    expect(report.streams.map((s) => s.sid).sort()).toEqual(['closed', 'equivocator', 'good-stream', 'honest', 'mentions-proto', 'victim']);
    expect(stats.tlogSize).toBe(report.seals.total);
  });
});

function chunksOf(s: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += n) out.push(s.slice(i, i + n));
  return out;
}

/** Writes `parts` one by one with a pause; resolves when the server closes the connection (or all was sent and answered). */
function drip(parts: string[], pauseMs: number): Promise<{ closedEarly: boolean; response: string }> {
  return new Promise((resolve) => {
    const socket: Socket = connect(r.address.port, '127.0.0.1');
    let response = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (d) => { response += d.toString('utf8'); });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ closedEarly: sent < parts.length, response });
    });
    const next = (): void => {
      if (socket.destroyed) return;
      if (sent === parts.length) return;
      socket.write(parts[sent++]!);
      timer = setTimeout(next, pauseMs);
    };
    socket.on('connect', next);
  });
}

/** POST with Transfer-Encoding: chunked (no Content-Length), raw. */
function chunked(payload: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(r.address.port, '127.0.0.1');
    let response = '';
    socket.on('data', (d) => { response += d.toString('utf8'); });
    socket.on('error', () => resolve(response));
    socket.on('close', () => resolve(response));
    socket.on('connect', () => {
      socket.write('POST /v1/batches HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n');
      for (const c of chunksOf(payload, 8192)) socket.write(`${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`);
      socket.write('0\r\n\r\n');
    });
  });
}
