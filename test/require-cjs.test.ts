import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';

// engines.node >= 20.19 means require(esm) is available without a flag: a CommonJS
// app must be able to require('@logseal/core') (DESIGN convention 10).
describe('CommonJS interop', () => {
  it("require('@logseal/core') works from a .cjs file", () => {
    const out = execFileSync(
      process.execPath,
      ['-e', "const c = require('@logseal/core'); console.log(typeof c.LogSealError, typeof c.canonicalize)"],
      { encoding: 'utf8', cwd: new URL('..', import.meta.url).pathname },
    );
    expect(out.trim()).toBe('function function');
  });
});
