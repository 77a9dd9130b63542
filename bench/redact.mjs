/**
 * Redaction engine benchmark (issue 3, "Speed").
 *
 *   1. Scanning ordinary log text with the whole `secrets` catalogue (redactText), in MB/s,
 *      against running every secret rule's regex over the same text (no keyword gate).
 *   2. The keyword gate alone: Aho-Corasick automaton vs one case-insensitive alternation
 *      regex, over the same text (internal module, imported from the build by path).
 *   3. redact() of the 300-600 byte record mix (bench/lib/records.mjs) with `secrets`: records/s.
 *   4. Key-path-only redaction vs @pinojs/redact with the same paths (both serialise with
 *      JSON.stringify, as pino does): records/s and the ratio.
 *
 * Run: cd packages/core && npx tsc -p tsconfig.build.json && cd ../.. && node bench/redact.mjs
 * Prints figures; asserts nothing. Each figure is the median of ROUNDS timed rounds after a warm-up;
 * contenders alternate round by round so that a change in machine load affects them alike.
 */

import { createRedactor, ALL_RULES } from '@logseal/core';
import pinoRedact from '@pinojs/redact';
import { recordMix, ndjsonMix } from './lib/records.mjs';
import os from 'node:os';

const gateModule = await import(new URL('../packages/core/dist/redact/keyword-gate.js', import.meta.url).href);

const ROUNDS = 7;
const ROUND_MS = 250;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** One timed round of fn(i) for ROUND_MS; returns calls per second. */
function round(fn) {
  let n = 0;
  const t0 = performance.now();
  let t1 = t0;
  while (t1 - t0 < ROUND_MS) {
    for (let k = 0; k < 16; k++) fn(n++);
    t1 = performance.now();
  }
  return n / ((t1 - t0) / 1000);
}

/**
 * Measures several contenders in alternating rounds (A, B, A, B, ...) after a warm-up, so a
 * change in machine load hits all of them alike. Returns each one's median rate and, for
 * each contender, the median of its per-round ratio to the first one.
 */
function race(...fns) {
  for (const fn of fns) round(fn); // warm-up
  const rates = fns.map(() => []);
  for (let r = 0; r < ROUNDS; r++) fns.forEach((fn, k) => rates[k].push(round(fn)));
  return {
    rates: rates.map(median),
    ratios: rates.map((rs) => median(rs.map((x, i) => x / rates[0][i]))),
  };
}

// ---- corpus: ordinary log text -------------------------------------------------------

function ownLines(n) {
  const out = [];
  const paths = ['/index.html', '/api/v1/items?page=3', '/static/app.9f8e7d.js', '/healthz', '/login', '/img/logo.png'];
  const agents = ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36', 'curl/8.5.0', 'kube-probe/1.30'];
  for (let i = 0; i < n; i++) {
    const ip = `10.${i % 7}.${(i * 7) % 255}.${(i * 13) % 255}`;
    switch (i % 5) {
      case 0:
        out.push(`${ip} - - [21/Nov/2024:12:${String(i % 60).padStart(2, '0')}:07 +0000] "GET ${paths[i % paths.length]} HTTP/1.1" ${[200, 304, 404][i % 3]} ${1000 + ((i * 37) % 9000)} "https://www.example.com/" "${agents[i % agents.length]}"`);
        break;
      case 1:
        out.push(`2024-11-21 12:00:${String(i % 60).padStart(2, '0')}.${i % 1000} UTC [${2000 + (i % 50)}] LOG:  duration: ${(i % 900) / 10} ms  statement: SELECT id, status, total FROM orders WHERE customer_id = ${i} ORDER BY created_at DESC LIMIT 20`);
        break;
      case 2:
        out.push(`[2024-11-21T12:00:${String(i % 60).padStart(2, '0')}Z] INFO  consumer-group=billing topic=invoices partition=${i % 12} offset=${1_000_000 + i} lag=${i % 40} msg="batch committed" size=${i % 500}`);
        break;
      case 3:
        out.push(`time="2024-11-21T12:00:00Z" level=warning msg="retrying request" service=s3 operation=PutObject bucket=backups-prod attempt=${1 + (i % 3)} delay=${100 * (1 + (i % 3))}ms request_id=${((i * 2654435761) >>> 0).toString(16)}`);
        break;
      default:
        out.push(`Nov 21 12:00:${String(i % 60).padStart(2, '0')} worker-${i % 9} app[${3100 + (i % 40)}]: processed job ${i} in ${(i % 300) + 12}ms (queue=emails, retries=0, status=ok)`);
    }
  }
  return out;
}

const lines = [...ndjsonMix(3000), ...ownLines(3000)];
const corpusBytes = lines.reduce((s, l) => s + Buffer.byteLength(l), 0);
const MB = 1024 * 1024;

const secrets = createRedactor({ preset: 'secrets' });
const secretRules = ALL_RULES.filter((r) => r.class === 'secret');

// Sanity: the corpus is ordinary text, so almost nothing should be redacted.
let findings = 0;
for (const l of lines) findings += secrets.redactText(l).findings.length;

console.log(`LogSeal redaction benchmark — Node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, ${new Date().toISOString().slice(0, 10)}`);
console.log(`catalogue: ${ALL_RULES.length} rules, ${secretRules.length} in the secrets preset; corpus: ${lines.length} lines, ${(corpusBytes / MB).toFixed(2)} MB, ${findings} findings`);
console.log('');

