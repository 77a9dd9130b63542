/**
 * The user's redaction policy: validated once, at construction, into a ResolvedPolicy the
 * redactor runs. A policy is PLAIN DATA (strings, numbers, booleans, arrays, plain
 * objects, and a Uint8Array hash key) because pino hands transport options to a worker
 * thread by structured clone (HTML spec, "StructuredSerialize"), where functions and
 * RegExp flags-with-state do not survive. Custom rules therefore give `pattern` as a
 * string, and in-process hooks go in createRedactor's second argument instead.
 *
 * Errors: a wrong type or range throws LOGSEAL_ERR_INVALID_OPTION naming the option; a
 * well-typed but meaningless value (unknown preset, rule id, class or action, duplicate
 * rule id, bad regex) throws LOGSEAL_ERR_POLICY; a bad path LOGSEAL_ERR_PATH_SYNTAX; a
 * missing or short hash key LOGSEAL_ERR_HASH_KEY.
 */

import { createHash } from 'node:crypto';
import { LogSealError, invalidOption, rejectUnknownOptions } from '../errors.js';
import { RULE_CLASSES, type Rule, type RuleClass } from './rule.js';
import { ACTIONS, hashKeyBytes, type Action } from './actions.js';
import { parseKeyPattern, type KeyRule } from './key-matcher.js';
import { parsePath } from './path-matcher.js';
import {
  getPreset,
  POLICY_CLASSES,
  PRESET_NAMES,
  type KeyEntry,
  type PathEntry,
  type PolicyClass,
  type Preset,
  type PresetName,
} from './presets.js';

/** A rule a user adds in the policy (plain data; compiled here). */
export interface CustomRule {
  /** kebab-case, unique across the catalogue and the other custom rules. */
  readonly id: string;
  /** RegExp source. Keep it linear-time: no nested quantifiers (see rule.ts). */
  readonly pattern: string;
  /** Any of `i`, `m`, `s`, `u`; `g` is implied. */
  readonly flags?: string;
  /** Lowercase literals every match contains (the keyword gate); at least one. */
  readonly keywords: readonly string[];
  readonly class: RuleClass;
  readonly description?: string;
}

export interface RedactionPolicy {
  /** A preset name (default 'secrets') or a preset object (e.g. an edited getPreset()). */
  readonly preset?: PresetName | Preset;
  /** Replaces the preset's scanned rule classes ([] = key and path rules only). */
  readonly classes?: readonly RuleClass[];
  /** Rule ids to turn off: catalogue or custom rule ids, or `key:<name>` for a key rule. */
  readonly disable?: readonly string[];
  readonly add?: readonly CustomRule[];
  /** More sensitive key names (`'name'` exact, `'*name'` suffix, or `{ name, class }`). */
  readonly keys?: readonly KeyEntry[];
  /** More paths whose value is replaced whole (pino syntax plus `**`). */
  readonly paths?: readonly PathEntry[];
  /** Paths never touched: neither scanned nor redacted. */
  readonly allow?: readonly string[];
  /** For presets that keep only listed fields (strict): more fields to keep. */
  readonly keep?: readonly string[];
  /** Action per class, over the preset's. */
  readonly actions?: Readonly<Partial<Record<PolicyClass, Action>>>;
  /** HMAC key for the hash action: >= 32 bytes (a string is taken as its UTF-8 bytes). */
  readonly hashKey?: string | Uint8Array;
  /** Longer strings are scanned up to this many UTF-16 units and cut there, with a marker. */
  readonly maxStringLength?: number;
  /** Deeper objects are replaced by a marker. */
  readonly maxDepth?: number;
}

export interface ResolvedKey {
  readonly id: string;
  readonly class: PolicyClass;
  readonly action: Action;
}

export interface ResolvedPath {
  readonly source: string;
  readonly id: string;
  readonly class: PolicyClass;
  readonly action: Action;
}

export interface ResolvedPolicy {
  readonly id: string;
  readonly version: number;
  /** Enabled rules (catalogue order, then custom rules) and the action of each. */
  readonly rules: readonly Rule[];
  readonly ruleActions: readonly Action[];
  readonly keyRules: readonly KeyRule<ResolvedKey>[];
  readonly paths: readonly ResolvedPath[];
  readonly allow: readonly string[];
  readonly keep: readonly string[] | null;
  readonly actions: Readonly<Record<PolicyClass, Action>>;
  readonly hashKey: Uint8Array | null;
  readonly maxStringLength: number;
  readonly maxDepth: number;
  readonly warning: { readonly code: string; readonly message: string } | null;
}

export const DEFAULT_MAX_STRING_LENGTH = 256 * 1024;
export const DEFAULT_MAX_DEPTH = 32;

