/**
 * Sink encoders (issue 4, "Sink formats"): request shapes against each format's documented
 * wire shape, option validation, partial re-encode, per-item outcomes (Elasticsearch _bulk,
 * OTLP partial success), and the round trip: every item of every format, decoded by its
 * export reader, verifies clean. Batches are real: chained and sealed by StreamSealer.
 */
import { describe, expect, it } from 'vitest';
import { StreamSealer } from '../src/integrity/stream-sealer.js';
import { MemoryStateStore } from '../src/integrity/chain-state.js';
import { canonicalize } from '../src/integrity/canonical-json.js';
import { sealHash, sealPayload } from '../src/integrity/seal.js';
import { verify } from '../src/integrity/verifier.js';
import type { RecordEnvelope, Seal } from '../src/integrity/types.js';
import type { KeyringEntry } from '../src/integrity/keyring.js';
import type { EncodedRequest, ItemRef, OutBatch } from '../src/delivery/types.js';
import { clickhouseCreateTable, createEncoder, ENCODER_FORMATS, type EncoderFormat } from '../src/delivery/encoders/index.js';
import { decodeExport, sortExport } from '../src/delivery/export-readers.js';
import { LogSealError } from '../src/errors.js';
import { testKeys } from './helpers/sealed-stream.js';

/** A request body as text (the native encoder sends a pipeline batch's bytes as they are). */
const bodyText = (b: string | Uint8Array): string => (typeof b === 'string' ? b : Buffer.from(b).toString('utf8'));

type Obj = Record<string, any>;
const T0 = 1_700_000_000_123;

const LEVELS: unknown[] = [10, 20, 30, 40, 50, 60, 'info', 'warn', 'error', 'debug'];
function defaultBody(i: number): unknown {
  return { level: LEVELS[i % LEVELS.length], msg: `request ${i} done: é ✓ 😀 "q" \\ \n`, n: i, f: i + 0.25, req: { id: i, tags: ['a', i % 3, null, true] } };
}

interface Built {
  batches: OutBatch[];
  keyring: KeyringEntry[];
}

/** sizes: records per batch (0 = heartbeat); with `gap`, record 1 of batch 1 is a gap record; the last seal is final. */
function build(sizes: number[], bodyOf: (i: number) => unknown = defaultBody, gap = true): Built {
  const keys = testKeys();
  let t = T0;
  const sealer = new StreamSealer({ signingKey: keys.privateKey, macKey: keys.macKey, clock: () => t++, stateStore: new MemoryStateStore(), service: 'enc-test' });
  const batches: OutBatch[] = [];
  let i = 0;
  sizes.forEach((size, b) => {
    const records: RecordEnvelope[] = [];
    const recordJson: string[] = [];
    for (let k = 0; k < size; k++) {
      const r = gap && b === 1 && k === 1 ? sealer.appendGap({ dropped: 3, reason: 'overflow', tsMin: T0, tsMax: T0 + 1 }) : sealer.append(bodyOf(i++));
      records.push(r.envelope);
      recordJson.push(r.json);
    }
    const s = sealer.seal({ final: b === sizes.length - 1 });
    const bytes = recordJson.reduce((a, l) => a + l.length, s.json.length);
    batches.push({ sid: sealer.sid, batch: s.seal.batch, records, recordJson, seal: s.seal, sealJson: s.json, bytes });
  });
  return { batches, keyring: [{ kid: keys.kid, publicKey: keys.publicKey, macKey: keys.macKey }] };
}

const OPTIONS: Record<EncoderFormat, object> = {
  logseal: {},
  ndjson: {},
  json: {},
  elasticsearch: { index: 'logs-app' },
  loki: { labels: { job: 'api', env: 'test' } },
  splunk: { host: 'web-1', sourcetype: '_json', index: 'audit' },
  datadog: { service: 'api', hostname: 'web-1', ddtags: 'env:test' },
  otlp: { serviceName: 'api', resource: { 'deployment.environment': 'test' } },
  clickhouse: { table: 'audit.logs' },
};

const lines = (body: string): string[] => body.split('\n').filter((l) => l.length > 0);

/** What each sink stores per item, as a consumer of its export would get it back. */
function exported(format: EncoderFormat, req: EncodedRequest): unknown[] {
  switch (format) {
    case 'logseal':
    case 'ndjson':
      return lines(bodyText(req.body));
    case 'json':
      return JSON.parse(bodyText(req.body)) as unknown[];
    case 'elasticsearch': { // search hits: the action's _index and _id, the source line as _source
      const ls = lines(bodyText(req.body)).map((l) => JSON.parse(l) as Obj);
      return ls.filter((_, i) => i % 2 === 1).map((_source, i) => ({ ...ls[2 * i]!.create, _source }));
    }
    case 'loki': // [ns, line] pairs, as query_range returns them
      return (JSON.parse(bodyText(req.body)) as Obj).streams.flatMap((s: Obj) => s.values);
    case 'splunk': // the HEC event objects
      return lines(bodyText(req.body)).map((l) => JSON.parse(l));
    case 'datadog':
      return JSON.parse(bodyText(req.body)) as unknown[];
    case 'otlp':
      return (JSON.parse(bodyText(req.body)) as Obj).resourceLogs.flatMap((r: Obj) => r.scopeLogs.flatMap((s: Obj) => s.logRecords));
    case 'clickhouse': // JSONEachRow rows
      return lines(bodyText(req.body)).map((l) => JSON.parse(l));
  }
}

