/** Applying ONE catalogue rule to one string, as the scanner does (rule-file tests). */
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
    if (rule.validate !== undefined && !rule.validate(secret)) continue;
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
