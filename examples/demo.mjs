// `npm start`: the whole product in one run. An embedded collector on 127.0.0.1 with a
// temporary data directory; a pino app and a winston app that log a realistic stream with
// planted secrets; what was redacted (by rule, never the values); `logseal verify` over the
// stored data; then one stored line edited, and verify naming it. Exits 0 when all holds.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportKeys, generateKeys, keyFileFor } from '@logseal/core';
import { createCollector, readDataDir } from '@logseal/collector';
import { SECRETS } from './demo/secrets.mjs';

const here = new URL('.', import.meta.url).pathname;
const cli = new URL('../packages/collector/dist/cli/main.js', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'logseal-demo-'));
const say = (s = '') => process.stdout.write(s + '\n');
const step = (n, s) => say(`\n${n}. ${s}`);

say('LogSeal demo: redact, hash-chain, seal, ship, store, verify, catch tampering.');

// 1. Keys and collector.
const keys = generateKeys();
const ex = exportKeys(keys);
writeFileSync(join(work, 'keys.json'), JSON.stringify(keyFileFor(keys)), { mode: 0o600 });
const collector = createCollector({ dataDir: join(work, 'data'), keys: join(work, 'keys.json'), host: '127.0.0.1', port: 0, logger: false });
const { url } = await collector.listen();
step(1, `Collector listening on ${url}, data in ${join(work, 'data')}; signing key ${ex.kid}`);

// 2. Two apps log through their transports.
const env = { ...process.env, LOGSEAL_URL: `${url}/v1/batches`, LOGSEAL_SIGNING_KEY: ex.privateKeyPem, LOGSEAL_MAC_KEY: ex.macKey };
// (async children: the collector runs on this process's event loop)
const runApp = (app) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, 'demo', app)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${app} exited with ${code}\n${out}`))));
  });
await Promise.all([runApp('pino-app.mjs'), runApp('winston-app.mjs')]);
step(2, 'A pino app (preset "secrets") and a winston app (preset "pci") logged their work, with secrets planted in messages, fields, headers, URLs and error causes.');

// 3. What reached storage.
const stored = [];
for await (const line of readDataDir(join(work, 'data'))) stored.push(line);
const text = stored.join('\n');
const byRule = new Map();
for (const m of text.matchAll(/\[(?:REDACTED|HASH):([a-z0-9:_.-]+?)(?::…[0-9]{4})?\]/g)) byRule.set(m[1], (byRule.get(m[1]) ?? 0) + 1);
const leaked = Object.entries(SECRETS).filter(([, v]) => text.includes(v)).map(([k]) => k);
const records = stored.filter((l) => !l.includes('"type":"seal"')).length;
step(3, `The collector verified and stored ${records} records and ${stored.length - records} seals. Redacted before hashing, by rule:`);
for (const [rule, n] of [...byRule.entries()].sort((a, b) => b[1] - a[1])) say(`     ${String(n).padStart(3)}  ${rule}`);
say(`   Planted secrets found in storage: ${leaked.length === 0 ? 'none' : leaked.join(', ')} (of ${Object.keys(SECRETS).length}).`);
if (/\[REDACTED:payment-card:…1111\]/.test(text)) say('   The card number kept only its last 4 digits (preset pci, PCI DSS 3.4).');
await collector.close();

// 4. Verify the stored data, offline.
const verify = () => spawnSync(process.execPath, [cli, 'verify', join(work, 'data'), '--key', join(work, 'keys.json'), '--require-final'], { encoding: 'utf8' });
const clean = verify();
step(4, 'logseal verify over the stored data:');
say(clean.stdout.trimEnd().split('\n').map((l) => '   ' + l).join('\n'));

// 5. An insider edits one stored record.
// The first segment of the stream with the most requests logged (which app's stream sorts
// first depends on their random stream ids; the edit needs 42 requests to choose from).
const streams = join(work, 'data', 'streams');
const requests = (f) => (readFileSync(f, 'utf8').match(/"statusCode":200/g) ?? []).length;
const seg = readdirSync(streams)
  .sort()
  .map((d) => join(streams, d, readdirSync(join(streams, d)).filter((n) => n.startsWith('seg')).sort()[0]))
  .reduce((best, f) => (requests(f) > requests(best) ? f : best));
chmodSync(seg, 0o644);
// the 42nd request's status code, 200 -> 204
let n = 0;
writeFileSync(seg, readFileSync(seg, 'utf8').replace(/"statusCode":200/g, (m) => (++n === 42 ? '"statusCode":204' : m)));
const tampered = verify();
step(5, `Someone changed one stored line in ${seg.slice(work.length + 1)}. logseal verify again:`);
say(tampered.stdout.trimEnd().split('\n').filter((l) => /ERROR|VERIFIED|records valid/.test(l)).map((l) => '   ' + l).join('\n'));

const ok = clean.status === 0 && tampered.status === 1 && /RECORD_MODIFIED/.test(tampered.stdout) && leaked.length === 0;
say(`\n${ok ? 'Demo passed' : 'DEMO FAILED'}: ${leaked.length === 0 ? 'no secret reached storage' : 'secrets leaked'}, the untouched data verified, the edit was caught with its location.`);
rmSync(work, { recursive: true, force: true });
process.exit(ok ? 0 : 1);
