/**
 * The one error module of @logseal/core. Every error thrown by the package is a
 * LogSealError with a stable `code`; callers match on `code`, never on `message`.
 * docs/errors.md lists every code and test/errors.test.ts keeps the two in sync.
 */

/** Every code this package throws, with a one-line meaning (also the docs table). */
export const ERROR_CODES = {
  // options (caller bugs, thrown at construction)
  LOGSEAL_ERR_INVALID_OPTION: 'An option has the wrong type, range or is unknown; the message names it.',
  // canonical JSON (RFC 8785)
  LOGSEAL_ERR_CANON_NUMBER: 'A number that JSON cannot represent (NaN, Infinity, -Infinity).',
  LOGSEAL_ERR_CANON_STRING: 'A string or object key holds a lone UTF-16 surrogate.',
  LOGSEAL_ERR_CANON_TYPE: 'A value JSON cannot represent (BigInt before normalisation, function, symbol, undefined at the top).',
  LOGSEAL_ERR_CANON_CYCLE: 'The value contains a reference cycle.',
  LOGSEAL_ERR_CANON_DEPTH: 'The value is nested deeper than the canonicaliser allows.',
  // keys and seals
  LOGSEAL_ERR_KEY_FORMAT: 'Key material cannot be parsed (PEM, JWK or raw 32 bytes expected).',
  LOGSEAL_ERR_KEY_MISSING: 'Sealing needs a signing key, a MAC key or both; none was given.',
  LOGSEAL_ERR_STATE_INVALID: 'A saved chain state is malformed or belongs to another stream.',
  LOGSEAL_ERR_STATE_IO: 'The chain state could not be written or read atomically.',
  LOGSEAL_ERR_STREAM_FINAL: 'The stream was sealed final; nothing more can be appended.',
  // delivery
  LOGSEAL_ERR_SPOOL_LOCKED: 'Another live process holds the spool directory.',
  LOGSEAL_ERR_SPOOL_IO: 'The disk spool could not be read or written.',
  LOGSEAL_ERR_PIPELINE_CLOSED: 'write() after close(): the stream was sealed final.',
  // verification input
  LOGSEAL_ERR_VERIFY_INPUT: 'The verifier source is not an iterable of records, seals or NDJSON lines.',
  // redaction
  LOGSEAL_ERR_POLICY: 'A redaction policy is invalid (unknown preset, rule id, class or action).',
  LOGSEAL_ERR_HASH_KEY: 'The hash action needs a key of at least 32 bytes.',
  LOGSEAL_ERR_PATH_SYNTAX: 'A redaction path does not follow the pino path syntax (plus **).',
  LOGSEAL_ERR_DEAD_LETTER: 'The dead-letter file could not be written, or reading it back found a malformed entry.',
  LOGSEAL_ERR_ENCODE_LIMIT: 'An item exceeds a sink format limit (e.g. Datadog 1 MB per log); it is never truncated or dropped silently.',
  LOGSEAL_ERR_EXPORT_FORMAT: 'An exported item is not what the named sink format writes (no LogSeal record or seal in it).',
  // collector (@logseal/collector)
  LOGSEAL_ERR_COLLECTOR_LOCKED: 'Another live collector process holds the data directory.',
  LOGSEAL_ERR_COLLECTOR_STORAGE: 'The collector data directory is inconsistent (acknowledged data missing) or a storage operation failed.',
  LOGSEAL_ERR_COLLECTOR_LISTEN: 'The collector could not start listening (address in use, no permission) or was started twice.',
  LOGSEAL_ERR_CHECKPOINT: 'A transparency-log checkpoint or proof does not parse, or its signature does not verify.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class LogSealError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LogSealError';
    this.code = code;
  }
}

/** Throws LOGSEAL_ERR_INVALID_OPTION naming the option; used by every option validator. */
export function invalidOption(name: string, expected: string, got?: unknown): never {
  const shown = got === undefined ? '' : ` (got ${describe(got)})`;
  throw new LogSealError('LOGSEAL_ERR_INVALID_OPTION', `option "${name}" must be ${expected}${shown}`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return v.length > 40 ? 'a string' : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return typeof v;
}

/** Rejects option names the caller did not mean (a typo must not silently fall back to a default). */
export function rejectUnknownOptions(scope: string, given: object, known: readonly string[]): void {
  for (const k of Object.keys(given)) {
    if (!known.includes(k)) {
      throw new LogSealError('LOGSEAL_ERR_INVALID_OPTION', `unknown option "${scope}.${k}"`);
    }
  }
}
