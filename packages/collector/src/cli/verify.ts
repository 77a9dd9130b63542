import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeExport, isSeal, loadPublicKey, readKeyFile, sortExport, Verifier, type KeyringEntry, type VerifyReport } from '@logseal/core';
import { type Command, UsageError } from './args.js';
import { type TransparencyResult, transparency } from './transparency.js';
import { isDataDir, readDataDirLocated } from '../index.js';
import { lines } from './ndjson-io.js';

/** Files under the given paths, directories walked in name order (collector segments sort by number). */
function collect(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new UsageError(`verify: ${p} does not exist`);
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (name.startsWith('.')) continue;
        walk(join(p, name));
      }
    } else if (/\.(ndjson|jsonl|log|json)$/.test(p) && !/(^|\/)(index|tip|state|acked|keys|checkpoint)[^/]*\.json$/.test(p)) {
      out.push(p);
    }
  };
  for (const p of paths) walk(p);
  return out;
}

function keyring(values: Record<string, unknown>): KeyringEntry[] | undefined {
  const entries: KeyringEntry[] = [];
  for (const f of (values.key as string[] | undefined) ?? []) entries.push(...readKeyFile(f));
  for (const f of (values.pubkey as string[] | undefined) ?? []) entries.push({ publicKey: loadPublicKey(readFileSync(f, 'utf8')) });
  return entries.length === 0 ? undefined : entries;
}

/** Bytes under a directory (for the progress bar). */
function dirSize(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.size;
  return readdirSync(p).reduce((a, n) => a + dirSize(join(p, n)), 0);
}

function iso(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString();
}

/** A CloudTrail validate-logs style summary. */
export function summary(report: VerifyReport, requested: string[]): string {
  const streams = report.streams;
  const out = [
    `Results requested for ${requested.join(', ')}`,
    `Results found for ${iso(report.timeRange.min)} to ${iso(report.timeRange.max)}:`,
    '',
    `  ${streams.length} stream(s): ${streams.map((s) => `${s.sid} (seq ${s.firstSeq ?? '-'}..${s.lastSeq ?? '-'}${s.final ? ', final' : ', open'})`).join('; ') || '-'}`,
    `  ${report.records.valid}/${report.records.total} records valid`,
    `  ${report.seals.valid}/${report.seals.total} seals valid${report.authenticated ? '' : ' (integrity only: no key given)'}`,
  ];
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.length - errors;
  out.push('', `${errors} error(s), ${warnings} warning(s)${report.findingsDropped > 0 ? `, ${report.findingsDropped} more not listed` : ''}`);
  for (const f of report.findings) {
    const file = (f as { file?: string }).file;
    const offset = (f as { offset?: number }).offset;
    const loc = offset !== undefined ? `${file} at byte ${offset}` : f.line !== undefined ? `${file !== undefined ? `${file}:` : 'line '}${f.line}` : '';
    const where = [f.sid !== undefined ? `stream ${f.sid}` : '', f.batch !== undefined ? `batch ${f.batch}` : '', f.seq !== undefined ? `seq ${f.seq}${f.seqTo !== undefined && f.seqTo !== f.seq ? `..${f.seqTo}` : ''}` : '', loc].filter(Boolean).join(', ');
    out.push(`  ${f.severity === 'error' ? 'ERROR' : 'warn '} ${f.code} (${where}): ${f.message}`);
  }
  for (const t of (report as VerifyReport & { transparency?: TransparencyResult[] }).transparency ?? []) {
    out.push('', `Transparency log of ${t.dir}: ${t.size} seal(s), root ${t.rootHash.slice(0, 16)}..., ${t.checkpoints} checkpoint(s) ${t.ok ? 'consistent' : 'NOT consistent'}${t.signaturesChecked ? '' : ' (signatures not checked: give --checkpoint-key)'}`);
    for (const p of t.problems) out.push(`  ERROR ${p}`);
  }
  out.push('', report.ok ? 'VERIFIED: complete and untouched.' : 'NOT VERIFIED.');
  return out.join('\n') + '\n';
}