function expectedItems(b: OutBatch): (RecordEnvelope | Seal)[] {
  return [...b.records, b.seal];
}

function refsOf(b: OutBatch): ItemRef[] {
  return [...b.records.map((r) => ({ kind: 'record' as const, seq: r.seq })), { kind: 'seal' as const, batch: b.batch }];
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof LogSealError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error';
}

describe('createEncoder: formats and options', () => {
  it('knows exactly the nine formats of issue 4', () => {
    expect([...ENCODER_FORMATS]).toEqual(['logseal', 'ndjson', 'json', 'elasticsearch', 'loki', 'splunk', 'datadog', 'otlp', 'clickhouse']);
    for (const f of ENCODER_FORMATS) expect(createEncoder(f, OPTIONS[f] as never).format).toBe(f);
  });

  it('rejects unknown formats and option names, naming them', () => {
    expect(code(() => createEncoder('kafka', {}))).toMatch(/^LOGSEAL_ERR_INVALID_OPTION: option "format"/);
    expect(code(() => createEncoder('loki', { lables: { a: 'b' } }))).toBe('LOGSEAL_ERR_INVALID_OPTION: unknown option "loki.lables"');
    expect(code(() => createEncoder('ndjson', { index: 'x' }))).toBe('LOGSEAL_ERR_INVALID_OPTION: unknown option "ndjson.index"');
    expect(code(() => createEncoder('otlp', 'x' as never))).toMatch(/option "options" must be an object/);
  });

  it('validates each option by name at construction', () => {
    const bad: [string, object, RegExp][] = [
      ['elasticsearch', {}, /"elasticsearch.index" must be given/],
      ['elasticsearch', { index: 'Logs' }, /"elasticsearch.index"/],
      ['elasticsearch', { index: '_hidden' }, /"elasticsearch.index"/],
      ['elasticsearch', { index: 'a/b' }, /"elasticsearch.index"/],
      ['elasticsearch', { index: '..' }, /"elasticsearch.index"/],
      ['elasticsearch', { index: 'a'.repeat(256) }, /"elasticsearch.index"/],
      ['elasticsearch', { index: 'ok', pipeline: 3 }, /"elasticsearch.pipeline"/],
      ['loki', { labels: { __name__: 'x' } }, /"loki.labels"/],
      ['loki', { labels: { 'bad-name': 'x' } }, /"loki.labels"/],
      ['loki', { labels: { job: '' } }, /"loki.labels.job"/],
      ['loki', { labels: {} }, /"loki.labels" must be at least one label/],
      ['loki', { sidLabel: 'yes' }, /"loki.sidLabel" must be a boolean/],
      ['splunk', { channel: 'not-a-guid' }, /"splunk.channel" must be a GUID/],
      ['splunk', { host: 42 }, /"splunk.host"/],
      ['datadog', { maxEntries: 1001 }, /"datadog.maxEntries" must be an integer from 1 to 1000/],
      ['datadog', { maxBytes: 5_000_001 }, /"datadog.maxBytes" must be an integer from 1024 to 5000000/],
      ['otlp', { resource: { 'a b': 'x' } }, /"otlp.resource"/],
      ['otlp', { resource: { 'service.name': 'x' } }, /"otlp.resource" must be without 'service.name'/],
      ['clickhouse', { table: 'logs; DROP TABLE users' }, /"clickhouse.table" must be an identifier/],
      ['clickhouse', { table: 'a.b.c' }, /"clickhouse.table"/],
      ['clickhouse', { table: '`x`' }, /"clickhouse.table"/],
    ];
    for (const [f, o, re] of bad) expect(code(() => createEncoder(f, o)), `${f} ${JSON.stringify(o)}`).toMatch(re);
  });

  it('never mutates or keeps the caller options', () => {
    const { batches } = build([2]);
    const labels: Record<string, string> = { job: 'api' };
    const frozen = Object.freeze({ labels: Object.freeze({ ...labels }), sidLabel: true });
    expect(() => createEncoder('loki', frozen)).not.toThrow(); // any write to a frozen object throws in ESM
    const enc = createEncoder('loki', { labels });
    const before = bodyText(enc.encode(batches[0]!)[0]!.body);
    labels.job = 'changed';
    labels.extra = 'x';
    expect(bodyText(enc.encode(batches[0]!)[0]!.body)).toBe(before);
    const batchCopy = JSON.stringify(batches[0]);
    for (const f of ENCODER_FORMATS) createEncoder(f, OPTIONS[f] as never).encode(batches[0]!);
    expect(JSON.stringify(batches[0])).toBe(batchCopy);
  });
});

