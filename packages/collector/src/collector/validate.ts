/**
 * Option-checking helpers of the collector. They mirror core's invalidOption /
 * rejectUnknownOptions (packages/core/src/errors.ts, not part of core's public surface):
 * a caller bug throws LOGSEAL_ERR_INVALID_OPTION naming the option, before any I/O.
 */
import { LogSealError } from '@logseal/core';

/** Stream and key ids (docs/format.md section 1). */
export const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return v.length > 40 ? 'a string' : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return typeof v;
}

export function invalid(name: string, expected: string, got?: unknown): never {
  const shown = got === undefined ? '' : ` (got ${describe(got)})`;
  throw new LogSealError('LOGSEAL_ERR_INVALID_OPTION', `option "${name}" must be ${expected}${shown}`);
}

/** A typo in an option name must not silently fall back to a default. */
export function rejectUnknown(scope: string, given: object, known: readonly string[]): void {
  for (const k of Object.keys(given)) {
    if (!known.includes(k)) throw new LogSealError('LOGSEAL_ERR_INVALID_OPTION', `unknown option "${scope}.${k}"`);
  }
}

/** A plain object (or undefined), checked for unknown keys. */
export function optObject<T extends object>(name: string, v: unknown, known: readonly string[]): T | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) invalid(name, 'an object', v);
  rejectUnknown(name, v, known);
  return v as T;
}

export function int(name: string, v: unknown, dflt: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    invalid(name, max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`, v);
  }
  return v;
}

export function num(name: string, v: unknown, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) invalid(name, `a number >= ${min}`, v);
  return v;
}

export function str(name: string, v: unknown, dflt?: string): string | undefined {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || v.length === 0 || v.includes('\0')) invalid(name, 'a non-empty string', v);
  return v;
}

export function bool(name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') invalid(name, 'a boolean', v);
  return v;
}

export function fn<T extends (...a: never[]) => unknown>(name: string, v: unknown, dflt: T): T {
  if (v === undefined) return dflt;
  if (typeof v !== 'function') invalid(name, 'a function', v);
  return v as T;
}

/** PEM text or bytes (TLS material). */
export function pem(name: string, v: unknown): string | Buffer {
  if ((typeof v === 'string' && v.length > 0) || (Buffer.isBuffer(v) && v.length > 0)) return v;
  return invalid(name, 'a PEM string or Buffer');
}
