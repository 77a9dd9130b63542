/**
 * HttpSender into a real ClickHouse (Debian clickhouse-server 18.16, installed by .ci/run)
 * through its HTTP interface: sealed batches encoded as JSONEachRow are inserted (plain
 * and gzipped), a SELECT gives back every record and seal, and the verifier accepts them.
 *
 * What ClickHouse 18.16 answers for a malformed row (asserted below): the WHOLE insert is
 * rejected, nothing of the batch is stored, and the status depends on the parse error:
 *   - a value of the wrong type ("seq":"oops"): 500, "Code: 27 ... Cannot parse input"
 *   - an unknown column:                        500, "Code: 117 ... Unknown field found"
 *   - a JSON string cut short:                  400, "Code: 26 ... Cannot parse JSON string"
 * A 500 is in the default retry set (it is also what an overloaded server answers), so
 * such a batch would be retried forever: that is why RetryPolicy dead-letters a batch
 * past its deadline once other batches get through (the poison-batch rule), shown here
 * with the real server on a virtual clock.
 *
 * Outside CI a missing clickhouse-server skips this file; in CI (CI=true) it fails it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clickhouseCreateTable, createEncoder } from '../src/delivery/encoders/index.js';
import { DeadLetterFile, readDeadLetters } from '../src/delivery/dead-letter.js';
import { HttpSender, type SendResult } from '../src/delivery/http-sender.js';
import { RetryPolicy, SinkHealth, type RetryDecision } from '../src/delivery/retry-policy.js';
import type { EncodedRequest, OutBatch } from '../src/delivery/types.js';
import type { RecordEnvelope, Seal } from '../src/integrity/types.js';
import { verify } from '../src/integrity/verifier.js';
import { startClickHouse, type ClickHouse } from './helpers/clickhouse.js';
import { skipUnlessInstalled } from './helpers/nginx.js';
import { buildStream, testKeys } from './helpers/sealed-stream.js';

/** A request body as text (the native encoder sends a pipeline batch's bytes as they are). */
const bodyText = (b: string | Uint8Array): string => (typeof b === 'string' ? b : Buffer.from(b).toString('utf8'));

function toBatches(lines: string[], sealIdx: number[]): OutBatch[] {
  const out: OutBatch[] = [];
  let from = 0;
  for (const idx of sealIdx) {
    const recordJson = lines.slice(from, idx);
    const sealJson = lines[idx]!;
    const seal = JSON.parse(sealJson) as Seal;
    out.push({
      sid: seal.sid, batch: seal.batch, records: recordJson.map((l) => JSON.parse(l) as RecordEnvelope),
      recordJson, seal, sealJson, bytes: recordJson.reduce((n, l) => n + l.length, sealJson.length),
    });
    from = idx + 1;
  }
  return out;
}

