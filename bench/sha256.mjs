/**
 * SHA-256 on the hot path: which implementation src/integrity/hash.ts should use.
 *
 * Candidates, measured side by side in this one run:
 *   - @noble/hashes sha256 (pure JS; what the forward-secure MAC's hmac uses),
 *   - node:crypto createHash('sha256').update(d).digest()  (a Hash object per call),
 *   - node:crypto hash('sha256', d, 'buffer')              (one-shot, Node >= 20.12);
 *   - node:crypto hash('sha256', d, 'binary') into a Uint8Array  (what hash.ts uses).
 * Sizes: 64, 300 and 600 bytes, the 65-byte Merkle node input (0x01 || left || right), and the
 * real record mix of bench/lib/records.mjs (300-600 bytes as JSON). Then the RFC 6962 leaf hash
 * of a record string, as the record chain computes it: the shipped leafHash of the BUILT
 * package (packages/core/dist) against the same thing written with createHash and with noble.
 *
 * Run: cd packages/core && npx tsc -p tsconfig.build.json && cd ../.. && node bench/sha256.mjs
 * Each figure is the median of ROUNDS rounds (after WARMUP rounds), candidates interleaved per round.
 */
import { createHash, hash } from 'node:crypto';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { ndjsonMix } from './lib/records.mjs';
import { machine, median } from './lib/timing.mjs';
// hash.ts is internal (not in the package's exports map), so it is loaded from the built file.
import { leafHash, nodeHash } from '../packages/core/dist/integrity/hash.js';

const N = 1000; // distinct inputs per size, so no run hashes the same bytes twice in a row
const ROUNDS = Number(process.env.ROUNDS ?? 41);
const WARMUP = 3;

function inputs(size) {
  return Array.from({ length: N }, (_, i) => {
    const b = new Uint8Array(size);
    for (let j = 0; j < size; j++) b[j] = (i * 131 + j * 7 + (j >> 3)) & 255;
    return b;
  });
}

let sink = 0;
/**
 * ns per call of fn over the N inputs, median of ROUNDS; candidates run interleaved. `data` is
 * an array, or a function returning a fresh array per round (untimed) for inputs that hashing
 * changes, such as V8 cons strings that get flattened on first read.
 */
function measure(candidates, data) {
  const times = candidates.map(() => []);
  for (let r = 0; r < WARMUP + ROUNDS; r++) {
    candidates.forEach(([, fn], k) => {
      const input = typeof data === 'function' ? data() : data;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < N; i++) sink += fn(input[i])[0];
      const ns = Number(process.hrtime.bigint() - t0) / N;
      if (r >= WARMUP) times[k].push(ns);
    });
  }
  return times.map(median);
}

function table(title, candidates, data, bytesPerInput) {
  const med = measure(candidates, data);
  console.log(`\n${title}`);
  candidates.forEach(([name], k) => {
    const mbs = (bytesPerInput / med[k]) * 1000;
    console.log(`  ${name.padEnd(34)} ${med[k].toFixed(0).padStart(6)} ns/op  ${mbs.toFixed(0).padStart(5)} MB/s`);
  });
  const best = med.indexOf(Math.min(...med));
  const parts = candidates.map(([name], k) => `${name} ${(med[k] / med[best]).toFixed(2)}`);
  console.log(`  ratio to fastest (${candidates[best][0]}): ${parts.join(', ')}`);
  return med;
}

const PRIMITIVES = [
  ['@noble/hashes sha256', (d) => nobleSha256(d)],
  ['node:crypto createHash', (d) => createHash('sha256').update(d).digest()],
  ['node:crypto hash (one-shot)', (d) => hash('sha256', d, 'buffer')],
  // Its 'binary' (latin1) output copied into a fresh array: what hash.ts does. On Node 20 the
  // 'buffer' output path costs several times the hash itself at these sizes.
  ['node:crypto hash, latin1 out', (d) => latin1Bytes(hash('sha256', d, 'binary'))],
];

function latin1Bytes(s) {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = s.charCodeAt(i);
  return out;
}

console.log(`SHA-256 implementations, ${N} distinct inputs per size, median of ${ROUNDS} rounds`);
console.log(machine());

for (const size of [64, 300, 600]) table(`${size}-byte input`, PRIMITIVES, inputs(size), size);

// Merkle interior node: 0x01 || 32-byte left || 32-byte right, already joined (as merkle.ts does).
const nodes = inputs(65).map((b) => ((b[0] = 1), b));
table('65-byte Merkle node input (0x01 || left || right)', PRIMITIVES, nodes, 65);

const lines = ndjsonMix(N);
const lineBytes = lines.map((l) => new Uint8Array(Buffer.from(l, 'utf8')));
const meanBytes = lineBytes.reduce((s, b) => s + b.length, 0) / N;
table(`record mix as bytes (mean ${meanBytes.toFixed(0)} bytes)`, PRIMITIVES, lineBytes, meanBytes);

// The record chain hashes a JS string: leaf = SHA-256(0x00 || UTF-8(JCS)), and that string is a
// fresh concatenation ('{"body":' + body + tail, see record-chain.ts), i.e. a V8 cons string that
// is flattened when first read. Build them the same way, fresh each round.
const ZERO = Uint8Array.of(0);
const enc = new TextEncoder();
const envelopes = () =>
  lines.map((body, i) => '{"body":' + body + `,"h":"${'ab'.repeat(32)}","prev":"${'cd'.repeat(32)}","seq":${i},"sid":"bench","ts":${1_732_190_400_000 + i},"v":1}`);
const envBytes = envelopes().reduce((s, e) => s + Buffer.byteLength(e), 0) / N;
table(
  `leaf hash of a record envelope string (mean ${envBytes.toFixed(0)} bytes)`,
  [
    ['@logseal/core leafHash (crypto.hash)', (s) => leafHash(s)],
    ['createHash update(0x00).update(s)', (s) => createHash('sha256').update(ZERO).update(s).digest()],
    ['noble create().update x2', (s) => nobleSha256.create().update(ZERO).update(enc.encode(s)).digest()],
  ],
  envelopes,
  envBytes + 1,
);

const left = inputs(32);
const right = inputs(32).reverse();
const pairs = left.map((l, i) => [l, right[i]]);
table(
  'RFC 6962 node hash of two 32-byte hashes',
  [
    ['@logseal/core nodeHash (crypto.hash)', ([l, r]) => nodeHash(l, r)],
    ['createHash update x3', ([l, r]) => createHash('sha256').update(Uint8Array.of(1)).update(l).update(r).digest()],
    ['noble create().update x3', ([l, r]) => nobleSha256.create().update(Uint8Array.of(1)).update(l).update(r).digest()],
  ],
  pairs,
  65,
);

if (sink === 0) console.log('unreachable');
