/**
 * Operations (issue 6, item 4): /healthz, /metrics in the Prometheus text format, the
 * collector's own JSON logs (never a record body or key), graceful shutdown, options
 * validation and the key file, and HTTPS with client certificates.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createPipeline, exportKeys, generateKeys } from '@logseal/core';
import { createCollector } from '../src/collector/collector.js';
import { keyFileFor, parseKeyFile } from '@logseal/core';
import { readCollectorKeyFile } from '../src/collector/key-file.js';
import { readFileSync } from 'node:fs';
import { Metrics, REJECT_REASONS } from '../src/collector/metrics.js';
import { keyring, logSink, postBatch, Producer, producerKeys, removeTempDirs, send, startCollector, stopCollectors, tempDir } from './helpers/collector-harness.js';

afterEach(async () => {
  await stopCollectors();
  removeTempDirs();
});

/** Prometheus text exposition format 0.0.4, checked line by line. */
function parseExposition(text: string): Map<string, { type: string; samples: { labels: string; value: number }[] }> {
  const families = new Map<string, { type: string; samples: { labels: string; value: number }[] }>();
  const helped = new Set<string>();
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.slice(0, -1).split('\n')) {
    let m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (m !== null) {
      expect(helped.has(m[1]!), `HELP twice for ${m[1]}`).toBe(false);
      helped.add(m[1]!);
      continue;
    }
    m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (m !== null) {
      expect(families.has(m[1]!), `TYPE twice for ${m[1]}`).toBe(false);
      families.set(m[1]!, { type: m[2]!, samples: [] });
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+]+|NaN|\+Inf|-Inf)$/.exec(line);
    expect(m, `not an exposition line: ${line}`).not.toBeNull();
    const fam = families.get(m![1]!);
    expect(fam, `sample before its TYPE: ${line}`).toBeDefined();
    fam!.samples.push({ labels: m![2] ?? '', value: Number(m![3]) });
  }
  for (const [name, f] of families) {
    if (f.type === 'counter') expect(name.endsWith('_total'), name).toBe(true);
    expect(helped.has(name), `no HELP for ${name}`).toBe(true);
  }
  return families;
}

