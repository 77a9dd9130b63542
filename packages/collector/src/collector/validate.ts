/**
 * Option-checking helpers of the collector, on core's invalidOption / rejectUnknownOptions:
 * a caller bug throws LOGSEAL_ERR_INVALID_OPTION naming the option, before any I/O.
 */
import { invalidOption as invalid, rejectUnknownOptions as rejectUnknown } from '@logseal/core';

export { invalid, rejectUnknown };

/** Stream and key ids (docs/format.md section 1). */
export const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

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
