import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verify } from '@logseal/core';
import { startTestSink, type TestSink } from '../packages/core/test/helpers/test-sink.js';
import { bodies, received, runApp, textKeys } from './fixtures/winston-helpers.js';

// Issue 5, exit paths of a winston application, each in a child process
// (test/fixtures/winston-app.mjs): every record logged before the exit reaches the sink,
// with the final seal, and the verifier reports the stream clean; or, for a killed process
// with a spool, the next start delivers them.

const keys = textKeys();
const N = 3000;
let sink: TestSink | undefined;
afterEach(async () => {
  await sink?.stop();
  sink = undefined;
});

function env(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return { LOGSEAL_URL: url, LOGSEAL_SIGNING_KEY: keys.signingKey, LOGSEAL_MAC_KEY: keys.macKey, ...extra };
}

async function expectDelivered(s: TestSink, scenario: string, n: number): Promise<Record<string, unknown>[]> {
  const items = received(s);
  const recs = bodies(items).filter((b) => b.scenario === scenario);
  expect(new Set(recs.map((b) => b.i)).size).toBe(n);
  const report = await verify(items, { keys: keys.keyring, requireFinal: true });
  expect(report.findings).toEqual([]);
  return bodies(items);
}

const CASES: { scenario: string; code: number | null; signal?: NodeJS.Signals; inline: boolean }[] = [
  { scenario: 'end', code: 0, inline: true },
  { scenario: 'return', code: 0, inline: true },
  { scenario: 'exit', code: 0, inline: false },
  { scenario: 'sigterm', code: 143, signal: 'SIGTERM', inline: true },
  { scenario: 'throw-handled', code: 1, inline: true },
  { scenario: 'throw', code: 1, inline: false },
];

describe('@logseal/winston exit paths (child processes)', () => {
  for (const c of CASES) {
    for (const thread of c.inline ? [true, false] : [true]) {
      it(`${c.scenario} (thread: ${thread}): every record logged before the exit is delivered and sealed final`, async () => {
        sink = await startTestSink();
        const res = await runApp([c.scenario, String(N)], env(sink.url, thread ? {} : { LS_THREAD: '0' }), (line, kill) => {
          if (line === 'ready' && c.signal !== undefined) kill(c.signal);
        });
        expect(res.code, res.stderr).toBe(c.code);
        const all = await expectDelivered(sink, c.scenario, N);
        if (c.scenario === 'throw-handled') {
          // winston's exception record is shipped too, before the exit.
          expect(all.find((b) => b.exception === true)).toMatchObject({ level: 'error', message: expect.stringContaining('boom after logging') });
        }
        if (c.scenario === 'end') expect(res.stdout).toContain('finished');
      });
    }
  }

  it('SIGKILL with a spool while the sink is down: the next start delivers every record, continuing the chain', async () => {
    sink = await startTestSink({ default: { status: 503, headers: { 'retry-after': '0' } } });
    const dir = mkdtempSync(join(tmpdir(), 'logseal-winston-spool-'));
    const e = env(sink.url, { LOGSEAL_SPOOL_DIR: dir });
    const killed = await runApp(['kill', String(N)], e, (line, kill) => {
      if (line === 'ready') kill('SIGKILL');
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(bodies(received(sink))).toHaveLength(0);

    sink.setDefault({ status: 200 });
    const next = await runApp(['end', '500', String(N)], e);
    expect(next.code, next.stderr).toBe(0);
    const items = received(sink);
    const recs = bodies(items);
    expect(new Set(recs.map((b) => b.i)).size).toBe(N + 500);
    const report = await verify(items, { keys: keys.keyring, requireFinal: true });
    expect(report.findings).toEqual([]);
    expect(report.streams).toHaveLength(1); // the killed stream was never sealed final: the restart continues it
  });
});
