/**
 * Restart recovery (issue 6, item 2): a restarted collector recovers each stream's tip from
 * its files, cuts what a crash left half-written, and REPORTS every cut (log line +
 * metric). Crashes are simulated by writing to the files exactly what an interrupted
 * commit leaves behind; collector-crash.test.ts kills a real process.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, chmodSync, readFileSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INDEX_FILE, LOCK_FILE, LOG_FILE, segmentName, streamDir, TLOG_DIR } from '../src/collector/layout.js';
import { body, postBatch, Producer, removeTempDirs, type Running, send, startCollector, stopCollectors, verifyStored } from './helpers/collector-harness.js';

afterEach(async () => {
  await stopCollectors();
  removeTempDirs();
});

async function stored(batches: number, records = 3): Promise<{ r: Running; p: Producer; seg: string }> {
  const r = await startCollector();
  const p = new Producer({ sid: 'app-1' });
  for (let b = 0; b < batches; b++) expect((await postBatch(r, p.batch(records))).status).toBe(200);
  await r.collector.checkpoint();
  await r.collector.close();
  return { r, p, seg: join(streamDir(r.dataDir, 'app-1'), segmentName(0)) };
}

describe('collector restart recovery', () => {
  it('cuts a half-written last line, reports it (log line and metric), and keeps every acknowledged batch', async () => {
    const { r, p, seg } = await stored(3);
    const committed = statSync(seg).size;
    const next = p.lines(2);
    appendFileSync(seg, `${next[0]}\n${next[1]!.slice(0, 40)}`); // the crash hit mid-write: no final LF
    const again = await startCollector({ dataDir: r.dataDir });
    expect(statSync(seg).size).toBe(committed);
    const report = again.logs.events('torn_tail_truncated');
    expect(report).toHaveLength(1);
    expect(report[0]).toMatchObject({ level: 'warn', file: 'segment', sid: 'app-1', bytes: Buffer.byteLength(next[0]!) + 1 + 40, partialLine: true, completeLines: 1 });
    expect(again.collector.stats().tornTailTruncations).toBe(1);
    expect(again.collector.metrics()).toMatch(/^logseal_collector_torn_tail_truncations_total\{file="segment"\} 1$/m);
    // The tip survived: the shipper's resend of the cut batch continues the stream.
    const resend = await postBatch(again, body(next));
    expect(resend.json).toMatchObject({ ok: true, batch: 3 });
    expect(resend.json.duplicate).toBeUndefined();
    await again.collector.close();
    const v = await verifyStored(r.dataDir);
    expect(v.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(v.seals.total).toBe(4);
  });

  it('cuts whole batches whose commit record never became durable (fsynced segment, no log line)', async () => {
    const { r, p, seg } = await stored(2);
    const committed = statSync(seg).size;
    const unlogged = p.batch(4);
    appendFileSync(seg, unlogged); // complete lines, but never acknowledged
    const again = await startCollector({ dataDir: r.dataDir });
    expect(statSync(seg).size).toBe(committed);
    expect(again.logs.events('torn_tail_truncated')[0]).toMatchObject({ file: 'segment', partialLine: false, completeLines: 5 });
    expect((await postBatch(again, unlogged)).json).toMatchObject({ ok: true, batch: 2 });
  });

  it('cuts a torn commit-log line and rebuilds an index that lost its tail', async () => {
    const { r, p } = await stored(3);
    const log = join(r.dataDir, TLOG_DIR, LOG_FILE);
    appendFileSync(log, '{"batch":3,"cou');
    const index = join(streamDir(r.dataDir, 'app-1'), INDEX_FILE);
    const lines = readFileSync(index, 'utf8');
    writeFileSync(index, lines.slice(0, lines.indexOf('\n') + 1)); // power cut: the index kept one line of three
    const again = await startCollector({ dataDir: r.dataDir });
    const cuts = again.logs.events('torn_tail_truncated').map((e) => e.file).sort();
    expect(cuts).toEqual(['index', 'journal']);
    expect(readFileSync(index, 'utf8')).toBe(lines);
    expect(readFileSync(log, 'utf8').endsWith('}\n')).toBe(true);
    // Lookups through the rebuilt index: batch 1 replayed is a duplicate, batch 3 goes in.
    const p2 = new Producer({ sid: 'app-1' });
    p2.batch(3);
    expect((await postBatch(again, p2.batch(3))).json).toMatchObject({ ok: true, batch: 1, duplicate: true });
    expect((await postBatch(again, p.batch(3))).json).toMatchObject({ ok: true, batch: 3, leaf: 3 });
  });

  it('refuses to start when acknowledged bytes are missing or the log contradicts a published checkpoint', async () => {
    const { r, seg } = await stored(3);
    const size = statSync(seg).size;
    chmodSync(seg, 0o644);
    truncateSync(seg, size - 10);
    await expect(startCollector({ dataDir: r.dataDir })).rejects.toMatchObject({ code: 'LOGSEAL_ERR_COLLECTOR_STORAGE', message: expect.stringContaining('acknowledged') });

    const other = await stored(3);
    const log = join(other.r.dataDir, TLOG_DIR, LOG_FILE);
    const text = readFileSync(log, 'utf8').split('\n');
    const e = JSON.parse(text[1]!);
    e.leaf = 'f'.repeat(64); // history rewritten under a published checkpoint
    text[1] = JSON.stringify(e);
    writeFileSync(log, text.join('\n'));
    await expect(startCollector({ dataDir: other.r.dataDir })).rejects.toMatchObject({ code: 'LOGSEAL_ERR_COLLECTOR_STORAGE', message: expect.stringContaining('checkpoint') });
  });

  it('after a failed write answers 503 storage_failed to everything until restarted, and keeps nothing half-done', async () => {
    const r = await startCollector();
    const ok = new Producer({ sid: 'fine' });
    expect((await postBatch(r, ok.batch(2))).status).toBe(200);
    writeFileSync(join(r.dataDir, 'streams', 'blocked'), 'a file where the stream directory must go');
    const p = new Producer({ sid: 'blocked' });
    const b0 = p.batch(2);
    const failed = await postBatch(r, b0);
    expect(failed.status).toBe(503);
    expect(failed.json.error).toEqual({ code: 'storage_failed', message: 'storage failed; the collector must be restarted' });
    expect(failed.headers['retry-after']).toBe('5');
    const next = ok.batch(2);
    expect((await postBatch(r, next)).json.error.code).toBe('storage_failed');
    expect((await send(`${r.address.url}/healthz`)).status).toBe(503);
    expect(r.collector.stats().storageFailed).toBe(true);
    expect(r.logs.events('storage_failed')).toHaveLength(1);
    await r.collector.close();
    unlinkSync(join(r.dataDir, 'streams', 'blocked'));
    const again = await startCollector({ dataDir: r.dataDir });
    expect((await postBatch(again, b0)).json).toMatchObject({ ok: true, batch: 0 });
    expect((await postBatch(again, next)).json).toMatchObject({ ok: true, batch: 1 });
    await again.collector.close();
    expect((await verifyStored(r.dataDir)).findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('holds its data directory against a second collector, and takes over the lock of a dead one', async () => {
    const r = await startCollector();
    await expect(startCollector({ dataDir: r.dataDir })).rejects.toMatchObject({ code: 'LOGSEAL_ERR_COLLECTOR_LOCKED' });
    await r.collector.close();
    writeFileSync(join(r.dataDir, LOCK_FILE), '999999999\n'); // a pid that does not exist: a SIGKILLed collector's lock
    const again = await startCollector({ dataDir: r.dataDir });
    await again.collector.close();
    expect(() => statSync(join(r.dataDir, LOCK_FILE))).toThrow();
  });
});
