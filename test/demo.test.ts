import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';

// The README's main command runs in CI (issue 6): the demo must pass on every commit.
describe('npm start (examples/demo.mjs)', () => {
  it('stores only redacted data, verifies it, and catches a tampered line with its location', () => {
    const root = new URL('..', import.meta.url).pathname;
    const r = spawnSync(process.execPath, ['examples/demo.mjs'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Planted secrets found in storage: none');
    expect(r.stdout).toContain('VERIFIED: complete and untouched.');
    expect(r.stdout).toMatch(/ERROR RECORD_MODIFIED \(stream [^,]+, seq \d+, .*seg-\d+\.ndjson at byte \d+\)/);
    expect(r.stdout).toContain('Demo passed');
  });
});
