import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createPipeline, MemoryStateStore, StreamSealer } from '@logseal/core';
import { isDataDir, listStreams, readDataDirLocated, readStream, readStreamIndex } from '../src/collector/data-dir.js';
import { encodeSid, segmentName, streamDir } from '../src/collector/layout.js';
import { body, keyring, postBatch, Producer, producerKeys, removeTempDirs, send, startCollector, stopCollectors, tempDir, verifyStored } from './helpers/collector-harness.js';

afterEach(async () => {
  await stopCollectors();
  removeTempDirs();
});

describe('collector: ingest from the real shipper', () => {
  it('stores what createPipeline ships, canonical lines byte for byte, and verify() reports it clean', async () => {
    const r = await startCollector();
    const keys = producerKeys();
    const spool = tempDir();
    const pipes = [0, 1, 2].map((k) => createPipeline({
      url: r.address.batchesUrl, signingKey: keys.privateKey, macKey: keys.macKey, service: `svc-${k}`,
      batch: { maxRecords: 25 }, heartbeatMs: 0, spool: { dir: join(spool, String(k)) }, retry: { baseMs: 10, capMs: 50 },
    }));
    for (let i = 0; i < 300; i++) pipes[i % 3]!.write({ level: 30, msg: `hello ${i}`, password: 'hunter2' });
    const closed = await Promise.all(pipes.map((p) => p.close()));
    expect(closed.every((c) => c.delivered)).toBe(true);

    const stats = r.collector.stats();
    expect(stats.recordsAccepted).toBe(300);
    expect(stats.streams).toBe(3);
    expect(Object.values(stats.rejects).reduce((a, b) => a + b, 0)).toBe(0);
    await r.collector.close();

    const report = await verifyStored(r.dataDir, keyring());
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(report.records).toEqual({ total: 300, valid: 300 });
    expect(report.streams.every((s) => s.final)).toBe(true);
    // Redaction happened in the shipper; the collector stored what it got.
    const all = (await Promise.all(pipes.map(async (p) => { const out: string[] = []; for await (const l of readStream(r.dataDir, p.sid)) out.push(l); return out; }))).flat();
    expect(all).toHaveLength(300 + report.seals.total);
    expect(all.some((l) => l.includes('hunter2'))).toBe(false);
  });

  it('answers 200 with the leaf index, and a byte-identical replay with duplicate:true without storing it twice', async () => {
    const r = await startCollector();
    const p = new Producer();
    const b0 = p.batch(3);
    const first = await postBatch(r, b0);
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ ok: true, sid: p.sid, batch: 0, leaf: 0 });
    const seg = join(streamDir(r.dataDir, p.sid), segmentName(0));
    const size = statSync(seg).size;
    const again = await postBatch(r, b0);
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ ok: true, sid: p.sid, batch: 0, leaf: 0, duplicate: true });
    expect(statSync(seg).size).toBe(size);
    expect(r.collector.stats()).toMatchObject({ batchesAccepted: 1, batchesDuplicate: 1, tlogSize: 1 });
  });

  it('stores non-ASCII records byte for byte (multi-byte UTF-8, escapes) and refuses a re-escaped copy', async () => {
    const r = await startCollector();
    const p = new Producer({ sid: 'utf8' });
    const lines = [
      p.sealer.append({ msg: 'Zoë Müller 李雷 😀', quote: 'a "b" \\ c\n\t', ctl: '\u0001' }).json,
      p.sealer.append({ msg: 'Оксана Шевченко', n: -0.5e-7 }).json,
      p.sealer.seal().json,
    ];
    expect((await postBatch(r, body(lines))).status).toBe(200);
    const q = new Producer({ sid: 'utf8-2' });
    const l2 = [q.sealer.append({ msg: 'Zoë' }).json, q.sealer.seal().json];
    const a = await postBatch(r, body([l2[0]!.replace('ë', '\\u00eb'), l2[1]!])); // the same value, not the canonical text
    expect(a.status).toBe(400);
    expect(a.json.error.code).toBe('not_canonical');
    await r.collector.close();
    const stored: string[] = [];
    for await (const l of readStream(r.dataDir, 'utf8')) stored.push(l);
    expect(stored).toEqual(lines);
    expect((await verifyStored(r.dataDir)).ok).toBe(true);
  });

  it('accepts gzip bodies', async () => {
    const r = await startCollector();
    const p = new Producer();
    const a = await postBatch(r, gzipSync(p.batch(20)), { 'content-encoding': 'gzip' });
    expect(a.status).toBe(200);
    const keys = producerKeys();
    const pipe = createPipeline({ url: r.address.batchesUrl, signingKey: keys.privateKey, macKey: keys.macKey, batch: { maxRecords: 10 }, heartbeatMs: 0, http: { gzip: true } });
    for (let i = 0; i < 30; i++) pipe.write({ i });
    expect((await pipe.close()).delivered).toBe(true);
    expect(r.collector.stats()).toMatchObject({ recordsAccepted: 50, batchesAccepted: 5 });
  });

  it('accepts a batch after a gap, answers the range to resend, and takes the resent batches in', async () => {
    const r = await startCollector();
    const p = new Producer();
    const bodies = [p.batch(5), p.batch(5), p.batch(0), p.batch(5)];
    expect((await postBatch(r, bodies[0]!)).status).toBe(200);
    const gapped = await postBatch(r, bodies[3]!);
    expect(gapped.status).toBe(200);
    expect(gapped.json).toMatchObject({ ok: true, batch: 3, gap: { fromBatch: 1, toBatch: 2, fromSeq: 5, toSeq: 9 } });
    expect(r.collector.stats()).toMatchObject({ gaps: 1, gapBatches: 2 });
    expect(r.collector.metrics()).toMatch(/^logseal_collector_gap_batches 2$/m);
    const detail = await send(`${r.address.url}/v1/streams/${encodeURIComponent(p.sid)}`);
    expect(detail.json).toMatchObject({ sid: p.sid, batches: 2, missing: 2, gaps: [{ fromBatch: 1, toBatch: 2 }] });

    // The resend (from the shipper's spool or dead-letter file), in order.
    const f1 = await postBatch(r, bodies[1]!);
    expect(f1.json).toMatchObject({ ok: true, batch: 1, filled: true });
    expect(f1.json.gap).toBeUndefined();
    const f2 = await postBatch(r, bodies[2]!);
    expect(f2.json).toMatchObject({ ok: true, batch: 2, filled: true });
    expect(r.collector.stats()).toMatchObject({ gapsFilled: 2, gapBatches: 0 });
    const events = readFileSync(join(streamDir(r.dataDir, p.sid), 'gaps.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).event);
    expect(events).toEqual(['gap', 'filled', 'filled']);
    await r.collector.close();

    // Segments hold arrival order (0, 3, 1, 2); readStream gives batch order, which verifies clean.
    expect((await readStreamIndex(r.dataDir, p.sid)).map((e) => e.batch)).toEqual([0, 3, 1, 2]);
    const report = await verifyStored(r.dataDir);
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(report.seals).toEqual({ total: 4, valid: 4 });
  });

  it('takes resent batches in any order, each checked against both stored neighbours', async () => {
    const r = await startCollector();
    const p = new Producer({ sid: 'reverse' });
    const bodies = [p.batch(2), p.batch(2), p.batch(2), p.batch(2), p.batch(2, true)];
    expect((await postBatch(r, bodies[0]!)).status).toBe(200);
    expect((await postBatch(r, bodies[4]!)).json.gap).toEqual({ fromBatch: 1, toBatch: 3, fromSeq: 2, toSeq: 7 });
    for (const b of [3, 1, 2]) {
      const a = await postBatch(r, bodies[b]!);
      expect(a.json).toMatchObject({ ok: true, batch: b, filled: true });
      expect(a.json.gap).toBeUndefined();
    }
    // A batch of another history cannot fill a gap: it does not link to the stored batch above it.
    const other = new Producer({ sid: 'reverse-2' });
    const o0 = other.batch(1);
    const fork = new Producer({ state: other.state() });
    const o1 = other.batch(1);
    const o2 = other.batch(1);
    expect((await postBatch(r, o0)).status).toBe(200);
    expect((await postBatch(r, o2)).status).toBe(200);
    const forged = await postBatch(r, fork.batch(3)); // authentic, links to batch 0, but batch 2 names another batch 1
    expect(forged.status).toBe(409);
    expect(forged.json.error.code).toBe('chain_conflict');
    expect(r.collector.stats()).toMatchObject({ gaps: 2, gapsFilled: 3, gapBatches: 1, chainConflicts: 1 });
    expect((await postBatch(r, o1)).json).toMatchObject({ ok: true, batch: 1, filled: true });
    await r.collector.close();
    const report = await verifyStored(r.dataDir);
    expect(report.streams.find((s) => s.sid === 'reverse')).toMatchObject({ records: 10, validRecords: 10, final: true });
  });

  it('accepts a stream first seen after batch 0 and reports the missing head as a gap', async () => {
    const r = await startCollector();
    const p = new Producer();
    p.batch(4);
    p.batch(4);
    const a = await postBatch(r, p.batch(4));
    expect(a.json).toMatchObject({ ok: true, batch: 2, gap: { fromBatch: 0, toBatch: 1, fromSeq: 0, toSeq: 7 }, warnings: ['STREAM_HEAD_MISSING'] });
  });

  it('links a follow-on stream to the final seal of the stream it follows', async () => {
    const r = await startCollector();
    const keys = producerKeys();
    const store = new MemoryStateStore();
    const a = new StreamSealer({ signingKey: keys.privateKey, macKey: keys.macKey, stateStore: store });
    const lines = [a.append({ n: 1 }).json, a.seal({ final: true }).json];
    expect((await postBatch(r, body(lines))).status).toBe(200);
    const b = new StreamSealer({ signingKey: keys.privateKey, stateStore: store }); // restarted process: follows a
    const next = [b.append({ n: 2 }).json, b.seal().json];
    const ok = await postBatch(r, body(next));
    expect(ok.status).toBe(200);
    expect(ok.json.warnings).toBeUndefined();
    // A follow-on stream naming a final seal this collector holds differently is a conflict.
    const c = new StreamSealer({ signingKey: keys.privateKey, macKey: keys.macKey, state: { ...store.load()!, sid: a.sid, final: true, nextSeq: 99 } });
    const forged = [c.append({ n: 3 }).json, c.seal().json];
    const bad = await postBatch(r, body(forged));
    expect(bad.status).toBe(409);
    expect(bad.json.error.code).toBe('chain_conflict');
  });

  it('lists streams and reads them back (the API `logseal verify DIR` uses)', async () => {
    const r = await startCollector();
    const odd = new Producer({ sid: '..' }); // a sid that must never become a path component
    const colon = new Producer({ sid: 'host:app.1' });
    for (const p of [odd, colon]) {
      expect((await postBatch(r, p.batch(2))).status).toBe(200);
      expect((await postBatch(r, p.batch(1, true))).status).toBe(200);
    }
    await r.collector.close();
    expect(readdirSync(join(r.dataDir, 'streams')).sort()).toEqual([encodeSid('..'), encodeSid('host:app.1')].sort());
    expect(encodeSid('..')).toBe('%2E%2E');
    const list = await listStreams(r.dataDir);
    expect(list.map((s) => [s.sid, s.batches, s.records, s.missing, s.tip?.final])).toEqual([
      ['..', 2, 3, 0, true],
      ['host:app.1', 2, 3, 0, true],
    ].sort((x, y) => encodeSid(x[0] as string).localeCompare(encodeSid(y[0] as string))));
    expect(statSync(join(r.dataDir, 'streams', encodeSid('..'))).isDirectory()).toBe(true);
    const report = await verifyStored(r.dataDir);
    expect(report.ok).toBe(true);
    expect(report.streams.map((s) => s.sid).sort()).toEqual(['..', 'host:app.1']);
    // Located lines: each one is at its offset in its segment file, so a verifier can name where a finding is.
    let n = 0;
    for await (const l of readDataDirLocated(r.dataDir)) {
      expect(readFileSync(l.file).subarray(l.offset, l.offset + Buffer.byteLength(l.line) + 1).toString()).toBe(`${l.line}\n`);
      n++;
    }
    expect(n).toBe(report.records.total + report.seals.total);
    expect(await isDataDir(r.dataDir)).toBe(true);
    expect(await isDataDir(join(r.dataDir, 'streams'))).toBe(false);
  });

  it('rotates segments by size and makes closed ones read-only (0444)', async () => {
    const r = await startCollector({ segmentBytes: 4096 });
    const p = new Producer();
    for (let b = 0; b < 12; b++) expect((await postBatch(r, p.batch(5))).status).toBe(200);
    await r.collector.close();
    const dir = streamDir(r.dataDir, p.sid);
    const segs = readdirSync(dir).filter((f) => f.startsWith('seg-')).sort();
    expect(segs.length).toBeGreaterThan(2);
    for (const s of segs.slice(0, -1)) {
      expect(statSync(join(dir, s)).mode & 0o777).toBe(0o444);
      expect(statSync(join(dir, s)).size).toBeLessThanOrEqual(4096);
    }
    expect(statSync(join(dir, segs[segs.length - 1]!)).mode & 0o222).not.toBe(0);
    expect((await verifyStored(r.dataDir)).ok).toBe(true);
    // A restarted collector keeps appending to the active segment and the stream still verifies.
    const again = await startCollector({ dataDir: r.dataDir, segmentBytes: 4096 });
    expect((await postBatch(again, p.batch(5, true))).status).toBe(200);
    await again.collector.close();
    expect((await verifyStored(r.dataDir)).ok).toBe(true);
  });
});
