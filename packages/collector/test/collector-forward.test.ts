/**
 * Forwarding (issue 6, item 5): every stored batch goes on to another sink through core's
 * encoders and HttpSender, in order per stream, retried in the background while the sink
 * fails, dead-lettered when it refuses a batch for good, resumed after a restart, and never
 * in the way of acknowledgement.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDeadLetters } from '@logseal/core';
import { readStream } from '../src/collector/data-dir.js';
import { postBatch, Producer, removeTempDirs, startCollector, stopCollectors, until } from './helpers/collector-harness.js';
import { type RecordingSink, startSink } from './helpers/sink.js';

const sinks: RecordingSink[] = [];
afterEach(async () => {
  await stopCollectors();
  await Promise.allSettled(sinks.splice(0).map((s) => s.stop()));
  removeTempDirs();
});

async function sink(answer?: Parameters<typeof startSink>[0]): Promise<RecordingSink> {
  const s = await startSink(answer);
  sinks.push(s);
  return s;
}

describe('collector forwarding', () => {
  it('forwards stored batches in order per stream (logseal format: the stored lines as they are)', async () => {
    const s = await sink();
    const r = await startCollector({ forward: { url: `${s.url}/ingest`, retry: { baseMs: 5, capMs: 20 } } });
    const a = new Producer({ sid: 'fwd-a' });
    const b = new Producer({ sid: 'fwd-b' });
    for (let i = 0; i < 6; i++) {
      expect((await postBatch(r, a.batch(3))).status).toBe(200);
      expect((await postBatch(r, b.batch(2, i === 5))).status).toBe(200);
    }
    await until(() => r.collector.stats().forward.ok === 12, 20_000, 'forwarding');
    expect(r.collector.stats().forward.pendingBatches).toBe(0);
    for (const sid of ['fwd-a', 'fwd-b']) {
      const sent = s.accepted().filter((q) => q.body.includes(`"sid":"${sid}"`));
      expect(sent.map((q) => JSON.parse(q.body.trim().split('\n').pop()!).batch)).toEqual([0, 1, 2, 3, 4, 5]);
      const stored: string[] = [];
      for await (const l of readStream(r.dataDir, sid)) stored.push(l);
      expect(sent.map((q) => q.body).join('')).toBe(`${stored.join('\n')}\n`);
    }
    expect(s.requests.every((q) => q.url === '/ingest' && q.method === 'POST')).toBe(true);
  });

  it('acknowledges while the sink is down, retries in the background, and resumes after a restart', async () => {
    let up = false;
    const s = await sink(() => (up ? 200 : 503));
    const opts = { forward: { url: s.url, format: 'ndjson', retry: { baseMs: 5, capMs: 20, deadlineMs: 60_000 } } };
    const r = await startCollector(opts);
    const p = new Producer({ sid: 'fwd-down' });
    for (let i = 0; i < 4; i++) expect((await postBatch(r, p.batch(2))).status).toBe(200);
    await until(() => r.collector.stats().forward.retries >= 2, 20_000, 'retries');
    expect(r.collector.stats()).toMatchObject({ batchesAccepted: 4, forward: { ok: 0, pendingBatches: 4 } });
    await r.collector.close();

    const again = await startCollector({ ...opts, dataDir: r.dataDir });
    expect(again.collector.stats().forward.pendingBatches).toBe(4);
    up = true;
    await until(() => again.collector.stats().forward.ok === 4, 20_000, 'forwarding after restart');
    const batches = s.accepted().map((q) => JSON.parse(q.body.trim().split('\n').pop()!).batch);
    expect(batches).toEqual([0, 1, 2, 3]);
    // Caught up: a third start forwards nothing again.
    await again.collector.close();
    const third = await startCollector({ ...opts, dataDir: r.dataDir });
    expect(third.collector.stats().forward.pendingBatches).toBe(0);
    expect((await postBatch(third, p.batch(1))).status).toBe(200);
    await until(() => third.collector.stats().forward.ok === 1, 20_000, 'the next batch');
    expect(s.accepted().map((q) => JSON.parse(q.body.trim().split('\n').pop()!).batch)).toEqual([0, 1, 2, 3, 4]);
  });

  it('dead-letters a batch the sink refuses for good and goes on with the stream', async () => {
    const s = await sink((q) => (q.body.includes('"batch":1,') ? 400 : 200));
    const r = await startCollector({ forward: { url: s.url, retry: { baseMs: 5, capMs: 20 } } });
    const p = new Producer({ sid: 'fwd-dl' });
    for (let i = 0; i < 3; i++) expect((await postBatch(r, p.batch(2))).status).toBe(200);
    await until(() => r.collector.stats().forward.ok === 2 && r.collector.stats().forward.deadLettered === 1, 20_000, 'dead letter');
    const file = join(r.dataDir, 'forward-dead-letter.ndjson');
    expect(existsSync(file)).toBe(true);
    const dead = await readDeadLetters(file);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ sid: 'fwd-dl', batch: 1, status: 400 });
    expect(readFileSync(file, 'utf8')).toContain('HTTP 400');
  });
});
