// @logseal/winston against winston's Http transport (batch mode) and winston-loki, in the same
// run, into the same local counting sink (issue 5, "Speed"); plus a no-op transport, the cost
// of winston itself.
//
// Each transport runs in a fresh process of its own (bench/winston-bench-app.mjs), so its peak
// RSS is its own; the sink runs in another (bench/winston-counting-sink.mjs), so its CPU is
// nobody's main thread. Per round and transport: a warm-up of WARM records, then N records
// logged in slices of 1000 with a yield between slices. Figures are medians over ROUNDS rounds
// (transports interleaved within each round, so load on the machine spreads over all of them):
//   delivered/s    N / (first log call -> the sink has counted the last record)
//   main us/rec    CPU time of the application's main thread per record (schedstat: on-CPU time
//                  only), from the first log call until the sink has counted everything
//   +transport     main us/rec minus the no-op transport's: what the transport costs winston's thread
//   proc us/rec    CPU of the whole process (all threads) per record
//   peak RSS       VmHWM of the process
// Ratios: LogSeal delivered/s over the fastest peer's (target >= 2x winston's Http transport).
//
// Run: npm run build && node bench/winston-transport.mjs     (N, WARM, ROUNDS, ONLY=a,b to change)
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { machine } from './lib/timing.mjs';

const N = Number(process.env.N ?? 100_000);
const WARM = Number(process.env.WARM ?? 20_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const ALL = ['noop', 'logseal-thread', 'logseal-inline', 'winston-http-10', 'winston-http-100', 'winston-http-1000', 'winston-loki'];
const ONLY = process.env.ONLY?.split(',');
const NAMES = ONLY ? ALL.filter((n) => n === 'noop' || ONLY.includes(n)) : ALL;
const LOGSEAL = ['logseal-thread', 'logseal-inline'];
const here = (f) => new URL(f, import.meta.url).pathname;

function startSink() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [here('./winston-counting-sink.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.once('error', reject);
    child.stdout.once('data', (d) => resolve({ child, port: Number(String(d).trim()) }));
  });
}

async function sinkGet(port, path) {
  const r = await fetch(`http://127.0.0.1:${port}${path}`);
  return r.json();
}

/** Resolves with the wall clock when the sink has counted `target` records; rejects after timeoutMs. */
async function waitCount(port, target, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const c = await sinkGet(port, '/_count');
    if (c.records >= target) return performance.timeOrigin + performance.now();
    if (Date.now() > end) throw new Error(`sink counted ${c.records} of ${target}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function once(child, type) {
  return new Promise((resolve, reject) => {
    const onMsg = (m) => {
      if (m.t === type) {
        child.off('message', onMsg);
        resolve(m);
      }
    };
    child.on('message', onMsg);
    child.once('exit', (code) => reject(new Error(`app exited (${code}) waiting for ${type}`)));
  });
}

async function runOne(name, port) {
  await sinkGet(port, '/_reset');
  const child = spawn(process.execPath, [here('./winston-bench-app.mjs'), name, String(port)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    await once(child, 'ready');
    child.send({ t: 'warm', n: WARM });
    await once(child, 'warmed');
    if (name !== 'noop') await waitCount(port, WARM, 60_000);
    const logged = once(child, 'logged');
    child.send({ t: 'go', n: N });
    const { t0, logMs } = await logged;
    const tEnd = name === 'noop' ? t0 + logMs : await waitCount(port, WARM + N, 120_000);
    const result = once(child, 'result');
    child.send({ t: 'stop' });
    const r = await result;
    return { name, rate: N / ((tEnd - t0) / 1000), logMs, mainUs: (r.mainCpuMs * 1000) / N, procUs: (r.processCpuMs * 1000) / N, eluUs: (r.eluActiveMs * 1000) / N, rssMb: r.rssMb };
  } catch (err) {
    return { name, error: err.message };
  } finally {
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const sink = await startSink();
console.log(`winston transports, ${N.toLocaleString('en-US')} records per round, median of ${ROUNDS} rounds after ${WARM.toLocaleString('en-US')} warm-up records`);
console.log(`machine: ${machine()}, ${new Date().toISOString().slice(0, 10)}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
const runs = Object.fromEntries(NAMES.map((n) => [n, []]));
const errors = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const name of NAMES) {
    const r = await runOne(name, sink.port);
    if (r.error !== undefined) (errors[name] ??= []).push(r.error);
    else runs[name].push(r);
  }
  process.stdout.write(`round ${round + 1}/${ROUNDS} done\n`);
}
sink.child.kill();
console.log(`load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')} (other processes on the machine share its ${machine().split(', ')[1]})`);

const rows = [];
const noop = runs.noop.length > 0 ? median(runs.noop.map((r) => r.mainUs)) : 0;
for (const name of NAMES) {
  const rs = runs[name];
  if (rs.length === 0) {
    rows.push({ transport: name, 'delivered/s': `FAILED: ${errors[name]?.[0] ?? 'no result'}` });
    continue;
  }
  const main = median(rs.map((r) => r.mainUs));
  rows.push({
    transport: name,
    'delivered/s': name === 'noop' ? '-' : Math.round(median(rs.map((r) => r.rate))),
    'main us/rec': main.toFixed(2),
    '+transport us/rec': name === 'noop' ? '-' : (main - noop).toFixed(2),
    'proc us/rec': median(rs.map((r) => r.procUs)).toFixed(2),
    'log calls ms': Math.round(median(rs.map((r) => r.logMs))),
    'peak RSS MB': Math.round(median(rs.map((r) => r.rssMb))),
  });
}
console.table(rows);

const rateOf = (n) => (runs[n]?.length ? median(runs[n].map((r) => r.rate)) : NaN);
const peers = NAMES.filter((n) => n !== 'noop' && !LOGSEAL.includes(n) && runs[n].length > 0);
const fastest = peers.reduce((best, n) => (best === undefined || rateOf(n) > rateOf(best) ? n : best), undefined);
const fastestHttp = peers.filter((n) => n.startsWith('winston-http')).reduce((best, n) => (best === undefined || rateOf(n) > rateOf(best) ? n : best), undefined);
for (const ls of LOGSEAL.filter((n) => NAMES.includes(n) && runs[n].length > 0)) {
  if (fastest !== undefined) console.log(`${ls} / fastest peer (${fastest}): ${(rateOf(ls) / rateOf(fastest)).toFixed(2)}x delivered/s`);
  if (fastestHttp !== undefined) console.log(`${ls} / winston Http transport (${fastestHttp}): ${(rateOf(ls) / rateOf(fastestHttp)).toFixed(2)}x delivered/s (target >= 2x)`);
  const ratio = (median(runs[ls].map((r) => r.mainUs)) - noop) / (fastestHttp ? median(runs[fastestHttp].map((r) => r.mainUs)) - noop : NaN);
  if (fastestHttp !== undefined) console.log(`${ls} / ${fastestHttp}: ${ratio.toFixed(2)}x main-thread time per record added to winston`);
}
for (const [n, es] of Object.entries(errors)) console.log(`${n}: ${es.length} failed run(s): ${es[0]}`);
