import { afterEach, describe, expect, it } from 'vitest';
import winston from 'winston';
import { createRedactor, verify } from '@logseal/core';
import { LogSealTransport, endLogger } from '@logseal/winston';
import { startTestSink, type TestSink } from '../packages/core/test/helpers/test-sink.js';
import { bodies, plantedStrings, received, secretSets, textKeys, type Secrets } from './fixtures/winston-helpers.js';

// Issue 5, end to end with real winston: an application logs 100,000 records through
// LogSealTransport (thread mode, the default) with secrets of many kinds planted in messages,
// nested fields, error stacks (format.errors({ stack: true })) and err.cause. The sink must
// receive every record, no planted secret may appear in any byte it received, and the
// verifier must report the stream clean.

const keys = textKeys();
let sink: TestSink | undefined;
afterEach(async () => {
  await sink?.stop();
  sink = undefined;
});

/** Record i of the app: one of ten shapes, the planted secrets cycling through the sets. */
function logOne(logger: winston.Logger, i: number, s: Secrets): void {
  switch (i % 10) {
    case 0:
      logger.info(`deploying with token ${s.github} to production`, { i });
      return;
    case 1:
      logger.info('assumed role', { i, cloud: { aws: { accessKeyId: s.awsKeyId, note: `AWS_SECRET_ACCESS_KEY=${s.awsSecret}` } } });
      return;
    case 2:
      // format.errors({ stack: true }): message and stack of the Error become the info's.
      logger.error(new Error(`charge failed for customer cus_${i} with key ${s.stripe}`));
      return;
    case 3: {
      const cause = new Error(`slack notify failed, token=${s.slack}`);
      logger.warn('payment error', { i, err: new Error(`upstream rejected Bearer ${s.jwt}`, { cause }) });
      return;
    }
    case 4:
      logger.warn(`reconnecting to https://deploy:${s.urlPassword}@git.example.com/repo.git`, { i, dsn: { url: `https://deploy:${s.urlPassword}@git.example.com/x` } });
      return;
    case 5:
      logger.info(`login failed: user=bob password=${s.password}`, { i, user: { name: 'bob', password: s.keyOnly } });
      return;
    case 6:
      logger.info('loaded tls material', { i, tls: { material: [{ pem: s.pem }] } });
      return;
    case 7: {
      const err = new TypeError(`invalid signature for ${s.jwt}`);
      (err as Error & { context?: unknown }).context = { apiKey: s.stripe, nested: [{ auth: `token ${s.github}` }] };
      logger.error(`request failed; retry with AKIA key ${s.awsKeyId}`, { i, failure: err });
      return;
    }
    default:
      logger.info('request completed', { i, user: { id: i % 1000, plan: 'pro' }, path: `/v1/orders/${i}` });
  }
}

describe('@logseal/winston end to end', () => {
  it('the planted secrets are ones the secrets preset finds on their own (the test plants real formats)', () => {
    const r = createRedactor({ preset: 'secrets' });
    const s = secretSets(1)[0]!;
    for (const text of [`t ${s.github}`, `AKIA key ${s.awsKeyId}`, `AWS_SECRET_ACCESS_KEY=${s.awsSecret}`, `key ${s.stripe}`, `token=${s.slack}`, `Bearer ${s.jwt}`, s.pem, `https://deploy:${s.urlPassword}@git.example.com/x`, `password=${s.password}`]) {
      expect(r.redact({ text }).summary, text).not.toBeNull();
    }
    expect(r.redact({ password: s.keyOnly }).summary).not.toBeNull();
  });

  it('100,000 records with planted secrets: all delivered, no secret in any byte received, the verifier reports the stream clean', async () => {
    sink = await startTestSink();
    const N = 100_000;
    const sets = secretSets(16);
    const transport = new LogSealTransport({ url: sink.url, signingKey: keys.signingKey, macKey: keys.macKey, service: 'winston-e2e', heartbeatMs: 0, env: {} });
    const warnings: unknown[] = [];
    transport.on('warn', (w) => warnings.push(w));
    const logger = winston.createLogger({
      level: 'info',
      format: winston.format.combine(winston.format.errors({ stack: true }), winston.format.timestamp(), winston.format.json()),
      transports: [transport],
    });
    for (let i = 0; i < N; i++) {
      logOne(logger, i, sets[i % sets.length]!);
      if (i % 1000 === 999) await new Promise((r) => setImmediate(r)); // a server between requests
    }
    await endLogger(logger); // 'finish' only after everything is delivered and sealed final

    const wire = sink.accepted().map((r) => r.body).join('\n');
    for (const secret of plantedStrings(sets)) expect(wire.includes(secret), `a planted secret reached the sink: ${secret.slice(0, 12)}...`).toBe(false);

    const items = received(sink);
    const recs = bodies(items);
    expect(recs).toHaveLength(N);
    expect(new Set(recs.map((b) => (typeof b.i === 'number' ? b.i : b.message))).size).toBeGreaterThan(N * 0.85);
    const report = await verify(items, { keys: keys.keyring, requireFinal: true });
    expect(report.findings).toEqual([]);
    expect(report.records.total).toBe(N);
    expect(warnings).toEqual([]);

    // The shapes arrive as winston's formats made them, redacted.
    const byShape = (k: number) => recs.find((b) => b.i === k)!;
    expect(byShape(0)).toMatchObject({ level: 'info', message: expect.stringContaining('deploying with token'), i: 0, timestamp: expect.any(String) });
    const stackRec = recs.find((b) => typeof b.stack === 'string' && String(b.message).startsWith('charge failed'))!;
    expect(stackRec.level).toBe('error');
    expect(stackRec.stack).toContain('at '); // the stack travelled, redacted
    const causeRec = byShape(3) as { err: { message: string; cause: { message: string; stack: string } } };
    expect(causeRec.err.message).toContain('upstream rejected');
    expect(causeRec.err.cause.message).toContain('slack notify failed');
    expect(causeRec.err.cause.stack).toContain('at ');
    expect((byShape(5) as { user: { name: string } }).user.name).toBe('bob');
    expect(byShape(5)._redacted).toMatchObject({ policy: 'secrets' });
    expect((await transport.stats()).recordsRedacted).toBeGreaterThan(N * 0.7);
  });

  it('in-process mode (thread: false) ships the same records the same way', async () => {
    sink = await startTestSink();
    const N = 5000;
    const sets = secretSets(4, 99);
    const transport = new LogSealTransport({ url: sink.url, signingKey: keys.signingKey, macKey: keys.macKey, thread: false, heartbeatMs: 0, env: {} });
    const logger = winston.createLogger({ format: winston.format.combine(winston.format.errors({ stack: true }), winston.format.timestamp()), transports: [transport] });
    for (let i = 0; i < N; i++) logOne(logger, i, sets[i % sets.length]!);
    await endLogger(logger);
    const wire = sink.accepted().map((r) => r.body).join('\n');
    for (const secret of plantedStrings(sets)) expect(wire.includes(secret)).toBe(false);
    const items = received(sink);
    expect(bodies(items)).toHaveLength(N);
    const report = await verify(items, { keys: keys.keyring, requireFinal: true });
    expect(report.findings).toEqual([]);
  });
});
