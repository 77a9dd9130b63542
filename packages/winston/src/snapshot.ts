/**
 * Thread mode: the one thing the application's thread does per record is take a snapshot of
 * it as JSON text, synchronously inside log(). Synchronously, because winston calls log()
 * inside logger.info() and the application may change its objects right after; the worker
 * must see the record as it was when it was logged, as the in-process pipeline does.
 *
 * The text must mean to the worker's redactor exactly what the object means to the
 * in-process one (@logseal/core's walker). JSON.stringify is the fastest serialiser here, but
 * it is faithful only for plain data: it turns an Error into `{}` (losing message, stack,
 * cause), a Map into `{}`, NaN into null, throws on BigInt and cycles, and structured clone
 * (postMessage) would instead lose toJSON() and an Error's own properties. So:
 *
 *   - plain trees (objects with Object.prototype or a null prototype, arrays, strings, finite
 *     numbers, booleans, null, undefined): JSON.stringify, whose output the walker reads the
 *     same way (undefined dropped from objects, null in arrays, as the walker does);
 *   - anything else (Error, Date, Buffer, Map, Set, class instances, toJSON, BigInt,
 *     symbols, NaN, cycles, getters that throw): first normalised by @logseal/core's own
 *     walker with no rules (the `off` preset, minus its warning) and no string cut, so the
 *     result is exactly the plain data the walker would have built from the object; the
 *     worker's walker then redacts that. Strings are NOT cut here: a secret straddling the
 *     cut must still be whole when the worker's scanner sees it.
 *
 * The plain-tree check costs about a fifth of the JSON.stringify it guards (bench/winston-transport.mjs).
 */
import { createRedactor, getPreset, type Preset, type Redactor } from '@logseal/core';

/** Deeper plain trees go through the normaliser (which also catches cycles). */
const PLAIN_DEPTH = 100;

function plainTree(v: object, depth: number): boolean {
  if (depth > PLAIN_DEPTH) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!plainValue(v[i], depth)) return false;
    return true;
  }
  for (const k in v) if (!plainValue((v as Record<string, unknown>)[k], depth)) return false;
  return true;
}

function plainValue(x: unknown, depth: number): boolean {
  switch (typeof x) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return true;
    case 'number':
      return x - x === 0; // finite (NaN and ±Infinity are not)
    case 'object': {
      if (x === null) return true;
      const p: unknown = Object.getPrototypeOf(x);
      if (p !== Object.prototype && p !== null && p !== Array.prototype) return false;
      if (p !== Array.prototype && typeof (x as { toJSON?: unknown }).toJSON === 'function') return false;
      return plainTree(x, depth + 1);
    }
    default:
      return false; // bigint, symbol, function
  }
}

export class Snapshotter {
  #normaliser: Redactor | undefined;

  /** JSON text of `record`, meaning to the worker's walker what `record` means to an in-process one. */
  text(record: object): string {
    try {
      const proto: unknown = Object.getPrototypeOf(record);
      if ((proto === Object.prototype || proto === null) && plainTree(record, 0)) return JSON.stringify(record);
    } catch {
      // A getter or a Proxy trap threw (or a value changed between the check and the copy): the
      // walker turns what throws into its "[Throws]" marker, as the in-process pipeline would.
    }
    return JSON.stringify(this.#normalise().redact(record).value) ?? 'null';
  }

  #normalise(): Redactor {
    if (this.#normaliser === undefined) {
      // The `off` preset normalises to plain JSON data and redacts nothing; its start-up warning
      // is for a pipeline that ships unredacted, which this is not (the worker redacts).
      const { warning: _warning, ...off } = getPreset('off');
      this.#normaliser = createRedactor({ preset: off as Preset, maxStringLength: 2 ** 30, maxDepth: 1000 });
    }
    return this.#normaliser;
  }
}
