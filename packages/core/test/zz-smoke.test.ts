import { it } from 'vitest';
import { ALL_RULES } from '../src/redact/catalogue.js';
import { minMatchLength, createScanner } from '../src/redact/scanner.js';
it('smoke', () => {
  console.log(ALL_RULES.length, ALL_RULES.map(r => `${r.id}:${r.class}:${r.keywords.join('|')}:${minMatchLength(r.pattern.source)}`).join('\n'));
  const sc = createScanner(ALL_RULES.filter(r => r.class === 'secret'));
  console.log('min', sc.minLength);
});
