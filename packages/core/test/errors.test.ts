import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ERROR_CODES, LogSealError } from '../src/errors.js';
import { canonicalize } from '../src/integrity/canonical-json.js';
import { loadSigningKey } from '../src/integrity/keys.js';
import { StreamSealer } from '../src/integrity/stream-sealer.js';
import { FileStateStore, validateState } from '../src/integrity/chain-state.js';
import { verify } from '../src/integrity/verifier.js';

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

describe('error codes', () => {
  it('every code is a LogSealError with that code and name, and is documented', () => {
    for (const code of Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[]) {
      const err = new LogSealError(code, 'x', { cause: 1 });
      expect(err).toBeInstanceOf(Error);
      expect(err.name).toBe('LogSealError');
      expect(err.code).toBe(code);
      expect(err.cause).toBe(1);
      expect(code).toMatch(/^LOGSEAL_ERR_[A-Z0-9_]+$/);
      expect(doc, `${code} missing from docs/errors.md`).toContain('`' + code + '`');
    }
  });

  it('docs/errors.md lists no code that does not exist', () => {
    const documented = [...doc.matchAll(/`(LOGSEAL_ERR_[A-Z0-9_]+)`/g)].map((m) => m[1]);
    for (const code of documented) expect(Object.keys(ERROR_CODES)).toContain(code);
  });

  // Table-driven: a real trigger for each integrity code pins code and name together.
  const triggers: [keyof typeof ERROR_CODES, () => unknown][] = [
    ['LOGSEAL_ERR_CANON_NUMBER', () => canonicalize({ a: Infinity })],
    ['LOGSEAL_ERR_CANON_STRING', () => canonicalize('\ud800')],
    ['LOGSEAL_ERR_CANON_TYPE', () => canonicalize(10n)],
    ['LOGSEAL_ERR_CANON_CYCLE', () => { const a: Record<string, unknown> = {}; a.a = a; return canonicalize(a); }],
    ['LOGSEAL_ERR_CANON_DEPTH', () => { let v: unknown = 1; for (let i = 0; i < 5000; i++) v = [v]; return canonicalize(v); }],
    ['LOGSEAL_ERR_KEY_FORMAT', () => loadSigningKey('nope')],
    ['LOGSEAL_ERR_KEY_MISSING', () => new StreamSealer({})],
    ['LOGSEAL_ERR_INVALID_OPTION', () => new StreamSealer({ nope: 1 } as never)],
    ['LOGSEAL_ERR_STATE_INVALID', () => validateState({ v: 2 })],
    ['LOGSEAL_ERR_STATE_IO', () => new FileStateStore('/proc/definitely/not/here.json').save(validateState({ v: 1, sid: 's', nextSeq: 0, head: '0'.repeat(64), batch: 0, prevSeal: '0'.repeat(64), epoch: 0, kid: 'k', final: false }))],
    ['LOGSEAL_ERR_STREAM_FINAL', () => { const s = new StreamSealer({ macKey: new Uint8Array(32) }); s.seal({ final: true }); return s.append({}); }],
  ];
  for (const [code, fn] of triggers) {
    it(`${code} is thrown by its trigger`, () => {
      expect(fn).toThrow(expect.objectContaining({ name: 'LogSealError', code }));
    });
  }
  it('LOGSEAL_ERR_VERIFY_INPUT is thrown by verify() on a non-iterable', async () => {
    await expect(verify(5 as never)).rejects.toMatchObject({ name: 'LogSealError', code: 'LOGSEAL_ERR_VERIFY_INPUT' });
  });
});
