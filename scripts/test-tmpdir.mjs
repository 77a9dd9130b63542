/**
 * vitest globalSetup of every package and of the end-to-end tests: each test run gets a
 * temporary directory of its own, removed when the run ends. Tests, the child processes they
 * spawn and the pino/winston worker threads create their files (spools, state, dead letters,
 * collector data) under os.tmpdir(), which reads TMPDIR at each call, so pointing TMPDIR here
 * before the test workers start leaves nothing behind in the machine's /tmp.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The collector closes segments 0444 (append-only store): make a tree writable so it can go. */
function writable(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    try {
      const st = statSync(p);
      if (st.isDirectory()) {
        chmodSync(p, 0o700);
        writable(p);
      }
    } catch {
      // vanished or unreadable: rmSync reports what truly cannot be removed
    }
  }
}

export default function setup() {
  const previous = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), 'logseal-test-run-'));
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    try {
      writable(dir);
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch (err) {
      process.stderr.write(`test-tmpdir: could not remove ${dir}: ${err.message}\n`);
    }
  };
}
