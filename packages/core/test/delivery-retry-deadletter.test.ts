/**
 * DeadLetterFile with real files, and the retry rule end to end: HttpSender + RetryPolicy
 * + SinkHealth + DeadLetterFile against the real test sink, on a virtual clock (delays are
 * added to the injected clock, never slept), so a poison batch reaches the dead-letter
 * file while a down sink keeps its batch waiting.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, stat, writeFile, appendFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeadLetterFile, readDeadLetters } from '../src/delivery/dead-letter.js';
import { HttpSender } from '../src/delivery/http-sender.js';
import { RetryPolicy, SinkHealth, type RetryDecision } from '../src/delivery/retry-policy.js';
import type { EncodedRequest, OutBatch } from '../src/delivery/types.js';
import type { RecordEnvelope, Seal } from '../src/integrity/types.js';
import { verify } from '../src/integrity/verifier.js';
import { buildStream } from './helpers/sealed-stream.js';
import { startTestSink, type TestSink } from './helpers/test-sink.js';

/** Real sealed batches from the integrity layer. */
function batches(records: number, size: number): { out: OutBatch[]; keyring: ReturnType<typeof buildStream>['keyring'] } {
  const s = buildStream(records, [size], true);
  const out: OutBatch[] = [];
  let from = 0;
  for (const idx of s.sealIdx) {
    const recordJson = s.lines.slice(from, idx);
    const sealJson = s.lines[idx]!;
    const seal = JSON.parse(sealJson) as Seal;
    out.push({
      sid: seal.sid,
      batch: seal.batch,
      records: recordJson.map((l) => JSON.parse(l) as RecordEnvelope),
      recordJson,
      seal,
      sealJson,
      bytes: recordJson.reduce((n, l) => n + l.length, sealJson.length),
    });
    from = idx + 1;
  }
  return { out, keyring: s.keyring };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logseal-dl-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('DeadLetterFile', () => {
  it('appends one fsynced NDJSON entry per batch, mode 0600, readable back byte for byte', async () => {
    const { out, keyring } = batches(25, 10);
    const path = join(dir, 'sub', 'dead.ndjson');
    const t = Date.parse('2026-01-02T03:04:05.678Z');
    const dl = new DeadLetterFile(path, { clock: () => t });
    expect(existsSync(path)).toBe(false); // no I/O at construction
    await dl.appendBatch(out[0]!, 'HTTP 413: too large', 413);
    await dl.appendBatch(out[1]!, 'poison batch: ...', 500);
    expect(dl.count).toBe(2);
    await dl.close();

    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const entries = await readDeadLetters(path);
    expect(entries).toHaveLength(2);
    expect(entries[0]).toEqual({
      at: '2026-01-02T03:04:05.678Z', reason: 'HTTP 413: too large', status: 413, sid: out[0]!.sid, batch: 0,
      firstSeq: 0, lastSeq: 9, lines: [...out[0]!.recordJson, out[0]!.sealJson],
    });
    expect(entries[1]).toMatchObject({ batch: 1, firstSeq: 10, lastSeq: 19, status: 500 });
    // The lines are the shipped RFC 8785 bytes: the verifier accepts them as they are.
    const rep = await verify(entries.flatMap((e) => e.lines), { keys: keyring });
    expect(rep.records.valid).toBe(20);
    expect(rep.seals.valid).toBe(2);
    expect(rep.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('a partial rejection keeps only the failed items', async () => {
    const { out } = batches(10, 10);
    const b = out[0]!;
    const dl = new DeadLetterFile(join(dir, 'd.ndjson'));
    await dl.appendBatch(b, 'item errors', 400, [{ kind: 'record', seq: 3 }, { kind: 'record', seq: 7 }, { kind: 'seal', batch: 0 }]);
    await dl.close();
    const [e] = await readDeadLetters(join(dir, 'd.ndjson'));
    expect(e).toMatchObject({ firstSeq: 3, lastSeq: 7, status: 400 });
    expect(e!.lines).toEqual([b.recordJson[3], b.recordJson[7], b.sealJson]);
  });

  it('serialises concurrent appends and appends to an existing file', async () => {
    const path = join(dir, 'd.ndjson');
    const dl = new DeadLetterFile(path);
    await Promise.all(Array.from({ length: 20 }, (_, i) =>
      dl.append({ reason: `r${i}`, sid: 's', batch: i, firstSeq: i * 10, lastSeq: i * 10 + 9, lines: [`{"i":${i}}`.repeat(500)] })));
    await dl.close();
    const again = new DeadLetterFile(path);
    await again.append({ reason: 'network', status: null, sid: 's', batch: 20, firstSeq: 200, lastSeq: 199, lines: [] });
    expect(again.count).toBe(1);
    await again.close();
    const entries = await readDeadLetters(path);
    expect(entries.map((e) => e.batch)).toEqual(Array.from({ length: 21 }, (_, i) => i));
    expect(entries[20]!.status).toBeNull();
  });

  it('cuts a torn tail (a crash mid-append) on open; the reader ignores one too', async () => {
    const path = join(dir, 'd.ndjson');
    const dl = new DeadLetterFile(path);
    await dl.append({ reason: 'a', sid: 's', batch: 0, firstSeq: 0, lastSeq: 0, lines: ['x'] });
    await dl.close();
    await appendFile(path, '{"at":"2026-01-01T00:00:00.000Z","reason":"tor');
    expect(await readDeadLetters(path)).toHaveLength(1);
    const again = new DeadLetterFile(path);
    await again.append({ reason: 'b', sid: 's', batch: 1, firstSeq: 1, lastSeq: 1, lines: ['y'] });
    await again.close();
    expect((await readDeadLetters(path)).map((e) => e.reason)).toEqual(['a', 'b']);
    expect((await readFile(path, 'utf8')).includes('tor')).toBe(false);
  });

  it('a malformed line, an unwritable path and bad input are coded errors', async () => {
    const path = join(dir, 'd.ndjson');
    await writeFile(path, '{"at":"x","reason":"r","status":null,"sid":"s","batch":0,"firstSeq":0,"lastSeq":0,"lines":[]}\nnot json\n');
    await expect(readDeadLetters(path)).rejects.toMatchObject({ code: 'LOGSEAL_ERR_DEAD_LETTER', message: expect.stringMatching(/line 2/) });
    await writeFile(path, '{"at":"x","reason":"r"}\n');
    await expect(readDeadLetters(path)).rejects.toMatchObject({ code: 'LOGSEAL_ERR_DEAD_LETTER' });
    expect(await readDeadLetters(join(dir, 'missing.ndjson'))).toEqual([]);

    await writeFile(join(dir, 'file'), '');
    const dl = new DeadLetterFile(join(dir, 'file', 'dead.ndjson'));
    await expect(dl.append({ reason: 'r', sid: 's', batch: 0, firstSeq: 0, lastSeq: 0, lines: [] })).rejects.toMatchObject({ code: 'LOGSEAL_ERR_DEAD_LETTER' });
    // A failed append does not poison the queue: the next call reports its own outcome.
    await expect(dl.append({ reason: 'r', sid: 's', batch: 0, firstSeq: 0, lastSeq: 0, lines: [] })).rejects.toMatchObject({ code: 'LOGSEAL_ERR_DEAD_LETTER' });

    const ok = new DeadLetterFile(join(dir, 'ok.ndjson'));
    expect(() => ok.append({ reason: 'r', sid: 's', batch: 0.5, firstSeq: 0, lastSeq: 0, lines: [] })).toThrow(/entry\.batch/);
    expect(() => ok.append({ reason: 'r', sid: 's', batch: 0, firstSeq: 0, lastSeq: 0, lines: [1 as unknown as string] })).toThrow(/entry\.lines/);
    expect(() => new DeadLetterFile('')).toThrow(/deadLetter\.path/);
    expect(() => new DeadLetterFile('x', { fsync: false } as object)).toThrow(/deadLetter\.fsync/);
  });
});

describe('retry rule end to end (real sink, virtual clock)', () => {
  let sink: TestSink;
  let sender: HttpSender;
  beforeEach(async () => {
    sink = await startTestSink();
    sender = new HttpSender({ url: sink.url, requestTimeoutMs: 5_000 });
  });
  afterEach(async () => {
    await sender.close();
    await sink.stop();
  });

  const encode = (b: OutBatch): EncodedRequest => ({
    path: '/ingest', method: 'POST', contentType: 'application/x-ndjson',
    body: `${[...b.recordJson, b.sealJson].join('\n')}\n`,
    items: [...b.records.map((r) => ({ kind: 'record' as const, seq: r.seq })), { kind: 'seal' as const, batch: b.batch }],
  });

  /**
   * Delivers one batch the way a pipeline would: send, observe, decide. While the batch
   * waits (sink down), `probe` is called once per round (a heartbeat or another batch).
   */
  async function deliver(b: OutBatch, policy: RetryPolicy, health: SinkHealth, advance: (ms: number) => void,
    dl: DeadLetterFile, probe: () => Promise<void>, maxRounds = 200): Promise<RetryDecision['action'][]> {
    const state = policy.begin();
    const trail: RetryDecision['action'][] = [];
    for (let i = 0; i < maxRounds; i++) {
      const r = await sender.send(encode(b));
      health.observe(r);
      const d = policy.decide(state, r, health);
      trail.push(d.action);
      if (d.action === 'done') return trail;
      if (d.action === 'dead-letter') {
        await dl.appendBatch(b, d.reason, d.status);
        return trail;
      }
      advance(d.delayMs + 1);
      if (d.action === 'wait') await probe();
    }
    return trail;
  }

  it('a poison batch (500 for its body only) is dead-lettered after its deadline once a heartbeat got through', async () => {
    const { out } = batches(30, 10);
    const poison = out[1]!;
    const marker = poison.records[0]!.h;
    // Like ClickHouse: one bad row makes the sink answer 500 for the whole insert.
    sink.setDefault((r) => (r.body.includes(marker) ? { status: 500, body: 'Code: 27. Cannot parse input' } : { status: 200 }));
    let t = 0;
    const policy = new RetryPolicy({ baseMs: 100, capMs: 2_000, deadlineMs: 10_000, random: () => 0.5, clock: () => t });
    const health = new SinkHealth({ clock: () => t });
    const dl = new DeadLetterFile(join(dir, 'dead.ndjson'), { clock: () => t });
    const heartbeat = async (): Promise<void> => {
      health.observe(await sender.send({ path: '/ingest', method: 'POST', contentType: 'application/x-ndjson', body: '{"heartbeat":true}\n', items: [] }));
    };

    expect(await deliver(out[0]!, policy, health, (ms) => void (t += ms), dl, heartbeat)).toEqual(['done']);
    const trail = await deliver(poison, policy, health, (ms) => void (t += ms), dl, heartbeat);
    expect(trail.at(-1)).toBe('dead-letter');
    expect(trail.filter((a) => a === 'wait')).toHaveLength(1); // past the deadline: one probe, then it is poison
    expect(t).toBeGreaterThanOrEqual(10_000);
    expect(await deliver(out[2]!, policy, health, (ms) => void (t += ms), dl, heartbeat)).toEqual(['done']);
    await dl.close();

    const entries = await readDeadLetters(join(dir, 'dead.ndjson'));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ batch: 1, firstSeq: 10, lastSeq: 19, status: 500 });
    expect(entries[0]!.reason).toMatch(/^poison batch: .*Code: 27/);
    expect(entries[0]!.lines).toEqual([...poison.recordJson, poison.sealJson]);
    // The other batches reached the sink; the poison one was never accepted.
    expect(sink.accepted().filter((r) => r.body.includes(marker))).toHaveLength(0);
  });

  it('a sink that is down keeps the batch waiting past its deadline, and it is delivered when the sink is back', async () => {
    const { out } = batches(10, 10);
    sink.setDefault({ status: 503, body: 'maintenance' }); // every request fails, heartbeats too
    let t = 0;
    const policy = new RetryPolicy({ baseMs: 100, capMs: 2_000, deadlineMs: 10_000, random: () => 0.5, clock: () => t });
    const health = new SinkHealth({ clock: () => t });
    const dl = new DeadLetterFile(join(dir, 'dead.ndjson'));
    let probes = 0;
    const heartbeat = async (): Promise<void> => {
      probes++;
      if (probes === 20) sink.setDefault({ status: 200 }); // the sink comes back
      health.observe(await sender.send({ path: '/ingest', method: 'POST', contentType: 'application/x-ndjson', body: '{"heartbeat":true}\n', items: [] }));
    };
    const trail = await deliver(out[0]!, policy, health, (ms) => void (t += ms), dl, heartbeat);
    expect(trail.filter((a) => a === 'wait').length).toBeGreaterThanOrEqual(19);
    expect(trail).not.toContain('dead-letter');
    expect(trail.at(-1)).toBe('done');
    expect(t).toBeGreaterThan(10_000);
    expect(dl.count).toBe(0);
    expect(existsSync(join(dir, 'dead.ndjson'))).toBe(false);
    expect(sink.accepted().filter((r) => r.body.includes(out[0]!.sealJson))).toHaveLength(1);
  });

  it('a fatal answer (413) is dead-lettered at once, without retries', async () => {
    const { out } = batches(10, 10);
    sink.reply({ status: 413, body: '<html>413 Request Entity Too Large</html>' });
    const policy = new RetryPolicy();
    const dl = new DeadLetterFile(join(dir, 'dead.ndjson'));
    const trail = await deliver(out[0]!, policy, new SinkHealth(), () => undefined, dl, async () => undefined);
    expect(trail).toEqual(['dead-letter']);
    expect(sink.requests).toHaveLength(1);
    await dl.close();
    expect((await readDeadLetters(join(dir, 'dead.ndjson')))[0]).toMatchObject({ status: 413, reason: 'HTTP 413: <html>413 Request Entity Too Large</html>' });
  });
});
