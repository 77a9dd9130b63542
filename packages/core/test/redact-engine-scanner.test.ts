import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildKeywordGate } from '../src/redact/keyword-gate.js';
import { createScanner, minMatchLength } from '../src/redact/scanner.js';
import { buildRedactor } from '../src/redact/redactor.js';
import { ALL_RULES, catalogueIndex, ruleById } from '../src/redact/catalogue.js';
import type { Rule } from '../src/redact/rule.js';
import { HOOK, KEY32, PW, SECRET, TEST_RULES, TOK } from './redact-engine-fixtures.js';

const rule = (over: Partial<Rule> & Pick<Rule, 'id' | 'pattern'>): Rule => ({
  description: over.id,
  class: 'secret',
  keywords: [],
  positives: [],
  negatives: [],
  ...over,
});

/** The gate's contract, stated naively: rule i is a candidate iff text.toLowerCase() contains one of its keywords. */
function naiveCandidates(sets: string[][], text: string): number[] {
  const lower = text.toLowerCase();
  return sets.flatMap((s, i) => (s.some((k) => k.length > 0 && lower.includes(k.toLowerCase())) ? [i] : []));
}

function gateCandidates(kind: 'aho-corasick' | 'regex', sets: string[][], text: string): number[] {
  const out = new Int32Array(sets.length);
  const n = buildKeywordGate(sets, kind).candidates(text, out);
  return [...out.subarray(0, n)].sort((a, b) => a - b);
}