describe('request shapes', () => {
  const { batches } = build([5, 4, 0, 3]);
  const b0 = batches[0]!;
  const b1 = batches[1]!; // holds a gap record

  it('logseal and ndjson: the canonical lines then the seal line, LF-terminated', () => {
    for (const f of ['logseal', 'ndjson'] as const) {
      const reqs = createEncoder(f).encode(b0);
      expect(reqs).toHaveLength(1);
      expect(reqs[0]).toMatchObject({ path: '', method: 'POST', contentType: 'application/x-ndjson' });
      expect(reqs[0]!.body).toBe([...b0.recordJson, b0.sealJson].join('\n') + '\n');
      expect(reqs[0]!.items).toEqual(refsOf(b0));
    }
  });

  it('json: one array of the envelopes then the seal', () => {
    const [req] = createEncoder('json').encode(b1);
    expect(req).toMatchObject({ path: '', contentType: 'application/json' });
    expect(JSON.parse(bodyText(req!.body))).toEqual(expectedItems(b1));
  });

  it('elasticsearch: _bulk create actions with stable ids and @timestamp', () => {
    const [req] = createEncoder('elasticsearch', { index: 'logs-app', pipeline: 'my pipe' }).encode(b1);
    expect(req).toMatchObject({ path: '/_bulk?pipeline=my%20pipe', method: 'POST', contentType: 'application/x-ndjson' });
    expect(bodyText(req!.body).endsWith('\n')).toBe(true);
    const ls = lines(bodyText(req!.body)).map((l) => JSON.parse(l));
    expect(ls).toHaveLength(2 * (b1.records.length + 1));
    const ids = b1.records.map((r) => `${b1.sid}:${r.seq}`).concat(`${b1.sid}:seal:${b1.batch}`);
    expect(ls.filter((_, i) => i % 2 === 0)).toEqual(ids.map((_id) => ({ create: { _index: 'logs-app', _id } })));
    const docs = ls.filter((_, i) => i % 2 === 1);
    expect(docs.map((d) => d['@timestamp'])).toEqual([...b1.records.map((r) => r.ts), b1.seal.sealedAt].map((t) => new Date(t).toISOString()));
    expect(docs.map(({ '@timestamp': _, ...rest }) => rest)).toEqual(expectedItems(b1));
    expect(createEncoder('elasticsearch', { index: 'logs-app' }).encode(b1)[0]!.path).toBe('/_bulk');
  });

  it('loki: one stream, ns timestamps as strings, canonical lines', () => {
    const enc = createEncoder('loki', { labels: { job: 'api' }, sidLabel: true, tenant: 'team-a' });
    const [req] = enc.encode(b1);
    expect(req).toMatchObject({ path: '/loki/api/v1/push', contentType: 'application/json', headers: { 'X-Scope-OrgID': 'team-a' } });
    const push = JSON.parse(bodyText(req!.body)) as Obj;
    expect(push.streams).toHaveLength(1);
    expect(push.streams[0].stream).toEqual({ job: 'api', logseal_sid: b1.sid });
    const ts = [...b1.records.map((r) => r.ts), b1.seal.sealedAt];
    expect(push.streams[0].values).toEqual(ts.map((t, i) => [(BigInt(t) * 1_000_000n).toString(), [...b1.recordJson, b1.sealJson][i]]));
    const plain = JSON.parse(bodyText(createEncoder('loki').encode(b0)[0]!.body)) as Obj;
    expect(plain.streams[0].stream).toEqual({ job: 'logseal' });
    expect(createEncoder('loki').encode(b0)[0]!.headers).toBeUndefined();
  });

  it('splunk: concatenated HEC events, time in seconds with exact milliseconds', () => {
    const channel = '0b6a8c2e-3f6d-4b8a-9c1e-2d7f5a4b3c21';
    const [req] = createEncoder('splunk', { host: 'web-1', source: 'app', sourcetype: '_json', index: 'audit', channel }).encode(b0);
    expect(req).toMatchObject({ path: '/services/collector/event', contentType: 'application/json', headers: { 'X-Splunk-Request-Channel': channel } });
    const raw = lines(bodyText(req!.body));
    expect(raw[0]).toMatch(new RegExp(`^\\{"time":${Math.floor(b0.records[0]!.ts / 1000)}\\.${String(b0.records[0]!.ts % 1000).padStart(3, '0')},`));
    const events = raw.map((l) => JSON.parse(l));
    expect(events.map((e) => e.time * 1000)).toEqual([...b0.records.map((r) => r.ts), b0.seal.sealedAt]);
    for (const e of events) expect(e).toMatchObject({ host: 'web-1', source: 'app', sourcetype: '_json', index: 'audit' });
    expect(events.map((e) => e.event)).toEqual(expectedItems(b0));
  });

  it('datadog: a JSON array of entries whose message is the canonical line', () => {
    const [req] = createEncoder('datadog', { service: 'api', hostname: 'web-1', ddtags: 'env:test' }).encode(b0);
    expect(req).toMatchObject({ path: '/api/v2/logs', contentType: 'application/json' });
    const entries = JSON.parse(bodyText(req!.body)) as Obj[];
    expect(entries).toEqual([...b0.recordJson, b0.sealJson].map((message) => ({ ddsource: 'logseal', ddtags: 'env:test', hostname: 'web-1', service: 'api', message })));
  });

  it('otlp: resourceLogs / scopeLogs / logRecords with severities and logseal attributes', () => {
    const [req] = createEncoder('otlp', { serviceName: 'api', resource: { 'deployment.environment': 'test' } }).encode(b1);
    expect(req).toMatchObject({ path: '/v1/logs', contentType: 'application/json' });
    const msg = JSON.parse(bodyText(req!.body)) as Obj;
    expect(msg.resourceLogs).toHaveLength(1);
    expect(msg.resourceLogs[0].resource.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 'api' } },
      { key: 'deployment.environment', value: { stringValue: 'test' } },
    ]);
    expect(msg.resourceLogs[0].scopeLogs[0].scope).toEqual({ name: 'logseal' });
    const recs = msg.resourceLogs[0].scopeLogs[0].logRecords as Obj[];
    const observed = `${b1.seal.sealedAt}000000`;
    b1.records.forEach((r, i) => {
      const lr = recs[i]!;
      expect(lr.timeUnixNano).toBe(`${r.ts}000000`);
      expect(lr.observedTimeUnixNano).toBe(observed);
      expect(lr.body).toEqual({ stringValue: b1.recordJson[i] });
      expect(lr.attributes).toEqual([
        { key: 'logseal.sid', value: { stringValue: b1.sid } },
        { key: 'logseal.seq', value: { intValue: String(r.seq) } },
        { key: 'logseal.batch', value: { intValue: String(b1.batch) } },
        { key: 'logseal.kind', value: { stringValue: r.kind === 'gap' ? 'gap' : 'record' } },
      ]);
    });
    // defaultBody levels: seq 5 -> 'info' string (gap at seq 6), seq 7 -> 'warn' ... see LEVELS
    const sev = recs.map((lr) => [lr.severityNumber, lr.severityText]);
    expect(sev[1]).toEqual([13, 'WARN']); // the gap record
    expect(sev.at(-1)).toEqual([9, 'INFO']); // the seal
    expect(recs.at(-1)!.attributes).toEqual([
      { key: 'logseal.sid', value: { stringValue: b1.sid } },
      { key: 'logseal.batch', value: { intValue: String(b1.batch) } },
      { key: 'logseal.kind', value: { stringValue: 'seal' } },
    ]);
  });

  it('otlp: pino numeric levels and winston names map to OTel severity numbers', () => {
    const { batches: bs } = build([LEVELS.length]);
    const recs = (JSON.parse(bodyText(createEncoder('otlp').encode(bs[0]!)[0]!.body)) as Obj).resourceLogs[0].scopeLogs[0].logRecords as Obj[];
    expect(recs.slice(0, LEVELS.length).map((lr) => [lr.severityNumber, lr.severityText])).toEqual([
      [1, 'TRACE'], [5, 'DEBUG'], [9, 'INFO'], [13, 'WARN'], [17, 'ERROR'], [21, 'FATAL'],
      [9, 'info'], [13, 'warn'], [17, 'error'], [5, 'debug'],
    ]);
    const { batches: nolevel } = build([1], () => ({ msg: 'no level' }));
    const lr = (JSON.parse(bodyText(createEncoder('otlp').encode(nolevel[0]!)[0]!.body)) as Obj).resourceLogs[0].scopeLogs[0].logRecords[0];
    expect(lr.severityNumber).toBeUndefined();
    expect((JSON.parse(bodyText(createEncoder('otlp').encode(nolevel[0]!)[0]!.body)) as Obj).resourceLogs[0].resource.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 'unknown_service' } },
    ]);
  });

  it('clickhouse: INSERT ... FORMAT JSONEachRow rows; seal rows carry lastSeq and the seal hash', () => {
    const [req] = createEncoder('clickhouse', { table: 'audit.logs' }).encode(b1);
    expect(req).toMatchObject({ path: '/?query=INSERT%20INTO%20audit.logs%20FORMAT%20JSONEachRow', method: 'POST' });
    const rows = lines(bodyText(req!.body)).map((l) => JSON.parse(l));
    expect(rows.slice(0, -1)).toEqual(b1.records.map((r, i) => ({
      sid: b1.sid, seq: r.seq, batch: b1.batch, kind: r.kind === 'gap' ? 'gap' : 'record', ts: r.ts, h: r.h, line: b1.recordJson[i],
    })));
    const sealRow = rows.at(-1);
    expect(sealRow).toEqual({ sid: b1.sid, seq: b1.seal.lastSeq, batch: b1.batch, kind: 'seal', ts: b1.seal.sealedAt, h: sealHash(sealPayload(b1.seal)), line: b1.sealJson });
    expect(sealRow.h).toBe(batches[2]!.seal.prevSeal); // the next seal links to it
    const hb = lines(bodyText(createEncoder('clickhouse').encode(batches[2]!)[0]!.body)).map((l) => JSON.parse(l));
    expect(hb).toHaveLength(1);
    expect(hb[0]).toMatchObject({ kind: 'seal', seq: batches[2]!.seal.lastSeq, batch: 2 });
    expect(createEncoder('clickhouse').encode(b0)[0]!.path).toBe('/?query=INSERT%20INTO%20logseal%20FORMAT%20JSONEachRow');
  });

  it('clickhouseCreateTable: the table for those rows, DateTime64 or DateTime time column', () => {
    const sql = clickhouseCreateTable('audit.logs');
    expect(sql).toMatch(/^CREATE TABLE IF NOT EXISTS audit\.logs\n\(/);
    for (const col of ['sid   String', 'seq   Int64', 'batch UInt64', "kind  Enum8('record' = 1, 'gap' = 2, 'seal' = 3)", 'ts    Int64', 'h     String', 'line  String']) {
      expect(sql).toContain(col);
    }
    expect(sql).toContain("time  DateTime64(3, 'UTC') MATERIALIZED fromUnixTimestamp64Milli(ts, 'UTC')");
    expect(sql).toContain('ORDER BY (sid, batch, seq, kind)');
    expect(clickhouseCreateTable('t', { time: 'DateTime' })).toContain("time  DateTime('UTC') MATERIALIZED toDateTime(intDiv(ts, 1000), 'UTC')");
    expect(clickhouseCreateTable()).toMatch(/^CREATE TABLE IF NOT EXISTS logseal\n/);
    expect(code(() => clickhouseCreateTable('x;DROP'))).toMatch(/option "table" must be an identifier/);
    expect(code(() => clickhouseCreateTable('t', { time: 'Date' as never }))).toMatch(/clickhouseCreateTable.time/);
  });
});

