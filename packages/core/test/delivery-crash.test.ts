import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportKeys } from '../src/integrity/keys.js';
import { verify, type VerifyReport } from '../src/integrity/verifier.js';
import { sortExport } from '../src/delivery/export-readers.js';
import { isSeal, type RecordEnvelope, type Seal } from '../src/integrity/types.js';
import { startTestSink, type Reply, type TestSink } from './helpers/test-sink.js';
import { testKeys } from './helpers/sealed-stream.js';

// Issue 4: "A child process that is killed with SIGKILL in the middle of shipping, restarted
// with the same spool: nothing is lost and the verifier reports no tampering."
//
// The child (test/fixtures/spool-child.mjs) runs the BUILT package, as an application
// would, and logs into a real HTTP sink on 127.0.0.1 owned by this process. It reports its
// progress in a file: every index it lists there was "written" (see the fixture's header:
// write() returned and the event loop turned, so the open-records line is in the page
// cache). The parent kills it with SIGKILL, restarts it on the same spool, and checks what
// the sink stored: every written record is there, duplicates are exact copies of the same
// (sid, seq) (at-least-once), and after sortExport() removes them the verifier finds nothing.

const CORE = fileURLToPath(new URL('..', import.meta.url));
const CHILD = join(CORE, 'test', 'fixtures', 'spool-child.mjs');
const keys = testKeys();
const exported = exportKeys(keys);
const keyring = [{ publicKey: keys.publicKey, macKey: keys.macKey }];
const tmp = () => mkdtempSync(join(tmpdir(), 'logseal-crash-'));

const children: ChildProcess[] = [];
const sinks: TestSink[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.allSettled(sinks.splice(0).map((s) => s.stop()));
});
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

/**
 * The child imports dist/, as an application would. turbo builds it before the tests; when
 * it is missing or older than a source file (a run right after an edit), build it here, so
 * the child never runs stale code.
 */
beforeAll(() => {
  const dist = join(CORE, 'dist', 'index.js');
  const built = existsSync(dist) ? statSync(dist).mtimeMs : 0;
  let stale = built === 0;
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && statSync(p).mtimeMs > built) stale = true;
    }
  };
  walk(join(CORE, 'src'));
  if (stale) execFileSync(process.execPath, [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: CORE, stdio: 'pipe' });
});

interface ChildConfig {
  url: string;
  /** Absent: no spool. */
  spoolDir?: string;
  progressPath: string;
  run: number;
  count: number;
  chunk?: number;
  pauseMs?: number;
  batch?: { maxRecords?: number; maxBytes?: number; maxAgeMs?: number };
  retry?: { baseMs?: number; capMs?: number; deadlineMs?: number };
  memory?: { maxBytes?: number; overflow?: string };
  closeTimeoutMs?: number;
  close: boolean;
}

interface ChildEvent {
  event: 'started' | 'warning' | 'closed' | 'idle';
  [k: string]: unknown;
}

