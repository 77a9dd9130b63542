// `logseal verify` on a collector data directory (issue 6 speed target): fills a real collector
// with sealed batches from 4 streams until the data directory holds TARGET bytes, then runs the
// CLI's verify over it in a child process and prints MB/s and the child's peak RSS (from
// /proc/<pid>/status VmHWM), at two sizes, to show memory does not grow with the data.
// Run: npm run build && node bench/verify-datadir.mjs [MB]   (default 1024)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamSealer, generateKeys, keyFileFor } from '@logseal/core';
import { createCollector } from '@logseal/collector';
import { recordMix } from './lib/records.mjs';

const TARGET_MB = Number(process.argv[2] ?? 1024);
const cli = new URL('../packages/collector/dist/cli/main.js', import.meta.url).pathname;
const keys = generateKeys();
const mix = recordMix(1000);

function dirBytes(p) {
  const st = statSync(p);
  return st.isDirectory() ? readdirSync(p).reduce((a, n) => a + dirBytes(join(p, n)), 0) : st.size;
}

async function fill(dir, mb) {
  const keyFile = join(dir, 'keys.json');
  writeFileSync(keyFile, JSON.stringify(keyFileFor(keys)), { mode: 0o600 });
  const c = createCollector({ dataDir: join(dir, 'data'), keys: keyFile, port: 0, logger: false, checkpointIntervalMs: 0 });
  const { url } = await c.listen();
  const sealers = Array.from({ length: 4 }, () => new StreamSealer({ signingKey: keys.privateKey, macKey: keys.macKey }));
  let bytes = 0;
  let i = 0;
  for (let last = false; !last; ) {
    // decided once per round, so all four streams end with a final seal in the same round
    last = bytes + 4 * 750_000 >= mb * 1e6;
    await Promise.all(sealers.map(async (s) => {
      const lines = [];
      for (let k = 0; k < 1000; k++) lines.push(s.append(mix[i++ % 1000], 1_700_000_000_000 + i).json);
      lines.push(s.seal({ final: last }).json);
      const body = lines.join('\n') + '\n';
      bytes += body.length;
      const r = await fetch(`${url}/v1/batches`, { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' } });
      if (r.status !== 200) throw new Error(`collector answered ${r.status}: ${await r.text()}`);
    }));
  }
  await c.close();
  return keyFile;
}

function verifyChild(dir, keyFile) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [cli, 'verify', join(dir, 'data'), '--key', keyFile, '--require-final'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let peak = 0;
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) * 1024);
      } catch { /* exited */ }
    }, 20);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ ms: performance.now() - t0, code, peak, valid: /(\d+)\/(\d+) records valid/.exec(out)?.[0] });
    });
  });
}

for (const mb of [Math.max(64, Math.round(TARGET_MB / 8)), TARGET_MB]) {
  const dir = mkdtempSync(join(tmpdir(), 'logseal-verify-bench-'));
  const keyFile = await fill(dir, mb);
  const size = dirBytes(join(dir, 'data'));
  const r = await verifyChild(dir, keyFile);
  console.log(`data dir ${(size / 1e6).toFixed(0)} MB: logseal verify ${(size / 1e6 / (r.ms / 1000)).toFixed(1)} MB/s, peak RSS ${(r.peak / 2 ** 20).toFixed(0)} MiB, exit ${r.code}, ${r.valid}`);
  rmSync(dir, { recursive: true, force: true });
}
