// @logseal/pino against a no-op transport and the pino transports a user would pick instead
// (issue 5, "Speed"), all in the same run, into the same local counting sink.
//
// Each transport runs in its own process (bench/pino-bench-app.mjs), so peak RSS is its own,
// and the sink runs in another (bench/pino-counting-sink.mjs), so its CPU is nobody's main thread.
//  - rate:  100,000 records per round, logged in slices of 1000 with a yield between slices;
//           median of 5 rounds after a warm-up. Main-thread busy time (event-loop utilisation
//           `active`, which includes GC and ThreadStream's copying) and records/s delivered end
//           to end (first log call -> the sink counting the last record).
//  - burst: 200,000 records in one synchronous loop, then the script returns (pino's exit
//           hook ends the transport): how many reached the sink, how long the exit took.
// Peak RSS is VmHWM from /proc/<pid>/status, polled while the process runs.
// Main-thread ratio: LogSeal / no-op (issue 5 target: <= 1.1). Rate ratio: LogSeal / fastest peer.
//
// Run: npm run build && node bench/pino-transport.mjs        (RATE_N, BURST_N, ROUNDS, ONLY=a,b to change)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { machine } from './lib/timing.mjs';

const RATE_N = Number(process.env.RATE_N ?? 100_000);
const BURST_N = Number(process.env.BURST_N ?? 200_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const ALL = ['noop', 'logseal', 'logseal-nice10', 'pino-loki', 'pino-elasticsearch', 'pino-elasticsearch-1mb', 'pino-opentelemetry-transport', '@axiomhq/pino'];
const ONLY = process.env.ONLY?.split(',');
const NAMES = ONLY ? ALL.filter((n) => n === 'noop' || ONLY.includes(n)) : ALL;
const here = (f) => new URL(f, import.meta.url).pathname;

function startSink() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [here('./pino-counting-sink.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.once('data', (d) => resolve({ child, url: `http://127.0.0.1:${String(d).trim()}` }));
    child.once('error', reject);
  });
}

const vmHWM = (pid) => {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
};

/** Runs the app; resolves with its stdout lines, stderr, exit code, wall time and peak RSS. */
function runApp(args, env) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [here('./pino-bench-app.mjs'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let peak = 0;
    const poll = setInterval(() => (peak = Math.max(peak, vmHWM(child.pid))), 50);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ lines: out.trim().split('\n').filter(Boolean), stderr: err, code, ms: Date.now() - t0, peak });
    });
  });
}

async function count(url) {
  return (await (await fetch(`${url}/_count`)).json()).records;
}

const mb = (b) => (b / 2 ** 20).toFixed(0);
const firstErr = (s) => s.split('\n').find((l) => /error|Error|ERR/.test(l))?.slice(0, 160) ?? s.slice(0, 160);

const sink = await startSink();
const env = { OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${sink.url}/v1/logs` };
const results = new Map();
try {
  for (const name of NAMES) {
    const r = await runApp([name, 'rate', sink.url, String(RATE_N), String(ROUNDS)], env);
    const json = r.lines.map((l) => { try { return JSON.parse(l); } catch { return null; } }).find((x) => x?.name === name);
    results.set(name, { rate: json ?? null, ratePeak: r.peak, rateErr: json ? null : `exit ${r.code}: ${firstErr(r.stderr)}` });
    process.stderr.write(`rate ${name}: ${json ? `${Math.round(json.rate)} rec/s, main ${json.mainMs.toFixed(0)} ms` : results.get(name).rateErr}\n`);
  }
  for (const name of NAMES.filter((n) => n !== 'noop')) {
    const before = await count(sink.url);
    const r = await runApp([name, 'burst', sink.url, String(BURST_N)], env);
    await new Promise((res) => setTimeout(res, 500));
    const delivered = (await count(sink.url)) - before;
    Object.assign(results.get(name), { burst: { delivered, exitMs: r.ms, code: r.code, peak: r.peak, err: /took too long|Error/.test(r.stderr) ? firstErr(r.stderr) : null } });
    process.stderr.write(`burst ${name}: ${delivered}/${BURST_N} in ${r.ms} ms\n`);
  }
} finally {
  sink.child.kill();
}

console.log(`# @logseal/pino vs peers (${machine()}, ${new Date().toISOString().slice(0, 10)})`);
console.log(`rate: ${RATE_N} records x ${ROUNDS} rounds (median), slices of 1000; burst: ${BURST_N} records, one loop, then exit\n`);
const noop = results.get('noop')?.rate;
console.log('| transport | delivered rec/s | delivered (min of rounds) | main-thread ms / 100k | main vs no-op | peak RSS MB | burst delivered | burst run+exit s | burst peak RSS MB |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const [name, r] of results) {
  const j = r.rate;
  const per100k = j ? (j.mainMs * 100_000) / RATE_N : NaN;
  const cells = j
    ? [name === 'noop' ? '-' : Math.round(j.rate).toLocaleString('en-US'), name === 'noop' ? '-' : `${j.deliveredMin}/${RATE_N}`, per100k.toFixed(0), noop ? (j.mainMs / noop.mainMs).toFixed(2) : '-', mb(r.ratePeak)]
    : [`failed: ${r.rateErr}`, '-', '-', '-', mb(r.ratePeak)];
  const b = r.burst;
  const burst = b ? [`${b.delivered}/${BURST_N} (${((b.delivered / BURST_N) * 100).toFixed(1)} %)${b.err ? ` [${b.err}]` : ''}`, (b.exitMs / 1000).toFixed(1), mb(b.peak)] : ['-', '-', '-'];
  console.log(`| ${name} | ${[...cells, ...burst].join(' | ')} |`);
}
const ls = results.get('logseal')?.rate;
const peers = [...results].filter(([n, r]) => n !== 'noop' && !n.startsWith('logseal') && r.rate).map(([n, r]) => [n, r.rate.rate]);
if (ls && noop) console.log(`\nmain-thread cost LogSeal / no-op: ${(ls.mainMs / noop.mainMs).toFixed(2)} (target <= 1.1)`);
const lsn = results.get('logseal-nice10')?.rate;
if (lsn && noop) console.log(`main-thread cost LogSeal (workerNice 10) / no-op: ${(lsn.mainMs / noop.mainMs).toFixed(2)}`);
if (ls && peers.length > 0) {
  const [fname, frate] = peers.sort((a, b) => b[1] - a[1])[0];
  console.log(`delivered rate LogSeal / fastest peer (${fname}, ${Math.round(frate).toLocaleString('en-US')} rec/s): ${(ls.rate / frate).toFixed(2)}`);
}