describe('keyword gate', () => {
  it('finds overlapping, nested and case-folded keywords', () => {
    const sets = [['xoxb-'], ['xox'], ['ox'], ['b-1'], ['aws'], ['ghp_'], ['ß'], []];
    const text = 'XOXB-123 and AWS and ẞ';
    for (const kind of ['aho-corasick', 'regex'] as const) {
      expect(gateCandidates(kind, sets, text), kind).toEqual(naiveCandidates(sets, text));
    }
    expect(naiveCandidates(sets, text)).toEqual([0, 1, 2, 3, 4, 6]);
  });

  it('Aho-Corasick and the alternation regex agree with the naive definition (property)', () => {
    const alphabet = fc.constantFrom('a', 'b', 'A', 'B', '_', '-', 'é', 'É', '😀', 'x');
    const word = fc.string({ unit: alphabet, minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(fc.array(fc.array(word, { maxLength: 3 }), { minLength: 1, maxLength: 8 }), fc.string({ unit: alphabet, maxLength: 40 }), (sets, text) => {
        const lowered = sets.map((s) => s.map((k) => k.toLowerCase()));
        const want = naiveCandidates(lowered, text);
        expect(gateCandidates('aho-corasick', lowered, text)).toEqual(want);
        expect(gateCandidates('regex', lowered, text)).toEqual(want);
      }),
      { numRuns: 500 },
    );
  });

  it('reports the shortest keyword length', () => {
    expect(buildKeywordGate([['abcd'], ['xy'], []]).minKeywordLength).toBe(2);
  });
});

describe('scanner', () => {
  it('resolves overlaps longest first and returns sorted, non-overlapping spans', () => {
    const sc = createScanner([TOK, HOOK]);
    const text = `a https://hooks.example.com/services/${SECRET} b ${SECRET}`;
    const m = sc.scan(text)!;
    expect(m.map((x) => [sc.rules[x.rule]!.id, text.slice(x.start, x.end)])).toEqual([
      ['test-webhook', `https://hooks.example.com/services/${SECRET}`],
      ['test-token', SECRET],
    ]);
  });

  it('redacts only the `secret` group, after the entropy floor', () => {
    const sc = createScanner([PW]);
    const text = 'password=Xk9#pL2$vQ7! and password = aaaaaaaaaa';
    const m = sc.scan(text)!;
    expect(m).toHaveLength(1);
    expect(text.slice(m[0]!.start, m[0]!.end)).toBe('Xk9#pL2$vQ7!');
  });

  it('a validator decides; one that throws redacts (fail closed)', () => {
    const even = rule({ id: 'even', keywords: ['n='], pattern: /n=(?<secret>\d+)/g, validate: (s) => Number(s) % 2 === 0 });
    const boom = rule({ id: 'boom', keywords: ['z='], pattern: /z=\d+/g, validate: () => { throw new Error('bug'); } });
    const sc = createScanner([even, boom]);
    expect(sc.scan('n=3 n=4 z=1')!.map((x) => x.start)).toEqual([6, 8]);
  });

  it('zero-length matches do not loop', () => {
    const sc = createScanner([rule({ id: 'empty', keywords: ['q'], pattern: /q*/g })]);
    expect(sc.scan('aqqa')!.map((x) => [x.start, x.end])).toEqual([[1, 3]]);
  });

  it('compiles its own RegExps: lastIndex on the catalogue rule cannot disturb it', () => {
    const shared = rule({ id: 'shared', keywords: ['tok_'], pattern: new RegExp(TOK.pattern.source, 'g') });
    const sc = createScanner([shared]);
    shared.pattern.lastIndex = 9999;
    expect(sc.scan(`x ${SECRET}`)).toHaveLength(1);
    expect(shared.pattern.lastIndex).toBe(9999);
  });

  it('skips strings shorter than the shortest possible match', () => {
    const sc = createScanner([TOK]);
    expect(sc.minLength).toBe(28);
    expect(sc.scan('tok_short')).toBeNull();
  });

  it('minMatchLength is a lower bound', () => {
    const cases: [string, number][] = [
      ['abc', 3],
      ['a|bc', 1],
      ['(?:ab){3,5}c?', 6],
      ['x[a-z]{20}y*', 21],
      ['(?<secret>[A-Z]{4})\\b', 4],
      ['(?=abc)d', 1],
      ['(?<!a)b+', 1],
      ['\\u0041\\x41\\d\\n', 4],
      ['(a)\\1', 1],
      ['a{2', 3],
      ['\\p{L}{3}', 3],
      ['^$', 0],
      ['[\\]]]', 2],
    ];
    for (const [src, n] of cases) expect(minMatchLength(src), src).toBe(n);
    fc.assert(
      fc.property(fc.stringMatching(/^[a-c]{1,6}$/), (s) => {
        for (const r of TEST_RULES) {
          const m = new RegExp(r.pattern.source, r.pattern.flags).exec(s);
          if (m) expect(m[0].length).toBeGreaterThanOrEqual(minMatchLength(r.pattern.source));
        }
      }),
    );
  });
});

describe('the real catalogue through the engine', () => {
  it('rule ids are unique and kebab-case; ruleById finds each', () => {
    expect(() => catalogueIndex()).not.toThrow();
    for (const r of ALL_RULES) {
      expect(r.id).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
      expect(ruleById(r.id)).toBe(r);
    }
    expect(ruleById('no-such-rule')).toBeUndefined();
    expect(() => catalogueIndex([TOK, TOK])).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_POLICY' }));
  });

  it('every keyword is non-empty and lowercase (the gate folds only the text)', () => {
    for (const r of ALL_RULES) for (const k of r.keywords) expect(k, r.id).toBe(k.toLowerCase());
  });

  it("each rule's positives are found, and its negatives not, by the gated engine", () => {
    const failures: string[] = [];
    for (const r of ALL_RULES) {
      const red = buildRedactor({ classes: [r.class], hashKey: KEY32, preset: { id: 'one', version: 1, classes: [], actions: {}, keys: [], paths: [], allow: [] } }, undefined, [r]);
      for (const p of r.positives) {
        if (!red.redactText(p).findings.some((f) => f.rule === r.id)) failures.push(`${r.id} missed positive ${JSON.stringify(p)}`);
      }
      for (const n of r.negatives) {
        if (red.redactText(n).findings.some((f) => f.rule === r.id)) failures.push(`${r.id} fired on negative ${JSON.stringify(n)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
