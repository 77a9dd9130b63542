import { it } from 'vitest';
import { buildRedactor, createRedactor } from '../src/redact/redactor.js';
import type { Rule } from '../src/redact/rule.js';
const rules: Rule[] = [{ id: 'tok', description: 'x', class: 'secret', keywords: ['tok_'], pattern: /\btok_[A-Za-z0-9]{24}\b/g, positives: [], negatives: [] }];
it('smoke', () => {
  const r = buildRedactor({}, undefined, rules);
  const err = new Error('failed with tok_abcdefghijklmnopqrstuvwx');
  (err as any).config = { headers: { Authorization: 'Bearer x' } };
  const input = { a: 'hello tok_abcdefghijklmnopqrstuvwx there', password: 'hunter2', n: 4111111111111111, big: 10n, d: new Date(0), err, m: new Map([['apiKey', 'x']]), s: new Set([1]), buf: Buffer.from('secret tok_abcdefghijklmnopqrstuvwx'), ['tok_abcdefghijklmnopqrstuvwx']: 1, nan: NaN, u: undefined, arr: [undefined, () => 1] };
  (input as any).self = input;
  console.log(JSON.stringify(r.redact(input, 7), null, 1));
  const c = createRedactor({ preset: 'pci' });
  console.log(JSON.stringify(c.redact({ card: 'pay with 4111 1111 1111 1111 now', n: 4111111111111111, cvv: 123, cardNumber: '4111111111111111' })));
});