describe('datadog limits', () => {
  const bodyBytes = (r: EncodedRequest): number => Buffer.byteLength(bodyText(r.body), 'utf8');

  it('splits at 1,000 entries per request, in order', () => {
    const { batches } = build([2500], (i) => ({ level: 30, msg: `m${i}` }));
    const b = batches[0]!;
    const reqs = createEncoder('datadog').encode(b);
    expect(reqs.map((r) => r.items.length)).toEqual([1000, 1000, 501]);
    expect(reqs.flatMap((r) => r.items)).toEqual(refsOf(b));
    expect(reqs.flatMap((r) => (JSON.parse(bodyText(r.body)) as Obj[]).map((e) => e.message))).toEqual([...b.recordJson, b.sealJson]);
    expect(createEncoder('datadog', { maxEntries: 10 }).encode(b)).toHaveLength(251);
  });

  it('splits at 5,000,000 bytes per payload, filling each request greedily', () => {
    const { batches } = build([20], (i) => ({ level: 30, msg: 'é'.repeat(150_000) + String(i) })); // ~300 kB of UTF-8 each
    const b = batches[0]!;
    const reqs = createEncoder('datadog').encode(b);
    expect(reqs.length).toBeGreaterThan(1);
    expect(reqs.flatMap((r) => r.items)).toEqual(refsOf(b));
    const entrySize = (r: EncodedRequest, i: number): number => Buffer.byteLength(JSON.stringify((JSON.parse(bodyText(r.body)) as Obj[])[i]), 'utf8');
    reqs.forEach((r, k) => {
      expect(bodyBytes(r)).toBeLessThanOrEqual(5_000_000);
      const next = reqs[k + 1];
      if (next !== undefined) expect(bodyBytes(r) + 1 + entrySize(next, 0)).toBeGreaterThan(5_000_000); // the next entry did not fit
    });
  });

  it('a log over 1 MB is a coded error naming it, never truncated or dropped', () => {
    const { batches } = build([3], (i) => ({ level: 30, msg: i === 1 ? 'x'.repeat(1_000_000) : 'small' }));
    const b = batches[0]!;
    expect(code(() => createEncoder('datadog').encode(b))).toMatch(new RegExp(`^LOGSEAL_ERR_ENCODE_LIMIT: datadog: record seq 1 of stream ${b.sid} is \\d+ bytes`));
    // the other items can still be sent on their own
    const rest = createEncoder('datadog').encode(b, [{ kind: 'record', seq: 0 }, { kind: 'record', seq: 2 }, { kind: 'seal', batch: 0 }]);
    expect(rest.flatMap((r) => r.items)).toHaveLength(3);
  });
});