/** `logseal verify`: verifies collector data directories or NDJSON exports offline. */
export const verifyCmd: Command = {
  name: 'verify',
  usage: 'verify PATH... [--key FILE | --pubkey FILE] [--format F] [--json] [--require-final] [--strict-drops] [--canonical]',
  summary: 'Verify exported or collected logs: complete, in order, untouched and authentic, or name what was changed.',
  options: {
    key: { type: 'string', multiple: true, description: 'key file (keys.json from keygen): public key and MAC key' },
    pubkey: { type: 'string', multiple: true, description: 'Ed25519 public key PEM (signatures only)' },
    format: { type: 'string', description: 'export of a sink format: elasticsearch, loki, splunk, datadog, otlp, clickhouse, json (default: native NDJSON)' },
    json: { type: 'boolean', description: 'print the report as JSON' },
    'require-final': { type: 'boolean', description: 'a stream without a final seal is an error' },
    'strict-drops': { type: 'boolean', description: 'batches the producer declared dropped are errors' },
    canonical: { type: 'boolean', description: 'every line must be in RFC 8785 form (collector data)' },
    'max-age': { type: 'string', description: 'seconds: an open stream whose last seal is older is STREAM_STALE' },
    checkpoint: { type: 'string', multiple: true, description: 'a checkpoint saved earlier (collector data dir): the log must still contain it' },
    'checkpoint-key': { type: 'string', description: 'the collector\'s checkpoint public key (PEM) to check checkpoint signatures' },
  },
  help: 'Exit status: 0 verified, 1 not verified (findings), 2 usage or input error.',
  async run(values, positionals, io) {
    if (positionals.length === 0) throw new UsageError('verify: give at least one file or directory');
    const dirs = new Set<string>();
    for (const p of positionals) if (await isDataDir(p)) dirs.add(p);
    const files = collect(positionals.filter((p) => !dirs.has(p)));
    if (files.length === 0 && dirs.size === 0) throw new UsageError('verify: no NDJSON files found');
    if (values.checkpoint !== undefined && dirs.size === 0) throw new UsageError('verify: --checkpoint needs a collector data directory');
    const keys = keyring(values);
    const maxAge = values['max-age'] === undefined ? undefined : Number(values['max-age']);
    if (maxAge !== undefined && !(Number.isSafeInteger(maxAge) && maxAge > 0)) throw new UsageError('verify: --max-age must be a positive number of seconds');
    const v = new Verifier({
      ...(keys !== undefined ? { keys } : {}),
      requireFinal: values['require-final'] === true,
      strictDrops: values['strict-drops'] === true,
      canonical: values.canonical === true,
      ...(maxAge !== undefined ? { now: Date.now(), maxSealAgeMs: maxAge * 1000 } : {}),
    });
    const total = files.reduce((a, f) => a + statSync(f).size, 0) + [...dirs].reduce((a, d) => a + dirSize(d), 0);
    const progress = io.stderr.isTTY === true && values.json !== true && total > 8 * 2 ** 20;
    let done = 0;
    const tick = (): void => {
      if (!progress) return;
      const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
      const bar = '#'.repeat(Math.floor(pct / 4)).padEnd(25, '.');
      io.stderr.write(`\r[${bar}] ${pct}% ${(done / 1e6).toFixed(1)}/${(total / 1e6).toFixed(1)} MB`);
    };
    const format = values.format as string | undefined;
    /** First input line of each file, to name findings by file and line. */
    const starts: { file: string; first: number }[] = [];
    // Collector data directories: their lines in batch order (late gap fills included), then
    // the collector's own transparency log audited.
    const dataDirs = positionals.filter((p) => dirs.has(p));
    const dirItems: { dir: string; first: number; last: number }[] = [];
    for (const d of dataDirs) {
      const first = v.itemsRead + 1;
      for await (const { line } of readDataDirLocated(d)) {
        v.push(line);
        done += line.length + 1;
        tick();
      }
      dirItems.push({ dir: d, first, last: v.itemsRead });
    }
    if (format === undefined || format === 'logseal' || format === 'ndjson') {
      for (const f of files) {
        starts.push({ file: f, first: v.itemsRead + 1 });
        for await (const chunk of createReadStream(f, { highWaterMark: 1 << 20 })) {
          v.push(chunk as Buffer);
          done += (chunk as Buffer).length;
          tick();
        }
        v.endOfInput();
      }
    } else {
      // Sink exports come in any order: decode every item, restore the stream order, then verify.
      const items = [];
      for (const f of files) {
        const text = readFileSync(f, 'utf8');
        const trimmed = text.trimStart();
        const docs: unknown[] = trimmed.startsWith('[') ? (JSON.parse(text) as unknown[]) : [];
        if (docs.length === 0) for await (const line of lines(createReadStream(f))) if (line.trim() !== '') docs.push(JSON.parse(line));
        for (const d of docs) items.push(decodeExport(format, d));
        done += text.length;
        tick();
      }
      for (const item of sortExport(items)) v.push(isSeal(item) ? item : item);
    }
    if (progress) io.stderr.write('\n');
    const report = v.end() as VerifyReport & { transparency?: TransparencyResult[] };
    // Findings in a data directory: a second pass finds their segment file and byte offset
    // (only when there are findings, so memory never grows with the data).
    const wanted = new Map<number, (typeof report.findings)[number] & { file?: string; offset?: number }>();
    for (const f of report.findings) if (f.line !== undefined && dirItems.some((d) => f.line! >= d.first && f.line! <= d.last)) wanted.set(f.line, f);
    for (const d of dirItems) {
      if (![...wanted.keys()].some((l) => l >= d.first && l <= d.last)) continue;
      let i = d.first;
      for await (const loc of readDataDirLocated(d.dir)) {
        const f = wanted.get(i++);
        if (f !== undefined) {
          f.file = loc.file;
          f.offset = loc.offset;
          delete f.line;
        }
      }
    }
    if (dataDirs.length > 0) {
      report.transparency = [];
      const cpKey = values['checkpoint-key'] === undefined ? undefined : readFileSync(values['checkpoint-key'] as string, 'utf8');
      for (const d of dataDirs) {
        const t = await transparency(d, cpKey, values.checkpoint as string[] | undefined);
        report.transparency.push(t);
        if (!t.ok) report.ok = false;
      }
    }
    if (starts.length > 1) {
      for (const f of report.findings as (typeof report.findings[number] & { file?: string })[]) {
        if (f.line === undefined) continue;
        const at = starts.findLast((x) => x.first <= f.line!);
        if (at !== undefined) {
          f.file = at.file;
          f.line = f.line - at.first + 1;
        }
      }
    }
    io.stdout.write(values.json === true ? JSON.stringify(report, null, 2) + "\n" : summary(report, [...dirs, ...files]));
    return report.ok ? 0 : 1;
  },
};
