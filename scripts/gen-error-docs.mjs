// Regenerates the code table of docs/errors.md from the built ERROR_CODES (packages/core/src/errors.ts).
// packages/core/test/errors.test.ts fails when the two disagree. Run: npm run build && node scripts/gen-error-docs.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { ERROR_CODES } from '@logseal/core';

const path = new URL('../docs/errors.md', import.meta.url);
const doc = readFileSync(path, 'utf8');
const start = '<!-- codes:start -->';
const end = '<!-- codes:end -->';
const rows = Object.entries(ERROR_CODES).map(([code, meaning]) => `| \`${code}\` | ${meaning} |`);
const table = ['| code | meaning |', '|---|---|', ...rows].join('\n');
const next = doc.slice(0, doc.indexOf(start) + start.length) + '\n' + table + '\n' + doc.slice(doc.indexOf(end));
writeFileSync(path, next);
console.log(`docs/errors.md: ${rows.length} codes`);
