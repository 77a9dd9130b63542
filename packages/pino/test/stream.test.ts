import { afterEach, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { exportKeys, generateKeys, loadPublicKey, verify } from '@logseal/core';
import { createLogSealStream, type LogSealStream } from '../src/transport.js';
import { installShutdownHandlers, logsealFlush, logsealStats } from '../src/control.js';
import { startTestSink, type TestSink } from '../../core/test/helpers/test-sink.js';

// The transport in-process (pino(stream)): the same stream pino's worker gets, without the worker.

const k = exportKeys(generateKeys());
const keyring = [{ publicKey: loadPublicKey(k.publicKeyPem), macKey: k.macKey }];
const sinks: TestSink[] = [];
const streams: LogSealStream[] = [];
afterEach(async () => {
  await Promise.allSettled(streams.splice(0).map((s) => s.close()));
  await Promise.allSettled(sinks.splice(0).map((s) => s.stop()));
});

async function setup(extra: Record<string, unknown> = {}): Promise<{ sink: TestSink; stream: LogSealStream }> {
  const sink = await startTestSink();
  sinks.push(sink);
  const stream = await createLogSealStream({
    url: sink.url,
    macKey: k.macKey,
    signingKey: k.privateKeyPem,
    heartbeatMs: 0,
    service: 'unit',
    deadLetterPath: join(mkdtempSync(join(tmpdir(), 'logseal-pino-unit-')), 'dead.ndjson'),
    ...extra,
  });
  streams.push(stream);
  return { sink, stream };
}

const items = (s: TestSink): Record<string, unknown>[] =>
  s.accepted().flatMap((r) => r.body.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Record<string, unknown>));
const bodies = (s: TestSink): Record<string, unknown>[] => items(s).filter((x) => x.type !== 'seal').map((x) => x.body as Record<string, unknown>);

