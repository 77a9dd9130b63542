// End-to-end pipeline throughput and memory (issue 4, "Speed"), all figures from one run.
//
//   1. Records delivered per second through createPipeline() into a local sink that only
//      counts, with the realistic record mix (bench/lib/records.mjs), three ways:
//        secrets   createPipeline, redact { preset: 'secrets' }: redact -> chain -> seal -> ship
//        off       createPipeline, redact { preset: 'off' }:              chain -> seal -> ship
//        baseline  no redaction, no chain, no seal: JSON.stringify each record, batches of the
//                  same size (1000) as NDJSON through the same HttpSender, one request in flight
//                  (as the pipeline's deliverer), to the same sink
//      so each stage's cost shows: secrets/off is redaction, off/baseline is canonical JSON +
//      hashing + chain + Merkle root + Ed25519 + MAC + the pipeline's bookkeeping.
//      "Delivered" = from the first write() to flush() resolving, which waits for the sink's
//      acknowledgement of the last batch. Records are logged in slices of 1000 with an
//      event-loop turn between slices, as an application's requests would, so shipping overlaps
//      logging. The producer and the sink each run in their own process (2 cores here: one
//      each, the orchestrator sleeps), every round in a fresh producer process (its own JIT
//      warm-up, its own peak RSS); variants alternate round by round; medians are printed,
//      with the producer's CPU time per record (user + system, all its threads), which other
//      load on the machine disturbs far less than the wall-clock rate.
//   2. Peak RSS under a sink that is down (503 to everything), 'block' policy: the producer
//      writes until it has been blocked for 2 s, with memory caps of 16 and 64 MiB, without
//      and with a spool (with a spool, durable batches are evicted from memory and read back
//      when sent: the spool fills, not the heap).
//
// Run: cd packages/core && npx tsc -p tsconfig.build.json && cd ../.. && node bench/pipeline.mjs
//      (N, ROUNDS to change). Prints figures and ratios; asserts nothing.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPipeline, exportKeys, generateKeys, HttpSender } from '@logseal/core';
import { recordMix } from './lib/records.mjs';
import { machine, median } from './lib/timing.mjs';

const N = Number(process.env.N ?? 50_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const WARMUP = 10_000;
const SLICE = 1000;
const BATCH = 1000;
const MiB = 2 ** 20;
const self = new URL(import.meta.url).pathname;
const [role, ...args] = process.argv.slice(2);
/** A seal is the only line that starts with {"batch": (canonical JSON sorts keys; a record starts with {"body":). */
const SEAL_PREFIX = Buffer.from('{"batch":');
/** recordMix(3000), cycled: a 50,000-record array would dominate the peak RSS. */
const POOL = 3000;


/** Counting sink: records = NDJSON lines that are not seals; GET /_count reports. 'down': 503 to every POST. */
async function sink(isDown) {
  let records = 0;
  let requests = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ records, requests }));
      }
      requests++;
      if (isDown) {
        res.writeHead(503, { 'content-type': 'text/plain' });
        return res.end('down');
      }
      const body = Buffer.concat(chunks);
      for (let start = 0; start < body.length; ) {
        let nl = body.indexOf(10, start);
        if (nl === -1) nl = body.length;
        if (nl > start && !body.subarray(start, Math.min(start + 9, nl)).equals(SEAL_PREFIX)) records++;
        start = nl + 1;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => console.log(String(server.address().port)));
}

function keys() {
  const k = exportKeys(generateKeys());
  return { signingKey: k.privateKeyPem, macKey: k.macKey };
}

