/**
 * The labelled quality corpus (issue 3, "Quality"): every planted secret is redacted and
 * no look-alike is touched. data/corpus/PROVENANCE.md says where the lines come from.
 *
 * - negatives.txt: ordinary log lines full of UUIDs, hashes, trace ids, ARNs, versions,
 *   placeholders... Under the default `secrets` preset each must come back unchanged,
 *   line by line, as one multi-line text, and inside a record.
 * - positives.jsonl: {text, rule, secret, provider}. `rule` is 'secret' (a credential
 *   whichever provider rule catches it) or the id of a personal-data rule. The `secret`
 *   part must not survive anywhere in the output: neither whole nor as any 16-character
 *   slice (a partially masked key is a leak).
 * - Every catalogue rule's own positives go through the preset that enables its class.
 *
 * Presets: `secrets` for credentials, `pci` and `gdpr` for personal data (the card class
 * is `partial` there: the last four digits stay, so the full PAN must not).
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_RULES } from '../src/redact/catalogue.js';
import { createRedactor, type Redactor } from '../src/redact/redactor.js';
import type { Rule, RuleClass } from '../src/redact/rule.js';
import { applyRule } from './helpers/apply-rule.js';

interface Positive {
  readonly text: string;
  readonly rule: string;
  readonly secret: string;
  readonly provider: string;
}

const corpus = (name: string): string => readFileSync(new URL(`./data/corpus/${name}`, import.meta.url), 'utf8');

const NEGATIVES = corpus('negatives.txt')
  .split('\n')
  .filter((l) => l !== '' && !l.startsWith('#---'));
const POSITIVES: Positive[] = corpus('positives.jsonl')
  .split('\n')
  .filter((l) => l !== '')
  .map((l) => JSON.parse(l) as Positive);

// 32+ bytes: the gdpr preset pseudonymises with HMAC-SHA-256 and refuses shorter keys.
const HASH_KEY = 'logseal-corpus-test-key-0123456789abcdef';
const secrets = createRedactor({ preset: 'secrets' });
const pci = createRedactor({ preset: 'pci' });
const gdpr = createRedactor({ preset: 'gdpr', hashKey: HASH_KEY });
const hipaa = createRedactor({ preset: 'hipaa' });

const byId = new Map(ALL_RULES.map((r) => [r.id, r] as const));

function classOf(label: string): RuleClass {
  if (label === 'secret') return 'secret';
  const r = byId.get(label);
  if (r === undefined) throw new Error(`positives.jsonl names unknown rule "${label}"`);
  return r.class;
}

/** The presets a value of this class is checked under. */
function presetsFor(c: RuleClass): [string, Redactor][] {
  if (c === 'secret') return [['secrets', secrets]];
  if (c === 'card') return [['pci', pci], ['gdpr', gdpr]];
  return [['gdpr', gdpr], ['hipaa', hipaa]];
}

/** Pieces of `secret` that must not appear in the output: itself, and 16-char slices every 8. */
function leaks(output: string, secret: string): string[] {
  const pieces = [secret];
  if (secret.length >= 24) for (let i = 0; i + 16 <= secret.length; i += 8) pieces.push(secret.slice(i, i + 16));
  return pieces.filter((p) => output.includes(p));
}

/** The secret parts one rule finds in one string, as the scanner does (gate, regex, validate, entropy). */
function findSecrets(rule: Rule, text: string): string[] {
  return applyRule(rule, text).map((f) => f.secret);
}

describe('corpus files', () => {
  it('holds at least 400 negatives and a positive for every rule class', () => {
    expect(NEGATIVES.length).toBeGreaterThanOrEqual(400);
    expect(new Set(NEGATIVES).size).toBe(NEGATIVES.length);
    const classes = new Set(POSITIVES.map((p) => classOf(p.rule)));
    for (const c of ['secret', 'card', 'bank', 'email', 'phone', 'ip', 'gov-id'] as const) expect(classes.has(c)).toBe(true);
    for (const p of POSITIVES) expect(p.text).toContain(p.secret);
  });
});

describe('negatives: the secrets preset touches none', () => {
  it.each(NEGATIVES.map((l) => [l]))('%s', (line) => {
    const r = secrets.redactText(line);
    expect({ text: r.text, rules: r.findings.map((f) => f.rule) }).toEqual({ text: line, rules: [] });
  });

  it('leaves the whole corpus unchanged as one multi-line text', () => {
    const all = NEGATIVES.join('\n');
    const r = secrets.redactText(all);
    expect(r.findings.map((f) => f.rule)).toEqual([]);
    expect(r.text).toBe(all);
  });

  it('leaves a record holding every line unchanged and reports nothing', () => {
    const record = { level: 30, msg: 'corpus', lines: NEGATIVES, nested: { first: NEGATIVES[0], last: NEGATIVES.at(-1) } };
    const r = secrets.redact(record);
    expect(r.findings).toEqual([]);
    expect(r.summary).toBeNull();
    expect(r.value).toEqual(record);
  });
});

describe('positives: planted secrets never survive', () => {
  const cases = POSITIVES.flatMap((p) => presetsFor(classOf(p.rule)).map(([name, red]) => [`${p.provider} [${name}]`, p, red] as const));
  it.each(cases)('%s', (_name, p, red) => {
    const r = red.redactText(p.text);
    expect(leaks(r.text, p.secret)).toEqual([]);
    expect(r.findings.length).toBeGreaterThan(0);
    // The value was caught by a rule of the labelled class (a key rule cannot see free text).
    const want = classOf(p.rule);
    expect(r.findings.some((f) => f.class === want)).toBe(true);
    if (p.rule !== 'secret') expect(r.findings.map((f) => f.rule)).toContain(p.rule);
  });

  it('also redacts them inside a record, under any key', () => {
    for (const p of POSITIVES.filter((x) => classOf(x.rule) === 'secret')) {
      const out = JSON.stringify(secrets.redact({ msg: 'event', detail: { note: p.text } }).value);
      expect(leaks(out, JSON.stringify(p.secret).slice(1, -1)), p.provider).toEqual([]);
    }
  });
});

describe("every catalogue rule's own positives are redacted by the presets that enable its class", () => {
  const cases = ALL_RULES.flatMap((rule) =>
    rule.positives.flatMap((text, i) => presetsFor(rule.class).map(([name, red]) => [`${rule.id} #${i} [${name}]`, rule, text, red] as const)),
  );
  it.each(cases)('%s', (_name, rule, text, red) => {
    const found = findSecrets(rule, text);
    expect(found.length).toBeGreaterThan(0);
    const out = red.redactText(text).text;
    expect(out).not.toBe(text);
    for (const s of found) expect(leaks(out, s)).toEqual([]);
  });
});
