import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { COMMANDS } from '../src/cli/main.js';

describe('docs/cli.md', () => {
  it('documents every command and every option', () => {
    const doc = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');
    for (const c of COMMANDS) {
      expect(doc, c.name).toContain(`## logseal ${c.name}`);
      for (const o of Object.keys(c.options)) expect(doc, `${c.name} --${o}`).toContain(`--${o}`);
    }
  });
});
