/**
 * The law of issue 3 ("A property test"): a secret planted anywhere in a random object
 * (any depth, in a key or a value, inside an Error's message, stack or cause, in a Map,
 * Set or Buffer) never appears anywhere in JSON.stringify of the redactor's output.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildRedactor, createRedactor } from '../src/redact/redactor.js';
import { createScanner } from '../src/redact/scanner.js';
import { ALL_RULES } from '../src/redact/catalogue.js';
import { TEST_RULES } from './redact-engine-fixtures.js';

type Tree = unknown;

const leaf = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.date({ noInvalidDate: false }),
);

const { tree } = fc.letrec<{ tree: Tree; node: Tree }>((tie) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('node')),
  node: fc.oneof(
    fc.dictionary(fc.string({ maxLength: 8 }), tie('tree'), { maxKeys: 4 }),
    fc.array(tie('tree'), { maxLength: 4 }),
    fc.array(fc.tuple(fc.string({ maxLength: 6 }), tie('tree')), { maxLength: 3 }).map((e) => new Map(e)),
    fc.array(tie('tree'), { maxLength: 3 }).map((e) => new Set(e)),
    fc.tuple(fc.string({ maxLength: 10 }), tie('tree')).map(([m, cause]) => new Error(m, { cause })),
  ),
}));

/** Every container in DFS order (cycles are not generated here). */
function containers(v: unknown, out: object[] = []): object[] {
  if (v === null || typeof v !== 'object' || v instanceof Date) return out; // a Date's own props are not data
  out.push(v);
  if (v instanceof Map) for (const x of v.values()) containers(x, out);
  else if (v instanceof Set) for (const x of v) containers(x, out);
  else if (v instanceof Error) containers(v.cause, out);
  else for (const x of Object.values(v)) containers(x, out);
  return out;
}

const MODES = ['value', 'substring', 'key', 'error-message', 'error-stack-only', 'error-cause', 'aggregate', 'buffer', 'map-key', 'set', 'url'] as const;
type Mode = (typeof MODES)[number];

function carrier(secret: string, mode: Mode): { key: string; value: unknown } {
  switch (mode) {
    case 'value':
      return { key: 'v', value: secret };
    case 'substring':
      return { key: 's', value: `prefix ${secret} suffix` };
    case 'key':
      return { key: `id ${secret}`, value: 1 };
    case 'error-message':
      return { key: 'err', value: new Error(`failed: ${secret}`) };
    case 'error-stack-only': {
      const e = new Error('clean');
      e.stack = `Error: clean\n    at handler (${secret})\n    at main`;
      return { key: 'err', value: e };
    }
    case 'error-cause':
      return { key: 'err', value: new Error('outer', { cause: new Error('inner', { cause: `deep ${secret}` }) }) };
    case 'aggregate':
      return { key: 'agg', value: new AggregateError([new Error(`x ${secret}`)], 'many') };
    case 'buffer':
      return { key: 'buf', value: Buffer.from(`header ${secret}\n`) };
    case 'map-key':
      return { key: 'm', value: new Map([[secret, 'v']]) };
    case 'set':
      return { key: 'set', value: new Set([`in set ${secret}`]) };
    case 'url':
      return { key: 'url', value: new URL(`https://example.com/?t=${encodeURIComponent(secret)}`) };
  }
}

/** A deep copy: fast-check reuses generated values while shrinking, so they must never be mutated. */
function clone(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Date) return new Date(v.getTime());
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, clone(x)]));
  if (v instanceof Set) return new Set([...v].map(clone));
  if (v instanceof Error) return new Error(v.message, { cause: clone(v.cause) });
  if (Array.isArray(v)) return v.map(clone);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: clone(x), enumerable: true, writable: true, configurable: true });
  return out;
}

/** Plants `secret` into container number `at` of a copy of `root` (wrapped so there always is a container). */
function plant(root: unknown, secret: string, at: number, mode: Mode): unknown {
  const wrapper = { root: clone(root) };
  const all = containers(wrapper);
  const target = all[at % all.length]!;
  const { key, value } = carrier(secret, mode);
  // In a keyless container (array, Set) the carrier's key is kept by wrapping it in an object.
  const item = mode === 'key' ? { [key]: value } : value;
  if (target instanceof Map) target.set(key, value);
  else if (target instanceof Set) target.add(item);
  else if (Array.isArray(target)) target.push(item);
  else Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return wrapper;
}

const tokenSecret = fc.stringMatching(/^[A-Za-z0-9]{24}$/).map((s) => `tok_${s}`);

describe('a planted secret never survives (property)', () => {
  it('test token, every position and carrier', () => {
    const r = buildRedactor({}, undefined, TEST_RULES);
    fc.assert(
      fc.property(tree, tokenSecret, fc.nat(), fc.constantFrom(...MODES), (t, secret, at, mode) => {
        const input = plant(t, secret, at, mode);
        const out = r.redact(input);
        const text = JSON.stringify(out.value);
        expect(text).not.toContain(secret);
        expect(text).not.toContain(secret.slice(4)); // not even the random body
        expect(out.findings.length).toBeGreaterThan(0);
        expect(JSON.stringify(out.findings)).not.toContain(secret.slice(4));
      }),
      { numRuns: 400 },
    );
  });

  it('long strings: wherever the secret sits relative to maxStringLength', () => {
    const r = buildRedactor({ maxStringLength: 1024 }, undefined, TEST_RULES);
    fc.assert(
      fc.property(tokenSecret, fc.nat({ max: 12_000 }), (secret, offset) => {
        const s = `${'x '.repeat(offset >> 1)}${offset % 2 ? 'y' : ''} ${secret} tail`;
        expect(JSON.stringify(r.redact({ s, [s]: 1 }).value)).not.toContain(secret.slice(4));
      }),
      { numRuns: 300 },
    );
  });

  it('real catalogue: every secret-rule positive, planted as a value, key or error, is redacted by the secrets preset', () => {
    const secretRules = ALL_RULES.filter((r) => r.class === 'secret' && r.positives.length > 0);
    const samples = secretRules.flatMap((rule) =>
      rule.positives.map((p) => {
        const sc = createScanner([rule]);
        const spans = (sc.scan(p) ?? []).map((m) => p.slice(m.start, m.end));
        return { id: rule.id, text: p, spans };
      }),
    ).filter((s) => s.spans.length > 0);
    expect(samples.length).toBeGreaterThan(0);
    const r = createRedactor({ preset: 'secrets' });
    const modes = ['value', 'key', 'error-message', 'error-cause', 'set', 'map-key'] as const;
    fc.assert(
      fc.property(tree, fc.constantFrom(...samples), fc.nat(), fc.constantFrom(...modes), (t, sample, at, mode) => {
        const text = JSON.stringify(r.redact(plant(t, sample.text, at, mode)).value);
        for (const span of sample.spans) {
          if (text.includes(span)) throw new Error(`${sample.id}: "${span}" survived as ${mode}`);
        }
      }),
      { numRuns: 400 },
    );
  });
});
