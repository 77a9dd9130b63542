/**
 * The value walker (issue 3 item 8): copies whatever a logger hands over into plain JSON
 * data, redacting on the way: allow and keep paths, the scan of every key and string,
 * path rules, key-name rules, numbers through the card rules. It NEVER mutates its input
 * (winston hands the same object to every transport) and its output is ready for RFC 8785
 * canonicalisation. value-forms.ts turns the exotic values (Error, Buffer, Map, ...) into
 * data; docs/redaction.md has the whole table.
 *
 * Output objects get `__proto__` through defineProperty, so a hostile key never changes a
 * prototype (prototype pollution); `constructor` and friends are plain own keys.
 */

import { types } from 'node:util';
import { sortKeys } from '../integrity/canonical-json.js';
import type { Scanner, ScanMatch } from './scanner.js';
import { rewriteSpans, type Action, type ActionApplier, type RuleMeta } from './actions.js';
import type { KeyMatcher } from './key-matcher.js';
import { classesRuledOut, keyRuleFor, type ValueExempt } from './key-exemptions.js';
import { formatPath, type PathState } from './path-matcher.js';
import {
  BINARY_PREVIEW_BYTES,
  binaryForm,
  errorEntries,
  isContainer,
  MARKER_CIRCULAR,
  MARKER_DEPTH,
  MARKER_THROWS,
  THROWS,
  TYPED_ARRAY_PREVIEW,
  wellFormed,
  type BinaryForm,
} from './value-forms.js';
import type { ResolvedKey, ResolvedPath } from './policy.js';
import type { PolicyClass } from './presets.js';

/** What a finding reports: never the value, never an unredacted key. */
export interface Finding {
  /** Catalogue or custom rule id, `key:<name>` for a key rule, `path` for a path rule. */
  readonly rule: string;
  readonly class: PolicyClass;
  readonly action: Action;
  /** JSON path of the value, e.g. `$.req.headers["x-api-key"]`, with keys as redacted. */
  readonly path: string;
  /** `key` when the secret was the property NAME itself. */
  readonly in: 'value' | 'key';
  /** The record position the caller passed to redact() (e.g. the chain sequence number). */
  readonly position?: number | string;
}

export interface WalkerPlan {
  readonly scanner: Scanner | null;
  readonly scanRules: readonly RuleMeta[];
  /** Rules run on integers and BigInts (the card class): a PAN logged as a number. */
  readonly numberScanner: Scanner | null;
  readonly numberRules: readonly RuleMeta[];
  readonly keys: KeyMatcher<ResolvedKey> | null;
  readonly paths: PathState | null;
  readonly pathEntries: readonly ResolvedPath[];
  /** Strict: only `keep` paths survive. */
  readonly strict: boolean;
  readonly applier: ActionApplier;
  readonly maxStringLength: number;
  readonly maxDepth: number;
}

export interface WalkResult {
  readonly value: unknown;
  readonly findings: readonly Finding[];
  /** Properties dropped because strict mode does not keep them. */
  readonly dropped: number;
  /**
   * Sorted walks only: true when JSON.stringify(value) IS the RFC 8785 form (every object's
   * keys were written in JCS order and none is an array index, which JavaScript objects
   * enumerate first whatever the insertion order).
   */
  readonly jcsOrder: boolean;
}

/** Scanned past maxStringLength so a secret straddling the cut (a PEM key is ~3.3 KB) is still found whole. */
export const SCAN_MARGIN = 8192;

const SKIP = Symbol('skip'); // JSON's "undefined": dropped from objects, null in arrays
const REMOVE = Symbol('remove'); // the remove action: dropped from objects and arrays
const NOT_AN_ENTRY = Symbol('not-an-entry'); // entry(): walk the element as any other
type Out = unknown;

interface KeyScan {
  readonly out: string;
  readonly hits: readonly RuleMeta[] | null;
  readonly remove: boolean;
}