interface Child {
  proc: ChildProcess;
  events: ChildEvent[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function startChild(cfg: ChildConfig): Child {
  const proc = spawn(process.execPath, [CHILD, JSON.stringify({ ...cfg, signingKey: exported.privateKeyPem, macKey: exported.macKey })], {
    cwd: CORE,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  const events: ChildEvent[] = [];
  let out = '';
  let stderr = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    let nl: number;
    while ((nl = out.indexOf('\n')) >= 0) {
      events.push(JSON.parse(out.slice(0, nl)) as ChildEvent);
      out = out.slice(nl + 1);
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => void (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    proc.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  return { proc, events, exited };
}

/** Polls `cond` every 5 ms; a guard of 30 s turns a hang into a failure (no timing is asserted). */
async function until(what: string, cond: () => boolean, child?: Child): Promise<void> {
  const guard = Date.now() + 30_000;
  while (!cond()) {
    if (child !== undefined && child.proc.exitCode !== null) throw new Error(`child exited (${child.proc.exitCode}) while waiting for ${what}: ${(await child.exited).stderr}`);
    if (Date.now() > guard) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Highest index the child reported as written (-1: none). */
function progress(path: string): number {
  if (!existsSync(path)) return -1;
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
  return lines.length === 0 ? -1 : Number(lines[lines.length - 1]);
}

async function kill(child: Child): Promise<void> {
  child.proc.kill('SIGKILL');
  const r = await child.exited;
  expect(r.signal).toBe('SIGKILL');
}

/** Runs a child to its clean close and returns its 'closed' event. */
async function runToClose(cfg: ChildConfig): Promise<{ child: Child; closed: ChildEvent }> {
  const child = startChild(cfg);
  const r = await child.exited;
  const closed = child.events.find((e) => e.event === 'closed');
  if (r.code !== 0 || closed === undefined) throw new Error(`child run ${cfg.run} did not close cleanly (${r.code} ${r.signal}): ${r.stderr}`);
  return { child, closed };
}

interface Delivery {
  /** Items the sink stored (2xx answers), duplicates included. */
  stored: number;
  /** Exact duplicates removed by sortExport. */
  duplicates: number;
  report: VerifyReport;
}

/**
 * What the sink stored must hold every written record exactly once after exact duplicates
 * are removed, no two different items may share a (sid, seq) or (sid, batch), and the
 * verifier must find nothing. `written` maps run -> highest index written in that run.
 */
async function checkDelivery(sink: TestSink, written: Map<number, number>): Promise<Delivery> {
  const bodies = sink.accepted().map((r) => r.body);
  expect(bodies.join('')).not.toContain('hunter2hunter2');
  const items = bodies.flatMap((b) => b.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as RecordEnvelope | Seal));
  const sorted = sortExport(items, { dedupe: true });
  // At-least-once: a duplicate is the same (sid, seq) byte for byte, so dedupe leaves one of each.
  const ids = new Set<string>();
  for (const x of sorted) {
    const id = isSeal(x) ? `${x.sid} seal ${x.batch}` : `${x.sid} seq ${x.seq}`;
    expect(ids.has(id), `two different items share ${id}`).toBe(false);
    ids.add(id);
  }
  const seen = new Map<string, number>();
  for (const x of sorted) {
    if (isSeal(x)) continue;
    const b = x.body as { run?: number; n?: number };
    if (typeof b.run === 'number' && typeof b.n === 'number') seen.set(`${b.run}:${b.n}`, (seen.get(`${b.run}:${b.n}`) ?? 0) + 1);
  }
  for (const [run, upTo] of written) {
    const missing: number[] = [];
    for (let n = 0; n <= upTo; n++) {
      const c = seen.get(`${run}:${n}`) ?? 0;
      if (c === 0) missing.push(n);
      expect(c, `run ${run} record ${n} delivered ${c} times under different seqs`).toBeLessThanOrEqual(1);
    }
    expect(missing, `run ${run}: written records missing at the sink`).toEqual([]);
  }
  const report = await verify(sorted, { keys: keyring, requireFinal: true });
  return { stored: items.length, duplicates: items.length - sorted.length, report };
}

describe('SIGKILL in the middle of shipping, restart on the same spool', () => {
  it('kill while the sink answers 503 and an acknowledgement is in flight: every written record arrives, duplicates are exact, the chain verifies', async () => {
    let mode: 'ok' | 'down' | 'late' = 'ok';
    const sink = await startTestSink({
      default: (): Reply =>
        mode === 'ok' ? { status: 200, delayMs: 5 }
          : mode === 'down' ? { status: 503, headers: { 'retry-after': '0' }, body: 'unavailable' }
            // Stored by the sink, but the answer comes after the kill: the child never sees it.
            : { status: 200, delayMs: 10_000 },
    });
    sinks.push(sink);
    const dir = tmp();
    const spoolDir = join(dir, 'spool');
    const p1 = join(dir, 'progress-1');
    const child = startChild({
      url: sink.url, spoolDir, progressPath: p1, run: 1, count: 1_000_000, chunk: 25, pauseMs: 2,
      // A small memory cap: durable batches are evicted and read back from the spool when sent.
      batch: { maxRecords: 100, maxBytes: 50_000, maxAgeMs: 100 }, memory: { maxBytes: 300_000 }, retry: { baseMs: 5, capMs: 50, deadlineMs: 60_000 }, close: false,
    });
    await until('five acknowledged batches', () => sink.accepted().length >= 5, child);
    mode = 'down';
    const atDown = progress(p1);
    const reqsAtDown = sink.requests.length;
    await until('503s and more batches spooled', () => sink.requests.length - reqsAtDown >= 10 && progress(p1) - atDown >= 1500, child);
    mode = 'late';
    const reqsAtLate = sink.requests.length;
    await until('a request the sink stores but does not answer', () => sink.requests.slice(reqsAtLate).some((r) => r.status === 200), child);
    await kill(child);
    const written1 = progress(p1);
    expect(written1).toBeGreaterThan(atDown + 1500);
    // The spool holds what the sink has not acknowledged.
    expect(readdirSync(spoolDir).some((n) => n.startsWith('seg-'))).toBe(true);

    mode = 'ok';
    const { child: c2, closed } = await runToClose({ url: sink.url, spoolDir, progressPath: join(dir, 'progress-2'), run: 2, count: 20, close: true, batch: { maxRecords: 100, maxAgeMs: 100 } });
    const started = c2.events.find((e) => e.event === 'started')!;
    expect((started.stats as { queuedBatches: number }).queuedBatches).toBeGreaterThan(0); // recovered from the spool
    expect(closed.result).toEqual({ delivered: true, spooledBatches: 0, lostRecords: 0 });
    expect((closed.stats as { recordsLost: number }).recordsLost).toBe(0);
    expect(started.sid).toBe(child.events.find((e) => e.event === 'started')!.sid); // the same stream continues

    const d = await checkDelivery(sink, new Map([[1, written1], [2, 19]]));
    expect(d.duplicates).toBeGreaterThan(0); // the batch stored during the kill came again
    expect(d.report.findings).toEqual([]);
    expect(d.report.streams).toHaveLength(1); // the restarted process continued the same stream
  });

  it('kill before the first batch is sealed: the records in the open-records file are not lost', async () => {
    const sink = await startTestSink({ default: { status: 200 } });
    sinks.push(sink);
    const dir = tmp();
    const spoolDir = join(dir, 'spool');
    const p1 = join(dir, 'progress-1');
    const child = startChild({
      url: sink.url, spoolDir, progressPath: p1, run: 1, count: 300, chunk: 50,
      batch: { maxRecords: 10_000, maxAgeMs: 600_000 }, close: false,
    });
    await until('all 300 written', () => progress(p1) === 299 && child.events.some((e) => e.event === 'idle'), child);
    expect(sink.requests).toHaveLength(0); // nothing sealed, nothing sent
    await kill(child);

    const { closed } = await runToClose({ url: sink.url, spoolDir, progressPath: join(dir, 'progress-2'), run: 2, count: 5, close: true });
    expect(closed.result).toEqual({ delivered: true, spooledBatches: 0, lostRecords: 0 });
    expect((closed.stats as { recordsLost: number }).recordsLost).toBe(0);
    const d = await checkDelivery(sink, new Map([[1, 299], [2, 4]]));
    expect(d.report.findings).toEqual([]);
  });

  it('a torn spool write (kill inside Spool.commit before its fsync) is cut off, reported, and loses no written record', async () => {
    // Deterministic disk state: 10 sealed batches in the spool (the sink refuses them all),
    // 50 written records still open. Then we lay down exactly what a kill in the middle of
    // the next commit leaves (spool.ts commit(): open records flushed, open file rotated, block
    // appended, THEN fsync, state save, old open file deletion): a block header and part of
    // its lines at the end of the segment, the rotated empty open file, and the old open file
    // still holding the records. Plus a torn half line in the open file (a kill inside its
    // write(2)), for a record never reported as written.
    const sink = await startTestSink({ default: { status: 503, headers: { 'retry-after': '0' } } });
    sinks.push(sink);
    const dir = tmp();
    const spoolDir = join(dir, 'spool');
    const p1 = join(dir, 'progress-1');
    const child = startChild({
      url: sink.url, spoolDir, progressPath: p1, run: 1, count: 1050, chunk: 50,
      batch: { maxRecords: 100, maxAgeMs: 600_000 }, retry: { baseMs: 5, capMs: 50, deadlineMs: 60_000 }, close: false,
    });
    const statePath = join(spoolDir, 'state.json');
    const state = () => (existsSync(statePath) ? (JSON.parse(readFileSync(statePath, 'utf8')) as { batch: number; sid: string }) : undefined);
    await until('10 durable batches and 50 open records', () => progress(p1) === 1049 && state()?.batch === 10, child);
    await kill(child);

    const files = readdirSync(spoolDir).sort();
    const seg = files.filter((n) => n.startsWith('seg-')).pop()!;
    const open = files.filter((n) => n.startsWith('open-'));
    expect(open).toHaveLength(1);
    const openPath = join(spoolDir, open[0]!);
    const openLines = readFileSync(openPath, 'utf8').split('\n').filter((l) => l.length > 0);
    expect(openLines).toHaveLength(50);
    const no = Number(/open-(\d+)\.log/.exec(open[0]!)![1]);
    const st = state()!;
    const header = JSON.stringify({ spool: 1, no, sid: st.sid, batch: st.batch, n: openLines.length + 1 });
    const torn = `${header}\n${openLines.slice(0, 20).join('\n')}\n${openLines[20]!.slice(0, 40)}`;
    appendFileSync(join(spoolDir, seg), torn);
    writeFileSync(join(spoolDir, `open-${String(no + 1).padStart(12, '0')}.log`), '');
    const tornOpen = `{"v":1,"sid":"${st.sid}","seq":1050,"ts":17`;
    appendFileSync(openPath, tornOpen);

    sink.setDefault({ status: 200 });
    const { child: c2, closed } = await runToClose({ url: sink.url, spoolDir, progressPath: join(dir, 'progress-2'), run: 2, count: 5, close: true });
    const warnings = c2.events.filter((e) => e.event === 'warning' && e.code === 'LOGSEAL_WARN_SPOOL_TORN');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain(`${Buffer.byteLength(torn) + Buffer.byteLength(tornOpen)} bytes`);
    expect(closed.result).toEqual({ delivered: true, spooledBatches: 0, lostRecords: 0 });
    const d = await checkDelivery(sink, new Map([[1, 1049], [2, 4]]));
    expect(d.report.findings).toEqual([]);
    expect(d.report.records.total).toBe(1055);
  });

  it('three kills at different points against a misbehaving sink, then a clean run: nothing written is lost', async () => {
    const sink = await startTestSink({ seed: 7, weights: { ok: 5, error500: 1, throttle429: 1, reset: 1, slow: 1, garbage: 1 } });
    sinks.push(sink);
    const dir = tmp();
    const spoolDir = join(dir, 'spool');
    const written = new Map<number, number>();
    for (const [run, killAt] of [[1, 700], [2, 1300], [3, 450]] as const) {
      const p = join(dir, `progress-${run}`);
      const child = startChild({
        url: sink.url, spoolDir, progressPath: p, run, count: 1_000_000, chunk: 30, pauseMs: 1,
        batch: { maxRecords: 64, maxBytes: 50_000, maxAgeMs: 50 }, memory: { maxBytes: 200_000 }, retry: { baseMs: 2, capMs: 20, deadlineMs: 60_000 }, close: false,
      });
      await until(`run ${run} past ${killAt} records`, () => progress(p) >= killAt, child);
      await kill(child);
      written.set(run, progress(p));
    }
    sink.misbehave(8, { ok: 5, error500: 1, throttle429: 1, reset: 1, slow: 1, garbage: 1 });
    const { closed } = await runToClose({
      url: sink.url, spoolDir, progressPath: join(dir, 'progress-4'), run: 4, count: 100, close: true,
      batch: { maxRecords: 64, maxAgeMs: 50 }, retry: { baseMs: 2, capMs: 20, deadlineMs: 60_000 }, closeTimeoutMs: 30_000,
    });
    written.set(4, 99);
    expect(closed.result).toEqual({ delivered: true, spooledBatches: 0, lostRecords: 0 });
    const d = await checkDelivery(sink, written);
    expect(d.report.findings).toEqual([]);
    expect(d.report.streams).toHaveLength(1);
  });
});

describe('an awaited flush() or drained() keeps the process alive while the sink is down', () => {
  // The deliverer's backoff sleeps are unref'd, so background retries never hold an exiting
  // app open. But a caller that awaits flush() (or drained(), under 'block') asked to wait:
  // if the loop empties meanwhile, Node ends the process with the await unsettled (exit
  // code 13) and everything in memory is gone. No spool here: memory is all there is.
  it('drained(): a producer blocked at the memory cap waits for the sink to come back', async () => {
    let down = true;
    const sink = await startTestSink({ default: (): Reply => (down ? { status: 503 } : { status: 200 }) });
    sinks.push(sink);
    const dir = tmp();
    const p1 = join(dir, 'progress-1');
    const child = startChild({
      url: sink.url, progressPath: p1, run: 1, count: 2000, chunk: 10,
      batch: { maxRecords: 50, maxBytes: 20_000 }, memory: { maxBytes: 60_000, overflow: 'block' },
      retry: { baseMs: 20, capMs: 60, deadlineMs: 60_000 }, close: true,
    });
    await until('the producer blocked and 15 refused requests', () => sink.requests.length >= 15, child);
    expect(progress(p1)).toBeLessThan(1999);
    down = false;
    const r = await child.exited;
    expect(r.code, r.stderr).toBe(0);
    const closed = child.events.find((e) => e.event === 'closed')!;
    expect(closed.result).toEqual({ delivered: true, spooledBatches: 0, lostRecords: 0 });
    const d = await checkDelivery(sink, new Map([[1, 1999]]));
    expect(d.report.findings).toEqual([]);
  });

  it('flush(): resolves once the sink takes the batch, instead of the process ending mid-wait', async () => {
    let down = true;
    const sink = await startTestSink({ default: (): Reply => (down ? { status: 503 } : { status: 200 }) });
    sinks.push(sink);
    const dir = tmp();
    const child = startChild({
      url: sink.url, progressPath: join(dir, 'progress-1'), run: 1, count: 100,
      retry: { baseMs: 20, capMs: 60, deadlineMs: 60_000 }, close: true,
    });
    await until('10 refused requests', () => sink.requests.length >= 10, child);
    down = false;
    const r = await child.exited;
    expect(r.code, r.stderr).toBe(0);
    const closed = child.events.find((e) => e.event === 'closed')!;
    expect(closed.result).toEqual({ delivered: true, spooledBatches: 0, lostRecords: 0 });
    const d = await checkDelivery(sink, new Map([[1, 99]]));
    expect(d.report.findings).toEqual([]);
  });
});
