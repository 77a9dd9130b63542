/**
 * Laws of RFC 8785 canonical JSON, checked with fast-check on random JSON values whose strings mix
 * every escape-relevant character (quote, backslash, controls, U+2028, astral pairs) with random
 * code points:
 *   - the canonical form is idempotent: canonicalize(JSON.parse(c)) === c;
 *   - it does not depend on key insertion order;
 *   - it parses back to the input (as JSON.stringify would round-trip it);
 *   - it equals the `canonicalize` npm package (the RFC authors' implementation), when that
 *     bench dependency can be loaded;
 *   - numbers are ECMAScript Number::toString and round-trip exactly;
 *   - keys are ordered by UTF-16 code units (checked against a comparator written out here);
 *   - a lone surrogate anywhere is rejected with LOGSEAL_ERR_CANON_STRING.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LogSealError } from '../src/errors.js';
import { canonicalize } from '../src/integrity/canonical-json.js';

type Canonicalizer = (value: unknown) => string | undefined;

/**
 * The npm package is a dependency of bench/ only, so it is not resolvable from packages/core unless
 * npm hoisted it; fall back to the bench workspace's own node_modules.
 */
async function loadOracle(): Promise<Canonicalizer | null> {
  const candidates = [
    'canonicalize',
    new URL('../../../bench/node_modules/canonicalize/lib/canonicalize.js', import.meta.url).href,
    new URL('../../../node_modules/canonicalize/lib/canonicalize.js', import.meta.url).href,
  ];
  for (const specifier of candidates) {
    try {
      const mod = (await import(/* @vite-ignore */ specifier)) as { default?: unknown };
      if (typeof mod.default === 'function') return mod.default as Canonicalizer;
    } catch {
      // not there; try the next location
    }
  }
  return null;
}
const oracle = await loadOracle();

/** One string unit: mostly random code points, often a character that needs care in JSON. */
const unit = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('"', '\\', '/', '\n', '\u0000', '\u001f', '\u007f', '\u2028', '\u00e9', '\ud83d\ude00', '\uffff', '__proto__', '10'),
  },
);
const json = fc.jsonValue({ stringUnit: unit, maxDepth: 5 });

/** Rebuilds `v` with every object's keys inserted in a seed-dependent order. */
function reorder(v: unknown, seed: number): unknown {
  if (Array.isArray(v)) return v.map((x, i) => reorder(x, seed + i));
  if (v === null || typeof v !== 'object') return v;
  const keys = Object.keys(v);
  let s = seed >>> 0 || 1;
  for (let i = keys.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [keys[i], keys[j]] = [keys[j] as string, keys[i] as string];
  }
  const out = {};
  for (const k of keys) {
    // defineProperty, so that a "__proto__" key stays an own key
    Object.defineProperty(out, k, {
      value: reorder((v as Record<string, unknown>)[k], seed * 31 + k.length),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** UTF-16 code unit order written out by hand, independent of `<` and Array.prototype.sort. */
function compareCodeUnits(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

describe('canonical JSON laws (fast-check)', () => {
  it('is idempotent: canonicalize(JSON.parse(c)) === c', () => {
    fc.assert(
      fc.property(json, (v) => {
        const c = canonicalize(v);
        expect(canonicalize(JSON.parse(c))).toBe(c);
      }),
      { numRuns: 500 },
    );
  });

  it('does not depend on key insertion order', () => {
    fc.assert(
      fc.property(json, fc.integer(), (v, seed) => {
        expect(canonicalize(reorder(v, seed))).toBe(canonicalize(v));
      }),
      { numRuns: 500 },
    );
  });

  it('parses back to the input (as JSON.stringify round-trips it)', () => {
    fc.assert(
      fc.property(json, (v) => {
        expect(JSON.parse(canonicalize(v))).toStrictEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 500 },
    );
  });

  it.skipIf(oracle === null)('equals the canonicalize npm package (RFC authors) on values without lone surrogates', () => {
    const ref = oracle as Canonicalizer;
    fc.assert(
      fc.property(json, (v) => {
        expect(canonicalize(v)).toBe(ref(v));
      }),
      { numRuns: 1000 },
    );
  });

  it('writes numbers as Number::toString, and they parse back to the same double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const c = canonicalize(x);
        expect(c).toBe(String(x));
        expect(Object.is(JSON.parse(c), x === 0 ? 0 : x)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('orders keys by UTF-16 code units', () => {
    const flat = fc.dictionary(fc.string({ unit, maxLength: 6 }), fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)), {
      maxKeys: 40,
    });
    fc.assert(
      fc.property(flat, (o) => {
        const keys = Object.keys(o).sort(compareCodeUnits);
        const expected = '{' + keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(o[k])}`).join(',') + '}';
        expect(canonicalize(o)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects a lone surrogate anywhere with LOGSEAL_ERR_CANON_STRING', () => {
    const lone = fc
      .tuple(
        fc.string({ maxLength: 30 }),
        fc.integer({ min: 0xd800, max: 0xdfff }),
        fc.string({ maxLength: 30 }),
      )
      .map(([a, code, b]) => a + String.fromCharCode(code) + b);
    const place = fc.constantFrom<(v: unknown, s: string) => unknown>(
      (v, s) => [v, s],
      (v, s) => ({ v, [s]: 1 }),
      (v, s) => ({ k: [v, { x: s }] }),
      (v, s) => ({ [s]: v }),
    );
    fc.assert(
      fc.property(json, lone, place, (v, s, put) => {
        let code: string | undefined;
        try {
          canonicalize(put(v, s));
        } catch (err) {
          code = err instanceof LogSealError ? err.code : String(err);
        }
        expect(code).toBe('LOGSEAL_ERR_CANON_STRING');
      }),
      { numRuns: 500 },
    );
  });
});
