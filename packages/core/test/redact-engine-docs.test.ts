import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ALL_RULES } from '../src/redact/catalogue.js';
import { listPresets, POLICY_CLASSES } from '../src/redact/presets.js';
import type { Preset } from '../src/redact/presets.js';
import type { Rule } from '../src/redact/rule.js';
import { ACTIONS } from '../src/redact/actions.js';

const root = new URL('../../../', import.meta.url);
const read = (p: string): string => readFileSync(new URL(p, root), 'utf8');

describe('docs', () => {
  it('docs/rules.md is what scripts/gen-rules-doc.mjs renders from the catalogue (run it after changing rules)', async () => {
    // A computed specifier: the script is plain .mjs, typed here by hand.
    const script = new URL('scripts/gen-rules-doc.mjs', root).href;
    const mod = (await import(script)) as { renderRulesDoc(rules: readonly Rule[], presets: Preset[]): string };
    expect(read('docs/rules.md')).toBe(mod.renderRulesDoc(ALL_RULES, listPresets()));
  });

  it('docs/redaction.md covers every preset, policy option, class and action', () => {
    const doc = read('docs/redaction.md');
    for (const p of listPresets()) expect(doc, p.id).toContain(`\`${p.id}\``);
    const options = ['preset', 'classes', 'disable', 'add', 'keys', 'paths', 'allow', 'keep', 'actions', 'hashKey', 'maxStringLength', 'maxDepth'];
    for (const o of options) expect(doc, o).toContain(`\`${o}\``);
    for (const c of POLICY_CLASSES) expect(doc, c).toContain(`\`${c}\``);
    for (const a of ACTIONS) expect(doc, a).toContain(`\`${a}\``);
    for (const code of ['LOGSEAL_ERR_POLICY', 'LOGSEAL_ERR_HASH_KEY', 'LOGSEAL_ERR_PATH_SYNTAX', 'LOGSEAL_ERR_INVALID_OPTION', 'LOGSEAL_WARN_REDACTION_OFF']) {
      expect(doc, code).toContain(code);
    }
  });
});