/** One measured round in this (fresh) process; prints {rate, ms, delivered, rss}. */
async function produce(variant, url, n) {
  const pool = recordMix(POOL);
  const dir = mkdtempSync(join(tmpdir(), 'logseal-bench-pipe-'));
  const k = keys();
  const run = async (count) => {
    const t0 = performance.now();
    if (variant === 'baseline') await baselineRun(url, pool, count);
    else {
      const p = createPipeline({ url, ...k, heartbeatMs: 0, redact: { preset: variant }, deadLetterPath: join(dir, 'dead.ndjson') });
      for (let i = 0; i < count; ) {
        for (const end = Math.min(count, i + SLICE); i < end; i++) if (!p.write(pool[i % POOL])) await p.drained();
        await new Promise((r) => setImmediate(r));
      }
      await p.flush();
      const ms = performance.now() - t0;
      const st = p.stats();
      await p.close();
      if (st.recordsSent !== count) throw new Error(`${variant}: ${st.recordsSent} of ${count} delivered`);
      return ms;
    }
    return performance.now() - t0;
  };
  await run(WARMUP);
  const before = await counted(url);
  const cpu0 = process.cpuUsage();
  const ms = await run(n);
  const cpu = process.cpuUsage(cpu0);
  const delivered = (await counted(url)) - before;
  rmSync(dir, { recursive: true, force: true });
  // CPU time of this process (all threads) per record: far less sensitive than wall time to
  // other load on the machine, so the stage costs below are read from it.
  console.log(JSON.stringify({ rate: (n / ms) * 1000, ms, cpuUs: (cpu.user + cpu.system) / n, delivered, rss: process.resourceUsage().maxRSS * 1024 }));
}

/** The same delivery piece as the pipeline (HttpSender), no redaction, no chain, no seal. */
async function baselineRun(url, pool, count) {
  const sender = new HttpSender({ url });
  let chain = Promise.resolve();
  const ship = (lines) => {
    const req = { path: '', method: 'POST', contentType: 'application/x-ndjson', body: lines.join('\n') + '\n', items: [] };
    chain = chain.then(async () => {
      for (;;) {
        const r = await sender.send(req);
        if (r.kind === 'ok') return;
        if (r.kind === 'fatal') throw new Error(r.reason);
      }
    });
  };
  let batch = [];
  for (let i = 0; i < count; ) {
    for (const end = Math.min(count, i + SLICE); i < end; i++) {
      batch.push(JSON.stringify(pool[i % POOL]));
      if (batch.length === BATCH) {
        ship(batch);
        batch = [];
      }
    }
    await new Promise((r) => setImmediate(r));
  }
  if (batch.length > 0) ship(batch);
  await chain;
  await sender.close();
}

async function counted(url) {
  const res = await fetch(url);
  return (await res.json()).records;
}

/** Writes with the 'block' policy into a down sink until blocked for 2 s; prints memory figures. */
async function down(url, capMiB, withSpool) {
  const pool = recordMix(POOL);
  const dir = mkdtempSync(join(tmpdir(), 'logseal-bench-down-'));
  const p = createPipeline({
    url, ...keys(), heartbeatMs: 0, deadLetterPath: join(dir, 'dead.ndjson'),
    memory: { maxBytes: capMiB * MiB, overflow: 'block' },
    ...(withSpool ? { spool: { dir: join(dir, 'spool'), maxBytes: 4 * capMiB * MiB } } : {}),
    retry: { baseMs: 100, capMs: 500 },
  });
  globalThis.gc();
  const idleRss = process.memoryUsage().rss;
  const idleHeap = process.memoryUsage().heapUsed + process.memoryUsage().external + process.memoryUsage().arrayBuffers;
  let written = 0;
  for (;;) {
    const r = pool[written % POOL];
    if (!p.write(r)) {
      const got = await Promise.race([p.drained().then(() => 'drained'), sleep(2000, 'blocked')]);
      if (got === 'blocked') break;
    }
    written++;
    if (written % SLICE === 0) await new Promise((res) => setImmediate(res));
  }
  const st = p.stats();
  const peakRss = process.resourceUsage().maxRSS * 1024;
  globalThis.gc(); // live heap (what the pipeline really holds) vs the RSS peak (which includes garbage not yet collected)
  const m = process.memoryUsage();
  console.log(JSON.stringify({ written, idleRss, idleHeap, peakRss, peakMemoryBytes: st.peakMemoryBytes, spoolBytes: st.spoolBytes, liveHeap: m.heapUsed + m.external + m.arrayBuffers }));
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

function child(argv) {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [...(argv[0] === 'down' ? ['--expose-gc'] : []), self, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`${argv.join(' ')} exited ${code}: ${err}`))));
  });
}

function startSink(isDown) {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [self, 'sink', isDown ? 'down' : 'up'], { stdio: ['ignore', 'pipe', 'inherit'] });
    c.stdout.once('data', (d) => resolve({ proc: c, url: `http://127.0.0.1:${String(d).trim()}/` }));
    c.once('error', reject);
  });
}