/** Everything the walker needs to know about one property name; cached per name. */
interface KeyInfo {
  /** The name's scan result, or null when nothing was found in it. */
  readonly scan: KeyScan | null;
  /** The key-name rule that matches it, if any. */
  readonly rule: ResolvedKey | undefined;
  /** Values the rule leaves to the value scan (key-exemptions.ts), if any. */
  readonly exempt: ValueExempt | undefined;
  /** Value rule classes the name rules out for everything under it (key-exemptions.ts), or null. */
  readonly ruledOut: ReadonlySet<PolicyClass> | null;
}
/**
 * Members that name a sibling's value: `{ name, value }` (Kubernetes env, ECS environment),
 * `{ key, value }` (OpenTelemetry attributes), `{ Key, Value }` (AWS tags, CloudFormation).
 */
const PAIR_NAMES = ['name', 'key', 'Name', 'Key'];
const PAIR_VALUES = ['value', 'Value'];
/** Pair objects are small; larger objects are records whose `name` is just a field. */
const PAIR_MAX_KEYS = 4;
/** Longest name of a name/value pair or entry (header and variable names are short). */
const TUPLE_NAME_MAX = 64;

/** Every element is a [string, value] pair (at most the first 64 looked at: entry lists are uniform). */
function isEntryList(a: readonly unknown[]): boolean {
  try {
    const n = Math.min(a.length, 64);
    for (let i = 0; i < n; i++) {
      const e = a[i];
      if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string') return false;
    }
    return true;
  } catch {
    return false; // a throwing getter or Proxy trap: walk the elements one by one, as ever
  }
}
const KEY_CACHE_LIMIT = 4096;
const KEY_CACHE_MAX_LENGTH = 256;
const NUMBER_SCAN_MIN = 1e11; // PANs have at least 12 digits (ISO/IEC 7812-1)

/** A canonical array index ("0", "17", not "017" or "4294967295"): JavaScript enumerates such keys first. */
function isArrayIndex(k: string): boolean {
  const c = k.charCodeAt(0);
  if (c < 0x30 || c > 0x39) return false;
  if (k.length === 1) return true;
  if (c === 0x30 || k.length > 10) return false;
  for (let i = 1; i < k.length; i++) {
    const d = k.charCodeAt(i);
    if (d < 0x30 || d > 0x39) return false;
  }
  return Number(k) < 4294967295;
}

export class Walker {
  private findings: Finding[] | null = null;
  private dropped = 0;
  private position: number | string | undefined;
  private readonly stack: object[] = [];
  private readonly path: (string | number)[] = [];
  private busy = false;
  /** This walk writes object keys in RFC 8785 order (walk()'s `sorted`). */
  private sorted = false;
  /** Sorted walk: an output key is an array index, so JSON.stringify's order is not JCS order. */
  private indexKey = false;
  /** Output keys that differ from their input keys (rewritten by a key scan, or de-duplicated): such an object is re-sorted. */
  private renamed = 0;
  /** Value rule classes ruled out by the name of a property being walked (classesRuledOut), or null. */
  private ruledOut: ReadonlySet<PolicyClass> | null = null;
  private readonly keyCache = new Map<string, KeyInfo>();

  /** False when no scanner and no key rule exist (paths only): property names need no look-up. */
  private readonly keyWork: boolean;

  constructor(private readonly plan: WalkerPlan) {
    this.keyWork = plan.scanner !== null || plan.keys !== null;
  }

  /**
   * Copies `input` into plain JSON data, redacting on the way. With `sorted`, every output
   * object's keys are in RFC 8785 order, so that (when the result says `jcsOrder`) the
   * native JSON.stringify writes the canonical form: one walk instead of a copy plus a
   * canonicalisation walk (the pipeline's hot path).
   */
  walk(input: unknown, position?: number | string, sorted = false): WalkResult {
    if (this.busy) return new Walker(this.plan).walk(input, position, sorted); // re-entered from a getter or toJSON
    this.busy = true;
    this.findings = null;
    this.dropped = 0;
    this.position = position;
    this.ruledOut = null;
    this.sorted = sorted;
    this.indexKey = false;
    this.renamed = 0;
    // push/pop keep both balanced; only an exception thrown through walk() leaves residue.
    if (this.stack.length !== 0) this.stack.length = 0;
    if (this.path.length !== 0) this.path.length = 0;
    try {
      let value = this.value(input, 0, this.plan.paths, false, this.plan.strict, false);
      if (value === SKIP || value === REMOVE || value === THROWS) value = null;
      return { value, findings: this.findings ?? [], dropped: this.dropped, jcsOrder: sorted && !this.indexKey };
    } finally {
      this.busy = false;
      this.findings = null;
    }
  }

