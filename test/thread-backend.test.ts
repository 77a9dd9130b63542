import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportKeys, generateKeys, loadPublicKey, pipelineOptionsFromConfig, ThreadBackend, verify, type BackendEvents } from '@logseal/core';
import { startTestSink, type TestSink } from '../packages/core/test/helpers/test-sink.js';

// @logseal/core's ThreadBackend, as both adapters use it: records redacted in the caller's
// thread, chained, sealed and shipped by a worker thread of its own.

const k = exportKeys(generateKeys());
const keyring = [{ publicKey: loadPublicKey(k.publicKeyPem), macKey: k.macKey }];
const sinks: TestSink[] = [];
const backends: ThreadBackend[] = [];
afterEach(async () => {
  await Promise.allSettled(backends.splice(0).map((b) => b.close()));
  await Promise.allSettled(sinks.splice(0).map((s) => s.stop()));
});

const quiet: BackendEvents = { warn: () => undefined, fatal: () => undefined };
const options = (url: string, extra: Record<string, unknown> = {}) =>
  pipelineOptionsFromConfig({ url, macKey: k.macKey, signingKey: k.privateKeyPem, heartbeatMs: 0, service: 'thread-backend-test', ...extra });

/** Nice values of this process's threads (Linux: field 19 of /proc/self/task/<tid>/stat). */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

describe('ThreadBackend', () => {
  it('ready() gives the stream id; records written are delivered, redacted, and verify clean', async () => {
    const sink = await startTestSink();
    sinks.push(sink);
    const b = new ThreadBackend(options(sink.url), quiet, { queueBytes: 1 << 20, exitHook: false });
    backends.push(b);
    const sid = await b.ready();
    expect(sid).toBe(b.sid);
    for (let i = 0; i < 300; i++) b.write({ i, msg: 'login', password: `hunter${i}` });
    await b.flush();
    const lines = sink.accepted().flatMap((r) => r.body.split('\n').filter((l) => l.length > 0));
    expect(lines.join('\n')).not.toContain('hunter');
    expect(await b.close()).toEqual({ delivered: true, spooledBatches: 0, lostRecords: 0 });
    const all = sink.accepted().flatMap((r) => r.body.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as unknown));
    const report = await verify(all, { keys: keyring, requireFinal: true });
    expect(report.findings).toEqual([]);
    expect(report.records).toMatchObject({ total: 300, valid: 300 });
    expect((await b.stats()).thread).toBe(true);
  });

  it.runIf(process.platform === 'linux')('nice raises the pipeline thread’s nice value, and only that thread’s', async () => {
    const before = threadNices();
    expect(before.every((n) => n === before[0])).toBe(true);
    const b = new ThreadBackend(options('http://127.0.0.1:9', { closeTimeoutMs: 300 }), quiet, { queueBytes: 1 << 20, exitHook: false, nice: 7 });
    backends.push(b);
    await b.ready();
    const after = threadNices();
    expect(after.filter((n) => n === before[0]! + 7)).toHaveLength(1);
    expect(after.filter((n) => n !== before[0]! + 7).every((n) => n === before[0])).toBe(true);
  });

  it('ready() rejects with the I/O error that kept the worker from building its pipeline (a spool dir that is a file)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'logseal-tb-')), 'not-a-dir');
    writeFileSync(file, 'x');
    const fatal: Error[] = [];
    const b = new ThreadBackend(options('http://127.0.0.1:9', { spool: { dir: file } }), { warn: () => undefined, fatal: (e) => fatal.push(e) }, { queueBytes: 1 << 20, exitHook: false });
    await expect(b.ready()).rejects.toMatchObject({ message: expect.stringMatching(/not-a-dir|ENOTDIR|EEXIST|spool/i) });
    expect(fatal).toHaveLength(1);
    expect(b.closed).toBe(true);
  });
});
