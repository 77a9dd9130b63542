/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): the byte-exact text that record hashes and seal
 * signatures are computed over.
 *
 * RFC 8785 section 3.2 reduces JCS to ECMAScript's JSON.stringify plus two rules, which is what
 * this file implements directly:
 *   - object members sorted by key, comparing keys as arrays of UTF-16 code units (section 3.2.3);
 *     this is exactly the order of Array.prototype.sort() with no comparator, so `keys.sort()`.
 *   - numbers as ECMAScript Number-to-String (section 3.2.2.3), which is what `'' + n` produces,
 *     including `-0` -> "0" and exponent forms like "1e+30";
 *   - strings escaped as JSON.stringify does (section 3.2.2.2: \b \t \n \f \r \" \\, other
 *     controls as lowercase \u00xx, everything else literal).
 *
 * What is rejected, each with a coded LogSealError whose message never echoes the value (records
 * can hold secrets that the redactor has not seen yet):
 *   - NaN and +-Infinity (RFC 8785 section 3.2.2.3: I-JSON has no representation for them)
 *     -> LOGSEAL_ERR_CANON_NUMBER;
 *   - a lone UTF-16 surrogate in a string or a key (RFC 8785 section 3.2.2.2 requires valid Unicode;
 *     JSON.stringify would emit "\udxxx", which differs between implementations)
 *     -> LOGSEAL_ERR_CANON_STRING;
 *   - BigInt, functions, symbols anywhere, and `undefined` at the top level or as an array element
 *     (JSON.stringify would silently drop them or write null, so two different records could hash
 *     alike) -> LOGSEAL_ERR_CANON_TYPE;
 *   - a reference cycle -> LOGSEAL_ERR_CANON_CYCLE; a value shared twice without a cycle is fine;
 *   - nesting deeper than MAX_DEPTH containers -> LOGSEAL_ERR_CANON_DEPTH, so hostile input cannot
 *     exhaust the stack (the recursion depth is bounded by MAX_DEPTH).
 *
 * Two choices that follow JSON.stringify on purpose:
 *   - an object property whose value is `undefined` is omitted. Loggers routinely produce them
 *     (`{ err: undefined }`) and JSON.stringify already drops them, so rejecting them would break
 *     records that serialize fine everywhere else; the hashed form is the form that was shipped.
 *   - an object with a callable `toJSON` is replaced by `toJSON(key)`'s result, once, exactly as
 *     JSON.stringify does (ECMA-262 SerializeJSONProperty). JSON.parse output never has one, and the
 *     redactor normalises application objects before this runs; the rule keeps Date (and similar)
 *     values identical to what JSON.stringify ships. BigInt.prototype.toJSON is NOT consulted:
 *     BigInt must be normalised before canonicalization.
 *
 * Everything else that is an object (class instances, null-prototype objects, Map, boxed
 * primitives) is serialized by its own enumerable string keys, read with ordinary property access,
 * so `__proto__` created by JSON.parse as an own key is serialized like any other key. Boxed
 * primitives are not unwrapped (JSON.stringify unwraps them); the redactor never produces them.
 *
 * Speed (bench/canonicalize.mjs): one recursive function that appends to a string, sorted
 * Object.keys, `isWellFormed()` as the surrogate test (constant time for one-byte strings, which most
 * log text is), JSON.stringify only for the escaping, and a depth-indexed ancestor array for cycle
 * detection instead of a Set on the common shallow path.
 */
import { LogSealError } from '../errors.js';

/** Maximum container nesting (objects and arrays); 1000 levels of recursion fit any default stack. */
export const MAX_DEPTH = 1000;

/**
 * Up to this depth, cycles are found by scanning the ancestor array (a few comparisons for log
 * records). Deeper, a Set of the deep ancestors keeps the check O(1), so a hostile wide-and-deep
 * value costs linear, not quadratic, time.
 */
const SCAN_DEPTH = 32;

/** `String.prototype.isWellFormed` (ES2024; Node >= 20) without widening the global lib types. */
type WellFormed = string & { isWellFormed(): boolean };

/** Per-call state: the ancestors of the value being serialized, indexed by depth. */
interface Path {
  readonly stack: object[];
  deep: Set<object> | null;
}

/**
 * Returns the RFC 8785 canonical JSON text of `value`.
 * Throws LogSealError (LOGSEAL_ERR_CANON_*) for anything JCS cannot represent; see the file comment.
 */