const POLICY_OPTIONS = ['preset', 'classes', 'disable', 'add', 'keys', 'paths', 'allow', 'keep', 'actions', 'hashKey', 'maxStringLength', 'maxDepth'];
const PRESET_FIELDS = ['id', 'version', 'description', 'classes', 'actions', 'keys', 'paths', 'allow', 'keep', 'warning'];
const CUSTOM_RULE_FIELDS = ['id', 'pattern', 'flags', 'keywords', 'class', 'description'];
const ID_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

function policyError(message: string): never {
  throw new LogSealError('LOGSEAL_ERR_POLICY', message);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Rejects anything structured clone would drop or change: functions, class instances, symbols. */
function assertPlainData(v: unknown, name: string, depth = 0): void {
  if (depth > 16) invalidOption(name, 'plain data nested at most 16 levels');
  if (v === null || v === undefined) return;
  const t = typeof v;
  if (t === 'string' || t === 'boolean') return;
  if (t === 'number') {
    if (!Number.isFinite(v)) invalidOption(name, 'a finite number', v);
    return;
  }
  if (t === 'function') invalidOption(name, 'plain data, not a function (the policy is structured-cloned into the logger worker; pass hooks as createRedactor\'s second argument)');
  if (Array.isArray(v)) {
    v.forEach((x, i) => assertPlainData(x, `${name}[${i}]`, depth + 1));
    return;
  }
  if (v instanceof Uint8Array && name === 'policy.hashKey') return;
  if (!isPlainObject(v)) invalidOption(name, 'plain data (string, number, boolean, array or plain object)', v);
  for (const k of Object.keys(v)) assertPlainData(v[k], `${name}.${k}`, depth + 1);
}

function stringArray(v: unknown, name: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) invalidOption(name, 'an array of strings', v);
  return v.map((s, i) => {
    if (typeof s !== 'string' || s.length === 0) invalidOption(`${name}[${i}]`, 'a non-empty string', s);
    return s;
  });
}

function ruleClasses(v: unknown, name: string): RuleClass[] {
  return stringArray(v, name).map((c) => {
    if (!(RULE_CLASSES as readonly string[]).includes(c)) policyError(`${name}: unknown rule class "${c}" (one of ${RULE_CLASSES.join(', ')})`);
    return c as RuleClass;
  });
}

function policyClass(v: unknown, name: string): PolicyClass {
  if (typeof v !== 'string' || !(POLICY_CLASSES as readonly string[]).includes(v)) {
    policyError(`${name}: unknown class ${JSON.stringify(v)} (one of ${POLICY_CLASSES.join(', ')})`);
  }
  return v as PolicyClass;
}

function actionsMap(v: unknown, name: string): Partial<Record<PolicyClass, Action>> {
  if (v === undefined) return {};
  if (!isPlainObject(v)) invalidOption(name, 'an object mapping class to action', v);
  const out: Partial<Record<PolicyClass, Action>> = {};
  for (const [cls, act] of Object.entries(v)) {
    const c = policyClass(cls, `${name}`);
    if (typeof act !== 'string' || !(ACTIONS as readonly string[]).includes(act)) {
      policyError(`${name}.${cls}: unknown action ${JSON.stringify(act)} (one of ${ACTIONS.join(', ')})`);
    }
    out[c] = act as Action;
  }
  return out;
}

function keyEntries(v: unknown, name: string): { pattern: string; class: PolicyClass }[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) invalidOption(name, 'an array of key names or { name, class }', v);
  return v.map((e: unknown, i) => {
    const at = `${name}[${i}]`;
    let pattern: unknown = e;
    let cls: PolicyClass = 'secret';
    if (isPlainObject(e)) {
      rejectUnknownOptions(at, e, ['name', 'class']);
      pattern = e['name'];
      if (e['class'] !== undefined) cls = policyClass(e['class'], `${at}.class`);
    }
    if (typeof pattern !== 'string' || parseKeyPattern(pattern).name.length === 0) {
      invalidOption(at, 'a key name with at least one letter or digit', pattern);
    }
    return { pattern, class: cls };
  });
}

function pathEntries(v: unknown, name: string): { path: string; class: PolicyClass }[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) invalidOption(name, 'an array of paths or { path, class }', v);
  return v.map((e: unknown, i) => {
    const at = `${name}[${i}]`;
    let path: unknown = e;
    let cls: PolicyClass = 'secret';
    if (isPlainObject(e)) {
      rejectUnknownOptions(at, e, ['path', 'class']);
      path = e['path'];
      if (e['class'] !== undefined) cls = policyClass(e['class'], `${at}.class`);
    }
    if (typeof path !== 'string') invalidOption(at, 'a path string', path);
    parsePath(path);
    return { path, class: cls };
  });
}