describe('partial re-encode (only)', () => {
  const { batches } = build([6, 3]);
  const b = batches[0]!;
  const only: ItemRef[] = [{ kind: 'seal', batch: b.batch }, { kind: 'record', seq: 4 }, { kind: 'record', seq: 1 }, { kind: 'record', seq: 4 }];

  it('every format emits only the listed items, in batch order, exactly as in the full encode', () => {
    for (const f of ENCODER_FORMATS) {
      const enc = createEncoder(f, OPTIONS[f] as never);
      const full = enc.encode(b);
      const part = enc.encode(b, only);
      const want: ItemRef[] = [{ kind: 'record', seq: 1 }, { kind: 'record', seq: 4 }, { kind: 'seal', batch: b.batch }];
      expect(part.flatMap((r) => r.items), f).toEqual(want);
      const fullItems = full.flatMap((r) => exported(f, r));
      const pick = [1, 4, b.records.length];
      expect(part.flatMap((r) => exported(f, r)), f).toEqual(pick.map((i) => fullItems[i]));
      expect(enc.encode(b, []), f).toEqual([]);
    }
  });

  it('elasticsearch resends keep the same _id for each item', () => {
    const enc = createEncoder('elasticsearch', { index: 'logs-app' });
    const actions = (r: EncodedRequest): string[] => lines(bodyText(r.body)).filter((_, i) => i % 2 === 0);
    const full = actions(enc.encode(b)[0]!);
    expect(actions(enc.encode(b, only)[0]!)).toEqual([full[1], full[4], full[b.records.length]]);
  });

  it('an item that is not in the batch is a caller bug', () => {
    const enc = createEncoder('ndjson');
    expect(code(() => enc.encode(b, [{ kind: 'record', seq: 99 }]))).toMatch(/option "only"/);
    expect(code(() => enc.encode(b, [{ kind: 'seal', batch: 1 }]))).toMatch(/option "only"/);
    expect(code(() => enc.encode(batches[1]!, [{ kind: 'record', seq: 0 }]))).toMatch(/option "only"/);
  });
});

