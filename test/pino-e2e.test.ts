import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { verify } from '@logseal/core';
import { logsealStats } from '@logseal/pino';
import { bodies, plantedStrings, secretSets, startThreadSink, textKeys, type SecretSet, type ThreadSink } from './fixtures/pino-helpers.js';

// Issue 5, end to end: an application logs 100,000 records through pino's worker thread
// into @logseal/pino, with secrets of many kinds planted in messages, nested fields, error
// stacks and err.cause. The sink must receive every record, no planted secret may appear in
// any byte it received, and the verifier must report the stream clean.

const keys = textKeys();
let sink: ThreadSink | undefined;
afterEach(async () => {
  await sink?.stop();
  sink = undefined;
});

/** Record i of the app: one of eight shapes, the planted secrets cycling through `sets`. */
function logOne(logger: pino.Logger, i: number, s: SecretSet): void {
  switch (i % 8) {
    case 0:
      return logger.info({ i }, `deploying with token ${s.github} to production`);
    case 1:
      return logger.info({ i, cloud: { aws: { credentials: { accessKeyId: s.awsKeyId, note: `AWS_SECRET_ACCESS_KEY=${s.awsSecret}` } } } }, 'assumed role');
    case 2: {
      const cause = new Error(`slack notify failed, token=${s.slack}`);
      const err = new Error(`charge failed for customer cus_${i} with key ${s.stripe}`, { cause });
      return logger.error({ i, err }, 'payment error');
    }
    case 3:
      return logger.warn({ i, db: { primary: { dsn: `postgres://app:${s.urlPassword}@db.internal:5432/orders` } } }, `reconnecting to postgres://app:${s.urlPassword}@db.internal:5432/orders`);
    case 4:
      return logger.info({ i, req: { headers: { 'x-forwarded-for': '10.0.0.1', 'x-debug': `Bearer ${s.jwt}` } } }, `login attempt user=bob password=${s.password}`);
    case 5:
      return logger.debug({ i, tls: { material: { pem: s.pem } } }, 'loaded tls material');
    case 6: {
      const err = new TypeError(`invalid signature for ${s.jwt}`);
      (err as Error & { context?: unknown }).context = { apiKey: s.stripe, nested: [{ auth: `token ${s.github}` }] };
      return logger.error({ i, err }, `request failed; retry with AKIA key ${s.awsKeyId}`);
    }
    default:
      return logger.info({ i, user: { id: i % 1000, plan: 'pro' }, path: `/v1/orders/${i}` }, 'request completed');
  }
}

describe('@logseal/pino end to end', () => {
  it('100,000 records with planted secrets: all delivered, no secret in any byte received, the verifier reports the stream clean', async () => {
    sink = await startThreadSink();
    const N = 100_000;
    const sets = secretSets(20);
    const t = pino.transport({
      target: '@logseal/pino',
      options: {
        url: sink.url,
        signingKey: keys.signingKey,
        macKey: keys.macKey,
        service: 'e2e',
        heartbeatMs: 0,
        deadLetterPath: join(mkdtempSync(join(tmpdir(), 'logseal-pino-e2e-')), 'dead.ndjson'),
      },
    });
    const logger = pino({ level: 'debug' }, t);
    // Log in slices, yielding between them as a server does between requests.
    for (let i = 0; i < N; i++) {
      logOne(logger, i, sets[i % sets.length]!);
      if (i % 2000 === 1999) await new Promise((r) => setImmediate(r));
    }
    const [st] = await logsealStats(logger);
    const closed = once(t, 'close');
    t.end(); // what pino's exit hook does: flush, seal final, deliver (blocks this thread)
    await closed;

    const raw = (await sink.bodies()).join('\n');
    const leaked = plantedStrings(sets).filter((secret) => raw.includes(secret));
    expect(leaked).toEqual([]);
    // The PEM armor stays (what was there is visible), its body does not.
    expect(raw).toContain('-----BEGIN PRIVATE KEY-----');

    const items = raw.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Record<string, unknown>);
    const got = bodies(items);
    expect(got).toHaveLength(N);
    const seen = new Uint8Array(N);
    for (const b of got) seen[b.i as number]++;
    expect(seen.every((c) => c === 1)).toBe(true);
    expect(got.filter((b) => b._redacted !== undefined)).toHaveLength((N / 8) * 7);
    expect(got.find((b) => b.i === 2)).toMatchObject({ levelLabel: 'error', err: { type: 'Error', stack: expect.stringContaining('caused by') } });

    const report = await verify(items, { keys: keys.keyring, requireFinal: true });
    expect(report.findings).toEqual([]);
    expect(report.records.total).toBe(N);
    expect(report.streams).toHaveLength(1);
    expect(st!.recordsDropped).toBe(0);
    expect(st!.nonJsonLines).toBe(0);
  }, 120_000);
});
