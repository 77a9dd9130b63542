/**
 * HttpSender against a real node:http sink on 127.0.0.1: every answer class, Retry-After,
 * timeouts, resets, garbage, gzip, auth and custom headers, keep-alive reuse, the
 * response-size cap, and option validation.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { gunzipSync, gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { Agent } from 'undici';
import { HttpSender, type HttpSenderOptions, type SendResult } from '../src/delivery/http-sender.js';
import type { EncodedRequest } from '../src/delivery/types.js';
import { LogSealError } from '../src/errors.js';
import { startTestSink, type TestSink } from './helpers/test-sink.js';

const gzipped = promisify(gzip);

const req = (body = '{"a":1}\n', extra: Partial<EncodedRequest> = {}): EncodedRequest => ({
  path: '/ingest',
  method: 'POST',
  contentType: 'application/x-ndjson',
  body,
  items: [{ kind: 'record', seq: 0 }],
  ...extra,
});

let sink: TestSink;
const senders: HttpSender[] = [];
function sender(opts: Partial<HttpSenderOptions> = {}): HttpSender {
  const s = new HttpSender({ url: sink.url, ...opts });
  senders.push(s);
  return s;
}

beforeEach(async () => {
  sink = await startTestSink();
});
afterEach(async () => {
  await Promise.all(senders.splice(0).map((s) => s.close()));
  await sink.stop();
});

function expectKind<K extends SendResult['kind']>(r: SendResult, kind: K): Extract<SendResult, { kind: K }> {
  expect(r.kind, JSON.stringify(r)).toBe(kind);
  return r as Extract<SendResult, { kind: K }>;
}

describe('HttpSender: answers', () => {
  it('2xx is ok, with the body text; the request arrives as encoded', async () => {
    sink.reply({ status: 200, body: '{"took":3,"errors":false}' });
    const r = expectKind(await sender().send(req('line1\nline2\n')), 'ok');
    expect(r).toMatchObject({ status: 200, body: '{"took":3,"errors":false}', truncated: false, bytesSent: 12 });
    const got = sink.requests[0]!;
    expect(got).toMatchObject({ method: 'POST', url: '/ingest', body: 'line1\nline2\n' });
    expect(got.headers['content-type']).toBe('application/x-ndjson');
    expect(got.headers['content-length']).toBe('12');
  });

  it('204 and 202 are ok with an empty body', async () => {
    sink.reply({ status: 204, body: '' }, { status: 202, body: '' });
    const s = sender();
    expect(expectKind(await s.send(req()), 'ok').status).toBe(204);
    expect(expectKind(await s.send(req()), 'ok').status).toBe(202);
  });

  it('a 200 with a body that is not JSON is still ok: reading items is the encoder\'s job', async () => {
    sink.reply({ status: 200, body: '{"items": [nope' });
    expect(expectKind(await sender().send(req()), 'ok').body).toBe('{"items": [nope');
  });

  it('joins the base path and query with the request path and query', async () => {
    const s = sender({ url: `${sink.url}/api/v2/?db=logs` });
    await s.send(req('x', { path: '/write?precision=ms' }));
    await s.send(req('x', { path: '' }));
    await s.send(req('x', { path: '?query=INSERT%20INTO%20t%20FORMAT%20JSONEachRow', method: 'PUT' }));
    expect(sink.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /api/v2/write?db=logs&precision=ms',
      'POST /api/v2?db=logs',
      'PUT /api/v2?db=logs&query=INSERT%20INTO%20t%20FORMAT%20JSONEachRow',
    ]);
  });

  it.each([500, 502, 503, 504, 408, 429])('%i is retryable, with the body in the reason', async (status) => {
    sink.reply({ status, body: `busy ${status}` });
    const r = expectKind(await sender().send(req()), 'retryable');
    expect(r).toMatchObject({ cause: 'status', status, reason: `HTTP ${status}: busy ${status}` });
    expect(r.retryAfterMs).toBeUndefined();
  });

  it.each([400, 401, 403, 404, 405, 409, 413, 422, 302])('%i is fatal, with the body kept for the dead-letter reason', async (status) => {
    sink.reply({ status, body: `no: ${status}` });
    const r = expectKind(await sender().send(req()), 'fatal');
    expect(r).toMatchObject({ cause: 'status', status, reason: `HTTP ${status}: no: ${status}`, body: `no: ${status}` });
  });

  it('the retry set is configurable: only the listed statuses are retried', async () => {
    sink.reply({ status: 500 }, { status: 503 }, { status: 429 });
    const s = sender({ retryStatuses: [503] });
    expect(expectKind(await s.send(req()), 'fatal').status).toBe(500);
    expect(expectKind(await s.send(req()), 'retryable').status).toBe(503);
    expect(expectKind(await s.send(req()), 'fatal').status).toBe(429);
  });
});

describe('HttpSender: Retry-After', () => {
  it('parses delay-seconds', async () => {
    sink.reply({ status: 429, headers: { 'retry-after': '2' } }, { status: 503, headers: { 'retry-after': '0' } });
    const s = sender();
    expect(expectKind(await s.send(req()), 'retryable').retryAfterMs).toBe(2000);
    expect(expectKind(await s.send(req()), 'retryable').retryAfterMs).toBe(0);
  });

  it('parses an HTTP-date against the response Date header (server clock, not ours)', async () => {
    sink.reply({
      status: 503,
      headers: { date: 'Sun, 06 Nov 1994 08:49:37 GMT', 'retry-after': 'Sun, 06 Nov 1994 08:49:40 GMT' },
    });
    expect(expectKind(await sender().send(req()), 'retryable').retryAfterMs).toBe(3000);
  });

  it('an unparseable Retry-After is ignored', async () => {
    sink.reply({ status: 429, headers: { 'retry-after': 'soon' } });
    expect(expectKind(await sender().send(req()), 'retryable').retryAfterMs).toBeUndefined();
  });
});

describe('HttpSender: network trouble is retryable', () => {
  it('connection refused', async () => {
    // A port that was just free: bind, note it, close.
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const r = expectKind(await sender({ url: `http://127.0.0.1:${port}` }).send(req()), 'retryable');
    expect(r).toMatchObject({ cause: 'network', code: 'ECONNREFUSED' });
  });

  it('a reset after the request was read, and the sender goes on afterwards', async () => {
    sink.reply({ reset: true });
    const s = sender();
    const r = expectKind(await s.send(req()), 'retryable');
    expect(r.cause).toBe('network');
    expect(['UND_ERR_SOCKET', 'ECONNRESET']).toContain(r.code);
    expect(expectKind(await s.send(req()), 'ok').status).toBe(200);
    expect(sink.requests).toHaveLength(2);
  });

  it('a slow answer past requestTimeoutMs times out', async () => {
    sink.reply({ status: 200, delayMs: 5_000 });
    const r = expectKind(await sender({ requestTimeoutMs: 150 }).send(req()), 'retryable');
    expect(r).toMatchObject({ cause: 'timeout', code: 'REQUEST_TIMEOUT' });
  });

  it('a sink that never answers times out', async () => {
    sink.reply({ hang: true });
    expect(expectKind(await sender({ requestTimeoutMs: 150 }).send(req()), 'retryable').cause).toBe('timeout');
  });

  it('a slow answer inside the timeout is ok', async () => {
    sink.reply({ status: 200, delayMs: 50 });
    expectKind(await sender({ requestTimeoutMs: 5_000 }).send(req()), 'ok');
  });

  it('bytes that are not HTTP are a protocol error', async () => {
    sink.reply({ garbage: 'SSH-2.0-OpenSSH_9.2\r\n\r\n' });
    const r = expectKind(await sender().send(req()), 'retryable');
    expect(r.cause).toBe('protocol');
    expect(r.code).toMatch(/^(HPE_|UND_ERR_HTTP_PARSER$)/);
  });
});

describe('HttpSender: response bodies', () => {
  it('a huge 2xx body is cut at maxResponseBytes and its socket closed, not reused', async () => {
    sink.reply({ hugeBody: 32 * 1024 * 1024 });
    const s = sender({ maxResponseBytes: 100_000, connections: 1 });
    const r = expectKind(await s.send(req()), 'ok');
    expect(r.truncated).toBe(true);
    expect(Buffer.byteLength(r.body)).toBe(100_000);
    expect(r.body).toMatch(/^\{+$/);
    // With one pooled socket, the next request shows the cut one was closed, not reused.
    expectKind(await s.send(req()), 'ok');
    expect(sink.connections).toBe(2);
  });

  it('the default cap is 1 MiB', async () => {
    sink.reply({ hugeBody: 3 * 1024 * 1024 });
    const r = expectKind(await sender().send(req()), 'ok');
    expect(r.truncated).toBe(true);
    expect(r.body.length).toBe(1024 * 1024);
  });

  it('error bodies are read so the socket returns to the pool: 20 errors, one connection', async () => {
    sink.setDefault({ status: 500, body: 'e'.repeat(2000) });
    const s = sender({ connections: 1 });
    for (let i = 0; i < 20; i++) expectKind(await s.send(req()), 'retryable');
    expect(sink.connections).toBe(1);
  });
});

describe('HttpSender: keep-alive and the pool', () => {
  it('keeps one socket alive for sequential requests (connections: 1)', async () => {
    const s = sender({ connections: 1 });
    for (let i = 0; i < 25; i++) expectKind(await s.send(req(`{"i":${i}}\n`)), 'ok');
    expect(sink.requests).toHaveLength(25);
    expect(sink.connections).toBe(1);
  });

  it('the default pool reuses its sockets: 40 requests over at most 4 connections', async () => {
    const s = sender();
    for (let i = 0; i < 40; i++) expectKind(await s.send(req(`{"i":${i}}\n`)), 'ok');
    expect(sink.requests).toHaveLength(40);
    expect(sink.connections).toBeLessThanOrEqual(4);
    // undici may dispatch the next request before the last socket reports itself free,
    // so sequential requests can alternate over two sockets; each is reused many times.
    const perConn = new Map<number, number>();
    for (const r of sink.requests) perConn.set(r.connection, (perConn.get(r.connection) ?? 0) + 1);
    expect(Math.min(...perConn.values())).toBeGreaterThan(1);
  });

  it('opens at most `connections` sockets under concurrency', async () => {
    sink.setDefault({ status: 200, delayMs: 20 });
    const s = sender({ connections: 2 });
    const rs = await Promise.all(Array.from({ length: 12 }, (_, i) => s.send(req(`{"i":${i}}\n`))));
    expect(rs.every((r) => r.kind === 'ok')).toBe(true);
    expect(sink.connections).toBe(2);
  });

  it('uses an injected dispatcher and leaves it open on close()', async () => {
    let dispatched = 0;
    const agent = new Agent();
    const counted = agent.compose((dispatch) => (opts, handler) => {
      dispatched++;
      return dispatch(opts, handler);
    });
    const s = new HttpSender({ url: sink.url, dispatcher: counted });
    expectKind(await s.send(req()), 'ok');
    await s.close();
    expect(dispatched).toBe(1);
    const res = await agent.request({ origin: sink.url, path: '/after', method: 'GET' });
    await res.body.text();
    expect(res.statusCode).toBe(200);
    await agent.close();
  });

  it('after close(), send() answers retryable "closed" without a request', async () => {
    const s = sender();
    await s.close();
    expect(expectKind(await s.send(req()), 'retryable').cause).toBe('closed');
    expect(sink.requests).toHaveLength(0);
  });
});

describe('HttpSender: gzip and headers', () => {
  it('gzips the body and says so; the sink reads the same bytes back', async () => {
    const body = Array.from({ length: 500 }, (_, i) => JSON.stringify({ seq: i, msg: 'request done', path: '/api/items' })).join('\n');
    const r = expectKind(await sender({ gzip: true }).send(req(body)), 'ok');
    const got = sink.requests[0]!;
    expect(got.headers['content-encoding']).toBe('gzip');
    expect(got.decodeError).toBeUndefined();
    expect(got.body).toBe(body);
    expect(got.wireBytes).toBe(r.bytesSent);
    expect(got.wireBytes).toBeLessThan(Buffer.byteLength(body) / 5);
  });

  it('without gzip the body is sent as is', async () => {
    await sender().send(req('plain'));
    expect(sink.requests[0]!.headers['content-encoding']).toBeUndefined();
    expect(sink.requests[0]!.body).toBe('plain');
  });

  it.each<[string, HttpSenderOptions['auth'], string, string]>([
    ['bearer', { bearer: 'tok.en-123_~+/=' }, 'authorization', 'Bearer tok.en-123_~+/='],
    ['basic (RFC 7617, UTF-8)', { basic: { username: 'ingest', password: 'pä ss:w' } }, 'authorization', `Basic ${Buffer.from('ingest:pä ss:w', 'utf8').toString('base64')}`],
    ['Splunk HEC scheme', { scheme: 'Splunk', token: '12345678-1234-1234-1234-1234567890ab' }, 'authorization', 'Splunk 12345678-1234-1234-1234-1234567890ab'],
    ['Datadog API key header', { header: 'DD-API-KEY', value: 'abcdef0123456789' }, 'dd-api-key', 'abcdef0123456789'],
  ])('auth: %s', async (_name, auth, header, value) => {
    await sender({ auth }).send(req());
    expect(sink.requests[0]!.headers[header]).toBe(value);
  });

  it('custom headers and the encoder\'s headers are sent; auth and content-type win', async () => {
    const s = sender({ headers: { 'X-Scope-OrgID': 'tenant-1', 'User-Agent': 'logseal-test' }, auth: { bearer: 't' } });
    await s.send(req('{}', { headers: { 'x-format': 'native' }, contentType: 'application/json' }));
    const h = sink.requests[0]!.headers;
    expect(h['x-scope-orgid']).toBe('tenant-1');
    expect(h['user-agent']).toBe('logseal-test');
    expect(h['x-format']).toBe('native');
    expect(h['content-type']).toBe('application/json');
    expect(h.authorization).toBe('Bearer t');
  });

  it('a request undici refuses to build is fatal (cause "request"), not thrown', async () => {
    const r = expectKind(await sender().send(req('{}', { headers: { 'bad header': 'x' } })), 'fatal');
    expect(r.cause).toBe('request');
    const p = expectKind(await sender().send(req('{}', { path: 'no-slash' })), 'fatal');
    expect(p.cause).toBe('request');
    expect(sink.requests).toHaveLength(0);
  });

  it('the gzip body survives a round trip through gunzip exactly', async () => {
    const body = '{"msg":"ünïcödé ✓"}\n';
    await sender({ gzip: true }).send(req(body));
    expect(sink.requests[0]!.body).toBe(body);
    expect(gunzipSync(Buffer.from(await gzipped(body))).toString('utf8')).toBe(body);
  });
});

describe('HttpSender: options are validated at construction', () => {
  const bad = (opts: unknown, name: RegExp): void => {
    let err: unknown;
    try {
      new HttpSender(opts as HttpSenderOptions);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LogSealError);
    expect((err as LogSealError).code).toBe('LOGSEAL_ERR_INVALID_OPTION');
    expect((err as LogSealError).message).toMatch(name);
  };
  const url = 'http://127.0.0.1:9';

  it('rejects bad URLs', () => {
    bad({}, /"url"/);
    bad({ url: 'ftp://x/' }, /"url"/);
    bad({ url: 'not a url' }, /"url"/);
    bad({ url: 'http://user:pw@127.0.0.1/' }, /"url".*auth/);
    bad({ url: 'http://127.0.0.1/#x' }, /"url"/);
  });

  it('rejects unknown options and wrong types', () => {
    bad({ url, gzipp: true }, /http\.gzipp/);
    bad({ url, gzip: 'yes' }, /"gzip"/);
    bad({ url, connections: 0 }, /"connections"/);
    bad({ url, connections: 2.5 }, /"connections"/);
    bad({ url, requestTimeoutMs: -1 }, /"requestTimeoutMs"/);
    bad({ url, connectTimeoutMs: '1s' }, /"connectTimeoutMs"/);
    bad({ url, maxResponseBytes: 0 }, /"maxResponseBytes"/);
    bad({ url, retryStatuses: [200] }, /"retryStatuses"/);
    bad({ url, retryStatuses: [700] }, /"retryStatuses"/);
    bad({ url, retryStatuses: 500 }, /"retryStatuses"/);
    bad({ url, clock: 1 }, /"clock"/);
    bad({ url, dispatcher: {} }, /"dispatcher"/);
  });

  it('rejects bad headers', () => {
    bad({ url, headers: { 'x-a': 'ok\r\nInjected: yes' } }, /"headers\.x-a"/);
    bad({ url, headers: { 'bad name': 'x' } }, /"headers\.bad name"/);
    bad({ url, headers: { 'Content-Length': '5' } }, /"headers\.Content-Length"/);
    bad({ url, headers: { 'Content-Encoding': 'br' } }, /"headers\.Content-Encoding"/);
    bad({ url, headers: { 'x-a': 1 } }, /"headers\.x-a"/);
    bad({ url, headers: { 'X-A': '1', 'x-a': '2' } }, /"headers\.x-a"/);
    bad({ url, headers: { authorization: 'x' }, auth: { bearer: 'y' } }, /"headers\.authorization"/);
  });

  it('rejects bad auth without echoing the secret', () => {
    bad({ url, auth: { bearer: '' } }, /"auth\.bearer"/);
    bad({ url, auth: { bearer: 'has space' } }, /"auth\.bearer"/);
    bad({ url, auth: { bearer: 'x', basic: {} } }, /auth\.basic/);
    bad({ url, auth: { basic: { username: 'a:b', password: 'p' } } }, /"auth\.basic\.username"/);
    bad({ url, auth: { basic: { username: 'a', password: 'p\n' } } }, /"auth\.basic\.password"/);
    bad({ url, auth: { scheme: 'Bad Scheme', token: 't' } }, /"auth\.scheme"/);
    bad({ url, auth: { header: 'Content-Length', value: 'v' } }, /"auth\.header"/);
    bad({ url, auth: { token: 't' } }, /"auth"/);
    try {
      new HttpSender({ url, auth: { bearer: 'SECRET-TOKEN\n' } });
    } catch (e) {
      expect((e as Error).message).not.toContain('SECRET');
    }
  });

  it('rejects bad TLS options and options that conflict with an injected dispatcher', () => {
    bad({ url, tls: {} }, /"tls"/);
    bad({ url: 'https://127.0.0.1/', tls: { cert: 'PEM' } }, /"tls\.key"/);
    bad({ url: 'https://127.0.0.1/', tls: { ca: [] } }, /"tls\.ca"/);
    bad({ url: 'https://127.0.0.1/', tls: { rejectUnauthorized: 'no' } }, /"tls\.rejectUnauthorized"/);
    bad({ url: 'https://127.0.0.1/', tls: { servername: 'a b' } }, /"tls\.servername"/);
    bad({ url: 'https://127.0.0.1/', tls: { verify: true } }, /tls\.verify/);
    const dispatcher = new Agent();
    bad({ url, dispatcher, connections: 2 }, /"connections"/);
    bad({ url: 'https://127.0.0.1/', dispatcher, tls: { ca: 'PEM' } }, /"tls"/);
    void dispatcher.close();
  });

  it('does not keep or mutate the caller\'s objects', async () => {
    const headers = { 'x-a': '1' };
    const opts: HttpSenderOptions = { url: sink.url, headers, auth: { bearer: 't' } };
    const before = structuredClone(opts);
    const s = sender(opts);
    expect(opts).toEqual(before);
    headers['x-a'] = 'changed';
    await s.send(req());
    expect(sink.requests[0]!.headers['x-a']).toBe('1');
  });
});
