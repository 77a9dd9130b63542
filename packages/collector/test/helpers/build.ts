/**
 * Child processes import the package's dist/, as an application would. turbo builds it
 * before the tests; when it is missing or older than a source file (a run right after an
 * edit), it is built here so a child never runs stale code.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export const PACKAGE = new URL('../..', import.meta.url).pathname;

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

export function ensureBuilt(): void {
  const marker = join(PACKAGE, 'dist', 'collector', 'collector.js');
  const built = existsSync(marker) ? statSync(marker).mtimeMs : 0;
  if (built > newestSource(join(PACKAGE, 'src', 'collector')) && built > statSync(join(PACKAGE, 'src', 'index.ts')).mtimeMs) return;
  try {
    execFileSync(process.execPath, [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: PACKAGE, stdio: 'pipe' });
  } catch {
    // tsc emits even when another file of the package (the CLI) has a type error; the marker says whether ours was built.
  }
  if (!existsSync(marker) || statSync(marker).mtimeMs <= built) throw new Error('could not build the collector (dist/collector/collector.js)');
}
