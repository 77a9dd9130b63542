import { afterEach, describe, expect, it } from 'vitest';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPipeline, DROP_CHANNEL, type Pipeline } from '../src/pipeline.js';
import { DEAD_LETTER_CHANNEL, RETRY_CHANNEL, SEND_CHANNEL } from '../src/delivery/deliverer.js';
import { REDACT_CHANNEL, type RedactEvent } from '../src/redact/redactor.js';
import { CONFIG_WARNING_CODES, configWarnings } from '../src/delivery/config-warnings.js';
import type { PipelineOptions } from '../src/delivery/pipeline-options.js';
import type { DeadLetterEvent, DropEvent, RetryEvent, SendEvent } from '../src/delivery/events.js';
import { readDeadLetters } from '../src/delivery/dead-letter.js';
import { startTestSink, type ReceivedRequest, type Reply, type TestSink } from './helpers/test-sink.js';
import { testKeys } from './helpers/sealed-stream.js';
import { base62, crc32 } from '../src/redact/validators.js';
import { decodeExport, sortExport } from '../src/delivery/export-readers.js';
import { verify } from '../src/integrity/verifier.js';

// Issue 4 item 9: stats() counters, diagnostics_channel events and coded warnings, checked
// against real traffic to a real HTTP sink on 127.0.0.1 (docs/delivery.md documents them).

const keys = testKeys();
const tmp = () => mkdtempSync(join(tmpdir(), 'logseal-obs-'));
const sinks: TestSink[] = [];
const pipes: Pipeline[] = [];
const subs: [string, (m: unknown) => void][] = [];
afterEach(async () => {
  for (const [name, fn] of subs.splice(0)) unsubscribe(name, fn);
  await Promise.allSettled(pipes.splice(0).map((p) => p.close()));
  await Promise.allSettled(sinks.splice(0).map((s) => s.stop()));
});

async function sink(opts?: Parameters<typeof startTestSink>[0]): Promise<TestSink> {
  const s = await startTestSink(opts);
  sinks.push(s);
  return s;
}

function pipe(url: string, extra: Partial<PipelineOptions> = {}): Pipeline {
  const p = createPipeline({
    url,
    signingKey: keys.privateKey,
    macKey: keys.macKey,
    deadLetterPath: join(tmp(), 'dead.ndjson'),
    retry: { baseMs: 2, capMs: 10, deadlineMs: 60_000 },
    heartbeatMs: 0,
    ...extra,
  });
  pipes.push(p);
  return p;
}

