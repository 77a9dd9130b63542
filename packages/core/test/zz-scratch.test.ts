import { it } from 'vitest';
import { readFileSync } from 'node:fs';
import { CLOUD_RULES } from '../src/redact/rules-cloud.js';
import { GENERIC_RULES } from '../src/redact/rules-generic.js';
import { SAAS_RULES } from '../src/redact/rules-saas.js';
import { shannonEntropy } from '../src/redact/validators.js';
import type { Rule } from '../src/redact/rule.js';
const corpus = (n: string) => readFileSync(new URL(`./data/corpus/${n}`, import.meta.url), 'utf8');
function find(rule: Rule, text: string): string[] {
  const lower = text.toLowerCase();
  if (rule.keywords.length > 0 && !rule.keywords.some((k) => lower.includes(k))) return [];
  const out: string[] = [];
  for (const m of text.matchAll(new RegExp(rule.pattern.source, rule.pattern.flags))) {
    const s = m.groups?.['secret'] ?? m[0];
    if (rule.validate && !rule.validate(s)) continue;
    if (rule.minEntropy !== undefined && shannonEntropy(s) < rule.minEntropy) continue;
    out.push(s);
  }
  return out;
}
it('corpus', () => {
  const neg = corpus('negatives.txt').split('\n').filter((l) => l !== '' && !l.startsWith('#---'));
  const mine = [...CLOUD_RULES, ...GENERIC_RULES];
  for (const l of neg) for (const r of mine) { const f = find(r, l); if (f.length) console.log('FP', r.id, JSON.stringify(f), '<<', l.slice(0, 160)); }
  const pos = corpus('positives.jsonl').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const all = [...CLOUD_RULES, ...SAAS_RULES, ...GENERIC_RULES];
  for (const p of pos) {
    if (p.rule !== 'secret') continue;
    const hits = all.flatMap((r) => find(r, p.text).map((s) => [r.id, s] as const));
    const covered = hits.some(([, s]) => s.includes(p.secret) || p.secret.includes(s) && s.length >= p.secret.length - 2);
    if (!covered) console.log('MISS', p.provider, JSON.stringify(hits.map(h=>h[0])), '<<', p.text.slice(0, 200), ' SECRET=', p.secret.slice(0,60));
  }
});
