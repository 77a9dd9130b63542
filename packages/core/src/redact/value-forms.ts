/**
 * How the walker turns the values a logger can hand over, but JSON cannot hold, into
 * plain data (issue 3 item 8). The walker scans and redacts whatever these produce; the
 * choices, with the reason for each (docs/redaction.md has the same table):
 *
 *   undefined, functions   dropped from objects, null in arrays (as JSON.stringify does)
 *   NaN, Infinity          the strings "NaN", "Infinity", "-Infinity" (JCS has no text for them)
 *   -0                     0
 *   BigInt                 decimal string
 *   lone surrogates        U+FFFD, in values and keys (RFC 8785 section 3.2.2.2 needs
 *                          well-formed Unicode; a cut long string could split a pair)
 *   symbol values          String(sym), scanned; symbol KEYS are dropped
 *   Date                   ISO 8601 string (invalid date: null)
 *   Buffer, Uint8Array,    { type, byteLength, utf8 }: the first 1 KiB decoded as UTF-8,
 *   ArrayBuffer, DataView  scanned (never passed on as raw bytes, which no rule could read)
 *   other typed arrays     { type, length, values }: the first 64 elements
 *   Map                    object when every key is a string, else [[key, value], ...]
 *   Set                    array
 *   Error                  { type, message, stack, code?, cause?, errors?, ...own props }
 *   objects with toJSON    the toJSON() result (URL, Decimal, ...), as JSON.stringify does
 *   boxed primitives       their primitive value
 *   a getter that throws   "[Throws]"
 *   a reference cycle      "[Circular]"
 *   deeper than maxDepth   "[MaxDepth]"
 */

import { Buffer } from 'node:buffer';
import { types } from 'node:util';

/** Bytes of a Buffer/ArrayBuffer shown (decoded and scanned). */
export const BINARY_PREVIEW_BYTES = 1024;
/** Elements of a non-byte typed array shown. */
export const TYPED_ARRAY_PREVIEW = 64;

export const MARKER_CIRCULAR = '[Circular]';
export const MARKER_DEPTH = '[MaxDepth]';
export const MARKER_THROWS = '[Throws]';

/** Stands for a value whose read threw (a getter, a Proxy trap); the walker writes MARKER_THROWS. */
export const THROWS: unique symbol = Symbol('throws');

function read(f: () => unknown): unknown {
  try {
    return f();
  } catch {
    return THROWS;
  }
}

/**
 * The properties of an Error, in pino-std-serializers' `err` shape: `type` (the
 * constructor's name), `message`, `stack`, then `code`, `cause` (ES2022) and `errors`
 * (AggregateError) when present, then every other own enumerable property (axios puts
 * `config.headers.authorization` there: key rules must see it). Reads that throw give THROWS.
 */
export function errorEntries(e: Error): [string, unknown][] {
  const out: [string, unknown][] = [
    ['type', read(() => (typeof e.constructor === 'function' && e.constructor.name ? e.constructor.name : e.name))],
    ['message', read(() => e.message)],
    ['stack', read(() => e.stack)],
  ];
  const code = read(() => (e as { code?: unknown }).code);
  if (code !== undefined) out.push(['code', code]);
  if (read(() => 'cause' in e) === true) out.push(['cause', read(() => e.cause)]);
  const errors = read(() => (e as { errors?: unknown }).errors);
  if (Array.isArray(errors)) out.push(['errors', errors]);
  const done = new Set(out.map(([k]) => k));
  let keys: string[] = [];
  try {
    keys = Object.keys(e);
  } catch {
    /* a Proxy'd error: keep what we have */
  }
  for (const k of keys) {
    if (!done.has(k)) out.push([k, read(() => (e as unknown as Record<string, unknown>)[k])]);
  }
  return out;
}

/** Bytes (shown as scanned UTF-8 text) or a typed array of numbers (shown as a prefix). */
export type BinaryForm =
  | { readonly kind: 'bytes'; readonly type: string; readonly bytes: Buffer }
  | { readonly kind: 'typed'; readonly type: string; readonly values: ArrayLike<number | bigint> };

/** The binary form of `v`, or null when `v` is not binary data. Never copies the bytes. */
export function binaryForm(v: object): BinaryForm | null {
  if (ArrayBuffer.isView(v)) {
    if (v instanceof Uint8Array || v instanceof Uint8ClampedArray || v instanceof DataView) {
      const type = Buffer.isBuffer(v) ? 'Buffer' : v.constructor.name;
      return { kind: 'bytes', type, bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength) };
    }
    return { kind: 'typed', type: v.constructor.name, values: v as unknown as ArrayLike<number | bigint> };
  }
  if (v instanceof ArrayBuffer) return { kind: 'bytes', type: 'ArrayBuffer', bytes: Buffer.from(v) };
  if (types.isSharedArrayBuffer(v)) return { kind: 'bytes', type: 'SharedArrayBuffer', bytes: Buffer.from(v) };
  return null;
}

export function isContainer(v: unknown): boolean {
  return typeof v === 'object' && v !== null;
}

const hasWellFormed = typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function';

/** Replaces lone surrogates with U+FFFD (ES2024 String.prototype.toWellFormed, native on Node 20). */
export function wellFormed(s: string): string {
  if (hasWellFormed) {
    const ws = s as string & { isWellFormed(): boolean; toWellFormed(): string };
    return ws.isWellFormed() ? s : ws.toWellFormed();
  }
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}
