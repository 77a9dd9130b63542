/**
 * redactCanonical(): the pipeline's one-walk path. The walker writes every object's keys in
 * RFC 8785 order so that JSON.stringify of its output is the canonical form; this file pins
 * that the result is always exactly canonicalize() of what redact() returns (plus the
 * `_redacted` summary), for random values and for every case where JavaScript's property
 * order or a renamed key could break the equivalence.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalize } from '../src/integrity/canonical-json.js';
import { createRedactor, type Redactor } from '../src/redact/redactor.js';

/** What redactCanonical must equal: the two-step path it replaces. */
function twoStep(r: Redactor, v: unknown, pos?: number): string {
  const res = r.redact(v, pos);
  const val = res.value;
  const body = res.summary !== null && typeof val === 'object' && val !== null && !Array.isArray(val) ? { ...(val as object), _redacted: res.summary } : val;
  return canonicalize(body);
}

/** A CRC32-valid classic GitHub token (the rule's own positive example). */
const GH = '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';
const keyChars = fc.constantFrom('a', 'b', 'Z', '_', '-', '0', '1', '9', ' ', 'é', '\u{1F600}', '\uFB00', '__proto__', 'password', 'apiKey', '_redacted', '10', '2', '017', '4294967295', '4294967294');
const key = fc.oneof(fc.string({ maxLength: 6 }), keyChars, fc.array(keyChars, { maxLength: 3 }).map((a) => a.join('')));
const leaf = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(`token ${GH}`, 'user@example.com', '4111 1111 1111 1111', 'password=hunter2hunter2', '\ud800x', 'line\nbreak "quoted"'),
  fc.integer(),
  fc.double(),
  fc.constant(-0),
  fc.constant(4111111111111111),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.date({ noInvalidDate: false }),
);
const { tree } = fc.letrec<{ tree: unknown; node: unknown }>((tie) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('node')),
  node: fc.oneof(
    fc.dictionary(key, tie('tree'), { maxKeys: 6 }),
    fc.array(tie('tree'), { maxLength: 4 }),
    fc.array(fc.tuple(key, tie('tree')), { maxLength: 3 }).map((e) => new Map(e)),
    fc.tuple(fc.string({ maxLength: 10 }), tie('tree')).map(([m, cause]) => new Error(m, { cause })),
    fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a)),
    fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 4 }).map((a) => Int16Array.from(a)),
  ),
}));

describe('redactCanonical', () => {
  const presets = ['secrets', 'pci', 'gdpr', 'strict', 'off'] as const;
  const hashKey = 'k'.repeat(32);
  const redactors = Object.fromEntries(presets.map((p) => [p, createRedactor({ preset: p, hashKey } as never)])) as Record<(typeof presets)[number], Redactor>;

  it('equals canonicalize() of redact() plus the summary, for random values under every preset', () => {
    fc.assert(
      fc.property(tree, fc.constantFrom(...presets), (v, p) => {
        expect(redactors[p].redactCanonical(v, 7).json).toBe(twoStep(redactors[p], v, 7));
      }),
      { numRuns: 1500 },
    );
  });

  it('array-index keys (enumerated first by JavaScript) still come out in JCS order', () => {
    const r = redactors.secrets;
    const v = { b: 1, '10': 2, '9': 3, '-x': 4, ' ': 5, a: { '1': 1, '0': 0, '01': 2 } };
    const json = r.redactCanonical(v).json;
    expect(json).toBe('{" ":5,"-x":4,"10":2,"9":3,"a":{"0":0,"01":2,"1":1},"b":1}');
    expect(json).toBe(canonicalize(v));
  });

  it('a key renamed by redaction is re-sorted, and a clash gets the "#" suffix as in redact()', () => {
    const r = redactors.secrets;
    const v = { [`x ${GH}`]: 1, a: 2, zz: { [`k ${GH}`]: 1, 'k [REDACTED:github-pat-classic]': 2 } };
    const json = r.redactCanonical(v).json;
    expect(json).not.toContain(GH);
    expect(json).toBe(twoStep(r, v));
    expect(Object.keys(JSON.parse(json) as object)).toEqual(Object.keys(JSON.parse(json) as object).sort());
  });

  it('places `_redacted` where RFC 8785 orders it, replacing a field of that name', () => {
    const r = redactors.secrets;
    const json = r.redactCanonical({ z: 1, _redacted: 'forged', A: `token ${GH}`, a: 2 }).json;
    expect(json.indexOf('"_redacted":{')).toBeGreaterThan(json.indexOf('"A":'));
    expect(json.indexOf('"_redacted":{')).toBeLessThan(json.indexOf('"a":'));
    expect(json).not.toContain('forged');
  });

  it('an own "__proto__" key is data, in order, and changes no prototype', () => {
    const r = redactors.secrets;
    const v = JSON.parse('{"b":1,"__proto__":{"polluted":true},"a":2}') as object;
    const json = r.redactCanonical(v).json;
    expect(json).toBe('{"__proto__":{"polluted":true},"a":2,"b":1}');
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('writes non-object records and leaves redact() key order as the input had it', () => {
    const r = redactors.secrets;
    expect(r.redactCanonical('plain text').json).toBe('"plain text"');
    expect(r.redactCanonical([2, 'x']).json).toBe('[2,"x"]');
    expect(Object.keys(r.redact({ z: 1, a: 2 }).value as object)).toEqual(['z', 'a']);
  });
});