describe('readItems: per-item outcomes', () => {
  const { batches } = build([5]);
  const b = batches[0]!;
  const es = createEncoder('elasticsearch', { index: 'logs-app' });
  const req = es.encode(b)[0]!;

  it('elasticsearch: 201 and 409 succeed, 429 and 5xx retry, other 4xx do not', () => {
    const item = (status: number, error?: Obj) => ({ create: { _index: 'logs-app', _id: 'x', status, ...(error ? { error } : {}) } });
    const body = JSON.stringify({
      took: 30,
      errors: true,
      items: [
        item(201),
        item(409, { type: 'version_conflict_engine_exception', reason: '[x]: version conflict, document already exists (current version [1])' }),
        item(429, { type: 'es_rejected_execution_exception', reason: 'rejected execution of coordinating operation' }),
        item(400, { type: 'mapper_parsing_exception', reason: "failed to parse field [body.req] of type [long]" }),
        item(503, { type: 'unavailable_shards_exception', reason: 'primary shard is not active' }),
        item(201),
      ],
    });
    const out = es.readItems!(req, 200, body);
    expect(out.failed).toEqual([
      { index: 2, status: 429, retryable: true, reason: 'es_rejected_execution_exception: rejected execution of coordinating operation' },
      { index: 3, status: 400, retryable: false, reason: 'mapper_parsing_exception: failed to parse field [body.req] of type [long]' },
      { index: 4, status: 503, retryable: true, reason: 'unavailable_shards_exception: primary shard is not active' },
    ]);
    // resending the retryable ones: same items, same ids
    const retry = es.encode(b, out.failed.filter((f) => f.retryable).map((f) => req.items[f.index]!))[0]!;
    expect(retry.items).toEqual([req.items[2], req.items[4]]);
    const ids = (r: EncodedRequest) => lines(bodyText(r.body)).filter((_, i) => i % 2 === 0).map((l) => JSON.parse(l).create._id);
    expect(ids(retry)).toEqual([ids(req)[2], ids(req)[4]]);
  });

  it('elasticsearch: a clean answer, a filtered one, and unreadable ones', () => {
    const ok = { took: 3, errors: false, items: req.items.map(() => ({ create: { status: 201 } })) };
    expect(es.readItems!(req, 200, JSON.stringify(ok))).toEqual({ failed: [] });
    expect(es.readItems!(req, 200, '{"errors":false}')).toEqual({ failed: [] }); // filter_path=errors
    for (const bad of ['<html>proxy</html>', '{"errors":true,"items":[{"create":{"status":201}}]}', '{"errors":true}']) {
      const out = es.readItems!(req, 200, bad);
      expect(out.failed.map((f) => f.index)).toEqual(req.items.map((_, i) => i));
      expect(out.failed.every((f) => f.retryable)).toBe(true); // creates are idempotent: resending is safe
    }
  });

  it('otlp: partialSuccess.rejectedLogRecords is a non-retryable, unattributed loss', () => {
    const otlp = createEncoder('otlp');
    const oreq = otlp.encode(b)[0]!;
    for (const okBody of ['', '{}', '{"partialSuccess":{}}', '{"partialSuccess":{"rejectedLogRecords":"0"}}']) {
      expect(otlp.readItems!(oreq, 200, okBody)).toMatchObject({ failed: [], rejected: 0 });
    }
    const out = otlp.readItems!(oreq, 200, '{"partialSuccess":{"rejectedLogRecords":"2","errorMessage":"2 records too old"}}') as Obj;
    expect(out.rejected).toBe(2);
    expect(out.failed).toHaveLength(oreq.items.length);
    for (const f of out.failed) {
      expect(f).toMatchObject({ status: 200, retryable: false });
      expect(f.reason).toBe(`OTLP partial success: 2 of ${oreq.items.length} log records rejected, unattributed: 2 records too old`);
    }
    expect((otlp.readItems!(oreq, 200, '{"partialSuccess":{"rejectedLogRecords":3}}') as Obj).rejected).toBe(3);
  });

  it('formats that answer for the whole request have no readItems', () => {
    for (const f of ['logseal', 'ndjson', 'json', 'loki', 'splunk', 'datadog', 'clickhouse'] as const) {
      expect(createEncoder(f, OPTIONS[f] as never).readItems, f).toBeUndefined();
    }
  });
});