function paths(v: unknown, name: string): string[] {
  const list = stringArray(v, name);
  for (const p of list) parsePath(p);
  return list;
}

function intOption(v: unknown, name: string, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) invalidOption(name, `an integer in ${min}..${max}`, v);
  return v;
}

function validatePreset(v: unknown): Preset {
  if (v === undefined) return getPreset('secrets');
  if (typeof v === 'string') {
    if (!(PRESET_NAMES as readonly string[]).includes(v)) policyError(`policy.preset: unknown preset "${v}" (one of ${PRESET_NAMES.join(', ')})`);
    return getPreset(v as PresetName);
  }
  if (!isPlainObject(v)) invalidOption('policy.preset', 'a preset name or a preset object', v);
  rejectUnknownOptions('policy.preset', v, PRESET_FIELDS);
  const id = v['id'];
  if (typeof id !== 'string' || !ID_RE.test(id)) invalidOption('policy.preset.id', 'a kebab-case id', id);
  const version = intOption(v['version'], 'policy.preset.version', 0, 2 ** 31 - 1, -1);
  if (version < 0) invalidOption('policy.preset.version', 'an integer', v['version']);
  const warning = v['warning'];
  if (warning !== undefined) {
    if (!isPlainObject(warning) || typeof warning['code'] !== 'string' || typeof warning['message'] !== 'string') {
      invalidOption('policy.preset.warning', 'an object { code, message } of strings', warning);
    }
    rejectUnknownOptions('policy.preset.warning', warning, ['code', 'message']);
  }
  const description = v['description'];
  if (description !== undefined && typeof description !== 'string') invalidOption('policy.preset.description', 'a string', description);
  const keep = v['keep'];
  return {
    id,
    version,
    description: description ?? '',
    classes: ruleClasses(v['classes'] ?? [], 'policy.preset.classes'),
    actions: actionsMap(v['actions'], 'policy.preset.actions'),
    keys: keyEntries(v['keys'] ?? [], 'policy.preset.keys').map((k) => ({ name: k.pattern, class: k.class })),
    paths: pathEntries(v['paths'] ?? [], 'policy.preset.paths'),
    allow: paths(v['allow'], 'policy.preset.allow'),
    ...(keep === undefined ? {} : { keep: paths(keep, 'policy.preset.keep') }),
    ...(warning === undefined ? {} : { warning: warning as { code: string; message: string } }),
  };
}

function customRules(v: unknown, catalogueIds: Set<string>): Rule[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) invalidOption('policy.add', 'an array of custom rules', v);
  const seen = new Set<string>();
  return v.map((r: unknown, i) => {
    const at = `policy.add[${i}]`;
    if (!isPlainObject(r)) invalidOption(at, 'an object { id, pattern, keywords, class }', r);
    rejectUnknownOptions(at, r, CUSTOM_RULE_FIELDS);
    const id = r['id'];
    if (typeof id !== 'string' || !ID_RE.test(id)) invalidOption(`${at}.id`, 'a kebab-case id', id);
    if (catalogueIds.has(id) || seen.has(id)) policyError(`${at}.id: rule id "${id}" is already taken`);
    seen.add(id);
    const pattern = r['pattern'];
    if (typeof pattern !== 'string' || pattern.length === 0) invalidOption(`${at}.pattern`, 'a non-empty RegExp source string', pattern);
    const flags = r['flags'] ?? '';
    if (typeof flags !== 'string' || !/^[imsu]*$/.test(flags) || new Set(flags).size !== flags.length) {
      invalidOption(`${at}.flags`, 'a string of distinct flags from "imsu"', flags);
    }
    let re: RegExp;
    try {
      re = new RegExp(pattern, `${flags}g`);
    } catch (err) {
      throw new LogSealError('LOGSEAL_ERR_POLICY', `${at}.pattern does not compile: ${(err as Error).message}`, { cause: err });
    }
    const keywords = stringArray(r['keywords'], `${at}.keywords`).map((k) => k.toLowerCase());
    if (keywords.length === 0) invalidOption(`${at}.keywords`, 'at least one keyword (the rule runs only where one occurs)');
    const cls = r['class'];
    if (typeof cls !== 'string' || !(RULE_CLASSES as readonly string[]).includes(cls)) {
      policyError(`${at}.class: unknown rule class ${JSON.stringify(cls)} (one of ${RULE_CLASSES.join(', ')})`);
    }
    const description = r['description'] ?? `custom rule ${id}`;
    if (typeof description !== 'string') invalidOption(`${at}.description`, 'a string', description);
    return { id, description, class: cls as RuleClass, keywords, pattern: re, positives: [], negatives: [] };
  });
}

