import { createRedactor } from '@logseal/core';
import { type Command } from './args.js';
import { lines, parseLine, writeLine } from './ndjson-io.js';

/** `logseal redact`: NDJSON in, redacted NDJSON out (clean a log file before sharing it). */
export const redact: Command = {
  name: 'redact',
  usage: 'redact [--preset P] < in.ndjson > out.ndjson',
  summary: 'Redact secrets and personal data from NDJSON log lines (non-JSON lines are redacted as text).',
  options: {
    preset: { type: 'string', description: 'secrets (default), pci, gdpr, hipaa, strict, off' },
    'hash-key': { type: 'string', description: 'key for presets that pseudonymise (>= 32 bytes; or LOGSEAL_HASH_KEY)' },
    summary: { type: 'boolean', description: 'print counts per rule class to stderr at the end' },
  },
  async run(values, _pos, io) {
    const hashKey = (values['hash-key'] as string | undefined) ?? io.env.LOGSEAL_HASH_KEY;
    const r = createRedactor({ preset: (values.preset as string | undefined) ?? io.env.LOGSEAL_PRESET ?? 'secrets', ...(hashKey !== undefined ? { hashKey } : {}) } as never);
    const counts: Record<string, number> = {};
    let n = 0;
    for await (const line of lines(io.stdin)) {
      if (line.length === 0) continue;
      n++;
      const p = parseLine(line);
      let out: string;
      let findings: readonly { class?: string }[];
      if (p.raw) {
        const t = r.redactText(line, n);
        out = t.text;
        findings = t.findings;
      } else {
        const res = r.redact(p.value, n);
        out = JSON.stringify(res.value);
        findings = res.findings;
      }
      for (const f of findings) counts[f.class ?? 'other'] = (counts[f.class ?? 'other'] ?? 0) + 1;
      await writeLine(io.stdout, out);
    }
    if (values.summary === true) io.stderr.write(`redacted ${n} lines: ${JSON.stringify(counts)}\n`);
    return 0;
  },
};
