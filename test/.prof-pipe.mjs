import { createServer } from 'node:http';
import { createPipeline, generateKeys, exportKeys } from '@logseal/core';
import { recordMix } from '../bench/lib/records.mjs';
const srv = createServer((req, res) => { req.resume(); req.on('end', () => res.end('{}')); });
await new Promise(r => srv.listen(0, '127.0.0.1', r));
const keys = exportKeys(generateKeys());
const LEVELS = { 30: 'info', 40: 'warn', 50: 'error' };
const pool = recordMix(3000).map(({ level, msg, ...rest }) => ({ level: LEVELS[level] ?? 'info', message: msg, ...rest }));
const p = createPipeline({ url: `http://127.0.0.1:${srv.address().port}/x`, signingKey: keys.privateKeyPem, macKey: keys.macKey, heartbeatMs: 0, ...(process.env.MEM ? { memory: { maxBytes: Number(process.env.MEM) } } : {}) });
const N = 100000;
const texts = []; for (let i = 0; i < 3000; i++) texts.push(JSON.stringify({ ...pool[i], time: 1e12 + i, n: i }));
const t0 = performance.now();
let peak = 0;
for (let i = 0; i < N; i++) { const r = JSON.parse(texts[i % 3000]); if (!p.write(r)) await p.drained(); if (i % 1000 === 999) { peak = Math.max(peak, p.stats().memoryBytes); await new Promise(r => setImmediate(r)); } }
await p.flush();
const dt = performance.now() - t0; const cu = process.cpuUsage(); console.log('cpu us/rec', ((cu.user+cu.system)/N).toFixed(2));
console.log('rec/s', Math.round(N / dt * 1000), 'us/rec', (dt * 1000 / N).toFixed(2), 'peak pipeline MB', (peak/2**20).toFixed(1), 'heap MB', (process.memoryUsage().heapUsed/2**20).toFixed(0));
await p.close(); srv.close();
