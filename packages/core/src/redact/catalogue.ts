/**
 * The rule catalogue: every rule file's array joined in one fixed order (provider secret
 * rules first, so on equal-length overlaps a provider rule's name wins over a generic or
 * a personal-data rule; scanner.ts breaks ties by this order).
 *
 * Joining is the only thing done at import. The index by id, and the check that ids are
 * unique, are built on first use (no work at import time; DESIGN convention 5).
 */

import { LogSealError } from '../errors.js';
import type { Rule } from './rule.js';
import { CLOUD_RULES } from './rules-cloud.js';
import { SAAS_RULES } from './rules-saas.js';
import { GENERIC_RULES } from './rules-generic.js';
import { PII_RULES } from './pii-rules.js';

/** Every rule, in scan-priority order. Treat as read-only; the scanner compiles its own RegExps. */
export const ALL_RULES: readonly Rule[] = [...CLOUD_RULES, ...SAAS_RULES, ...GENERIC_RULES, ...PII_RULES];

let index: Map<string, Rule> | undefined;

/** id -> rule; throws LOGSEAL_ERR_POLICY on a duplicate id (a catalogue bug the tests catch first). */
export function catalogueIndex(rules: readonly Rule[] = ALL_RULES): Map<string, Rule> {
  if (rules === ALL_RULES && index !== undefined) return index;
  const map = new Map<string, Rule>();
  for (const r of rules) {
    if (map.has(r.id)) throw new LogSealError('LOGSEAL_ERR_POLICY', `rule id "${r.id}" occurs twice in the catalogue`);
    map.set(r.id, r);
  }
  if (rules === ALL_RULES) index = map;
  return map;
}

/** The catalogue rule with this id, or undefined. */
export function ruleById(id: string): Rule | undefined {
  return catalogueIndex().get(id);
}
