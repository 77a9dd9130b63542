import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { verify } from '@logseal/core';
import { startTestSink, type TestSink } from '../packages/core/test/helpers/test-sink.js';
import { bodies, received, runApp, textKeys } from './fixtures/pino-helpers.js';

// Issue 5, exit paths: a real application in a child process logs through pino's worker
// thread and leaves in each of the ways real ones do. Every record logged before the exit
// must reach the sink, sealed `final` (or, for a killed process, from the spool on the next start).

const keys = textKeys();
const sinks: TestSink[] = [];
afterEach(async () => {
  await Promise.allSettled(sinks.splice(0).map((s) => s.stop()));
});

async function sink(): Promise<TestSink> {
  const s = await startTestSink();
  sinks.push(s);
  return s;
}

function env(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    LOGSEAL_URL: url,
    LOGSEAL_MAC_KEY: keys.macKey,
    LOGSEAL_SIGNING_KEY: keys.signingKey,
    LOGSEAL_SERVICE: 'exit-test',
    APP_OPTIONS: JSON.stringify({ heartbeatMs: 0, deadLetterPath: join(mkdtempSync(join(tmpdir(), 'logseal-pino-dl-')), 'dead.ndjson') }),
    ...extra,
  };
}

/** The sink got records tag 0..n-1 exactly once each, and the stream verifies clean with a final seal. */
async function expectAllDelivered(s: TestSink, tag: string, n: number): Promise<void> {
  const items = received(s);
  const got = bodies(items).filter((b) => b.tag === tag).map((b) => b.i as number);
  expect(got.length).toBe(n);
  expect(new Set(got).size).toBe(n);
  const report = await verify(items, { keys: keys.keyring, requireFinal: true });
  expect(report.findings).toEqual([]);
  const first = items.find((x) => x.type === 'seal' && x.batch === 0) as { meta?: { service?: string; host?: string } };
  expect(first.meta).toMatchObject({ service: 'exit-test', host: expect.any(String) });
}

describe('@logseal/pino exit paths (child processes, pino worker thread)', () => {
  const N = 2500;

  it('the script returns normally: everything delivered and sealed final', async () => {
    const s = await sink();
    const r = await runApp(env(s.url, { APP_MODE: 'return', APP_N: String(N), APP_TAG: 'ret' }));
    expect(r.code, r.stderr).toBe(0);
    await expectAllDelivered(s, 'ret', N);
  });

  it('process.exit() right after logging: pino exit hook -> transport.end() -> flush + final seal', async () => {
    const s = await sink();
    const r = await runApp(env(s.url, { APP_MODE: 'exit', APP_N: String(N), APP_TAG: 'exit' }));
    expect(r.code, r.stderr).toBe(0);
    await expectAllDelivered(s, 'exit', N);
  });

  it('SIGTERM with installShutdownHandlers(logger): delivered, sealed final, exit code 143', async () => {
    const s = await sink();
    const r = await runApp(env(s.url, { APP_MODE: 'sigterm', APP_N: String(N), APP_TAG: 'term' }), (line, kill) => {
      if (line === 'ready') kill('SIGTERM');
    });
    expect(r.signal).toBe(null);
    expect(r.code, r.stderr).toBe(143);
    await expectAllDelivered(s, 'term', N);
  });

  it('without LOGSEAL_SERVICE the first seal names the app script (not thread-stream\'s worker.js) and the host', async () => {
    const s = await sink();
    const e = env(s.url, { APP_MODE: 'return', APP_N: '10', APP_TAG: 'svc' });
    delete e.LOGSEAL_SERVICE;
    const r = await runApp(e);
    expect(r.code, r.stderr).toBe(0);
    const first = received(s).find((x) => x.type === 'seal' && x.batch === 0);
    expect(first).toMatchObject({ meta: { service: 'pino-app', host: hostname() } });
  });

  it('(control) SIGTERM without the handler: Node kills the process, no exit hook runs, nothing is sealed final', async () => {
    const s = await sink();
    const r = await runApp(env(s.url, { APP_MODE: 'sigterm-unhandled', APP_N: String(N), APP_TAG: 'bare' }), (line, kill) => {
      if (line === 'ready') kill('SIGTERM');
    });
    expect(r.signal).toBe('SIGTERM');
    expect(received(s).some((x) => x.type === 'seal' && x.final === true)).toBe(false);
  });

  it('an uncaught exception after logging: delivered and sealed final, the app still crashes', async () => {
    const s = await sink();
    const r = await runApp(env(s.url, { APP_MODE: 'throw', APP_N: String(N), APP_TAG: 'throw' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('throw: boom after logging');
    await expectAllDelivered(s, 'throw', N);
  });

  it('SIGKILL with a spool: what was durable is delivered by the next start, which continues the chain', async () => {
    const s = await sink();
    s.setDefault({ status: 503, headers: { 'retry-after': '0' } });
    const dir = mkdtempSync(join(tmpdir(), 'logseal-pino-spool-'));
    const opts = JSON.stringify({ heartbeatMs: 0, batch: { maxRecords: 200 }, retry: { baseMs: 5, capMs: 20, deadlineMs: 600_000 } });
    const first = await runApp(env(s.url, { APP_MODE: 'durable', APP_N: String(N), APP_TAG: 'killed', LOGSEAL_SPOOL_DIR: dir, APP_OPTIONS: opts }), (line, kill) => {
      if (line === 'durable') kill('SIGKILL');
    });
    expect(first.signal).toBe('SIGKILL');
    expect(bodies(received(s))).toEqual([]); // the sink accepted nothing while it was down

    s.setDefault({ status: 200 });
    const second = await runApp(env(s.url, { APP_MODE: 'return', APP_N: '300', APP_TAG: 'next', LOGSEAL_SPOOL_DIR: dir, APP_OPTIONS: opts }));
    expect(second.code, second.stderr).toBe(0);
    const items = received(s);
    const all = bodies(items);
    expect(all.filter((b) => b.tag === 'killed').map((b) => b.i)).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(all.filter((b) => b.tag === 'next')).toHaveLength(300);
    const report = await verify(items, { keys: keys.keyring, requireFinal: true });
    expect(report.findings).toEqual([]);
    expect(report.streams).toHaveLength(1); // the restarted process continued the killed one's chain
  });
});