async function main() {
  const mib = (b) => `${(b / MiB).toFixed(0)} MiB`;
  const fmt = (x) => Math.round(x).toLocaleString('en-US');
  console.log(`# pipeline end to end (${machine()}, ${new Date().toISOString().slice(0, 10)})`);
  console.log(`records: ${fmt(N)} per round after ${fmt(WARMUP)} warm-up, record mix 300-600 B, batches of ${BATCH}, slices of ${SLICE}; median of ${ROUNDS} rounds`);
  console.log('sink: a child process that counts records (NDJSON lines that are not seals); each round in a fresh producer process');
  const up = await startSink(false);
  const variants = ['secrets', 'off', 'baseline'];
  const res = Object.fromEntries(variants.map((v) => [v, []]));
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const v of variants) {
        const out = await child(['produce', v, up.url, String(N)]);
        if (out.delivered !== N) throw new Error(`${v}: the sink counted ${out.delivered} of ${N}`);
        res[v].push(out);
      }
    }
  } finally {
    up.proc.kill();
  }
  const rate = (v) => median(res[v].map((x) => x.rate));
  const rss = (v) => median(res[v].map((x) => x.rss));
  const cpu = (v) => median(res[v].map((x) => x.cpuUs));
  const spread = (v) => `${fmt(Math.min(...res[v].map((x) => x.rate)))}..${fmt(Math.max(...res[v].map((x) => x.rate)))}`;
  const label = { secrets: "createPipeline, preset 'secrets'", off: "createPipeline, preset 'off'", baseline: 'baseline: NDJSON + HttpSender' };
  console.log(`load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')} (wall-clock rates suffer from other load; CPU per record much less)`);
  console.log(`${''.padEnd(34)} ${'delivered/s'.padStart(11)} ${'(rounds)'.padStart(18)} ${'CPU/record'.padStart(11)}  peak RSS`);
  for (const v of variants) console.log(`${label[v].padEnd(34)} ${fmt(rate(v)).padStart(11)} ${`(${spread(v)})`.padStart(18)} ${`${cpu(v).toFixed(1)} us`.padStart(11)}  ${mib(rss(v))}`);
  console.log(`ratio secrets / off       rate ${(rate('secrets') / rate('off')).toFixed(2)}, CPU ${(cpu('secrets') / cpu('off')).toFixed(2)}   (redaction: ${(cpu('secrets') - cpu('off')).toFixed(1)} us CPU/record)`);
  console.log(`ratio off / baseline      rate ${(rate('off') / rate('baseline')).toFixed(2)}, CPU ${(cpu('off') / cpu('baseline')).toFixed(2)}   (canonical JSON, hash chain, seal, bookkeeping: ${(cpu('off') - cpu('baseline')).toFixed(1)} us CPU/record)`);
  console.log(`ratio secrets / baseline  rate ${(rate('secrets') / rate('baseline')).toFixed(2)}, CPU ${(cpu('secrets') / cpu('baseline')).toFixed(2)}`);

  console.log(`\n# sink down (503 to everything), overflow 'block': the producer writes until blocked for 2 s`);
  const dn = await startSink(true);
  try {
    for (const [cap, spool] of [[16, false], [64, false], [16, true], [64, true]]) {
      const o = await child(['down', dn.url, String(cap), spool ? 'spool' : 'none']);
      const x = (b) => `${(b / (cap * MiB)).toFixed(1)}x`;
      console.log(`memory cap ${String(cap).padStart(2)} MiB, ${spool ? `spool (cap ${4 * cap} MiB)` : 'no spool'}: ${fmt(o.written)} records accepted, peakMemoryBytes ${mib(o.peakMemoryBytes)}, spool ${mib(o.spoolBytes)}`);
      console.log(`    live heap after GC +${mib(o.liveHeap - o.idleHeap)} (${x(o.liveHeap - o.idleHeap)} the cap); peak RSS ${mib(o.peakRss)}, +${mib(o.peakRss - o.idleRss)} over the start (${x(o.peakRss - o.idleRss)} the cap)`);
    }
  } finally {
    dn.proc.kill();
  }
}

if (role === 'sink') await sink(args[0] === 'down');
else if (role === 'produce') await produce(args[0], args[1], Number(args[2]));
else if (role === 'down') await down(args[0], Number(args[1]), args[2] === 'spool');
else await main();
