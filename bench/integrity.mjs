// Integrity cost per record (issue 2 speed targets), on the realistic record mix:
//  - canonical form + leaf hash + chain + share of Merkle root and seal (batches of 1,000)
//    vs JSON.parse + JSON.stringify of the same record: target <= 2x;
//  - verifier throughput on sealed NDJSON vs `sha256sum` of the same file: target >= 50 MB/s.
// Run: npm run build && node bench/integrity.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamSealer, generateKeys, keyFileFor } from '@logseal/core';
import { recordMix } from './lib/records.mjs';
import { machine, timeMs } from './lib/timing.mjs';

const N = 20_000;
const BATCH = 1000;
const records = recordMix(N);
const lines = records.map((r) => JSON.stringify(r));
const keys = generateKeys();

const base = timeMs(() => {
  for (let i = 0; i < N; i++) JSON.stringify(JSON.parse(lines[i]));
});

function sealAll(opts) {
  const sealer = new StreamSealer(opts);
  for (let i = 0; i < N; i++) {
    sealer.append(records[i], 1_700_000_000_000 + i);
    if (i % BATCH === BATCH - 1) sealer.seal();
  }
}
const both = timeMs(() => sealAll({ signingKey: keys.privateKey, macKey: keys.macKey }));
const macOnly = timeMs(() => sealAll({ macKey: keys.macKey }));

const us = (ms) => ((ms * 1000) / N).toFixed(2);
console.log(`# integrity cost per record (${machine()})`);
console.log(`records: ${N}, batch ${BATCH}, mean JSON size ${Math.round(lines.reduce((a, l) => a + l.length, 0) / N)} bytes`);
console.log(`JSON.parse + JSON.stringify          ${us(base)} us/record`);
console.log(`chain + seal (Ed25519 + MAC)         ${us(both)} us/record   ratio ${(both / base).toFixed(2)}x (target <= 2)`);
console.log(`chain + seal (MAC only)              ${us(macOnly)} us/record   ratio ${(macOnly / base).toFixed(2)}x`);

// Verifier throughput on a sealed NDJSON file.
const dir = mkdtempSync(join(tmpdir(), 'logseal-bench-'));
const file = join(dir, 'sealed.ndjson');
const VN = 200_000;
const out = [];
{
  const sealer = new StreamSealer({ signingKey: keys.privateKey, macKey: keys.macKey });
  const mix = recordMix(1000);
  for (let i = 0; i < VN; i++) {
    out.push(sealer.append(mix[i % 1000], 1_700_000_000_000 + i).json);
    if (i % BATCH === BATCH - 1) out.push(sealer.seal({ final: i === VN - 1 }).json);
  }
}
writeFileSync(file, out.join('\n') + '\n');
out.length = 0;
const size = statSync(file).size;
const keyFile = join(dir, 'keys.json');
writeFileSync(keyFile, JSON.stringify(keyFileFor(keys)));
// Each verification runs in a fresh process: its peak RSS is the verifier's own.
const child = () => JSON.parse(execFileSync(process.execPath, [new URL('./lib/verify-child.mjs', import.meta.url).pathname, file, keyFile], { encoding: 'utf8' }));
const runs = [child(), child(), child()].sort((a, b) => a.ms - b.ms);
const med = runs[1];
const ts = timeMs(() => execFileSync('sha256sum', [file]), { rounds: 3, warmup: 1 });
const mb = size / 1e6;
console.log(`\n# verifier on ${mb.toFixed(1)} MB of sealed NDJSON (${VN} records; ok=${med.ok})`);
console.log(`logseal verify     ${(mb / (med.ms / 1000)).toFixed(1)} MB/s (target >= 50)   peak RSS ${(med.peakRss / 2 ** 20).toFixed(0)} MiB`);
console.log(`sha256sum          ${(mb / (ts / 1000)).toFixed(1)} MB/s   ratio verify/sha256sum ${(ts / med.ms).toFixed(3)}`);
rmSync(dir, { recursive: true, force: true });
