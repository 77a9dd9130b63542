/** Applying ONE catalogue rule to one string, as the scanner does (rule-file tests). */
import { describe, expect, it } from 'vitest';
import type { Rule } from '../../src/redact/rule.js';
import { shannonEntropy } from '../../src/redact/validators.js';

export interface RuleFinding {
  readonly secret: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Keyword gate on the lowercased text, every match of the global pattern, the `secret`
 * group (else the whole match), then validate and minEntropy: a local stand-in for the
 * real scanner, so each rule file is tested on its own.
 */
export function applyRule(rule: Rule, text: string): RuleFinding[] {
  const lower = text.toLowerCase();
  if (rule.keywords.length > 0 && !rule.keywords.some((k) => lower.includes(k))) return [];
  const re = new RegExp(rule.pattern.source, `${rule.pattern.flags}d`);
  const out: RuleFinding[] = [];
  for (const m of text.matchAll(re)) {
    const span = m.indices?.groups?.['secret'] ?? m.indices?.[0];
    const secret = m.groups?.['secret'] ?? m[0];
    if (span === undefined || secret.length === 0) continue;
    if (rule.validate !== undefined && !rule.validate(secret, text, span[0], span[1])) continue;
    if (rule.minEntropy !== undefined && shannonEntropy(secret) < rule.minEntropy) continue;
    out.push({ secret, start: span[0], end: span[1] });
  }
  return out;
}

/** A rule of `rules` by id (throws when absent: a renamed rule must fail its test). */
export function ruleIn(rules: readonly Rule[]): (id: string) => Rule {
  const byId = new Map(rules.map((r) => [r.id, r]));
  return (id) => {
    const r = byId.get(id);
    if (r === undefined) throw new Error(`no rule ${id}`);
    return r;
  };
}

/**
 * The checks every rule file runs over its catalogue: each rule well-formed, each positive
 * found (its secret span checked by `checkSecret`), each negative ignored, and a keyword
 * inside every raw match in any case (so the keyword gate never hides a match).
 */
export function describeRuleCatalogue(name: string, rules: readonly Rule[], checkSecret: (secret: string) => void): void {
  describe(`${name} rules`, () => {
    it.each(rules.map((r) => [r.id, r] as const))('%s is well-formed', (_id, r) => {
      expect(r.class).toBe('secret');
      expect(r.description.length).toBeGreaterThan(10);
      expect(r.pattern.global).toBe(true);
      expect(r.pattern.source).toContain('(?<secret>');
      expect(r.keywords.length).toBeGreaterThan(0);
      for (const k of r.keywords) expect(k).toBe(k.toLowerCase());
      expect(r.positives.length).toBeGreaterThan(0);
      expect(r.negatives.length).toBeGreaterThan(0);
    });
  });

  describe.each(rules.map((r) => [r.id, r] as const))('%s', (_id, r) => {
    it.each(r.positives.map((p) => [p.length > 60 ? `${p.slice(0, 57)}...` : p, p]))('detects %s', (_label, p) => {
      expect(r.keywords.some((k) => p.toLowerCase().includes(k)), 'positive lacks every keyword').toBe(true);
      const found = applyRule(r, p);
      expect(found.length).toBeGreaterThan(0);
      for (const f of found) {
        expect(p.slice(f.start, f.end)).toBe(f.secret);
        checkSecret(f.secret);
      }
    });
    it.each(r.negatives.map((n) => [n.length > 60 ? `${n.slice(0, 57)}...` : n, n]))('ignores %s', (_label, n) => {
      expect(applyRule(r, n)).toEqual([]);
    });
    it('puts a keyword inside every raw match, whatever the case (the gate never hides a match)', () => {
      const texts = r.positives.flatMap((p) => [p, p.toLowerCase(), p.toUpperCase()]);
      for (const t of texts) {
        for (const m of t.matchAll(new RegExp(r.pattern.source, r.pattern.flags))) {
          const whole = m[0].toLowerCase();
          expect(r.keywords.some((k) => whole.includes(k)), m[0]).toBe(true);
        }
      }
    });
  });
}
