import { afterEach, describe, expect, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import winston from 'winston';
import TransportStream from 'winston-transport';
import { verify } from '@logseal/core';
import { LogSealTransport, closeOnSignal, createTransport, endLogger } from '@logseal/winston';
import logseal from '@logseal/winston';
import { startTestSink, type TestSink } from '../packages/core/test/helpers/test-sink.js';
import { bodies, received, textKeys } from './fixtures/winston-helpers.js';

// @logseal/winston's contract with winston (issue 5): the info object is never mutated,
// backpressure under 'block', bad options throw coded errors at construction, configuration
// by environment, 'warn'/'error' events, flush/close/end. Real winston, real HTTP sink.

const keys = textKeys();
const MODES = [{ thread: true }, { thread: false }] as const;
const sinks: TestSink[] = [];
const transports: LogSealTransport[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  await Promise.allSettled(transports.splice(0).map((t) => t.close()));
  await Promise.allSettled(sinks.splice(0).map((s) => s.stop()));
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

async function sink(opts?: Parameters<typeof startTestSink>[0]): Promise<TestSink> {
  const s = await startTestSink(opts);
  sinks.push(s);
  return s;
}

function make(url: string, extra: Record<string, unknown> = {}): LogSealTransport {
  const t = new LogSealTransport({ url, signingKey: keys.signingKey, macKey: keys.macKey, heartbeatMs: 0, env: {}, retry: { baseMs: 5, capMs: 50, deadlineMs: 60_000 }, ...extra });
  transports.push(t);
  return t;
}

const SYMS = [Symbol.for('level'), Symbol.for('message'), Symbol.for('splat')];

/** A deep copy that keeps the symbol keys winston uses, and the identity of nothing. */
function snapshot(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Error) return { error: v.message, stack: v.stack, cause: snapshot((v as { cause?: unknown }).cause), own: snapshot({ ...v }) };
  if (v instanceof Date || v instanceof Map) return v; // frozen below: cannot change
  if (Array.isArray(v)) return v.map(snapshot);
  const out: Record<string | symbol, unknown> = {};
  for (const k of Object.keys(v)) out[k] = snapshot((v as Record<string, unknown>)[k]);
  for (const s of SYMS) if (s in v) out[s] = snapshot((v as Record<symbol, unknown>)[s]);
  return out;
}

function deepFreeze(v: unknown, seen = new Set<unknown>()): void {
  if (v === null || typeof v !== 'object' || seen.has(v)) return;
  seen.add(v);
  for (const k of Reflect.ownKeys(v)) deepFreeze((v as Record<string | symbol, unknown>)[k], seen);
  Object.freeze(v);
}

/** A transport after ours: it checks that the info it gets is what the logger's format left. */
class Witness extends TransportStream {
  seen: { info: unknown; before: unknown }[] = [];
  override log(info: unknown, callback: () => void): void {
    this.seen.push({ info: snapshot(info), before: (info as Record<symbol, unknown>)[BEFORE] });
    callback();
  }
}
const BEFORE = Symbol('before');

describe('@logseal/winston transport', () => {
  for (const mode of MODES) {
    it(`never mutates the info object: a transport after it sees exactly what the formats made (thread: ${mode.thread})`, async () => {
      const s = await sink();
      const plain = make(s.url, mode);
      const colored = make(s.url, { ...mode, format: winston.format.combine(winston.format.colorize(), winston.format.simple()), formatted: true });
      const witness = new Witness();
      // The logger's format takes a snapshot, then freezes the info deeply: any write by a
      // transport would throw (ESM is strict mode) or show in the witness's comparison.
      const freeze = winston.format((info) => {
        // A copy by defineProperty (Object.assign would turn an own "__proto__" key into a prototype).
        const out = Object.create(Object.getPrototypeOf(info) as object) as typeof info;
        for (const k of Reflect.ownKeys(info)) Object.defineProperty(out, k, { value: (info as Record<string | symbol, unknown>)[k], enumerable: true });
        Object.defineProperty(out, BEFORE, { value: snapshot(info), enumerable: false });
        deepFreeze(out);
        return out;
      });
      const logger = winston.createLogger({
        format: winston.format.combine(winston.format.errors({ stack: true }), winston.format.timestamp(), winston.format.json(), freeze()),
        transports: [plain, colored, witness],
      });
      const errors: unknown[] = [];
      for (const t of [plain, colored]) t.on('warn', (w) => errors.push(w)).on('error', (e) => errors.push(e));
      const cause = new Error('inner cause');
      logger.info('hello', { user: { name: 'ana', tags: ['a', 'b'] }, when: new Date(0), big: 12n, map: new Map([['k', 1]]) });
      logger.warn('with error', { err: new Error('outer', { cause }), n: Number.NaN });
      logger.error(new Error('thrown message'));
      // A literal info (one argument): winston keeps it, own "__proto__" key included.
      logger.log({ level: 'info', message: 'weird keys', ['__proto__']: { polluted: true }, constructor: 'c', nested: { deep: { deeper: [1, { x: null }] } } });
      await endLogger(logger);
      expect(errors).toEqual([]);
      expect(witness.seen).toHaveLength(4);
      for (const { info, before } of witness.seen) expect(info).toEqual(before);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();

      const recs = bodies(received(s));
      expect(recs).toHaveLength(8); // both LogSeal transports, four records each
      const hello = recs.filter((b) => b.message === 'hello');
      expect(hello).toHaveLength(2);
      for (const h of hello) {
        expect(h).toMatchObject({ level: 'info', user: { name: 'ana', tags: ['a', 'b'] }, when: '1970-01-01T00:00:00.000Z', big: '12', map: { k: 1 } });
      }
      expect(hello.filter((h) => Object.keys(h).includes('formatted'))).toHaveLength(1); // only with formatted: true
      // format.colorize() wrote ANSI into info.level for that transport: the record keeps the
      // plain level name (Symbol.for('level')); formatted: true adds winston's line.
      const line = hello.find((h) => h.formatted !== undefined)!;
      expect(line.formatted).toMatch(/hello/);
      expect(line.formatted).toMatch(/\u001b\[/);
      const withErr = recs.find((b) => b.message === 'with error')! as { err: { message: string; stack: string; cause: { message: string } }; n: unknown };
      expect(withErr.err).toMatchObject({ type: 'Error', message: 'outer', cause: { message: 'inner cause' } });
      expect(withErr.n).toBe('NaN');
      // The format-less transport gets the info itself, own "__proto__" key and all (the other
      // one gets winston-transport's Object.assign copy, where that key became a prototype).
      const weird = recs.filter((b) => b.message === 'weird keys');
      expect(weird.some((w) => Object.prototype.hasOwnProperty.call(w, '__proto__') && (w as Record<string, unknown>)['__proto__'] !== undefined)).toBe(true);
      for (const w of weird) expect(w.constructor).toBe('c');
      const report = await verify(received(s), { keys: keys.keyring, requireFinal: true });
      expect(report.findings).toEqual([]);
    });

    it(`backpressure under 'block': with the sink down the log() callbacks wait, memory stays capped, nothing is lost (thread: ${mode.thread})`, async () => {
      const s = await sink({ default: { status: 503, headers: { 'retry-after': '0' } } });
      const cap = 256 * 1024;
      const t = make(s.url, { ...mode, batch: { maxRecords: 50, maxBytes: 32 * 1024 }, memory: { maxBytes: cap, overflow: 'block' }, ...(mode.thread ? { queueBytes: 64 * 1024 } : {}) });
      let callbacks = 0;
      const counter = new (class extends TransportStream {
        override log(_i: unknown, cb: () => void): void {
          callbacks++;
          cb();
        }
      })();
      const logger = winston.createLogger({ transports: [t, counter] });
      const N = 4000;
      for (let i = 0; i < N; i++) {
        logger.info(`payload ${i} ${'x'.repeat(300)}`, { i });
        if (i % 200 === 199) await new Promise((r) => setImmediate(r));
      }
      await new Promise((r) => setTimeout(r, 400));
      // winston pipes to every transport at the pace of the slowest: records wait in the
      // streams' buffers, not in LogSeal's memory.
      expect(t.writableLength).toBeGreaterThan(0);
      expect(callbacks).toBeLessThan(N);
      const held = await t.stats();
      expect(held.recordsSent).toBe(0);
      expect(held.peakMemoryBytes).toBeLessThanOrEqual(cap + 40 * 1024);
      s.setDefault({ status: 200 });
      await endLogger(logger);
      const st = await t.stats();
      expect(st.recordsDropped).toBe(0);
      expect(st.recordsSent).toBe(N);
      expect(callbacks).toBe(N);
      const report = await verify(received(s), { keys: keys.keyring, requireFinal: true });
      expect(report.findings).toEqual([]);
      expect(report.records.total).toBe(N);
    });

    it(`logger.end() while winston still buffers records for a slow transport loses none (winston ends transports before its buffer drains) (thread: ${mode.thread})`, async () => {
      const s = await sink();
      // A transport whose log() callbacks come late, as ours do under 'block' backpressure:
      // winston's readable buffer holds records for it when Logger._final() calls end().
      class LateCallbacks extends LogSealTransport {
        override log(info: Parameters<LogSealTransport['log']>[0], cb: () => void): void {
          super.log(info, () => setTimeout(cb, 1));
        }
      }
      const t = new LateCallbacks({ url: s.url, signingKey: keys.signingKey, macKey: keys.macKey, heartbeatMs: 0, env: {}, ...mode });
      transports.push(t);
      const logger = winston.createLogger({ transports: [t] });
      const errors: unknown[] = [];
      logger.on('error', (e: unknown) => errors.push(e));
      const N = 300;
      for (let i = 0; i < N; i++) logger.info(`m ${i}`, { i });
      expect(logger.readableLength).toBeGreaterThan(0); // the race is set up
      await endLogger(logger);
      expect(errors).toEqual([]);
      const items = received(s);
      expect(bodies(items).map((b) => b.i)).toEqual(Array.from({ length: N }, (_, i) => i));
      const report = await verify(items, { keys: keys.keyring, requireFinal: true });
      expect(report.findings).toEqual([]);
    });

    it(`close() while blocked on a dead sink ends within closeTimeoutMs; what was not delivered is reported lost (thread: ${mode.thread})`, async () => {
      const s = await sink({ default: { status: 503, headers: { 'retry-after': '0' } } });
      const t = make(s.url, { ...mode, closeTimeoutMs: 300, batch: { maxRecords: 20, maxBytes: 8 * 1024 }, memory: { maxBytes: 64 * 1024 }, ...(mode.thread ? { queueBytes: 64 * 1024 } : {}) });
      const logger = winston.createLogger({ transports: [t] });
      for (let i = 0; i < 2000; i++) {
        logger.info(`payload ${i} ${'z'.repeat(200)}`);
        if (i % 100 === 99) await new Promise((r) => setImmediate(r));
      }
      await new Promise((r) => setTimeout(r, 200));
      expect(t.writableLength).toBeGreaterThan(0); // blocked
      const res = await t.close();
      expect(res.delivered).toBe(false);
      expect(res.lostRecords).toBeGreaterThan(0);
      const st = await t.stats();
      expect(st.recordsLost).toBe(res.lostRecords);
      expect(st.recordsSent).toBe(0);
    });

    it(`emits delivery trouble as 'warn' (re-emitted by the logger), never throws into the app (thread: ${mode.thread})`, async () => {
      const s = await sink();
      s.reply({ status: 500 }, { status: 500 });
      const t = make(s.url, mode);
      const logger = winston.createLogger({ transports: [t] });
      const onLogger: unknown[] = [];
      logger.on('warn', (w: unknown) => onLogger.push(w));
      for (let i = 0; i < 20; i++) logger.info(`m ${i}`);
      await t.flush();
      expect(onLogger.length).toBeGreaterThanOrEqual(1);
      expect(onLogger[0]).toMatchObject({ name: 'LogSealWarning', code: 'LOGSEAL_WARN_RETRY' });
      expect(bodies(received(s))).toHaveLength(20);
      // After close(), records are refused with a warning, not an exception.
      const res = await t.close();
      expect(res).toEqual({ delivered: true, spooledBatches: 0, lostRecords: 0 });
      const after: unknown[] = [];
      t.on('warn', (w) => after.push(w));
      expect(() => t.log({ level: 'info', message: 'late', [Symbol.for('level')]: 'info' }, () => undefined)).not.toThrow();
      expect(after[0]).toMatchObject({ code: 'LOGSEAL_WARN_AFTER_CLOSE' });
      expect((await t.stats()).recordsRefused).toBe(1);
    });
  }

  it('flush() resolves when what was logged is acknowledged; logger.end() finishes only after the final seal is delivered', async () => {
    const s = await sink({ default: { status: 200, delayMs: 30 } });
    const t = make(s.url);
    const logger = winston.createLogger({ transports: [t] });
    for (let i = 0; i < 10; i++) logger.info(`first ${i}`);
    await t.flush();
    expect(bodies(received(s))).toHaveLength(10);
    for (let i = 0; i < 5; i++) logger.info(`second ${i}`);
    let finished = false;
    let transportFinished = false;
    logger.on('finish', () => (finished = true));
    t.on('finish', () => (transportFinished = true));
    const ended = endLogger(logger);
    expect(finished).toBe(false);
    await ended;
    const items = received(s);
    expect(bodies(items)).toHaveLength(15);
    expect(items.filter((x) => x.type === 'seal' && x.final === true)).toHaveLength(1);
    expect(transportFinished).toBe(true);
  });

  it('logger.remove(transport) closes it (winston calls close() on unpipe)', async () => {
    const s = await sink();
    const t = make(s.url);
    const logger = winston.createLogger({ transports: [t] });
    logger.info('one');
    logger.remove(t);
    const res = await t.close(); // the same close, already under way
    expect(res.delivered).toBe(true);
    expect(received(s).some((x) => x.type === 'seal' && x.final === true)).toBe(true);
  });

  it('configuration by environment: LOGSEAL_URL, LOGSEAL_PRESET and key variables; explicit options win', async () => {
    const s = await sink();
    const env = { LOGSEAL_URL: s.url, LOGSEAL_PRESET: 'pci', LOGSEAL_SIGNING_KEY: keys.signingKey, LOGSEAL_MAC_KEY: keys.macKey, LOGSEAL_SERVICE: 'from-env' };
    const t = new LogSealTransport({ env, heartbeatMs: 0 });
    transports.push(t);
    const logger = winston.createLogger({ transports: [t] });
    logger.info('paid', { card: '4111 1111 1111 1111' });
    await endLogger(logger);
    const items = received(s);
    expect(bodies(items)[0]).toMatchObject({ card: expect.not.stringContaining('4111 1111 1111 1111'), _redacted: { policy: 'pci' } });
    expect(items.find((x) => x.type === 'seal')).toMatchObject({ meta: { service: 'from-env' } });

    // Explicit options over the environment: the env URL is dead, the explicit one is the sink.
    const s2 = await sink();
    const t2 = new LogSealTransport({ env: { ...env, LOGSEAL_URL: 'http://127.0.0.1:9/dead' }, url: s2.url, preset: 'secrets', heartbeatMs: 0 });
    transports.push(t2);
    const l2 = winston.createLogger({ transports: [t2] });
    l2.info('card', { card: '4111 1111 1111 1111' });
    await endLogger(l2);
    expect(bodies(received(s2))[0]).toMatchObject({ message: 'card' });
  });

  it('a bad option throws a coded error naming it, at construction', () => {
    const base = { url: 'http://127.0.0.1:9', signingKey: keys.signingKey, env: {} };
    const named = (code: string, name: string) => expect.objectContaining({ name: 'LogSealError', code, message: expect.stringContaining(name) });
    expect(() => new LogSealTransport({ env: {}, signingKey: keys.signingKey })).toThrow(named('LOGSEAL_ERR_INVALID_OPTION', '"url"'));
    expect(() => new LogSealTransport({ ...base, colour: 'red' } as never)).toThrow(named('LOGSEAL_ERR_INVALID_OPTION', 'colour'));
    expect(() => new LogSealTransport({ ...base, preset: 'nope' })).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_POLICY' }));
    expect(() => new LogSealTransport({ ...base, batch: { maxRecords: 0 } })).toThrow(named('LOGSEAL_ERR_INVALID_OPTION', 'batch.maxRecords'));
    expect(() => new LogSealTransport({ ...base, memory: { overflow: 'drop' as never } })).toThrow(named('LOGSEAL_ERR_INVALID_OPTION', 'memory.overflow'));
    expect(() => new LogSealTransport({ ...base, queueBytes: 5 })).toThrow(named('LOGSEAL_ERR_INVALID_OPTION', 'queueBytes'));
    expect(() => new LogSealTransport({ ...base, thread: 'yes' as never })).toThrow(named('LOGSEAL_ERR_INVALID_OPTION', 'thread'));
    expect(() => new LogSealTransport({ ...base, format: 'json' as never })).toThrow(named('LOGSEAL_ERR_INVALID_OPTION', 'format'));
    expect(() => new LogSealTransport({ ...base, sinkFormat: 'syslog' })).toThrow(named('LOGSEAL_ERR_INVALID_OPTION', 'format'));
    expect(() => new LogSealTransport({ ...base, clock: () => 1 })).toThrow(named('LOGSEAL_ERR_INVALID_OPTION', 'clock'));
    expect(() => new LogSealTransport({ ...base, url: 'http://user:pw@127.0.0.1:9' })).toThrow(named('LOGSEAL_ERR_INVALID_OPTION', 'url'));
    expect(() => new LogSealTransport({ ...base, http: { connections: -1 } })).toThrow(named('LOGSEAL_ERR_INVALID_OPTION', 'connections'));
    expect(() => new LogSealTransport({ ...base, signingKey: 'not a key' })).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_KEY_FORMAT' }));
    expect(() => new LogSealTransport({ url: base.url, env: {} })).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_KEY_MISSING' }));
    expect(() => new LogSealTransport({ ...base, redact: { preset: 'secrets', paths: ['a..b'] } })).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_PATH_SYNTAX' }));
    // The factories validate the same way.
    expect(() => createTransport({ env: {} })).toThrow(named('LOGSEAL_ERR_INVALID_OPTION', '"url"'));
    expect(() => logseal({ env: {} })).toThrow(named('LOGSEAL_ERR_INVALID_OPTION', '"url"'));
    // The signal helper too; and its remover leaves no handler behind.
    const logger = winston.createLogger({ transports: [] });
    expect(() => closeOnSignal(logger, { signals: ['SIGNOPE' as NodeJS.Signals] })).toThrow(named('LOGSEAL_ERR_INVALID_OPTION', 'signals'));
    expect(() => closeOnSignal(logger, { timeoutMs: 0 })).toThrow(named('LOGSEAL_ERR_INVALID_OPTION', 'timeoutMs'));
    const before = process.listenerCount('SIGTERM');
    const remove = closeOnSignal(logger);
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    remove();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });

  it("a spool another process holds: 'error' on the transport in thread mode (re-emitted by the logger), a coded throw in-process", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logseal-winston-lock-'));
    mkdirSync(dir, { recursive: true });
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    children.push(holder);
    writeFileSync(join(dir, 'lock'), String(holder.pid));
    const s = await sink();
    expect(() => make(s.url, { thread: false, spool: { dir } })).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_SPOOL_LOCKED' }));
    const t = make(s.url, { spool: { dir } });
    const logger = winston.createLogger({ transports: [t] });
    const onLogger = new Promise<unknown>((resolve) => logger.on('error', resolve));
    const err = await onLogger;
    expect(err).toMatchObject({ code: 'LOGSEAL_ERR_SPOOL_LOCKED' });
    expect(() => logger.info('after the failure')).not.toThrow();
    await new Promise((r) => setImmediate(r));
    expect((await t.stats()).recordsRefused).toBe(1);
  });

  it("require('@logseal/winston') works from CommonJS, worker thread included (engines >= 20.19)", async () => {
    const s = await sink();
    const script = `
      const winston = require('winston');
      const { LogSealTransport, endLogger } = require('@logseal/winston');
      const t = new LogSealTransport({ url: ${JSON.stringify(s.url)}, macKey: ${JSON.stringify(keys.macKey)}, heartbeatMs: 0 });
      const logger = winston.createLogger({ transports: [t] });
      logger.info('from commonjs');
      endLogger(logger).then(() => console.log('ok'));`;
    // Asynchronously: the sink answering the child runs in this process.
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { encoding: 'utf8', cwd: new URL('..', import.meta.url).pathname, env: { PATH: process.env.PATH ?? '' } });
    expect(stdout.trim()).toBe('ok');
    expect(bodies(received(s))).toMatchObject([{ message: 'from commonjs' }]);
  });
});