describe('round trip: export readers + verify()', () => {
  // heartbeat (count 0) batches and a final seal; two streams interleaved below
  const a = build([7, 5, 0, 0, 3, 1], defaultBody, false);
  const keys = a.keyring;

  it('every item of every format decodes to the exact record or seal, and the export verifies clean', async () => {
    for (const f of ENCODER_FORMATS) {
      const enc = createEncoder(f, OPTIONS[f] as never);
      const decoded: (RecordEnvelope | Seal)[] = [];
      for (const b of a.batches) {
        const items = enc.encode(b).flatMap((r) => exported(f, r));
        const back = items.map((it) => decodeExport(f, it));
        expect(back, f).toStrictEqual(expectedItems(b));
        // the text form of each item decodes the same (what a file export holds)
        if (f !== 'loki') expect(items.map((it) => decodeExport(f, typeof it === 'string' ? it : JSON.stringify(it))), f).toStrictEqual(back);
        decoded.push(...back);
      }
      const rep = await verify(decoded, { keys, requireFinal: true });
      expect(rep.findings, f).toEqual([]);
      expect(rep.ok, f).toBe(true);
      expect(rep.records, f).toEqual({ total: 16, valid: 16 });
      expect(rep.seals, f).toEqual({ total: 6, valid: 6 });
    }
  });

  it('a gap record round-trips too: the only finding is the producer drop it records', async () => {
    const g = build([2, 3, 1]);
    expect(g.batches[1]!.records[1]!.kind).toBe('gap');
    for (const f of ENCODER_FORMATS) {
      const enc = createEncoder(f, OPTIONS[f] as never);
      const decoded = g.batches.flatMap((b) => enc.encode(b).flatMap((r) => exported(f, r)).map((it) => decodeExport(f, it)));
      expect(decoded, f).toStrictEqual(g.batches.flatMap(expectedItems));
      const rep = await verify(decoded, { keys: g.keyring, requireFinal: true });
      expect(rep.ok, f).toBe(true);
      expect(rep.findings.map((x) => [x.code, x.seq]), f).toEqual([['PRODUCER_DROPPED', 3]]);
    }
  });

  it('decoded items keep their canonical form byte for byte', () => {
    for (const f of ENCODER_FORMATS) {
      const b = a.batches[1]!;
      const items = createEncoder(f, OPTIONS[f] as never).encode(b).flatMap((r) => exported(f, r));
      expect(items.map((it) => canonicalize(decodeExport(f, it))), f).toEqual([...b.recordJson, b.sealJson]);
    }
  });

  it('a changed item still decodes, and the verifier names the change', async () => {
    const enc = createEncoder('elasticsearch', OPTIONS.elasticsearch as never);
    const hits = a.batches.flatMap((b) => enc.encode(b).flatMap((r) => exported('elasticsearch', r))) as Obj[];
    const tampered = hits.map((h, i) => (i === 2 ? { ...h, _source: { ...h._source, body: { ...h._source.body, msg: 'edited' } } } : h));
    const rep = await verify(tampered.map((h) => decodeExport('elasticsearch', h)), { keys, requireFinal: true });
    expect(rep.ok).toBe(false);
    expect(rep.findings.map((x) => [x.code, x.seq])).toContainEqual(['RECORD_MODIFIED', 2]);
  });

  it('sortExport restores the verifier order of a shuffled, duplicated, two-stream export', async () => {
    const c = build([4, 0, 2], defaultBody, false);
    const loki = createEncoder('loki');
    const pairs = [...a.batches, ...c.batches].flatMap((b) => loki.encode(b).flatMap((r) => exported('loki', r))) as [string, string][];
    // Loki returns newest first (direction=backward); at-least-once left two items twice
    const answer = [...pairs].reverse();
    answer.splice(3, 0, pairs[5]!);
    answer.push(pairs[0]!);
    const decoded = answer.map((p) => decodeExport('loki', p));
    const unsorted = await verify(decoded, { keys, requireFinal: true });
    expect(unsorted.ok).toBe(false);
    const sorted = sortExport(decoded);
    expect(sorted).toHaveLength(pairs.length);
    const rep = await verify(sorted, { keys, requireFinal: true });
    expect(rep.findings).toEqual([]);
    // streams in order of first appearance (the reversed answer starts with stream c)
    expect(rep.streams.map((s) => s.sid)).toEqual([c.batches[0]!.sid, a.batches[0]!.sid]);
    expect(rep.records.total).toBe(16 + 6);
    // without dedupe the duplicates stay, and the verifier reports them
    const dup = await verify(sortExport(decoded, { dedupe: false }), { keys, requireFinal: true });
    expect(dup.ok).toBe(false);
  });

  it('datadog: an event from the Logs Search API, its JSON message parsed into attributes, rebuilds exactly', () => {
    const b = a.batches[1]!;
    for (const item of expectedItems(b)) {
      const event = { id: 'AQAAAYx', type: 'log', attributes: { service: 'api', host: 'web-1', status: 'info', tags: ['env:test'], timestamp: '2023-11-14T22:13:20.123Z', message: '', attributes: { ...item, service: 'api', hostname: 'web-1' } } };
      expect(decodeExport('datadog', event)).toStrictEqual(item);
      const withMessage = { attributes: { message: canonicalize(item), attributes: {} } };
      expect(decodeExport('datadog', withMessage)).toStrictEqual(item);
    }
  });

  it('readers accept the other shapes a sink hands back', () => {
    const b = a.batches[0]!;
    const r0 = b.records[0]!;
    const line = b.recordJson[0]!;
    expect(decodeExport('loki', line)).toStrictEqual(r0);
    expect(decodeExport('loki', { line })).toStrictEqual(r0);
    expect(decodeExport('clickhouse', line)).toStrictEqual(r0);
    expect(decodeExport('otlp', line)).toStrictEqual(r0);
    expect(decodeExport('splunk', line)).toStrictEqual(r0); // Splunk's _raw
    expect(decodeExport('elasticsearch', { '@timestamp': 'x', ...r0 })).toStrictEqual(r0); // a bare _source
    expect(decodeExport('json', r0)).toBe(r0);
  });

  it('readers never mutate what they are given', () => {
    const b = a.batches[0]!;
    const hit = Object.freeze({ _id: 'x', _source: Object.freeze({ '@timestamp': '2023-11-14T22:13:20.123Z', ...b.records[0]! }) });
    expect(decodeExport('elasticsearch', hit)).toStrictEqual(b.records[0]);
    expect(hit._source['@timestamp']).toBe('2023-11-14T22:13:20.123Z');
  });

  it('an item that holds no LogSeal record or seal is a coded error; an unknown format too', () => {
    for (const [f, item] of [
      ['ndjson', 'not json'],
      ['json', { hello: 1 }],
      ['elasticsearch', { _source: { '@timestamp': 'x', message: 'plain log' } }],
      ['loki', ['1700000000000000000', 'plain text line']],
      ['loki', 42],
      ['splunk', { time: 1, event: 'plain' }],
      ['datadog', { message: 'plain' }],
      ['otlp', { body: { stringValue: '{"a":1}' } }],
      ['clickhouse', { line: '[]' }],
    ] as const) {
      expect(code(() => decodeExport(f, item)), f).toMatch(new RegExp(`^LOGSEAL_ERR_EXPORT_FORMAT: ${f}: `));
    }
    expect(code(() => decodeExport('kafka', '{}'))).toMatch(/^LOGSEAL_ERR_INVALID_OPTION: option "format"/);
  });
});