export function canonicalize(value: unknown): string {
  const out = serialize(value, '', 0, { stack: [], deep: null });
  if (out === undefined) throw typeError();
  return out;
}

/**
 * Serializes one value at `depth` (the number of enclosing containers); `key` is the property name
 * or array index passed to toJSON. Returns undefined only for `undefined` (after toJSON), which the
 * object branch omits and every other caller rejects.
 */
function serialize(value: unknown, key: string | number, depth: number, path: Path): string | undefined {
  if (typeof value === 'object' && value !== null) {
    const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      value = toJSON.call(value, typeof key === 'number' ? String(key) : key);
    }
  }
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      // Finite iff x - x === 0 (NaN and +-Infinity give NaN). '' + x is ECMAScript
      // Number::toString, which RFC 8785 section 3.2.2.3 prescribes; it maps -0 to "0".
      if (value - value === 0) return '' + value;
      throw new LogSealError('LOGSEAL_ERR_CANON_NUMBER', 'canonical JSON: number is NaN or infinite');
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return container(value, depth, path);
    case 'undefined':
      return undefined;
    default:
      throw typeError();
  }
}

function container(value: object, depth: number, path: Path): string {
  enter(value, depth, path);
  const next = depth + 1;
  let out: string;
  if (Array.isArray(value)) {
    const n = value.length;
    if (n === 0) {
      out = '[]';
    } else {
      out = '[' + element(value[0], 0, next, path);
      for (let i = 1; i < n; i++) out += ',' + element(value[i], i, next, path);
      out += ']';
    }
  } else {
    const keys = Object.keys(value);
    // Section 3.2.3: sort by UTF-16 code units, which is the default sort order.
    if (keys.length > 1) keys.sort();
    const obj = value as Record<string, unknown>;
    out = '';
    let sep = '{';
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as string;
      const v = serialize(obj[k], k, next, path);
      if (v === undefined) continue; // omitted like JSON.stringify (see file comment)
      out += sep + quote(k) + ':' + v;
      sep = ',';
    }
    out = sep === '{' ? '{}' : out + '}';
  }
  if (depth >= SCAN_DEPTH) (path.deep as Set<object>).delete(value);
  return out;
}

function element(value: unknown, index: number, depth: number, path: Path): string {
  const out = serialize(value, index, depth, path);
  // JSON.stringify writes null for undefined (and holes); that would hash [undefined] like [null].
  if (out === undefined) throw typeError();
  return out;
}

/** Records `value` as the ancestor at `depth`, rejecting cycles and excessive nesting. */
function enter(value: object, depth: number, path: Path): void {
  const stack = path.stack;
  if (depth < SCAN_DEPTH) {
    for (let i = 0; i < depth; i++) if (stack[i] === value) throw cycleError();
    stack[depth] = value;
    return;
  }
  if (depth >= MAX_DEPTH) {
    // A cycle longer than the remaining depth only shows up here; name it for what it is.
    const seen = new Set<object>(stack);
    if (seen.size < depth || seen.has(value)) throw cycleError();
    throw new LogSealError('LOGSEAL_ERR_CANON_DEPTH', `canonical JSON: nesting deeper than ${MAX_DEPTH}`);
  }
  let deep = path.deep;
  if (deep === null) deep = path.deep = new Set<object>();
  // The deep set holds only ancestors at depth >= SCAN_DEPTH; a cycle that re-enters a shallower
  // ancestor repeats within the deep part one period later and is caught then.
  if (deep.has(value)) throw cycleError();
  deep.add(value);
  stack[depth] = value;
}

/** RFC 8785 section 3.2.2.2; JSON.stringify already escapes exactly as JCS requires. */
function quote(s: string): string {
  if (!(s as WellFormed).isWellFormed()) {
    throw new LogSealError('LOGSEAL_ERR_CANON_STRING', 'canonical JSON: string or key holds a lone surrogate');
  }
  return JSON.stringify(s);
}

function typeError(): LogSealError {
  return new LogSealError('LOGSEAL_ERR_CANON_TYPE', 'canonical JSON: value is not JSON data (bigint, function, symbol or undefined)');
}

function cycleError(): LogSealError {
  return new LogSealError('LOGSEAL_ERR_CANON_CYCLE', 'canonical JSON: value contains a reference cycle');
}