/** Collects every message published on `name` until the test ends. */
function listen<T>(name: string): T[] {
  const got: T[] = [];
  const fn = (m: unknown): void => void got.push(m as T);
  subscribe(name, fn);
  subs.push([name, fn]);
  return got;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

// A GitHub token in the real format (fake, valid checksum): the secrets preset finds it in free text.
const TOKEN_BODY = 'R8kVq2LmX9tW4pZy7NcB3dF6hJ1sA0';
const TOKEN = 'ghp_' + TOKEN_BODY + base62(crc32(TOKEN_BODY), 6);

describe('stats()', () => {
  it('counts records in, redacted, batches and bytes sent (wire bytes, after gzip), and settles to zero memory', async () => {
    const s = await sink();
    const p = pipe(s.url, { batch: { maxRecords: 50 }, http: { gzip: true } });
    const fresh = p.stats();
    expect(fresh).toMatchObject({ recordsIn: 0, batchesSealed: 0, requests: 0, lastError: null, sid: p.sid, sinkDown: false });
    for (let i = 0; i < 250; i++) {
      // every 5th record has a password key, every 10th also a token in its message
      const rec: Record<string, unknown> = { level: 30, msg: i % 10 === 0 ? `deploy with ${TOKEN}` : `request ${i}`, n: i };
      if (i % 5 === 0) rec.password = 'hunter2hunter2';
      p.write(rec);
    }
    const mid = p.stats();
    expect(mid.recordsIn).toBe(250);
    expect(mid.peakMemoryBytes).toBeGreaterThan(0);
    await p.flush();
    expect(await p.close()).toEqual({ delivered: true, spooledBatches: 0, lostRecords: 0 });
    const st = p.stats();
    expect(st).toMatchObject({
      recordsIn: 250,
      recordsRedacted: 50, // records with at least one redaction
      redactions: 75, // 50 passwords + 25 tokens
      recordsSent: 250,
      batchesSealed: 6, // 5 full batches + the empty final seal of close()
      heartbeats: 1, // the empty final batch counts as one
      batchesSent: 6,
      requests: s.requests.length,
      retries: 0,
      recordsDropped: 0,
      gapRecords: 0,
      deadLetteredBatches: 0,
      deadLetteredRecords: 0,
      batchesSpooled: 0,
      recordsLost: 0,
      memoryBytes: 0,
      queuedBatches: 0,
      spoolBytes: 0,
      sinkDown: false,
      lastError: null,
    });
    expect(st.bytesSent).toBe(sum(s.requests.map((r) => r.wireBytes)));
    expect(s.requests.every((r) => r.headers['content-encoding'] === 'gzip')).toBe(true);
    expect(st.bytesSent).toBeLessThan(sum(s.requests.map((r) => Buffer.byteLength(r.body))));
    // stats() hands out a copy
    (st as { recordsIn: number }).recordsIn = -1;
    expect(p.stats().recordsIn).toBe(250);
  });

  it('a sink that is down: sinkDown, queued batches, spooled bytes and the last error; all settle once it is back', async () => {
    let down = true;
    const s = await sink({ default: (): Reply => (down ? { status: 503, body: 'maintenance' } : { status: 200 }) });
    const dir = tmp();
    const p = pipe(s.url, { spool: { dir }, batch: { maxRecords: 10 } });
    for (let i = 0; i < 35; i++) p.write({ msg: `m${i}` });
    await p.flush(); // with a spool, flush() resolves once everything is durable while the sink is down
    const st = p.stats();
    expect(st.sinkDown).toBe(true);
    expect(st.batchesSealed).toBe(4);
    expect(st.batchesSpooled).toBe(4);
    expect(st.queuedBatches).toBe(4);
    expect(st.spoolBytes).toBeGreaterThan(0);
    expect(st.retries).toBeGreaterThanOrEqual(3);
    expect(st.lastError).toBe('HTTP 503: maintenance');
    expect(st.batchesSent).toBe(0);
    down = false;
    await p.flush();
    const after = p.stats();
    expect(after).toMatchObject({ sinkDown: false, queuedBatches: 0, spoolBytes: 0, batchesSent: 4, recordsSent: 35, memoryBytes: 0 });
    expect(after.lastError).toBe('HTTP 503: maintenance'); // the LAST error, kept after recovery
  });

  it('recordsLost: without a spool, what close() could not deliver is counted as lost', async () => {
    const s = await sink({ default: { status: 503 } });
    const p = pipe(s.url, { batch: { maxRecords: 10 }, closeTimeoutMs: 200 });
    for (let i = 0; i < 25; i++) p.write({ msg: `m${i}` });
    const res = await p.close();
    expect(res).toEqual({ delivered: false, spooledBatches: 0, lostRecords: 25 });
    expect(p.stats().recordsLost).toBe(25);
  });
});

describe('diagnostics channels', () => {
  it('logseal:send and logseal:retry: one send event per request with its outcome, one retry event per failed attempt', async () => {
    const sends = listen<SendEvent>(SEND_CHANNEL);
    const retries = listen<RetryEvent>(RETRY_CHANNEL);
    const s = await sink();
    s.reply({ status: 503, headers: { 'retry-after': '0' }, body: 'busy' }, { status: 429, body: 'slow down' }, { reset: true });
    const p = pipe(s.url);
    for (let i = 0; i < 7; i++) p.write({ msg: `m${i}` });
    await p.flush();
    const mine = sends.filter((e) => e.sid === p.sid);
    expect(mine).toHaveLength(4);
    expect(mine.map((e) => [e.kind, e.status])).toEqual([['retryable', 503], ['retryable', 429], ['retryable', undefined], ['ok', 200]]);
    for (const [i, e] of mine.entries()) {
      expect(e).toMatchObject({ sid: p.sid, batch: 0, items: 8 });
      expect(e.bytes).toBe(s.requests[i]!.wireBytes);
      expect(e.ms).toBeGreaterThanOrEqual(0);
    }
    const r = retries.filter((e) => e.sid === p.sid);
    expect(r.map((e) => [e.attempt, e.action])).toEqual([[1, 'retry'], [2, 'retry'], [3, 'retry']]);
    expect(r[0]!.reason).toBe('HTTP 503: busy');
    expect(r[1]!.reason).toBe('HTTP 429: slow down');
    expect(r[2]!.reason).toMatch(/socket|closed|reset/i);
    for (const e of r) expect(e).toMatchObject({ sid: p.sid, batch: 0, delayMs: expect.any(Number) });
    const st = p.stats();
    expect(st.retries).toBe(3);
    expect(st.requests).toBe(4);
    expect(st.lastError).toBe(r[2]!.reason);
  });

  it("logseal:retry says 'wait' once a batch is past its deadline while the sink is down", async () => {
    const retries = listen<RetryEvent>(RETRY_CHANNEL);
    let down = true;
    const s = await sink({ default: (): Reply => (down ? { status: 503 } : { status: 200 }) });
    const p = pipe(s.url, { retry: { baseMs: 2, capMs: 10, deadlineMs: 30 } });
    p.write({ msg: 'one' });
    const flushed = p.flush();
    while (!retries.some((e) => e.sid === p.sid && e.action === 'wait')) await new Promise((r) => setTimeout(r, 5));
    down = false;
    await flushed;
    const mine = retries.filter((e) => e.sid === p.sid);
    expect(mine[0]!.action).toBe('retry');
    expect(mine.some((e) => e.action === 'wait' && e.reason === 'HTTP 503: error 503')).toBe(true);
    expect(p.stats()).toMatchObject({ recordsSent: 1, deadLetteredBatches: 0 });
  });

  it('logseal:dead-letter: a refused batch and refused items, with records, reason and status', async () => {
    const dead = listen<DeadLetterEvent>(DEAD_LETTER_CHANNEL);
    const s = await sink();
    s.reply({ status: 400, body: 'bad request' });
    const file = join(tmp(), 'dead.ndjson');
    const p = pipe(s.url, { deadLetterPath: file, batch: { maxRecords: 5 } });
    for (let i = 0; i < 10; i++) p.write({ msg: `m${i}` });
    await p.flush();
    const mine = dead.filter((e) => e.sid === p.sid);
    expect(mine).toEqual([{ sid: p.sid, batch: 0, records: 5, reason: 'HTTP 400: bad request', status: 400 }]);
    const st = p.stats();
    // The gap record that declares batch 0 lost goes into the next open batch: sealed by close().
    expect(st).toMatchObject({ deadLetteredBatches: 1, deadLetteredRecords: 5, gapRecords: 1, batchesSent: 1, lastError: 'HTTP 400: bad request' });
    await p.close();
    expect(p.stats()).toMatchObject({ batchesSent: 2, recordsSent: 6 }); // batch 1, then the final batch holding the gap record
    const letters = await readDeadLetters(file);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ sid: p.sid, batch: 0, firstSeq: 0, lastSeq: 4, status: 400, reason: 'HTTP 400: bad request' });
    expect(letters[0]!.lines).toHaveLength(6); // 5 records and the seal, as shipped
  });

  it('logseal:dead-letter for single Elasticsearch items refused in a 200 _bulk answer', async () => {
    const dead = listen<DeadLetterEvent>(DEAD_LETTER_CHANNEL);
    const bulk = (req: ReceivedRequest): Reply => {
      const lines = req.body.split('\n').filter((l) => l.length > 0);
      const items: unknown[] = [];
      for (let i = 0; i < lines.length; i += 2) {
        const bad = lines[i + 1]!.includes('NOT_A_DATE');
        items.push({ create: bad ? { status: 400, error: { type: 'mapper_parsing_exception', reason: 'failed to parse field [when]' } } : { status: 201 } });
      }
      return { status: 200, body: JSON.stringify({ errors: items.some((x) => (x as { create: { status: number } }).create.status !== 201), items }) };
    };
    const s = await sink({ default: bulk });
    const p = pipe(s.url, { format: 'elasticsearch', formatOptions: { index: 'audit' }, batch: { maxRecords: 10 } });
    for (let i = 0; i < 10; i++) p.write({ msg: `m${i}`, when: i === 3 ? 'NOT_A_DATE' : '2024-01-01' });
    await p.flush();
    const mine = dead.filter((e) => e.sid === p.sid);
    expect(mine).toEqual([{ sid: p.sid, batch: 0, records: 1, reason: 'item refused: mapper_parsing_exception: failed to parse field [when]', status: 400 }]);
    // A partial failure is not a dead-lettered batch: the batch was delivered, one record was not.
    expect(p.stats()).toMatchObject({ deadLetteredBatches: 0, deadLetteredRecords: 1, batchesSent: 1, retries: 0 });
    await p.close();
    // What the index holds (every document the sink accepted) verifies: the refused record is
    // declared by a send-failed gap record, so it is a producer-side loss, not tampering.
    const stored: unknown[] = [];
    for (const r of s.requests) {
      const lines = r.body.split('\n').filter((l) => l.length > 0);
      for (let i = 0; i < lines.length; i += 2) if (!lines[i + 1]!.includes('NOT_A_DATE')) stored.push(decodeExport('elasticsearch', JSON.parse(lines[i + 1]!)));
    }
    const k = testKeys();
    const rep = await verify(sortExport(stored as never), { keys: [{ publicKey: k.publicKey, macKey: k.macKey }], requireFinal: true });
    expect(rep.ok).toBe(true);
    expect(rep.findings).toContainEqual(expect.objectContaining({ code: 'PRODUCER_DROPPED', seq: 3, seqTo: 3 }));
    expect(rep.findings.map((f) => f.code)).not.toContain('RECORD_DELETED');
  });

  it('logseal:drop: drop-newest and drop-oldest events add up to recordsDropped, and gap records are written', async () => {
    for (const overflow of ['drop-newest', 'drop-oldest'] as const) {
      const drops = listen<DropEvent>(DROP_CHANNEL);
      let down = true;
      const s = await sink({ default: (): Reply => (down ? { status: 503 } : { status: 200 }) });
      const p = pipe(s.url, { batch: { maxRecords: 20, maxBytes: 10_000 }, memory: { maxBytes: 50_000, overflow } });
      for (let i = 0; i < 1000; i++) p.write({ level: 30, msg: `payload ${i} ${'y'.repeat(200)}` });
      const st = p.stats();
      expect(st.recordsDropped).toBeGreaterThan(0);
      expect(sum(drops.map((e) => e.dropped))).toBe(st.recordsDropped);
      if (overflow === 'drop-newest') {
        expect(drops.every((e) => e.policy === 'drop-newest' && e.dropped === 1 && e.sid === undefined)).toBe(true);
      } else {
        const oldest = drops.filter((e) => e.policy === 'drop-oldest');
        expect(oldest.length).toBeGreaterThan(0);
        for (const e of oldest) {
          expect(e).toMatchObject({ sid: p.sid, batch: expect.any(Number) });
          // the batch's records, less the gap records it carried (they are declarations, not records)
          expect(e.dropped).toBeGreaterThan(0);
          expect(e.dropped).toBeLessThanOrEqual(20);
        }
      }
      down = false;
      await p.flush();
      expect(p.stats().gapRecords).toBeGreaterThan(0);
      for (const [name, fn] of subs.splice(0)) unsubscribe(name, fn);
    }
  });

  it('logseal:redact: one event per redacted value, never the value itself', async () => {
    const events = listen<RedactEvent>(REDACT_CHANNEL);
    const s = await sink();
    const p = pipe(s.url);
    p.write({ msg: 'first' });
    p.write({ msg: `token ${TOKEN}`, user: { password: 'hunter2hunter2' } });
    await p.flush();
    const got = events.filter((e) => e.position === 2);
    expect(got).toHaveLength(2);
    expect(got).toEqual(expect.arrayContaining([
      expect.objectContaining({ rule: 'key:password', class: 'secret', path: '$.user.password', in: 'value', policy: 'secrets', version: expect.any(Number) }),
      expect.objectContaining({ rule: expect.stringMatching(/github/), class: 'secret', path: '$.msg', in: 'value', policy: 'secrets' }),
    ]));
    for (const e of got) expect(typeof e.action).toBe('string');
    const text = JSON.stringify(events);
    expect(text).not.toContain('hunter2hunter2');
    expect(text).not.toContain(TOKEN_BODY);
  });
});

