import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPipeline, type Pipeline } from '../src/pipeline.js';
import { verify } from '../src/integrity/verifier.js';
import { readDeadLetters } from '../src/delivery/dead-letter.js';
import { startTestSink, type TestSink } from './helpers/test-sink.js';
import { testKeys } from './helpers/sealed-stream.js';
import { base62, crc32 } from '../src/redact/validators.js';
import { createRedactor } from '../src/redact/redactor.js';
import { prepareRecord } from '../src/record-prep.js';

// The pipeline end to end against a real HTTP server on 127.0.0.1 (issue 4 tests).

const keys = testKeys();
const keyring = [{ publicKey: keys.publicKey, macKey: keys.macKey }];
const tmp = () => mkdtempSync(join(tmpdir(), 'logseal-pipe-'));
const sinks: TestSink[] = [];
const pipes: Pipeline[] = [];
afterEach(async () => {
  await Promise.allSettled(pipes.splice(0).map((p) => p.close()));
  await Promise.allSettled(sinks.splice(0).map((s) => s.stop()));
});

async function sink(opts?: Parameters<typeof startTestSink>[0]): Promise<TestSink> {
  const s = await startTestSink(opts);
  sinks.push(s);
  return s;
}

function pipe(url: string, extra: Record<string, unknown> = {}): Pipeline {
  const p = createPipeline({
    url,
    signingKey: keys.privateKey,
    macKey: keys.macKey,
    service: 'test',
    deadLetterPath: join(tmp(), 'dead.ndjson'),
    retry: { baseMs: 5, capMs: 40, deadlineMs: 400 },
    heartbeatMs: 0,
    ...extra,
  } as never);
  pipes.push(p);
  return p;
}

/** Every line of every 2xx request body, parsed. */
function received(s: TestSink): Record<string, unknown>[] {
  return s.accepted().flatMap((r) => r.body.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l)));
}

// A GitHub token in the real format: 30 random base62 chars and their CRC32 in base62 (fake, valid checksum).
const BODY = 'R8kVq2LmX9tW4pZy7NcB3dF6hJ1sA0';
const SECRET = 'ghp_' + BODY + base62(crc32(BODY), 6);