// 1. whole-catalogue scan vs every regex
const naiveRes = secretRules.map((r) => new RegExp(r.pattern.source, r.pattern.flags.includes('g') ? r.pattern.flags : r.pattern.flags + 'g'));
const scan1 = race(
  (i) => secrets.redactText(lines[i % lines.length]),
  (i) => {
    const l = lines[i % lines.length];
    let hits = 0;
    for (const re of naiveRes) {
      re.lastIndex = 0;
      while (re.exec(l) !== null) hits++;
    }
    return hits;
  },
);
const bytesPerLine = corpusBytes / lines.length;
const scanMBs = (scan1.rates[0] * bytesPerLine) / MB;
const naiveMBs = (scan1.rates[1] * bytesPerLine) / MB;
console.log('1. scan ordinary log text with the secrets catalogue');
console.log(`   redactText (keyword gate + rules)   ${scanMBs.toFixed(1).padStart(8)} MB/s`);
console.log(`   every rule regex, no gate           ${naiveMBs.toFixed(1).padStart(8)} MB/s`);
console.log(`   ratio gate / no gate                ${(1 / scan1.ratios[1]).toFixed(1).padStart(8)} x`);
console.log('');

// 2. the gate alone
const keywordSets = secretRules.map((r) => r.keywords);
const ac = gateModule.buildKeywordGate(keywordSets, 'aho-corasick');
const rx = gateModule.buildKeywordGate(keywordSets, 'regex');
const out = new Int32Array(keywordSets.length);
const gate2 = race(
  (i) => ac.candidates(lines[i % lines.length], out),
  (i) => rx.candidates(lines[i % lines.length], out),
);
const [acRate, rxRate] = gate2.rates;
let gated = 0;
for (const l of lines) gated += ac.candidates(l, out);
console.log(`2. keyword gate alone (${new Set(keywordSets.flat()).size} keywords; ${(gated / lines.length).toFixed(2)} rules pass the gate per line)`);
console.log(`   Aho-Corasick DFA over char codes    ${((acRate * bytesPerLine) / MB).toFixed(1).padStart(8)} MB/s`);
console.log(`   one case-insensitive regex          ${((rxRate * bytesPerLine) / MB).toFixed(1).padStart(8)} MB/s`);
console.log(`   ratio                               ${(1 / gate2.ratios[1]).toFixed(1).padStart(8)} x`);
console.log('');

// 3. redact() of typical records
const records = recordMix(3000);
const recBytes = records.reduce((s, r) => s + Buffer.byteLength(JSON.stringify(r)), 0) / records.length;
const rec3 = race(
  (i) => secrets.redact(records[i % records.length], i),
  (i) => structuredClone(records[i % records.length]),
);
const [redactRate, cloneRate] = rec3.rates;
console.log(`3. redact() of the record mix (${recBytes.toFixed(0)} bytes average), secrets preset`);
console.log(`   createRedactor({preset:'secrets'})  ${Math.round(redactRate).toLocaleString('en-US').padStart(10)} records/s  (${((redactRate * recBytes) / MB).toFixed(1)} MB/s)`);
console.log(`   structuredClone (reference)         ${Math.round(cloneRate).toLocaleString('en-US').padStart(10)} records/s`);
console.log('');

// 4. key paths only, vs @pinojs/redact
const paths = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'user.email', 'err.config', 'order.*.card', 'password'];
const pathsOnly = createRedactor({
  preset: { id: 'paths-only', version: 1, classes: [], actions: {}, keys: [], paths: [], allow: [] },
  paths,
});
const pino = pinoRedact({ paths }); // serialises with JSON.stringify by default
const pinoObj = pinoRedact({ paths, serialize: false });
const str4 = race(
  (i) => JSON.stringify(pathsOnly.redact(records[i % records.length]).value),
  (i) => pino(records[i % records.length]),
);
const obj4 = race(
  (i) => pathsOnly.redact(records[i % records.length]),
  (i) => pinoObj(records[i % records.length]),
);
const [oursRate, pinoRate] = str4.rates;
const [oursObjRate, pinoObjRate] = obj4.rates;
console.log(`4. key-path-only redaction, ${paths.length} paths, same records`);
console.log(`   LogSeal redact + JSON.stringify     ${Math.round(oursRate).toLocaleString('en-US').padStart(10)} records/s`);
console.log(`   @pinojs/redact (JSON.stringify)     ${Math.round(pinoRate).toLocaleString('en-US').padStart(10)} records/s`);
console.log(`   ratio LogSeal / @pinojs/redact      ${(1 / str4.ratios[1]).toFixed(2).padStart(10)} x`);
console.log(`   LogSeal redact (object out)         ${Math.round(oursObjRate).toLocaleString('en-US').padStart(10)} records/s`);
console.log(`   @pinojs/redact serialize:false      ${Math.round(pinoObjRate).toLocaleString('en-US').padStart(10)} records/s`);
console.log(`   ratio (object out)                  ${(1 / obj4.ratios[1]).toFixed(2).padStart(10)} x`);
console.log('');
console.log('(each ratio is the median of per-round ratios, rounds alternating between the contenders)');
