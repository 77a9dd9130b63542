/**
 * RFC 8785 canonical JSON: per-record cost of @logseal/core's canonicalize against
 * JSON.stringify (the floor: same walk, no sorting, no checks) and the `canonicalize` npm package
 * (the RFC authors' implementation), on the shared record mix (bench/lib/records.mjs).
 *
 * Targets: ours / JSON.stringify <= 1.5, package / ours > 1.
 *
 * Two rows per candidate: the call alone, and the call plus UTF-8 encoding (Buffer.from), which is
 * what hashing does next. The second row keeps the comparison honest: string concatenation returns
 * a rope that V8 flattens on first use, so part of a concatenating serializer's cost is only paid
 * when the bytes are read.
 *
 * Run: cd packages/core && npx tsc -p tsconfig.build.json && cd ../.. && node bench/canonicalize.mjs
 * Rounds are interleaved across candidates; each figure is the median of ROUNDS rounds.
 */
import { canonicalize as ours } from '@logseal/core';
import pkg from 'canonicalize';
import { recordMix } from './lib/records.mjs';
import { machine, median } from './lib/timing.mjs';

const N = 3000;
const ROUNDS = Number(process.env.ROUNDS ?? 21);
const WARMUP_ROUNDS = 5;

const records = recordMix(N);

// Same output is a precondition for comparing speed; report (never assert) any difference.
let mismatches = 0;
for (const r of records) if (ours(r) !== pkg(r)) mismatches++;

const candidates = [
  ['JSON.stringify', (r) => JSON.stringify(r)],
  ['@logseal/core canonicalize', (r) => ours(r)],
  ['canonicalize (npm)', (r) => pkg(r)],
];

let sink = 0;
function runRound(fn, encode) {
  const t0 = process.hrtime.bigint();
  if (encode) {
    for (let i = 0; i < N; i++) sink += Buffer.from(fn(records[i]), 'utf8').length;
  } else {
    for (let i = 0; i < N; i++) sink += fn(records[i]).length;
  }
  return Number(process.hrtime.bigint() - t0) / N;
}

function measure(encode) {
  const times = candidates.map(() => []);
  for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
    candidates.forEach(([, fn], k) => {
      const ns = runRound(fn, encode);
      if (round >= WARMUP_ROUNDS) times[k].push(ns);
    });
  }
  return times.map(median);
}

const bytes = records.reduce((s, r) => s + Buffer.byteLength(JSON.stringify(r)), 0) / N;
console.log(`canonical JSON, ${N} records (mean ${bytes.toFixed(0)} bytes as JSON), median of ${ROUNDS} rounds`);
console.log(machine());
if (mismatches) console.log(`WARNING: ${mismatches} records canonicalize differently in @logseal/core and the npm package`);

const results = {};
for (const encode of [false, true]) {
  const label = encode ? 'call + UTF-8 encode' : 'call only';
  const med = measure(encode);
  results[label] = med;
  console.log(`\n${label}`);
  candidates.forEach(([name], k) => console.log(`  ${name.padEnd(28)} ${med[k].toFixed(0).padStart(6)} ns/record`));
  const [json, mine, theirs] = med;
  console.log(`  ratio ours / JSON.stringify        ${(mine / json).toFixed(2)}  (target <= 1.5)`);
  console.log(`  ratio package / ours               ${(theirs / mine).toFixed(2)}  (target > 1)`);
}
if (sink === 0) console.log('unreachable');