describe.skipIf(skipUnlessInstalled('clickhouse-server'))('HttpSender into ClickHouse', () => {
  let ch: ClickHouse;
  const senders: HttpSender[] = [];
  const encoder = createEncoder('clickhouse', { table: 'logseal' });
  const count = async (): Promise<number> => Number((await ch.query('SELECT count() FROM logseal')).trim());
  const one = (b: OutBatch): EncodedRequest => {
    const reqs = encoder.encode(b);
    expect(reqs).toHaveLength(1);
    return reqs[0]!;
  };

  beforeAll(async () => {
    ch = await startClickHouse();
    // 18.16 has no DateTime64: the encoder's table with a second-precision derived time column.
    await ch.query(clickhouseCreateTable('logseal', { time: 'DateTime' }));
  });
  afterAll(async () => {
    await Promise.all(senders.map((s) => s.close()));
    await ch?.stop();
  });
  const sender = (gzip: boolean): HttpSender => {
    const s = new HttpSender({ url: ch.url, gzip, requestTimeoutMs: 20_000 });
    senders.push(s);
    return s;
  };

  it('inserts sealed batches (plain and gzipped); a SELECT returns every record and seal and they verify', async () => {
    const stream = buildStream(600, [100], true, testKeys());
    const batches = toBatches(stream.lines, stream.sealIdx);
    expect(batches).toHaveLength(6);
    const plain = sender(false);
    const gz = sender(true);
    for (const b of batches) {
      const r = await (b.batch % 2 === 0 ? plain : gz).send(one(b));
      expect(r, JSON.stringify(r)).toMatchObject({ kind: 'ok', status: 200 });
    }
    expect(await count()).toBe(606);
    const rows = (await ch.query(`SELECT line FROM logseal WHERE sid = '${batches[0]!.sid}' ORDER BY batch, kind, seq FORMAT JSONEachRow`))
      .trim().split('\n').map((l) => (JSON.parse(l) as { line: string }).line);
    expect(rows).toEqual(stream.lines);
    const rep = await verify(rows, { keys: stream.keyring, requireFinal: true });
    expect(rep.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(rep.ok).toBe(true);
    expect(rep.records.valid).toBe(600);
    expect(rep.seals.valid).toBe(6);
    // The queryable columns match the lines they were copied from.
    const seqs = await ch.query(`SELECT min(seq), max(seq), uniqExact(seq) FROM logseal WHERE kind = 'record' FORMAT TSV`);
    expect(seqs.trim()).toBe('0\t599\t600');
  });

  it('a malformed row fails the whole insert: 500 (Code: 27) for a wrong type, nothing stored, and it is retryable', async () => {
    const stream = buildStream(20, [20], false, testKeys());
    const [b] = toBatches(stream.lines, stream.sealIdx);
    const req = one(b!);
    const rows = bodyText(req.body).trimEnd().split('\n');
    rows[5] = rows[5]!.replace(/"seq":\d+/, '"seq":"oops"');
    const before = await count();
    const r: SendResult = await sender(false).send({ ...req, body: `${rows.join('\n')}\n` });
    expect(r).toMatchObject({ kind: 'retryable', cause: 'status', status: 500 });
    if (r.kind === 'retryable') expect(r.reason).toMatch(/^HTTP 500: Code: 27, .*Cannot parse input.*\(at row 6\)/);
    expect(await count()).toBe(before);
  });

  it('other malformed rows: an unknown column is 500 (Code: 117), a cut JSON string is 400 (Code: 26, fatal)', async () => {
    const before = await count();
    const unknown = await ch.raw('INSERT INTO logseal FORMAT JSONEachRow', '{"sid":"s","seq":1,"bogus":1}\n');
    expect(unknown.status).toBe(500);
    expect(unknown.body).toMatch(/^Code: 117, .*Unknown field found/);
    const s = sender(false);
    const cut = await s.send({
      path: '/?query=' + encodeURIComponent('INSERT INTO logseal FORMAT JSONEachRow'), method: 'POST', contentType: 'application/x-ndjson',
      body: '{"sid":"s","seq":1,"batch":0,"kind":"record","ts":1,"h":"x","line":"{}"}\n{"sid":"s","seq":2,"batch":0,"kind":"rec\n', items: [],
    });
    expect(cut).toMatchObject({ kind: 'fatal', cause: 'status', status: 400 });
    if (cut.kind === 'fatal') expect(cut.reason).toMatch(/Code: 26, .*Cannot parse JSON string/);
    expect(await count()).toBe(before);
  });

  it('the poison-batch rule with the real server: the malformed batch is dead-lettered once the next batch got in', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'logseal-ch-dl-'));
    try {
      const stream = buildStream(30, [10], false, testKeys());
      const [good1, poison, good2] = toBatches(stream.lines, stream.sealIdx) as [OutBatch, OutBatch, OutBatch];
      const bad = one(poison);
      const badRows = bodyText(bad.body).trimEnd().split('\n');
      badRows[3] = badRows[3]!.replace(/"ts":\d+/, '"ts":"yesterday"');
      const poisonReq = { ...bad, body: `${badRows.join('\n')}\n` };

      let t = 0;
      const policy = new RetryPolicy({ baseMs: 200, capMs: 2_000, deadlineMs: 5_000, random: () => 0.5, clock: () => t });
      const health = new SinkHealth({ clock: () => t });
      const dl = new DeadLetterFile(join(dir, 'dead.ndjson'), { clock: () => t });
      const s = sender(false);
      const before = await count();

      const r1 = await s.send(one(good1));
      health.observe(r1);
      expect(r1.kind).toBe('ok');
      const state = policy.begin();
      const trail: RetryDecision['action'][] = [];
      let probed = false;
      for (let i = 0; i < 100; i++) {
        const r = await s.send(poisonReq);
        health.observe(r);
        const d = policy.decide(state, r, health);
        trail.push(d.action);
        if (d.action === 'dead-letter') {
          await dl.appendBatch(poison, d.reason, d.status);
          break;
        }
        if (d.action === 'done') break;
        t += d.delayMs + 1;
        if (d.action === 'wait' && !probed) {
          // The sink is not known to be healthy since this batch first failed: let the next batch probe it.
          probed = true;
          const r2 = await s.send(one(good2));
          health.observe(r2);
          expect(r2.kind).toBe('ok');
        }
      }
      expect(trail.at(-1)).toBe('dead-letter');
      expect(trail).toContain('wait');
      expect(await count()).toBe(before + 22); // good1 and good2: 10 records + 1 seal each
      await dl.close();
      const [e] = await readDeadLetters(join(dir, 'dead.ndjson'));
      expect(e).toMatchObject({ sid: poison.sid, batch: 1, firstSeq: 10, lastSeq: 19, status: 500 });
      expect(e!.reason).toMatch(/^poison batch: .*Code: 27/);
      // The dead-letter file holds the batch as shipped (native lines), not the broken row.
      expect(e!.lines).toEqual([...poison.recordJson, poison.sealJson]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