describe('createLogSealStream (in-process)', () => {
  it('throws the coded error itself, naming the option, before any stream exists', async () => {
    await expect(createLogSealStream({ url: 'http://127.0.0.1:9', macKey: k.macKey, batch: { maxRecords: -1 } })).rejects.toMatchObject({
      code: 'LOGSEAL_ERR_INVALID_OPTION',
      message: expect.stringContaining('batch.maxRecords'),
    });
    await expect(createLogSealStream({ url: 'http://127.0.0.1:9', macKey: k.macKey, thread: 'yes' as never })).rejects.toMatchObject({
      code: 'LOGSEAL_ERR_INVALID_OPTION',
      message: expect.stringContaining('thread'),
    });
    await expect(createLogSealStream({ url: 'http://127.0.0.1:9', macKey: k.macKey, threadNice: -1 })).rejects.toMatchObject({
      code: 'LOGSEAL_ERR_INVALID_OPTION',
      message: expect.stringContaining('threadNice'),
    });
    await expect(createLogSealStream({ url: 'http://127.0.0.1:9', macKey: k.macKey, workerNice: 40 })).rejects.toMatchObject({
      code: 'LOGSEAL_ERR_INVALID_OPTION',
      message: expect.stringContaining('workerNice'),
    });
    // Outside a worker the message stays as core wrote it (no code prefix).
    await expect(createLogSealStream({ url: 'http://127.0.0.1:9' })).rejects.toMatchObject({ code: 'LOGSEAL_ERR_KEY_MISSING', message: expect.not.stringMatching(/^LOGSEAL_ERR/) });
  });

  it('reads pino’s config from the stream (custom levels, messageKey), flushes on logger.flush(cb), closes final', async () => {
    const { sink, stream } = await setup({ batch: { maxAgeMs: 60_000 } });
    const logger = pino({ customLevels: { audit: 35 }, messageKey: 'm' }, stream);
    logger.audit('one');
    stream.write('not json\n');
    await new Promise<void>((resolve, reject) => logger.flush((err) => (err ? reject(err) : resolve())));
    expect(bodies(sink)).toEqual([
      expect.objectContaining({ level: 35, levelLabel: 'audit', m: 'one' }),
      expect.objectContaining({ m: 'not json', _nonJson: true }),
    ]);
    expect(await logsealStats(logger)).toEqual([expect.objectContaining({ linesIn: 2, nonJsonLines: 1, recordsSent: 2 })]);
    expect(await stream.close()).toEqual({ delivered: true, spooledBatches: 0, lostRecords: 0 });
    expect(await stream.close()).toEqual({ delivered: true, spooledBatches: 0, lostRecords: 0 }); // idempotent
    const report = await verify(items(sink), { keys: keyring, requireFinal: true });
    expect(report.findings).toEqual([]);
  });

  it('logsealFlush finds the stream inside pino.multistream', async () => {
    const { sink, stream } = await setup({ batch: { maxAgeMs: 60_000 } });
    const logger = pino({}, pino.multistream([{ stream }]));
    for (let i = 0; i < 50; i++) logger.info({ i });
    expect(await logsealFlush(logger)).toBe(1);
    expect(bodies(sink)).toHaveLength(50);
  });

  it.each([true, false])('block backpressure (thread: %s): the stream holds writes at the memory cap and loses nothing once the sink is back', async (thread) => {
    const { sink, stream } = await setup({ thread, batch: { maxRecords: 50, maxBytes: 20_000 }, memory: { maxBytes: 60_000 }, retry: { baseMs: 5, capMs: 20, deadlineMs: 60_000 } });
    sink.setDefault({ status: 503, headers: { 'retry-after': '0' } });
    const logger = pino(stream);
    for (let i = 0; i < 2000; i++) logger.info({ i, pad: 'x'.repeat(200) });
    await new Promise((r) => setTimeout(r, 200));
    expect((await stream.stats()).recordsIn).toBeLessThan(2000); // paused: the rest waits in the stream
    // Held in the stream's write buffer: write() returns false, so thread-stream's worker stops reading.
    expect(stream.writableNeedDrain).toBe(true);
    expect(stream.writableLength).toBeGreaterThan(0);
    sink.setDefault({ status: 200 });
    await stream.flush();
    expect(bodies(sink).map((b) => b.i)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect((await stream.stats()).recordsDropped).toBe(0);
  });

  it('destroyed with an error: the pipeline is closed (sealed final) and the error still surfaces', async () => {
    const { sink, stream } = await setup();
    pino(stream).info('before the error');
    const boom = new Error('boom');
    const errored = once(stream, 'error');
    const closed = new Promise((r) => stream.once('close', r));
    stream.destroy(boom);
    expect((await errored)[0]).toBe(boom);
    await closed;
    expect(items(sink).some((x) => x.type === 'seal' && x.final === true)).toBe(true);
    expect(bodies(sink)).toEqual([expect.objectContaining({ msg: 'before the error' })]);
  });

  it('installShutdownHandlers closes an in-process stream on beforeExit and can be removed', async () => {
    const { sink, stream } = await setup({ batch: { maxAgeMs: 60_000 } });
    const logger = pino(stream);
    logger.info('last words');
    const before = process.listenerCount('beforeExit');
    const remove = installShutdownHandlers(logger, { signals: ['SIGUSR2'] });
    expect(process.listenerCount('beforeExit')).toBe(before + 1);
    process.emit('beforeExit', 0);
    await new Promise((r) => stream.once('close', r));
    expect(items(sink).some((x) => x.type === 'seal' && x.final === true)).toBe(true);
    remove();
    expect(process.listenerCount('beforeExit')).toBe(before);
    expect(process.listenerCount('SIGUSR2')).toBe(0);
  });
  it('string chunks reach split2 as strings (no re-encode + decode); non-ASCII text split across writes and Buffers survive', async () => {
    const { sink, stream } = await setup({ batch: { maxAgeMs: 60_000 } });
    const kinds: string[] = [];
    const t = stream as unknown as { _transform: (c: unknown, e: string, cb: () => void) => void };
    const orig = t._transform;
    t._transform = function (this: unknown, chunk, enc, cb) {
      kinds.push(typeof chunk === 'string' ? 'string' : 'buffer');
      return orig.call(this, chunk, enc, cb);
    };
    const line = JSON.stringify({ level: 30, time: 1, msg: 'Zoë Müller 東京 🚀' }) + '\n';
    stream.write(line.slice(0, 20));
    stream.write(line.slice(20) + line);
    const bytes = Buffer.from(line);
    const mid = bytes.indexOf(Buffer.from('ë')) + 1; // inside a multi-byte character
    stream.write(bytes.subarray(0, mid));
    stream.write(bytes.subarray(mid));
    await stream.flush();
    expect(kinds).toEqual(['string', 'string', 'buffer', 'buffer']);
    expect(bodies(sink).map((b) => b.msg)).toEqual(['Zoë Müller 東京 🚀', 'Zoë Müller 東京 🚀', 'Zoë Müller 東京 🚀']);
  });
});
