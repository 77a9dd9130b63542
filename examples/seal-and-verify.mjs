// The README's main command until the collector demo exists (issue 6): seal a small log stream,
// write it as NDJSON, verify it offline, then tamper with one stored line and show verify naming it.
import { mkdtempSync, writeFileSync, readFileSync, createReadStream, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamSealer, generateKeys, verify } from '@logseal/core';

const dir = mkdtempSync(join(tmpdir(), 'logseal-example-'));
const file = join(dir, 'export.ndjson');
const keys = generateKeys();
const sealer = new StreamSealer({ signingKey: keys.privateKey, macKey: keys.macKey, service: 'example', host: 'localhost' });

const lines = [];
const events = ['user logged in', 'cart updated', 'payment authorised', 'order shipped', 'user logged out'];
for (let i = 0; i < 250; i++) {
  lines.push(sealer.append({ level: 30, msg: events[i % events.length], orderId: 1000 + i, ms: (i * 7) % 300 }).json);
  if (i % 100 === 99) lines.push(sealer.seal().json);
}
lines.push(sealer.seal({ final: true }).json);
writeFileSync(file, lines.join('\n') + '\n');

const keyring = [{ kid: keys.kid, publicKey: keys.publicKey, macKey: keys.macKey }];
const show = (title, rep) => {
  console.log(`\n${title}`);
  console.log(`  ${rep.ok ? 'VERIFIED' : 'TAMPERING DETECTED'}: ${rep.records.valid}/${rep.records.total} records and ${rep.seals.valid}/${rep.seals.total} seals valid, stream ${rep.streams.map((s) => s.sid).join(', ')}`);
  for (const f of rep.findings) console.log(`  - ${f.code} (${f.severity}) at line ${f.line}${f.seq !== undefined ? `, seq ${f.seq}` : ''}: ${f.message}`);
};

console.log(`Sealed ${lines.length} lines (250 records, ${lines.length - 250} seals) into ${file}`);
const clean = await verify(createReadStream(file), { keys: keyring, requireFinal: true });
show('Verifying the untouched export:', clean);

// An insider edits one stored record: the message of seq 42.
const stored = readFileSync(file, 'utf8').split('\n');
stored[42] = stored[42].replace('"msg":"', '"msg":"(edited) ');
writeFileSync(file, stored.join('\n'));
const tampered = await verify(createReadStream(file), { keys: keyring, requireFinal: true });
show('Verifying after one stored line was edited:', tampered);

rmSync(dir, { recursive: true, force: true });
if (!clean.ok || tampered.ok) {
  console.error('\nunexpected result');
  process.exit(1);
}
console.log('\nDone: the clean export verified and the edit was caught with its location.');
