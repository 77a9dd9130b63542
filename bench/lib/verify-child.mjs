// Runs verify() over one file in a fresh process and prints {ms, peakRss, ok, records} as JSON,
// so the peak RSS is the verifier's alone (bench/integrity.mjs, bench/collector-*.mjs).
import { createReadStream } from 'node:fs';
import { readKeyFile, verify } from '@logseal/core';

const [file, keyFile] = process.argv.slice(2);
const keys = keyFile ? readKeyFile(keyFile) : undefined;
let peak = 0;
const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
const t0 = performance.now();
const report = await verify(createReadStream(file, { highWaterMark: 1 << 20 }), keys ? { keys, requireFinal: true } : {});
const ms = performance.now() - t0;
clearInterval(timer);
peak = Math.max(peak, process.memoryUsage().rss);
console.log(JSON.stringify({ ms, peakRss: peak, ok: report.ok, records: report.records.total }));