describe('collector operations', () => {
  it('serves /metrics in the Prometheus text format with every family the issue names', async () => {
    const r = await startCollector();
    const p = new Producer({ sid: 'm' });
    await postBatch(r, p.batch(4));
    p.batch(1);
    await postBatch(r, p.batch(2)); // leaves a gap
    await postBatch(r, 'junk\n');
    await postBatch(r, new Producer({ keys: generateKeys() }).batch(1));
    const res = await send(`${r.address.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const fams = parseExposition(res.text);
    const value = (name: string, labels = ''): number | undefined => fams.get(`logseal_collector_${name}`)?.samples.find((s) => s.labels === labels)?.value;
    expect(value('batches_accepted_total')).toBe(2);
    expect(value('records_accepted_total')).toBe(6);
    expect(value('bytes_accepted_total')).toBeGreaterThan(0);
    expect(value('storage_bytes')).toBe(value('bytes_accepted_total'));
    expect(value('streams')).toBe(1);
    expect(value('gaps_total')).toBe(1);
    expect(value('gap_batches')).toBe(1);
    expect(value('rejects_total', '{reason="body_not_ndjson"}')).toBe(1);
    expect(value('rejects_total', '{reason="seal_not_authentic"}')).toBe(1);
    expect(fams.get('logseal_collector_rejects_total')!.samples.map((s) => s.labels)).toEqual(REJECT_REASONS.map((x) => `{reason="${x}"}`));
    for (const f of ['equivocations_total', 'torn_tail_truncations_total', 'tlog_size', 'checkpoints_total', 'forward_batches_total', 'request_bytes_total', 'fsyncs_total', 'commits_total']) {
      expect(fams.has(`logseal_collector_${f}`), f).toBe(true);
    }
  });

  it('answers /healthz, 404 and 405 as JSON; a taken port is a coded error', async () => {
    const r = await startCollector();
    const busy = createCollector({ dataDir: tempDir(), keys: keyring(), port: r.address.port, logger: false });
    await expect(busy.listen()).rejects.toMatchObject({ code: 'LOGSEAL_ERR_COLLECTOR_LISTEN', message: expect.stringContaining('EADDRINUSE') });
    await busy.close();
    expect((await send(`${r.address.url}/healthz`)).json).toMatchObject({ ok: true, streams: 0 });
    const nf = await send(`${r.address.url}/nope`);
    expect(nf.status).toBe(404);
    expect(nf.json).toEqual({ ok: false, error: { code: 'not_found', message: 'no such resource' } });
    const get = await send(r.address.batchesUrl);
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect((await send(`${r.address.url}/metrics`, { method: 'DELETE' })).status).toBe(405);
  });

  it('logs structured JSON lines of its own, never a record body or key material', async () => {
    const logs = logSink();
    const keys = producerKeys();
    const r = await startCollector({ logger: { stream: logs.stream, level: 'debug' } });
    const p = new Producer({ sid: 'quiet' });
    const rec = p.sealer.append({ msg: 'MARKER-in-a-body', token: 'sk_live_secret' });
    const seal = p.sealer.seal();
    await postBatch(r, `${rec.json}\n${seal.json}\n`);
    await postBatch(r, `${rec.json}\n`); // refused (no seal): the body is not echoed
    await postBatch(r, `${rec.json.replace('MARKER', 'EDITED')}\n${seal.json}\n`); // refused: records do not match
    await r.collector.close();
    const text = logs.lines.map((l) => JSON.stringify(l)).join('\n');
    for (const secret of ['MARKER', 'EDITED', 'sk_live_secret', exportKeys(keys).macKey, seal.seal.sig!, seal.seal.mac!]) expect(text).not.toContain(secret);
    expect(logs.events('batch_accepted')[0]).toMatchObject({ level: 'debug', sid: 'quiet', batch: 0, records: 1 });
    expect(logs.events('batch_refused').map((l) => l.code)).toEqual(['batch_shape', 'batch_invalid']);
    for (const l of logs.lines) expect(typeof l.time).toBe('number');
  });

  it('shuts down gracefully: a request in flight completes, then the port is closed', async () => {
    const r = await startCollector();
    const p = new Producer({ sid: 'in-flight' });
    const b = p.batch(5);
    const half = Math.floor(b.length / 2);
    const socket = connect(r.address.port, '127.0.0.1');
    let response = '';
    socket.on('data', (d) => { response += d.toString(); });
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
    socket.write(`POST /v1/batches HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(b)}\r\n\r\n${b.slice(0, half)}`);
    while (r.collector.stats().inFlight === 0) await new Promise((res) => setTimeout(res, 5));
    const closing = r.collector.close();
    socket.write(b.slice(half));
    await closing;
    await ended;
    expect(response).toMatch(/^HTTP\/1\.1 200 /);
    expect(response).toContain('"ok":true');
    await expect(send(`${r.address.url}/healthz`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(r.collector.listen()).rejects.toMatchObject({ code: 'LOGSEAL_ERR_COLLECTOR_LISTEN' });
  });

  it('validates options at construction, naming the option', () => {
    const dataDir = tempDir();
    const bad = (o: Record<string, unknown>, code = 'LOGSEAL_ERR_INVALID_OPTION', msg?: RegExp): void => {
      let err: unknown;
      try {
        createCollector({ dataDir, keys: keyring(), ...o } as never);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(Object.keys(o))).toMatchObject({ code });
      if (msg !== undefined) expect((err as Error).message).toMatch(msg);
    };
    bad({ prot: 1 }, undefined, /collector\.prot/);
    bad({ limits: { maxBody: 1 } }, undefined, /limits\.maxBody/);
    bad({ port: 70000 }, undefined, /"port"/);
    bad({ keys: [] }, undefined, /"keys"/);
    bad({ keys: [{ publicKey: 'nope' }] }, 'LOGSEAL_ERR_KEY_FORMAT');
    bad({ dataDir: '' }, undefined, /dataDir/);
    bad({ limits: { headersTimeoutMs: 5000, requestTimeoutMs: 1000 } }, undefined, /headersTimeoutMs/);
    bad({ tls: { cert: 'x', key: 'y', requestCert: true } }, undefined, /tls\.ca/);
    bad({ origin: 'has space' }, undefined, /origin/);
    bad({ forward: { format: 'ndjson' } }, undefined, /forward\.url/);
    bad({ forward: { url: 'http://127.0.0.1:1', format: 'nope' } }, undefined, /format/);
    bad({ forward: { url: 'http://127.0.0.1:1', http: { gzip: 'yes' } } }, undefined, /gzip/);
    bad({ logger: { level: 'loud' } }, undefined, /logger\.level/);
    bad({ checkpointKey: 'not a key' }, 'LOGSEAL_ERR_KEY_FORMAT');
    // The caller's objects are neither kept nor changed.
    const opts = { dataDir, keys: keyring(), limits: { maxBodyBytes: 2048 } };
    const copy = structuredClone({ ...opts, keys: undefined });
    createCollector(opts);
    expect({ ...opts, keys: undefined }).toEqual(copy);
  });

  it('reads the key file `logseal keygen` writes (core\'s keys/v1 format), strictly, at construction', () => {
    const dir = tempDir();
    const keys = generateKeys();
    const file = join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify(keyFileFor(keys)), { mode: 0o600 });
    expect(readCollectorKeyFile(file).map((e) => e.kid)).toEqual([keys.kid]);
    const c = createCollector({ dataDir: dir, keys: file });
    expect(c.address).toBeNull();
    // Keys that do not load fail when the collector is built, naming the file.
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, JSON.stringify({ logseal: 'keys/v1', keys: [{ kid: 'k', publicKey: 'AAAA' }] }), { mode: 0o600 });
    expect(() => createCollector({ dataDir: dir, keys: broken })).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_KEY_FORMAT' }));
    expect(() => createCollector({ dataDir: dir, keys: join(dir, 'missing.json') })).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_KEY_FORMAT' }));
    writeFileSync(broken, JSON.stringify({ v: 1, keys: [] }));
    expect(() => createCollector({ dataDir: dir, keys: broken })).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_KEY_FORMAT' }));
    // Entries given in code are checked as strictly.
    expect(() => createCollector({ dataDir: dir, keys: [{ publicKey: keys.publicKey, extra: 1 } as never] })).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_KEY_FORMAT', message: expect.stringContaining('"extra"') }));
    expect(() => createCollector({ dataDir: dir, keys: [{ kid: 'no-key' }] })).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_KEY_FORMAT' }));
    const raw = Buffer.from((exportKeys(keys).publicJwk as { x: string }).x, 'base64url');
    expect(() => createCollector({ dataDir: dir, keys: [{ publicKey: raw.toString('hex') }, { kid: 'b64', publicKey: raw.toString('base64url') }] })).not.toThrow();
    // A world-readable key file holding k[0] is accepted with a coded warning.
    chmodSync(file, 0o644);
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }): void => void warnings.push(w.code ?? '');
    process.on('warning', onWarning);
    readCollectorKeyFile(file);
    return new Promise<void>((resolve) => setImmediate(() => {
      process.off('warning', onWarning);
      expect(warnings).toContain('LOGSEAL_KEY_FILE_MODE');
      resolve();
    }));
  });

  it('docs/collector.md lists every refusal code and metric, and its key-file example parses', () => {
    const doc = readFileSync(new URL('../../../docs/collector.md', import.meta.url), 'utf8');
    for (const code of REJECT_REASONS) {
      if (code === 'request_aborted') continue; // no answer reaches a client that went away
      expect(doc, code).toContain(`\`${code}\``);
    }
    const names = [...new Metrics().render().matchAll(/^# TYPE logseal_collector_(\S+)/gm)].map((m) => m[1]!);
    for (const n of names) expect(doc, n).toMatch(new RegExp(`\`${n}(\\{[a-z]+\\})?\``));
    const example = /## Key file[\s\S]*?```json\n([\s\S]*?)```/.exec(doc)![1]!;
    expect(parseKeyFile(example)[0]!.kid).toBe('ed25519-65b60673d6ed884b');
    expect(() => createCollector({ dataDir: tempDir(), keys: parseKeyFile(example) })).not.toThrow();
  });

  it.skipIf(!hasOpenssl())('serves HTTPS and requires client certificates when asked (mutual TLS)', async () => {
    const dir = tempDir();
    const certs = makeCerts(dir);
    const r = await startCollector({ tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.caCert, requestCert: true } });
    expect(r.address.url).toMatch(/^https:/);
    const keys = producerKeys();
    const pipe = createPipeline({
      url: r.address.batchesUrl, signingKey: keys.privateKey, macKey: keys.macKey, heartbeatMs: 0, batch: { maxRecords: 5 },
      http: { tls: { ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey } },
    });
    for (let i = 0; i < 12; i++) pipe.write({ i });
    expect((await pipe.close()).delivered).toBe(true);
    expect(r.collector.stats().recordsAccepted).toBe(12);
    // Without a client certificate the handshake is refused.
    const err = await new Promise<unknown>((resolve) => {
      const req = httpsRequest(`${r.address.url}/healthz`, { ca: certs.caCert, agent: false }, () => resolve(null));
      req.on('error', resolve);
      req.end();
    });
    expect(err).not.toBeNull();
  });
});

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function makeCerts(dir: string): { caCert: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string } {
  const run = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=test-ca', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const leaf = (name: string, ext: string): void => {
    run('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(join(dir, `${name}.ext`), ext);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', String(Date.now() % 100000), '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`);
  };
  leaf('server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'extendedKeyUsage=clientAuth\n');
  const read = (f: string): string => execFileSync('cat', [join(dir, f)]).toString();
  return { caCert: read('ca.crt'), serverCert: read('server.crt'), serverKey: read('server.key'), clientCert: read('client.crt'), clientKey: read('client.key') };
}
