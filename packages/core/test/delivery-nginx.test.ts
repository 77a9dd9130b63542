/**
 * HttpSender through real nginx (Debian nginx-light, installed by .ci/run): TLS with
 * and without the CA, servername, mutual TLS with a good, a missing and an untrusted
 * client certificate, and nginx's client_max_body_size 413 as a fatal answer that
 * goes to the dead-letter file. Outside CI a missing nginx skips this file; in CI
 * (CI=true) it fails it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpSender, type HttpSenderOptions, type SendResult } from '../src/delivery/http-sender.js';
import { DeadLetterFile, readDeadLetters } from '../src/delivery/dead-letter.js';
import { RetryPolicy, SinkHealth } from '../src/delivery/retry-policy.js';
import type { EncodedRequest } from '../src/delivery/types.js';
import { skipUnlessInstalled, startNginx, type Nginx } from './helpers/nginx.js';
import { startTestSink, type TestSink } from './helpers/test-sink.js';

const req = (body: string): EncodedRequest => ({
  path: '/ingest', method: 'POST', contentType: 'application/x-ndjson', body, items: [{ kind: 'record', seq: 0 }],
});

describe.skipIf(skipUnlessInstalled('nginx', 'openssl'))('HttpSender through nginx', () => {
  let sink: TestSink;
  let nginx: Nginx;
  const senders: HttpSender[] = [];
  const sender = (o: Omit<HttpSenderOptions, 'url'> & { url: string }): HttpSender => {
    const s = new HttpSender({ requestTimeoutMs: 10_000, ...o });
    senders.push(s);
    return s;
  };
  const kind = async (s: HttpSender, body = '{"a":1}\n'): Promise<SendResult> => s.send(req(body));

  beforeAll(async () => {
    sink = await startTestSink();
    nginx = await startNginx({ upstream: sink.url, clientMaxBodySize: '16k' });
  });
  afterAll(async () => {
    await Promise.all(senders.map((s) => s.close()));
    await nginx?.stop();
    await sink?.stop();
  });

  it('TLS with the test CA: ok, and the body reaches the sink behind nginx', async () => {
    const before = sink.requests.length;
    const r = await kind(sender({ url: nginx.httpsUrl, tls: { ca: nginx.certs.ca } }), '{"tls":true}\n');
    expect(r).toMatchObject({ kind: 'ok', status: 200 });
    const got = sink.requests.slice(before);
    expect(got.map((g) => g.body)).toEqual(['{"tls":true}\n']);
    expect(got[0]!.headers['x-client-verify']).toBe('NONE');
  });

  it('TLS keeps one connection alive: 20 requests, one handshake', async () => {
    const before = sink.requests.length;
    const s = sender({ url: nginx.httpsUrl, tls: { ca: nginx.certs.ca }, connections: 1 });
    for (let i = 0; i < 20; i++) expect((await kind(s)).kind).toBe('ok');
    const got = sink.requests.slice(before);
    // nginx's own view of its client connections: one connection serial, requests 1..20 on it.
    expect(new Set(got.map((g) => g.headers['x-conn'])).size).toBe(1);
    expect(got.map((g) => Number(g.headers['x-conn-requests']))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('TLS without the CA is fatal (cause "tls"): a configuration error, not a sink that is down', async () => {
    const r = await kind(sender({ url: nginx.httpsUrl }));
    expect(r).toMatchObject({ kind: 'fatal', cause: 'tls' });
    if (r.kind === 'fatal') expect(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'SELF_SIGNED_CERT_IN_CHAIN']).toContain(r.code);
  });

  it('servername: the certificate must name it (localhost works, another name is fatal)', async () => {
    expect(await kind(sender({ url: nginx.httpsUrl, tls: { ca: nginx.certs.ca, servername: 'localhost' } }))).toMatchObject({ kind: 'ok' });
    const r = await kind(sender({ url: nginx.httpsUrl, tls: { ca: nginx.certs.ca, servername: 'logs.example.org' } }));
    expect(r).toMatchObject({ kind: 'fatal', cause: 'tls', code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('mutual TLS with the client certificate: ok, and nginx saw it verified', async () => {
    const before = sink.requests.length;
    const s = sender({ url: nginx.mtlsUrl, tls: { ca: nginx.certs.ca, cert: nginx.certs.clientCert, key: nginx.certs.clientKey } });
    expect(await kind(s, '{"mtls":true}\n')).toMatchObject({ kind: 'ok', status: 200 });
    const got = sink.requests.slice(before);
    expect(got[0]!.body).toBe('{"mtls":true}\n');
    expect(got[0]!.headers['x-client-verify']).toBe('SUCCESS');
    expect(got[0]!.headers['x-client-dn']).toBe('CN=logseal-client');
  });

  it('mutual TLS without a client certificate: nginx answers 400, fatal, nothing reaches the sink', async () => {
    const before = sink.requests.length;
    const r = await kind(sender({ url: nginx.mtlsUrl, tls: { ca: nginx.certs.ca } }));
    expect(r).toMatchObject({ kind: 'fatal', cause: 'status', status: 400 });
    if (r.kind === 'fatal') expect(r.reason).toMatch(/No required SSL certificate was sent/);
    expect(sink.requests.length).toBe(before);
  });

  it('mutual TLS with a certificate from an untrusted CA: 400, fatal', async () => {
    const r = await kind(sender({ url: nginx.mtlsUrl, tls: { ca: nginx.certs.ca, cert: nginx.certs.rogueCert, key: nginx.certs.rogueKey } }));
    expect(r).toMatchObject({ kind: 'fatal', status: 400 });
    if (r.kind === 'fatal') expect(r.reason).toMatch(/SSL certificate error/);
  });

  it('a batch over client_max_body_size gets 413: fatal, dead-lettered with its reason; small batches still pass', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'logseal-nginx-dl-'));
    try {
      const s = sender({ url: nginx.httpsUrl, tls: { ca: nginx.certs.ca } });
      const big = `${JSON.stringify({ msg: 'x'.repeat(40 * 1024) })}\n`;
      const r = await kind(s, big);
      expect(r).toMatchObject({ kind: 'fatal', cause: 'status', status: 413 });
      const policy = new RetryPolicy();
      const d = policy.decide(policy.begin(), r, new SinkHealth());
      expect(d).toMatchObject({ action: 'dead-letter', status: 413 });
      const dl = new DeadLetterFile(join(dir, 'dead.ndjson'));
      if (d.action === 'dead-letter') await dl.append({ reason: d.reason, status: d.status ?? null, sid: 's', batch: 0, firstSeq: 0, lastSeq: 0, lines: [big.trimEnd()] });
      await dl.close();
      const [e] = await readDeadLetters(join(dir, 'dead.ndjson'));
      expect(e!.reason).toMatch(/^HTTP 413: .*Request Entity Too Large/);
      expect(e!.lines[0]).toBe(big.trimEnd());
      // The same payload gzipped fits under the limit (the limit applies to the wire body).
      const gz = sender({ url: nginx.httpsUrl, tls: { ca: nginx.certs.ca }, gzip: true });
      expect(await kind(gz, big)).toMatchObject({ kind: 'ok' });
      expect(sink.requests.at(-1)!.body).toBe(big);
      expect(await kind(s, '{"small":true}\n')).toMatchObject({ kind: 'ok' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
