// `npm run bench`: every benchmark, one after another in its own process (so none disturbs the
// next), printing each one's own figures and ratios. docs/benchmarks.md records a run.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';

const SCRIPTS = ['canonicalize', 'sha256', 'merkle', 'integrity', 'redact', 'pipeline', 'pino-transport', 'winston-transport', 'collector-ingest', 'verify-datadir'];
const only = process.argv.slice(2);
console.log(`# LogSeal benchmarks: ${new Date().toISOString()}, Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`);
let failed = 0;
for (const name of SCRIPTS) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n## bench/${name}.mjs`);
  const r = spawnSync(process.execPath, [new URL(`./${name}.mjs`, import.meta.url).pathname], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`(bench/${name}.mjs exited with ${r.status})`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