  /** Scans free text (no path rules, no key rules); the finding path is `$`. */
  text(s: string, position?: number | string): { text: string; findings: readonly Finding[] } {
    if (this.busy) return new Walker(this.plan).text(s, position);
    this.busy = true;
    this.findings = null;
    this.position = position;
    this.ruledOut = null;
    if (this.path.length !== 0) this.path.length = 0;
    try {
      const out = this.string(s);
      return { text: out, findings: this.findings ?? [] };
    } finally {
      this.busy = false;
      this.findings = null;
    }
  }

  // ---- values -------------------------------------------------------------------------

  private value(v: unknown, depth: number, st: PathState | null, allow: boolean, filter: boolean, noToJSON: boolean): Out {
    switch (typeof v) {
      case 'string':
        return allow ? wellFormed(v) : this.string(v);
      case 'number':
        return this.number(v, allow);
      case 'boolean':
        return v;
      case 'bigint':
        return this.numeric(v.toString(), allow);
      case 'symbol':
        return allow ? wellFormed(String(v)) : this.string(String(v));
      case 'undefined':
      case 'function':
        return SKIP;
      default:
        if (v === null) return null;
        return this.object(v as object, depth, st, allow, filter, noToJSON);
    }
  }

  private number(v: number, allow: boolean): Out {
    if (!Number.isFinite(v)) return String(v);
    if (v === 0) return 0; // folds -0
    if (Number.isInteger(v)) {
      if (!Number.isSafeInteger(v)) return v; // past 2^53 a PAN is already mangled
      if (!allow && this.plan.numberScanner !== null && (v >= NUMBER_SCAN_MIN || v <= -NUMBER_SCAN_MIN) && !this.ruledOut?.has('card')) {
        const s = String(v);
        const out = this.rewrite(s, this.plan.numberScanner, this.plan.numberRules, 'value');
        if (out !== null) return out;
      }
    }
    return v;
  }

  /** A BigInt's decimal text, scanned by the card rules. */
  private numeric(s: string, allow: boolean): Out {
    if (allow || this.plan.numberScanner === null || this.ruledOut?.has('card')) return s;
    return this.rewrite(s, this.plan.numberScanner, this.plan.numberRules, 'value') ?? s;
  }

  /** Scans a string value with the policy's rules; cuts it past maxStringLength. */
  private string(s: string): string {
    const sc = this.plan.scanner;
    if (s.length > this.plan.maxStringLength) return wellFormed(this.cut(s, sc));
    if (sc === null || s.length < sc.minLength) return wellFormed(s);
    return wellFormed(this.rewrite(s, sc, this.plan.scanRules, 'value') ?? s);
  }

  private cut(s: string, sc: Scanner | null): string {
    const cap = this.plan.maxStringLength;
    const window = s.slice(0, cap + SCAN_MARGIN);
    const matches = sc === null ? null : sc.scan(window, this.skipFor(this.plan.scanRules, 'value'));
    return this.apply(window, matches, this.plan.scanRules, 'value', cap) + `[TRUNCATED:${s.length}]`;
  }

  /** Rules of a class the current property's name rules out (classesRuledOut), for Scanner.scan; undefined when none. */
  private skipFor(metas: readonly RuleMeta[], where: 'value' | 'key'): ((rule: number) => boolean) | undefined {
    const out = this.ruledOut;
    return out === null || where !== 'value' ? undefined : (rule) => out.has(metas[rule]!.class);
  }

  private rewrite(s: string, sc: Scanner, metas: readonly RuleMeta[], where: 'value' | 'key'): string | null {
    const matches = sc.scan(s, this.skipFor(metas, where));
    return matches === null ? null : this.apply(s, matches, metas, where, s.length);
  }

  /** Replaces each match and records a finding for it; text past `cut` is dropped. */
  private apply(s: string, matches: readonly ScanMatch[] | null, metas: readonly RuleMeta[], where: 'value' | 'key', cut: number): string {
    const r = rewriteSpans(s, matches, metas, cut, this.plan.applier);
    if (r.hits !== null) for (const h of r.hits) this.record(h, where);
    return r.text;
  }

  // ---- objects ------------------------------------------------------------------------