describe('coded warnings for misconfiguration', () => {
  const base = { signingKey: keys.privateKey, macKey: keys.macKey, heartbeatMs: 0, closeTimeoutMs: 50 };

  /** Builds a pipeline and returns the codes of the LogSeal warnings it emitted. */
  async function warningsOf(options: PipelineOptions): Promise<{ code: string; message: string }[]> {
    const got: { code: string; message: string }[] = [];
    const on = (w: Error & { code?: string }): void => {
      if (w.name === 'LogSealWarning') got.push({ code: w.code ?? '', message: w.message });
    };
    process.on('warning', on);
    try {
      const p = createPipeline({ deadLetterPath: join(tmp(), 'dead.ndjson'), ...base, ...options });
      pipes.push(p);
      await new Promise((r) => setImmediate(r)); // emitWarning delivers on the next tick
    } finally {
      process.off('warning', on);
    }
    return got;
  }

  it('the default configuration emits no warning', async () => {
    expect(await warningsOf({ url: 'http://logs.example.com/ingest' })).toEqual([]);
    expect(await warningsOf({ url: 'https://logs.example.com/ingest', http: { auth: { bearer: 'abc' } } })).toEqual([]);
  });

  it('LOGSEAL_WARN_INSECURE_AUTH: credentials over http: to a host that is not loopback, never the credential itself', async () => {
    const w = await warningsOf({ url: 'http://logs.example.com/ingest', http: { auth: { bearer: 's3cr3t-t0ken' } } });
    expect(w.map((x) => x.code)).toEqual(['LOGSEAL_WARN_INSECURE_AUTH']);
    expect(w[0]!.message).toContain('http.auth');
    expect(w[0]!.message).not.toContain('s3cr3t-t0ken');
    const h = await warningsOf({ url: 'http://10.0.0.7:8088/?dd-api-key=abc', http: { headers: { 'X-Api-Key': 'k', 'X-Scope-OrgID': 'tenant' } } });
    expect(h.map((x) => x.code)).toEqual(['LOGSEAL_WARN_INSECURE_AUTH']);
    expect(h[0]!.message).toContain('header "X-Api-Key"');
    expect(h[0]!.message).toContain('query parameter "dd-api-key"');
    expect(h[0]!.message).not.toContain('X-Scope-OrgID');
    // Loopback: nothing leaves the host (a local agent or sidecar)
    for (const url of ['http://127.0.0.1:9/', 'http://localhost:9/', 'http://[::1]:9/']) {
      expect(await warningsOf({ url, http: { auth: { bearer: 'x' } } })).toEqual([]);
    }
  });

  it('LOGSEAL_WARN_TLS_UNVERIFIED, LOGSEAL_WARN_DEADLINE_SHORT, LOGSEAL_WARN_RETRY_STATUSES', async () => {
    expect((await warningsOf({ url: 'https://logs.example.com/', http: { tls: { rejectUnauthorized: false } } })).map((x) => x.code)).toEqual(['LOGSEAL_WARN_TLS_UNVERIFIED']);
    expect((await warningsOf({ url: 'https://logs.example.com/', retry: { deadlineMs: 5000 } })).map((x) => x.code)).toEqual(['LOGSEAL_WARN_DEADLINE_SHORT']);
    expect(await warningsOf({ url: 'https://logs.example.com/', retry: { deadlineMs: 5000 }, http: { requestTimeoutMs: 5000 } })).toEqual([]);
    const r = await warningsOf({ url: 'https://logs.example.com/', http: { retryStatuses: [500, 502, 503] } });
    expect(r.map((x) => x.code)).toEqual(['LOGSEAL_WARN_RETRY_STATUSES']);
    expect(r[0]!.message).toContain('429');
    expect(await warningsOf({ url: 'https://logs.example.com/', http: { retryStatuses: [429, 503] } })).toEqual([]);
  });

  it('LOGSEAL_WARN_MEMORY_CAP: a cap the V8 heap cannot hold', async () => {
    const o = (maxBytes: number): PipelineOptions => ({ url: 'https://logs.example.com/', memory: { maxBytes } });
    expect(configWarnings(o(64 * 2 ** 20), 2 * 2 ** 30)).toEqual([]);
    const w = configWarnings(o(1024 * 2 ** 20), 2 * 2 ** 30);
    expect(w.map((x) => x.code)).toEqual(['LOGSEAL_WARN_MEMORY_CAP']);
    expect(w[0]!.message).toContain('1024 MiB');
    expect(w[0]!.message).toContain('add a spool');
    // through createPipeline, against this process's real heap limit
    expect((await warningsOf({ url: 'https://logs.example.com/', memory: { maxBytes: 2 ** 40 } })).map((x) => x.code)).toEqual(['LOGSEAL_WARN_MEMORY_CAP']);
  });

  it('configWarnings(options) validates like createPipeline and builds nothing', () => {
    expect(configWarnings({ url: 'http://logs.example.com/', http: { auth: { bearer: 'x' } } }).map((w) => w.code)).toEqual(['LOGSEAL_WARN_INSECURE_AUTH']);
    expect(() => configWarnings({ url: '' })).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_INVALID_OPTION', message: expect.stringContaining('"url"') }));
    expect(() => configWarnings({ url: 'https://x/', retry: { deadlineMs: 5 }, colour: 1 } as never)).toThrow(expect.objectContaining({ message: expect.stringContaining('colour') }));
  });

  it('a pipeline that fails to build emits nothing', async () => {
    const got: string[] = [];
    const on = (w: Error & { code?: string }): void => void got.push(w.code ?? '');
    process.on('warning', on);
    expect(() => createPipeline({ url: 'http://logs.example.com/', http: { auth: { bearer: 'x' } } })).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_KEY_MISSING' }));
    await new Promise((r) => setImmediate(r));
    process.off('warning', on);
    expect(got.filter((c) => c.startsWith('LOGSEAL_'))).toEqual([]);
  });

  it('docs/delivery.md lists every warning code the pipeline can emit', () => {
    const docs = readFileSync(fileURLToPath(new URL('../../../docs/delivery.md', import.meta.url)), 'utf8');
    const src = (rel: string): string => readFileSync(fileURLToPath(new URL(`../src/${rel}`, import.meta.url)), 'utf8');
    const emitted = new Set<string>(Object.keys(CONFIG_WARNING_CODES));
    for (const f of ['pipeline.ts', 'redact/presets.ts']) for (const m of src(f).matchAll(/'(LOGSEAL_WARN_[A-Z_]+)'/g)) emitted.add(m[1]!);
    expect(emitted.size).toBeGreaterThan(Object.keys(CONFIG_WARNING_CODES).length);
    for (const code of emitted) expect(docs, code).toContain(`\`${code}\``);
  });
});
