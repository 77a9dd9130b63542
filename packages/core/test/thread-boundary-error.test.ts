import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { LogSealError } from '../src/errors.js';
import { errorForThreadBoundary } from '../src/thread-boundary-error.js';

describe('errorForThreadBoundary', () => {
  it('puts the code at the front of the message, keeps code and cause, and is idempotent', () => {
    const cause = new Error('root');
    const e = errorForThreadBoundary(new LogSealError('LOGSEAL_ERR_INVALID_OPTION', 'option "x" must be y', { cause }));
    expect(e).toBeInstanceOf(LogSealError);
    expect(e).toMatchObject({ code: 'LOGSEAL_ERR_INVALID_OPTION', message: 'LOGSEAL_ERR_INVALID_OPTION: option "x" must be y', cause });
    expect(errorForThreadBoundary(e)).toBe(e);
    const plain = new TypeError('t');
    expect(errorForThreadBoundary(plain)).toBe(plain);
    expect(errorForThreadBoundary('s')).toMatchObject({ message: 's' });
  });

  it('the code survives postMessage (structured clone drops the `code` property itself)', async () => {
    const w = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const e = new Error('LOGSEAL_ERR_KEY_MISSING: set option "signingKey"'); e.code = 'LOGSEAL_ERR_KEY_MISSING';
       parentPort.postMessage(e);`,
      { eval: true },
    );
    const [got] = (await once(w, 'message')) as [Error & { code?: string }];
    await w.terminate();
    expect(got.code).toBeUndefined();
    expect(got.message).toContain('LOGSEAL_ERR_KEY_MISSING');
  });
});
