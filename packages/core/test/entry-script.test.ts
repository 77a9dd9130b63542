import { describe, expect, it } from 'vitest';
import { basename } from 'node:path';
import { entryScriptName } from '../src/entry-script.js';

// The worker-thread path (/proc/self/cmdline) is exercised end to end by test/pino-exit.test.ts
// at the repository root: a pino app's first seal names the app's script, not thread-stream's worker.
describe('entryScriptName', () => {
  it('is the entry script without directory and extension on the main thread', () => {
    const want = process.argv[1] === undefined ? null : basename(process.argv[1]).replace(/\.[cm]?[jt]s$/, '');
    expect(entryScriptName()).toBe(want);
  });
});