describe('pipeline', () => {
  it('prepared mode: prepareRecord() elsewhere + writePrepared() ships exactly what write() ships; write() is refused', async () => {
    const a = await sink();
    const b = await sink();
    const sid = 'prep-1';
    const direct = pipe(a.url, { sid });
    const prepared = createPipeline({ url: b.url, signingKey: keys.privateKey, macKey: keys.macKey, service: 'test', heartbeatMs: 0, sid, deadLetterPath: join(tmp(), 'dead.ndjson') }, { prepared: true });
    pipes.push(prepared);
    const redactor = createRedactor({ preset: 'secrets' });
    for (let i = 0; i < 250; i++) {
      const rec = { level: 30, time: 1_700_000_000_000 + i, msg: i % 5 === 0 ? `token=${SECRET}` : `request ${i}`, user: { password: 'hunter2hunter2', name: 'Zoë' }, err: new Error('boom') };
      direct.write(rec);
      prepared.writePrepared(prepareRecord(redactor, rec, i + 1, Date.now));
    }
    await Promise.all([direct.flush(), prepared.flush()]);
    const records = (s: TestSink) => received(s).filter((x) => x.type !== 'seal');
    expect(records(b)).toEqual(records(a));
    expect(JSON.stringify(received(b))).not.toContain(SECRET);
    expect(prepared.stats()).toMatchObject({ recordsIn: 250, recordsRedacted: direct.stats().recordsRedacted, redactions: direct.stats().redactions });
    expect(() => prepared.write({ msg: 'x' })).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_INVALID_OPTION' }));
    const report = await verify(received(b), { keys: keyring });
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('prepared mode still validates the redaction policy at construction', () => {
    expect(() => createPipeline({ url: 'http://127.0.0.1:9', macKey: keys.macKey, redact: { preset: 'nope' } } as never, { prepared: true })).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_POLICY' }));
  });

  it('delivers every record once, redacted, sealed, verifiable', async () => {
    const s = await sink();
    const p = pipe(s.url, { batch: { maxRecords: 100 } });
    for (let i = 0; i < 3000; i++) {
      p.write({ level: 30, time: 1_700_000_000_000 + i, msg: i % 7 === 0 ? `token=${SECRET}` : `request ${i}`, user: { password: 'hunter2hunter2' } });
    }
    await p.flush();
    const res = await p.close();
    expect(res).toEqual({ delivered: true, spooledBatches: 0, lostRecords: 0 });
    const all = s.accepted().map((r) => r.body).join('');
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain('hunter2hunter2');
    const items = received(s);
    const rep = await verify(items, { keys: keyring, requireFinal: true });
    expect(rep.findings).toEqual([]);
    expect(rep.records.total).toBe(3000);
    const st = p.stats();
    expect(st.recordsIn).toBe(3000);
    expect(st.recordsRedacted).toBe(3000);
    expect(st.recordsSent).toBe(3000);
    const first = items.find((x) => (x as { seq?: number }).seq === 0) as { body: Record<string, unknown> };
    expect(first.body._redacted).toMatchObject({ policy: 'secrets', counts: { secret: 2 } });
  });

  it('a randomly misbehaving sink still ends with every record delivered exactly once', async () => {
    const s = await sink({ seed: 42, weights: { ok: 5, error500: 1, throttle429: 1, reset: 1, slow: 1, garbage: 1 } });
    const p = pipe(s.url, { batch: { maxRecords: 50 }, retry: { baseMs: 2, capMs: 20, deadlineMs: 60_000 }, http: { requestTimeoutMs: 2000 } });
    for (let i = 0; i < 4000; i++) p.write({ level: 30, msg: `event ${i}`, n: i });
    await p.flush();
    const res = await p.close();
    expect(res.delivered).toBe(true);
    const items = received(s);
    const seqs = items.filter((x) => x.type !== 'seal').map((x) => x.seq as number);
    expect(seqs).toHaveLength(4000);
    expect(new Set(seqs).size).toBe(4000);
    const rep = await verify(items, { keys: keyring, requireFinal: true });
    expect(rep.findings).toEqual([]);
    expect(p.stats().retries).toBeGreaterThan(0);
  });

  it('block: the producer waits while the sink is down, memory stays under the cap, nothing is lost', async () => {
    const s = await sink({ default: { status: 503, headers: { 'retry-after': '0' } } });
    const cap = 200_000;
    const p = pipe(s.url, { batch: { maxRecords: 50, maxBytes: 20_000 }, memory: { maxBytes: cap, overflow: 'block' } });
    let written = 0;
    const producer = (async () => {
      for (let i = 0; i < 3000; i++) {
        await p.writeAsync({ level: 30, msg: `payload ${i} ${'x'.repeat(200)}` });
        written++;
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    expect(written).toBeLessThan(3000); // blocked
    s.setDefault({ status: 200 });
    await producer;
    await p.flush();
    await p.close();
    const st = p.stats();
    expect(st.peakMemoryBytes).toBeLessThanOrEqual(cap + 20_000 + 2_000);
    expect(st.recordsDropped).toBe(0);
    const rep = await verify(received(s), { keys: keyring, requireFinal: true });
    expect(rep.findings).toEqual([]);
    expect(rep.records.total).toBe(3000);
  });

  for (const overflow of ['drop-newest', 'drop-oldest'] as const) {
    it(`${overflow}: drops are counted and recorded in the chain; the verifier names them as drops`, async () => {
      const s = await sink({ default: { status: 503 } });
      const cap = 100_000;
      const p = pipe(s.url, { batch: { maxRecords: 20, maxBytes: 10_000 }, memory: { maxBytes: cap, overflow } });
      for (let i = 0; i < 2000; i++) expect(p.write({ level: 30, msg: `payload ${i} ${'y'.repeat(200)}` })).toBe(true);
      const st1 = p.stats();
      expect(st1.recordsDropped).toBeGreaterThan(0);
      expect(st1.peakMemoryBytes).toBeLessThanOrEqual(cap + 12_000);
      s.setDefault({ status: 200 });
      await p.flush();
      await p.close();
      const st = p.stats();
      expect(st.gapRecords).toBeGreaterThan(0);
      const rep = await verify(received(s), { keys: keyring, requireFinal: true });
      expect(rep.ok).toBe(true);
      const drops = rep.findings.filter((f) => f.code === 'PRODUCER_DROPPED');
      expect(drops.length).toBeGreaterThan(0);
      expect(rep.findings.every((f) => f.code === 'PRODUCER_DROPPED')).toBe(true);
      // every record is either delivered or accounted for as dropped
      const delivered = received(s).filter((x) => x.type !== 'seal' && x.kind !== 'gap').length;
      expect(delivered + st.recordsDropped).toBe(2000);
    });
  }

  it('a poison batch goes to the dead-letter file after its deadline; the stream goes on', async () => {
    const s = await sink({ default: (req) => (req.body.includes('POISON') ? { status: 500 } : { status: 200 }) });
    const dead = join(tmp(), 'dead.ndjson');
    const p = pipe(s.url, { deadLetterPath: dead, batch: { maxRecords: 10 }, retry: { baseMs: 5, capMs: 20, deadlineMs: 150 } });
    for (let i = 0; i < 50; i++) p.write({ level: 30, msg: i === 15 ? 'POISON' : `ok ${i}` });
    await p.flush();
    await p.close();
    const letters = await readDeadLetters(dead);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ batch: 1, firstSeq: 10, lastSeq: 19 });
    expect(letters[0]!.reason).toContain('poison');
    expect(p.stats().deadLetteredBatches).toBe(1);
    const rep = await verify(received(s), { keys: keyring, requireFinal: true });
    expect(rep.ok).toBe(true);
    expect(rep.findings.map((f) => f.code)).toEqual(['PRODUCER_DROPPED', 'PRODUCER_DROPPED']);
  });

  it('a non-retryable 4xx is dead-lettered at once', async () => {
    const s = await sink();
    s.reply({ status: 400, body: 'bad request' });
    const dead = join(tmp(), 'dead.ndjson');
    const p = pipe(s.url, { deadLetterPath: dead, batch: { maxRecords: 5 } });
    for (let i = 0; i < 10; i++) p.write({ msg: `m${i}` });
    await p.flush();
    await p.close();
    const letters = await readDeadLetters(dead);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ status: 400, batch: 0 });
    expect(s.requests.filter((r) => r.status === 400)).toHaveLength(1);
  });

  it('with a spool, undelivered batches survive close() and are sent by the next process, continuing the chain', async () => {
    const s = await sink({ default: { status: 503 } });
    const dir = tmp();
    const a = pipe(s.url, { spool: { dir }, batch: { maxRecords: 10 }, closeTimeoutMs: 300 });
    for (let i = 0; i < 35; i++) a.write({ msg: `first ${i}` });
    const closed = await a.close();
    expect(closed.delivered).toBe(false);
    expect(closed.spooledBatches).toBe(4);
    s.setDefault({ status: 200 });
    const b = pipe(s.url, { spool: { dir }, batch: { maxRecords: 10 } });
    expect(b.sid).not.toBe(a.sid); // a was sealed final: b follows it
    for (let i = 0; i < 5; i++) b.write({ msg: `second ${i}` });
    await b.flush();
    await b.close();
    const rep = await verify(received(s), { keys: keyring, requireFinal: true });
    expect(rep.findings).toEqual([]);
    expect(rep.records.total).toBe(40);
    expect(rep.streams).toHaveLength(2);
  });

  it('with a spool, an outage fills the spool (not the heap): durable batches are evicted and read back', async () => {
    const s = await sink({ default: { status: 503 } });
    const cap = 100_000;
    const p = pipe(s.url, { spool: { dir: tmp() }, batch: { maxRecords: 20, maxBytes: 10_000 }, memory: { maxBytes: cap, overflow: 'block' } });
    let written = 0;
    for (let i = 0; i < 1500; i++) {
      await p.writeAsync({ level: 30, msg: `payload ${i} ${'z'.repeat(200)}` });
      written++;
    }
    // ~400 KB were written against a 100 KB memory cap without blocking for good: the spool holds them
    expect(written).toBe(1500);
    const st1 = p.stats();
    expect(st1.spoolBytes).toBeGreaterThan(cap);
    expect(st1.peakMemoryBytes).toBeLessThanOrEqual(cap + 12_000);
    s.setDefault({ status: 200 });
    await p.flush();
    await p.close();
    expect(p.stats().recordsDropped).toBe(0);
    const rep = await verify(received(s), { keys: keyring, requireFinal: true });
    expect(rep.findings).toEqual([]);
    expect(rep.records.total).toBe(1500);
  });

  it('validates options at construction, naming the option', () => {
    expect(() => createPipeline({} as never)).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_INVALID_OPTION', message: expect.stringContaining('"url"') }));
    expect(() => createPipeline({ url: 'http://127.0.0.1:1', macKey: keys.macKey, batch: { maxRecords: 0 } })).toThrow(expect.objectContaining({ message: expect.stringContaining('batch.maxRecords') }));
    expect(() => createPipeline({ url: 'http://127.0.0.1:1', macKey: keys.macKey, memory: { overflow: 'drop' as never } })).toThrow(expect.objectContaining({ message: expect.stringContaining('memory.overflow') }));
    expect(() => createPipeline({ url: 'http://127.0.0.1:1', macKey: keys.macKey, colour: 1 } as never)).toThrow(expect.objectContaining({ message: expect.stringContaining('colour') }));
    expect(() => createPipeline({ url: 'http://127.0.0.1:1' })).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_KEY_MISSING' }));
  });
});
