import { it } from 'vitest';
import { CLOUD_RULES } from '../src/redact/rules-cloud.js';
import { GENERIC_RULES } from '../src/redact/rules-generic.js';
it('timing', () => {
  const N = 100_000;
  const fill = (u: string) => u.repeat(Math.ceil(N / u.length)).slice(0, N);
  const rows: [string, number, string][] = [];
  for (const r of [...CLOUD_RULES, ...GENERIC_RULES]) {
    let worst = 0, worstIn = '';
    const ins: string[] = ['ghp_' + 'a'.repeat(N), '-----BEGIN PRIVATE KEY-----' + 'A'.repeat(N), fill('password='), 'a:'.repeat(N/2)+'@'];
    for (const k of r.keywords) for (const kk of [k, k.toUpperCase()]) ins.push(kk+'a'.repeat(N), fill(kk), fill(kk+'a'), fill(kk+'='), fill(kk+': '), fill(kk+'="'), fill(kk+'-'), fill(kk + ' a=b'), fill(kk+'://a:'), fill(kk + '\\"'));
    for (const p of r.positives) ins.push(fill(p.slice(0,-1)), fill(p + ' '), fill(p));
    for (const s of ins) { const re = new RegExp(r.pattern.source, r.pattern.flags); const t=performance.now(); for (const _ of s.matchAll(re)); const d=performance.now()-t; if (d>worst){worst=d;worstIn=s.slice(0,30);} }
    rows.push([r.id, worst, worstIn]);
  }
  rows.sort((a,b)=>b[1]-a[1]);
  console.log(rows.slice(0,15).map(r=>`${r[0]} ${r[1].toFixed(1)}ms ${JSON.stringify(r[2])}`).join('\n'));
  console.log('rules', CLOUD_RULES.length, GENERIC_RULES.length);
});
