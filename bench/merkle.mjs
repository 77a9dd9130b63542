/**
 * RFC 6962 Merkle root of one sealed batch (1,000 leaves) with @logseal/core's merkleRoot,
 * against its peers measured in the same run:
 *   - the floor: the same 999 SHA-256 calls on prepared 65-byte node inputs, nothing else
 *     (crypto.hash with its 'buffer' output: the obvious call; merkleRoot beats it by taking
 *     the 'binary' output into one buffer per level, see packages/core/src/integrity/hash.ts);
 *   - the RFC 6962 section 2.1 recursion written literally (split at k, slice, recurse);
 *   - MerkleLog: 1,000 appends then root() (the collector's incremental tree).
 * Also the cost of one inclusion / consistency proof and of verifying it at that size.
 *
 * Run: cd packages/core && npx tsc -p tsconfig.build.json && cd ../.. && node bench/merkle.mjs
 * Figures are medians of ROUNDS rounds after warm-up; the four root computations run interleaved.
 */
import { hash } from 'node:crypto';
import {
  MerkleLog,
  consistencyProof,
  inclusionProof,
  merkleRoot,
  verifyConsistency,
  verifyInclusion,
} from '@logseal/core';
import { ndjsonMix } from './lib/records.mjs';
import { machine, median, timeMs } from './lib/timing.mjs';

const N = 1000;
const ROUNDS = Number(process.env.ROUNDS ?? 51);
const WARMUP = 10;
const opts = { rounds: ROUNDS, warmup: WARMUP };

// Leaves as the record chain makes them: SHA-256(0x00 || record), on the shared record mix.
const leaves = ndjsonMix(N).map((l) => new Uint8Array(hash('sha256', '\0' + l, 'buffer')));

const sha = (d) => hash('sha256', d, 'buffer');
function nodeHash(l, r) {
  const b = new Uint8Array(65);
  b[0] = 1;
  b.set(l, 1);
  b.set(r, 33);
  return sha(b);
}
function recursiveMth(d) {
  if (d.length === 0) return sha(new Uint8Array(0));
  if (d.length === 1) return d[0];
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return nodeHash(recursiveMth(d.slice(0, k)), recursiveMth(d.slice(k)));
}

const floorInputs = Array.from({ length: N - 1 }, (_, i) => {
  const b = new Uint8Array(65);
  b[0] = 1;
  b.set(leaves[i], 1);
  b.set(leaves[i + 1], 33);
  return b;
});

let sink = 0;
/** Median ms per call for each candidate; rounds interleaved so load spikes hit all alike. */
function interleaved(candidates) {
  const times = candidates.map(() => []);
  for (let r = 0; r < WARMUP + ROUNDS; r++) {
    candidates.forEach((fn, k) => {
      const t0 = process.hrtime.bigint();
      fn();
      if (r >= WARMUP) times[k].push(Number(process.hrtime.bigint() - t0) / 1e6);
    });
  }
  return times.map(median);
}
const [ours, floor, recursive, log] = interleaved([
  () => (sink += merkleRoot(leaves)[0]),
  () => {
    for (const b of floorInputs) sink += sha(b)[0];
  },
  () => (sink += recursiveMth(leaves)[0]),
  () => {
    const m = new MerkleLog();
    for (const l of leaves) m.append(l);
    sink += m.root()[0];
  },
]);

const root = merkleRoot(leaves);
const root1 = merkleRoot(leaves.slice(0, 637));
const same = Buffer.from(recursiveMth(leaves)).equals(Buffer.from(root));
const iproof = inclusionProof(leaves, 637);
const cproof = consistencyProof(leaves, 637);
const incl = timeMs(() => (sink += inclusionProof(leaves, 637).length), opts);
const cons = timeMs(() => (sink += consistencyProof(leaves, 637).length), opts);
const vIncl = timeMs(() => {
  for (let i = 0; i < 100; i++) sink += verifyInclusion(637, N, leaves[637], iproof, root) ? 1 : 0;
}, opts) / 100;
const vCons = timeMs(() => {
  for (let i = 0; i < 100; i++) sink += verifyConsistency(637, N, cproof, root1, root) ? 1 : 0;
}, opts) / 100;

const us = (ms) => (ms * 1000).toFixed(0).padStart(6);
console.log(`Merkle tree over ${N} leaves (one sealed batch), median of ${ROUNDS} rounds`);
console.log(machine());
console.log(`merkleRoot (@logseal/core)                 ${us(ours)} us   ${((ours * 1e6) / N).toFixed(0)} ns/leaf`);
console.log(`floor: 999 bare SHA-256 of 65 bytes        ${us(floor)} us   ratio merkleRoot / floor ${(ours / floor).toFixed(2)}`);
console.log(`RFC 6962 recursion, literal (slices)       ${us(recursive)} us   ratio recursive / merkleRoot ${(recursive / ours).toFixed(2)}${same ? '' : '   WARNING: roots differ'}`);
console.log(`MerkleLog: 1000 x append + root()          ${us(log)} us   ratio MerkleLog / merkleRoot ${(log / ours).toFixed(2)}`);
console.log(`inclusionProof(leaf 637 of 1000)           ${us(incl)} us   (${iproof.length} nodes)`);
console.log(`consistencyProof(637 -> 1000)              ${us(cons)} us   (${cproof.length} nodes)`);
console.log(`verifyInclusion                            ${(vIncl * 1000).toFixed(1).padStart(6)} us`);
console.log(`verifyConsistency                          ${(vCons * 1000).toFixed(1).padStart(6)} us`);
if (sink === 0) console.log('unreachable');
