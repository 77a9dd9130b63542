// Collector ingest throughput (issue 6, "Speed"): records/s verified (checkBatch: every
// record hash, the chain, the Merkle root, Ed25519 + forward-secure MAC) and stored
// (O_APPEND segment + commit log, both fsynced before the 200) with 1, 4 and 16 concurrent
// streams, each stream sending one batch at a time over keep-alive HTTP like the shipper.
// Peers, same run, same bytes and concurrency: each stream appends its batches to a file
// with an fsync per batch and no verification (the floor any durable collector pays), and
// the same requests to a node:http server that only reads the bodies (the HTTP floor).
// Run: npm run build && node bench/collector-ingest.mjs
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkBatch, exportKeys, generateKeys, Keyring, StreamSealer } from '@logseal/core';
import { recordMix } from './lib/records.mjs';
import { machine, median } from './lib/timing.mjs';

const RECORDS_PER_BATCH = 500;
const BATCHES_PER_ROUND = 96; // split across the streams: the same bytes for every concurrency
const ROUNDS = 5;
const CONCURRENCY = [1, 4, 16];

const keys = generateKeys();
const exported = exportKeys(keys);
const mix = recordMix(2000);
let sidSeq = 0;

/** Sealed batches for `streams` new streams: bodies[stream][batch] = NDJSON body (Buffer). */
function sealRound(streams) {
  const perStream = BATCHES_PER_ROUND / streams;
  const out = [];
  let t = 1_767_225_600_000;
  for (let s = 0; s < streams; s++) {
    const sealer = new StreamSealer({ signingKey: keys.privateKey, macKey: keys.macKey, sid: `bench-${process.pid}-${sidSeq++}`, clock: () => t++ });
    const bodies = [];
    for (let b = 0; b < perStream; b++) {
      let text = '';
      for (let i = 0; i < RECORDS_PER_BATCH; i++) text += `${sealer.append(mix[(b * RECORDS_PER_BATCH + i) % mix.length]).json}\n`;
      text += `${sealer.seal().json}\n`;
      bodies.push(Buffer.from(text));
    }
    out.push(bodies);
  }
  return out;
}

function post(agent, port, body) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/batches', method: 'POST', agent, headers: { 'content-type': 'application/x-ndjson', 'content-length': body.length } }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}: ${text}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function collectorRound(port, round) {
  // A fresh keep-alive agent per round: a socket left idle while the other peers ran could be
  // closed by the server's keep-alive timeout just as it is reused (the classic reuse race).
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  try {
    const t0 = process.hrtime.bigint();
    await Promise.all(round.map(async (bodies) => { for (const b of bodies) await post(agent, port, b); }));
    return Number(process.hrtime.bigint() - t0) / 1e6;
  } finally {
    agent.destroy();
  }
}

async function fileRound(dir, round) {
  const t0 = process.hrtime.bigint();
  await Promise.all(round.map(async (bodies, s) => {
    const fh = await open(join(dir, `plain-${sidSeq}-${s}.ndjson`), 'a');
    for (const b of bodies) {
      await fh.write(b);
      await fh.sync();
    }
    await fh.close();
  }));
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function verifyOnly(round) {
  const ring = new Keyring([{ publicKey: keys.publicKey, macKey: keys.macKey }]);
  const t0 = process.hrtime.bigint();
  for (const bodies of round) {
    let tip = null;
    for (const b of bodies) {
      const items = b.toString('utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
      const r = checkBatch(items, tip, ring);
      if (!r.ok) throw new Error('bench batch did not verify');
      tip = r.tip;
    }
  }
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const dir = mkdtempSync(join(tmpdir(), 'logseal-bench-collector-'));
async function server(config) {
  const proc = spawn(process.execPath, [new URL('./collector-child.mjs', import.meta.url).pathname, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(JSON.parse(out).port);
    });
    proc.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return { port, stop: () => new Promise((r) => { proc.once('exit', r); proc.kill('SIGTERM'); }) };
}
const collector = await server({ dataDir: join(dir, 'data'), keys: [{ publicKey: exported.publicKeyPem, macKey: exported.macKey }] });
const nullSink = await server({ null: true });
const port = collector.port;

const records = BATCHES_PER_ROUND * RECORDS_PER_BATCH;
const sample = sealRound(1)[0][0];
console.log(`# collector ingest (${machine()}, ${new Date().toISOString().slice(0, 10)})`);
console.log(`${records} records per round in ${BATCHES_PER_ROUND} batches of ${RECORDS_PER_BATCH} (${(sample.length / 1024).toFixed(0)} KiB per batch), Ed25519 + MAC seals, median of ${ROUNDS} rounds after a warm-up; data in ${tmpdir()}`);
const verifyMs = median(Array.from({ length: 3 }, () => verifyOnly(sealRound(4))));
console.log(`verification alone (checkBatch in-process, no HTTP, no disk): ${Math.round(records / (verifyMs / 1000)).toLocaleString('en-US')} records/s`);
console.log('');
console.log('streams | collector records/s | MB/s | file+fsync records/s | HTTP only records/s | collector / file+fsync | collector / HTTP only');
console.log('--------|---------------------|------|----------------------|---------------------|------------------------|----------------------');
try {
  for (const streams of CONCURRENCY) {
    await collectorRound(port, sealRound(streams)); // warm-up
    await fileRound(dir, sealRound(streams));
    await collectorRound(nullSink.port, sealRound(streams));
    const cms = [];
    const fms = [];
    const hms = [];
    for (let i = 0; i < ROUNDS; i++) {
      // Interleaved so drift in the machine's state hits every side alike.
      cms.push(await collectorRound(port, sealRound(streams)));
      fms.push(await fileRound(dir, sealRound(streams)));
      hms.push(await collectorRound(nullSink.port, sealRound(streams)));
    }
    const c = records / (median(cms) / 1000);
    const f = records / (median(fms) / 1000);
    const h = records / (median(hms) / 1000);
    const mb = (sample.length * BATCHES_PER_ROUND) / 2 ** 20 / (median(cms) / 1000);
    const n = (x) => Math.round(x).toLocaleString('en-US');
    console.log(`${String(streams).padStart(7)} | ${n(c).padStart(19)} | ${mb.toFixed(1).padStart(4)} | ${n(f).padStart(20)} | ${n(h).padStart(19)} | ${`${(c / f).toFixed(2)}x`.padStart(22)} | ${(c / h).toFixed(2)}x`);
  }
} finally {
  await collector.stop();
  await nullSink.stop();
  rmSync(dir, { recursive: true, force: true });
}