/** Validates `policy` against `catalogue` and resolves it over its preset. */
export function resolvePolicy(policy: unknown, catalogue: readonly Rule[]): ResolvedPolicy {
  const p = policy ?? {};
  if (!isPlainObject(p)) invalidOption('policy', 'a plain object', p);
  rejectUnknownOptions('policy', p, POLICY_OPTIONS);
  assertPlainData(p, 'policy');

  const preset = validatePreset(p['preset']);
  const classes = p['classes'] === undefined ? [...preset.classes] : ruleClasses(p['classes'], 'policy.classes');
  const actions = { ...Object.fromEntries(POLICY_CLASSES.map((c) => [c, 'mask'])), ...preset.actions, ...actionsMap(p['actions'], 'policy.actions') } as Record<PolicyClass, Action>;

  const catalogueIds = new Set(catalogue.map((r) => r.id));
  const added = customRules(p['add'], catalogueIds);

  const keyList = [
    ...keyEntries(preset.keys, 'policy.preset.keys'),
    ...keyEntries(p['keys'], 'policy.keys'),
  ];
  const keyIds = new Set(keyList.map((k) => `key:${parseKeyPattern(k.pattern).name}`));

  const disable = new Set(stringArray(p['disable'], 'policy.disable'));
  for (const id of disable) {
    if (!catalogueIds.has(id) && !added.some((r) => r.id === id) && !keyIds.has(id)) {
      policyError(`policy.disable: unknown rule id "${id}" (a catalogue or custom rule id, or key:<name>)`);
    }
  }

  const enabled = new Set(classes);
  const rules = [
    ...catalogue.filter((r) => enabled.has(r.class) && !disable.has(r.id)),
    ...added.filter((r) => !disable.has(r.id)),
  ];
  const ruleActions = rules.map((r) => actions[r.class]);

  const keyRules: KeyRule<ResolvedKey>[] = [];
  for (const k of keyList) {
    const { name, suffix } = parseKeyPattern(k.pattern);
    const id = `key:${name}`;
    if (disable.has(id)) continue;
    keyRules.push({ name, suffix, data: { id, class: k.class, action: actions[k.class] } });
  }

  const pathList = [...pathEntries(preset.paths, 'policy.preset.paths'), ...pathEntries(p['paths'], 'policy.paths')].map(
    (e): ResolvedPath => ({ source: e.path, id: 'path', class: e.class, action: actions[e.class] }),
  );
  const allow = [...preset.allow, ...paths(p['allow'], 'policy.allow')];
  const keepExtra = paths(p['keep'], 'policy.keep');
  const keep = preset.keep === undefined ? (keepExtra.length > 0 ? keepExtra : null) : [...preset.keep, ...keepExtra];

  // The hash action needs a key; refuse to start without one (issue 3 item 6).
  const used = new Set<PolicyClass>([...rules.map((r) => r.class), ...keyRules.map((k) => k.data.class), ...pathList.map((e) => e.class)]);
  const hashing = [...used].filter((c) => actions[c] === 'hash');
  let hashKey: Uint8Array | null = null;
  if (p['hashKey'] !== undefined) hashKey = hashKeyBytes(p['hashKey']);
  else if (hashing.length > 0) {
    throw new LogSealError(
      'LOGSEAL_ERR_HASH_KEY',
      `policy "${preset.id}" hashes class ${hashing.join(', ')}: set option "policy.hashKey" to at least 32 random bytes`,
    );
  }

  const maxStringLength = intOption(p['maxStringLength'], 'policy.maxStringLength', 1024, 2 ** 30, DEFAULT_MAX_STRING_LENGTH);
  const maxDepth = intOption(p['maxDepth'], 'policy.maxDepth', 1, 1000, DEFAULT_MAX_DEPTH);

  return {
    id: policyId(preset, p),
    version: preset.version,
    rules,
    ruleActions,
    keyRules,
    paths: pathList,
    allow,
    keep,
    actions,
    hashKey,
    maxStringLength,
    maxDepth,
    warning: preset.warning ?? null,
  };
}

/**
 * The preset's id when the policy only names it; otherwise `<preset>+<8 hex>`, a
 * fingerprint of every option except the hash key, so a summary tells apart records
 * redacted by differently tuned policies without revealing the key.
 */
function policyId(preset: Preset, p: Record<string, unknown>): string {
  const { hashKey: _secret, preset: named, ...rest } = p;
  const custom = typeof named === 'object' && named !== null;
  if (!custom && Object.keys(rest).length === 0) return preset.id;
  const fp = createHash('sha256')
    .update(JSON.stringify({ preset: named ?? preset.id, ...rest }))
    .digest('hex')
    .slice(0, 8);
  return `${preset.id}+${fp}`;
}