  private object(v: object, depth: number, st: PathState | null, allow: boolean, filter: boolean, noToJSON: boolean): Out {
    if (depth >= this.plan.maxDepth) return MARKER_DEPTH;
    const stack = this.stack;
    if (stack.includes(v)) return MARKER_CIRCULAR; // ancestors only: a shared (acyclic) reference is copied twice
    const mark = stack.length;
    try {
      // (inside the try: a Proxy array's length trap can throw too)
      if (Array.isArray(v)) {
        stack.push(v);
        const out = this.array(v, depth, st, allow, filter);
        stack.pop();
        return out;
      }
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto === Object.prototype || proto === null) {
        stack.push(v);
        const out = this.plain(v as Record<string, unknown>, depth, st, allow, filter);
        stack.pop();
        return out;
      }
      return this.special(v, depth, st, allow, filter, noToJSON);
    } catch {
      // User code threw (a Proxy trap, an iterator, toJSON): keep the marker, not the data.
      stack.length = mark;
      return MARKER_THROWS;
    }
  }

  private special(v: object, depth: number, st: PathState | null, allow: boolean, filter: boolean, noToJSON: boolean): Out {
    const bin = binaryForm(v);
    if (bin !== null) return this.binary(bin, allow);
    if (v instanceof Date) {
      const t = v.getTime();
      return Number.isNaN(t) ? null : v.toISOString();
    }
    if (v instanceof String || v instanceof Number || v instanceof Boolean || v instanceof BigInt) {
      return this.value(v.valueOf(), depth, st, allow, filter, true);
    }
    const stack = this.stack;
    stack.push(v);
    let out: Out;
    if (v instanceof Error || types.isNativeError(v)) out = this.error(v as Error, depth, st, allow, filter);
    else if (v instanceof Map) out = this.map(v, depth, st, allow, filter);
    else if (v instanceof Set) out = this.array([...(v as Set<unknown>)], depth, st, allow, filter);
    else {
      const toJSON = noToJSON ? undefined : (v as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') {
        // As JSON.stringify: the result replaces the value, and its own toJSON is not called.
        stack.pop();
        return this.value(toJSON.call(v, '') as unknown, depth, st, allow, filter, true);
      }
      out = this.plain(v as Record<string, unknown>, depth, st, allow, filter);
    }
    stack.pop();
    return out;
  }

  private plain(v: Record<string, unknown>, depth: number, st: PathState | null, allow: boolean, filter: boolean): Out {
    let keys: string[];
    try {
      keys = Object.keys(v);
    } catch {
      return MARKER_THROWS;
    }
    if (this.sorted && keys.length > 1) sortKeys(keys);
    const pair = !allow && this.plan.keys !== null && keys.length <= PAIR_MAX_KEYS ? this.pairOf(v, keys) : null;
    const renamed = this.renamed;
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      let raw: unknown;
      try {
        raw = v[k];
      } catch {
        raw = THROWS;
      }
      this.prop(out, k, raw, depth, st, allow, filter, pair !== null && k === pair.valueKey ? pair.rule : undefined);
    }
    return this.renamed === renamed ? out : this.resorted(out);
  }

  /**
   * A name/value pair object whose name a key-name rule matches: its value is what a property
   * of that name would hold (`{ name: 'DB_PASSWORD', value: '...' }` is `DB_PASSWORD: '...'`),
   * so the rule applies to the value member. null when `v` is not such a pair.
   */
  private pairOf(v: Record<string, unknown>, keys: readonly string[]): { valueKey: string; rule: ResolvedKey } | null {
    let valueKey: string | undefined;
    let nameKeys = 0;
    for (const k of keys) {
      if (k.length > 5) continue; // 'name', 'key', 'value' and their capitalised forms only
      if (PAIR_NAMES.includes(k)) nameKeys++;
      else if (valueKey === undefined && PAIR_VALUES.includes(k)) valueKey = k;
    }
    if (nameKeys === 0 || valueKey === undefined) return null;
    try {
      // OpenTelemetry wraps a value as an AnyValue ({ stringValue: '...' }): exemptions look at the string.
      const value = v[valueKey];
      const inner = typeof value === 'object' && value !== null && 'stringValue' in value ? (value as { stringValue: unknown }).stringValue : value;
      // Every name-like member counts ({ name, key, value }), whatever the key order of the walk.
      for (const k of PAIR_NAMES) {
        if (!keys.includes(k)) continue;
        const name = v[k];
        if (typeof name !== 'string' || name.length === 0 || name.length > TUPLE_NAME_MAX) continue;
        const rule = this.ruleOfName(name, inner);
        if (rule !== undefined) return { valueKey, rule };
      }
    } catch {
      // a throwing getter: the property walk marks it where it throws
    }
    return null;
  }

  /** One [name, value] entry of an entry list whose name has a key-name rule: [name, redacted value]. */
  private entry(t: unknown, depth: number): Out {
    let name: unknown;
    let value: unknown;
    try {
      if (!Array.isArray(t) || t.length !== 2) return NOT_AN_ENTRY;
      name = t[0];
      value = t[1];
    } catch {
      return NOT_AN_ENTRY; // a throwing element: walked (and marked) as any other
    }
    if (typeof name !== 'string' || name.length === 0 || name.length > TUPLE_NAME_MAX) return NOT_AN_ENTRY;
    const rule = this.ruleOfName(name, value);
    if (rule === undefined) return NOT_AN_ENTRY;
    const mark = this.path.length;
    try {
      this.path.push(0);
      const k = this.string(name);
      this.path[mark] = 1;
      const v = this.whole(value, rule, depth + 1, null);
      return v === REMOVE ? [k] : [k, v === SKIP ? null : v];
    } finally {
      this.path.length = mark;
    }
  }

  /** The key-name rule a value named `name` falls under (exemptions applied), if any. */
  private ruleOfName(name: string, value: unknown): ResolvedKey | undefined {
    const ki = this.keyInfo(name);
    return ki.rule !== undefined && (ki.exempt === undefined || !ki.exempt(value)) ? ki.rule : undefined;
  }

  private error(e: Error, depth: number, st: PathState | null, allow: boolean, filter: boolean): Out {
    return this.entries(errorEntries(e), depth, st, allow, filter);
  }

  /** An object from [key, value] pairs (an Error's fields, a Map with string keys). */
  private entries(entries: [string, unknown][], depth: number, st: PathState | null, allow: boolean, filter: boolean): Out {
    if (this.sorted) entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const renamed = this.renamed;
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) this.prop(out, k, v, depth, st, allow, filter);
    return this.renamed === renamed ? out : this.resorted(out);
  }

  /** Sorted walk, an object whose keys were renamed on the way: the same object in JCS key order. */
  private resorted(out: Record<string, unknown>): Record<string, unknown> {
    if (!this.sorted) return out;
    const keys = Object.keys(out);
    sortKeys(keys);
    const again: Record<string, unknown> = {};
    for (const k of keys) {
      if (k === '__proto__') Object.defineProperty(again, k, { value: out[k], enumerable: true, writable: true, configurable: true });
      else again[k] = out[k];
    }
    return again;
  }

  private map(m: Map<unknown, unknown>, depth: number, st: PathState | null, allow: boolean, filter: boolean): Out {
    const entries = [...m];
    if (entries.every(([k]) => typeof k === 'string')) return this.entries(entries as [string, unknown][], depth, st, allow, filter);
    // Non-string keys (objects, numbers): keep them as data, as [key, value] pairs.
    return this.array(entries, depth, st, allow, filter);
  }

  private array(a: readonly unknown[], depth: number, st: PathState | null, allow: boolean, filter: boolean): Out {
    const out: unknown[] = [];
    const n = a.length;
    // An array of [name, value] entries (header lists such as [['authorization', 'Basic ...']],
    // Object.entries() or Map output): each value falls under its name's key-name rule, as in
    // pairOf. Only in such a list: a lone two-element array (`tags: ['auth', 'v2']`) is data.
    const entries = n > 0 && !allow && this.plan.keys !== null && isEntryList(a);
    for (let i = 0; i < n; i++) {
      let raw: unknown;
      try {
        raw = a[i];
      } catch {
        raw = THROWS;
      }
      let cst: PathState | null = null;
      let callow = allow;
      let cfilter = filter;
      if (st !== null) {
        cst = st.step(String(i));
        if (cst !== null && cst.allow) callow = true;
      }
      if (filter && !callow) {
        if (cst !== null && cst.keep) cfilter = false;
        else if (!(cst !== null && cst.keepBelow && isContainer(raw))) {
          this.dropped++;
          continue;
        }
      } else if (callow) cfilter = false;
      this.path.push(i);
      let res: Out = NOT_AN_ENTRY;
      if (raw === THROWS) res = MARKER_THROWS;
      else if (!callow && cst !== null && cst.redact >= 0) res = this.whole(raw, this.plan.pathEntries[cst.redact]!, depth, cst);
      else if (entries && !callow && !cfilter) res = this.entry(raw, depth);
      if (res === NOT_AN_ENTRY) res = this.value(raw, depth + 1, cst, callow, cfilter, false);
      this.path.pop();
      if (res === REMOVE) continue;
      out.push(res === SKIP ? null : res);
    }
    return out;
  }

  /** One property: path rules, allow/keep, key scan, key-name rules, then the value. */
  private prop(out: Record<string, unknown>, k: string, raw: unknown, depth: number, st: PathState | null, allow: boolean, filter: boolean, pairRule?: ResolvedKey): void {
    let cst: PathState | null = null;
    let callow = allow;
    let cfilter = filter;
    if (st !== null) {
      cst = st.step(k);
      if (cst !== null && cst.allow) callow = true;
    }
    if (filter && !callow) {
      if (cst !== null && cst.keep) cfilter = false;
      else if (!(cst !== null && cst.keepBelow && isContainer(raw))) {
        this.dropped++;
        return;
      }
    } else if (callow) cfilter = false;

    let outKey = k;
    let keyRule: ResolvedKey | undefined;
    let ruledOut: ReadonlySet<PolicyClass> | null = null;
    if (!callow && this.keyWork) {
      const ki = this.keyInfo(k);
      ruledOut = ki.ruledOut;
      if (ki.rule !== undefined && (ki.exempt === undefined || !ki.exempt(raw))) keyRule = ki.rule;
      const ks = ki.scan;
      if (ks !== null) {
        outKey = ks.out;
        if (ks.hits !== null) {
          this.path.push(outKey);
          for (const h of ks.hits) this.record(h, 'key');
          this.path.pop();
        }
        if (ks.remove) return;
      }
      // The value member of a name/value pair falls under its sibling name's rule (pairOf).
      if (keyRule === undefined && pairRule !== undefined) keyRule = pairRule;
    }

    outKey = wellFormed(outKey);
    this.path.push(outKey);
    const outer = this.ruledOut;
    // For the property's own value only: a name says what its scalar is, not what a subtree holds.
    if (ruledOut !== null && (typeof raw !== 'object' || raw === null)) this.ruledOut = ruledOut;
    let res: Out;
    if (raw === THROWS) res = MARKER_THROWS;
    else if (!callow && cst !== null && cst.redact >= 0) res = this.whole(raw, this.plan.pathEntries[cst.redact]!, depth, cst);
    else if (keyRule !== undefined) res = this.whole(raw, keyRule, depth, cst);
    else res = this.value(raw, depth + 1, cst, callow, cfilter, false);
    this.ruledOut = outer;
    this.path.pop();
    if (res === SKIP || res === REMOVE) return;
    if (outKey === '__proto__') {
      Object.defineProperty(out, outKey, { value: res, enumerable: true, writable: true, configurable: true });
    } else {
      if (outKey !== k) {
        this.renamed++;
        while (Object.prototype.hasOwnProperty.call(out, outKey)) outKey += '#';
      } else if (this.renamed > 0 && Object.prototype.hasOwnProperty.call(out, outKey)) {
        // A redacted key renamed earlier took this literal name: the literal key keeps it and
        // the renamed one moves to the "#" suffix, whichever came first (so key order never
        // decides which value survives).
        let moved = outKey + '#';
        while (Object.prototype.hasOwnProperty.call(out, moved)) moved += '#';
        out[moved] = out[outKey];
        this.renamed++;
      }
      out[outKey] = res;
    }
    if (this.sorted && !this.indexKey && isArrayIndex(outKey)) this.indexKey = true;
  }

  /** A key or path rule matched: the whole value is replaced by the rule's action. */
  private whole(raw: unknown, rule: RuleMeta | ResolvedPath, depth: number, st: PathState | null): Out {
    // Nothing to hide in null, a boolean or an empty string (`hasPassword: true`).
    if (raw === null || raw === undefined || typeof raw === 'boolean' || typeof raw === 'function' || raw === '') {
      return this.value(raw, depth + 1, st, false, false, false);
    }
    const meta: RuleMeta = { id: rule.id, class: rule.class, action: rule.action };
    this.record(meta, 'value');
    if (rule.action === 'remove') return REMOVE;
    let text: string | null = null;
    if (typeof raw === 'string') text = raw;
    else if (typeof raw === 'number' || typeof raw === 'bigint') text = String(raw);
    if (text === null || rule.action === 'mask') return `[REDACTED:${rule.id}]`;
    return this.plan.applier.replace(rule.action, rule.id, rule.class, text);
  }

  /**
   * The key-name rule and scan result of a property name. Log records repeat the same few
   * dozen names, so both are cached per name (bounded: a flood of distinct names, such as
   * ids used as keys, resets the cache instead of growing it).
   */
  private keyInfo(k: string): KeyInfo {
    let ki = this.keyCache.get(k);
    if (ki !== undefined) return ki;
    ki = { scan: this.keyScan(k), ...keyRuleFor(this.plan.keys?.match(k)?.data, k), ruledOut: classesRuledOut(k) };
    if (k.length <= KEY_CACHE_MAX_LENGTH) {
      if (this.keyCache.size >= KEY_CACHE_LIMIT) this.keyCache.clear();
      this.keyCache.set(k, ki);
    }
    return ki;
  }

  /** Key names are scanned like values (a token used as a key). */
  private keyScan(k: string): KeyScan | null {
    const sc = this.plan.scanner;
    if (sc === null || k.length < sc.minLength) return null;
    const cap = this.plan.maxStringLength;
    const long = k.length > cap;
    const src = long ? k.slice(0, cap + SCAN_MARGIN) : k;
    const r = rewriteSpans(src, sc.scan(src), this.plan.scanRules, long ? cap : src.length, this.plan.applier);
    const text = long ? `${r.text}[TRUNCATED:${k.length}]` : r.text;
    // A secret key under the remove action takes its property with it.
    if (r.hits === null && !long) return null;
    const remove = r.hits !== null && r.hits.some((h) => h.action === 'remove');
    return { out: text, hits: r.hits, remove };
  }

  private binary(bin: BinaryForm, allow: boolean): Out {
    if (bin.kind === 'typed') {
      const values: unknown[] = [];
      const n = Math.min(bin.values.length, TYPED_ARRAY_PREVIEW);
      this.path.push('values');
      for (let i = 0; i < n; i++) {
        this.path.push(i);
        values.push(this.value(bin.values[i], 0, null, allow, false, true));
        this.path.pop();
      }
      this.path.pop();
      return { length: bin.values.length, type: bin.type, values }; // (keys in JCS order)
    }
    const bytes = bin.bytes;
    const decoded = bytes.toString('utf8', 0, Math.min(bytes.length, BINARY_PREVIEW_BYTES + SCAN_MARGIN));
    this.path.push('utf8');
    let utf8: string;
    if (allow) utf8 = decoded.length > BINARY_PREVIEW_BYTES ? decoded.slice(0, BINARY_PREVIEW_BYTES) : decoded;
    else {
      const sc = this.plan.scanner;
      utf8 = this.apply(decoded, sc === null ? null : sc.scan(decoded), this.plan.scanRules, 'value', BINARY_PREVIEW_BYTES);
    }
    this.path.pop();
    if (bytes.length > BINARY_PREVIEW_BYTES) utf8 += `[TRUNCATED:${bytes.length}]`;
    return { byteLength: bytes.length, type: bin.type, utf8: wellFormed(utf8) }; // (keys in JCS order)
  }

  // ---- findings -----------------------------------------------------------------------

  private record(meta: RuleMeta, where: 'value' | 'key'): void {
    const f: Finding =
      this.position === undefined
        ? { rule: meta.id, class: meta.class, action: meta.action, path: formatPath(this.path), in: where }
        : { rule: meta.id, class: meta.class, action: meta.action, path: formatPath(this.path), in: where, position: this.position };
    (this.findings ??= []).push(f);
  }
}
