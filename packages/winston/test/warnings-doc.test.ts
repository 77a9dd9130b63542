import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { WARNING_CODES } from '@logseal/core';

describe('docs/winston.md', () => {
  it('lists every warning code the transport emits', () => {
    const doc = readFileSync(new URL('../../../docs/winston.md', import.meta.url), 'utf8');
    for (const code of Object.keys(WARNING_CODES)) expect(doc, code).toContain('`' + code + '`');
  });
});
