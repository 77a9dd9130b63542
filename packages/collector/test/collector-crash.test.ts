/**
 * Crash (issue 6, "Tests"): the collector runs in a child process and is SIGKILLed twice
 * while the real shipper (createPipeline with a disk spool) streams batches at it, then
 * restarted on the same data directory and port. Every batch the shipper saw acknowledged
 * before a kill is on disk after it, the shipper's retries fill the rest, and core's
 * verify() over the stored files reports the stream clean and complete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import * as diagnostics_channel from 'node:diagnostics_channel';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPipeline, exportKeys, SEND_CHANNEL } from '@logseal/core';
import { readStreamIndex } from '../src/collector/data-dir.js';
import { ensureBuilt, PACKAGE } from './helpers/build.js';
import { logBody, producerKeys, removeTempDirs, tempDir, verifyStored } from './helpers/collector-harness.js';

const CHILD = join(PACKAGE, 'test', 'helpers', 'collector-child.mjs');
const children: ChildProcess[] = [];

beforeAll(() => ensureBuilt());
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  removeTempDirs();
});

interface Child {
  proc: ChildProcess;
  port: number;
  stderr: () => string;
}

async function spawnCollector(dataDir: string, port: number): Promise<Child> {
  const k = exportKeys(producerKeys());
  const proc = spawn(process.execPath, [CHILD, JSON.stringify({ dataDir, port, keys: [{ publicKey: k.publicKeyPem, macKey: k.macKey }] })], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const ready = await new Promise<number>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"ready"'));
      if (line !== undefined) resolve((JSON.parse(line) as { port: number }).port);
    });
    proc.on('exit', (code) => reject(new Error(`collector exited (${code}) before it was ready: ${err}`)));
  });
  return { proc, port: ready, stderr: () => err };
}

function killed(c: Child): Promise<void> {
  return new Promise((resolve) => {
    if (c.proc.exitCode !== null || c.proc.signalCode !== null) return resolve();
    c.proc.once('exit', () => resolve());
    c.proc.kill('SIGKILL');
  });
}

describe('collector crash', () => {
  it('keeps every acknowledged batch through SIGKILL; the shipper fills the rest and verify() is clean', async () => {
    const dataDir = tempDir();
    let child = await spawnCollector(dataDir, 0);
    const port = child.port;
    const keys = producerKeys();
    const pipe = createPipeline({
      url: `http://127.0.0.1:${port}/v1/batches`, signingKey: keys.privateKey, macKey: keys.macKey, sid: 'crash-stream',
      batch: { maxRecords: 15, maxAgeMs: 5 }, heartbeatMs: 0, spool: { dir: tempDir() },
      retry: { baseMs: 10, capMs: 100, deadlineMs: 120_000 }, http: { requestTimeoutMs: 5000 },
    });
    const acked = new Set<number>();
    const onSend = (m: unknown): void => {
      const e = m as { sid: string; batch: number; kind: string };
      if (e.sid === 'crash-stream' && e.kind === 'ok') acked.add(e.batch);
    };
    diagnostics_channel.subscribe(SEND_CHANNEL, onSend);
    let written = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        for (let i = 0; i < 10; i++) await pipe.writeAsync(logBody(written++));
        await sleep(1);
      }
    })();
    const restarts: string[] = [];
    try {
      for (let round = 0; round < 2; round++) {
        const target = acked.size + 15;
        while (acked.size < target) await sleep(5);
        await killed(child); // mid-stream: batches in flight, maybe mid-commit
        const ackedAtKill = [...acked];
        child = await spawnCollector(dataDir, port);
        restarts.push(child.stderr());
        // Every batch acknowledged before the kill is stored (the restarted collector recovered it).
        const storedBatches = new Set((await readStreamIndex(dataDir, 'crash-stream')).map((e) => e.batch));
        for (const b of ackedAtKill) expect(storedBatches.has(b), `acknowledged batch ${b} lost`).toBe(true);
      }
      writing = false;
      await writer;
      const closed = await pipe.close();
      expect(closed.delivered).toBe(true);
      expect(pipe.stats().deadLetteredBatches).toBe(0);
    } finally {
      writing = false;
      diagnostics_channel.unsubscribe(SEND_CHANNEL, onSend);
    }
    await new Promise<void>((resolve) => {
      child.proc.once('exit', () => resolve());
      child.proc.kill('SIGTERM');
    });
    const report = await verifyStored(dataDir);
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(report.streams).toHaveLength(1);
    expect(report.streams[0]).toMatchObject({ sid: 'crash-stream', records: written, validRecords: written, final: true });
    // Torn tails, when a kill landed mid-write, were reported by the restarted collector, never kept.
    for (const log of restarts) {
      for (const line of log.split('\n').filter((l) => l.includes('torn_tail_truncated'))) {
        expect(JSON.parse(line)).toMatchObject({ level: 'warn', event: 'torn_tail_truncated' });
      }
    }
  });
});
