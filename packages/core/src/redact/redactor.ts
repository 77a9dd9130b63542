/**
 * createRedactor (issue 3 item 10): resolves a policy once, compiles its rules (keyword
 * gate, scanners, key and path matchers), and returns the functions the pipeline calls
 * for every record. Everything that can be wrong with a policy is reported here, at
 * construction, before the first record (DESIGN convention 3).
 *
 * Detection events (item 9) never carry a value: rule id, class, action, JSON path and
 * the record position. They go to the `logseal:redact` diagnostics channel (only when it
 * has subscribers, so an unobserved redactor pays nothing) and to the optional in-process
 * `onDetect` hook. The hook is not part of the policy because a policy must survive
 * structured clone into pino's worker thread.
 */

import * as diagnostics_channel from 'node:diagnostics_channel';
import { invalidOption, rejectUnknownOptions } from '../errors.js';
import type { Rule } from './rule.js';
import { ALL_RULES, catalogueIndex } from './catalogue.js';
import { resolvePolicy, type RedactionPolicy, type ResolvedPolicy } from './policy.js';
import { createScanner, type Scanner } from './scanner.js';
import { ActionApplier, type RuleMeta } from './actions.js';
import { KeyMatcher } from './key-matcher.js';
import { compilePaths } from './path-matcher.js';
import { Walker, type Finding } from './walker.js';
import { canonicalize, sortKeys } from '../integrity/canonical-json.js';
import type { PolicyClass } from './presets.js';
import type { GateKind } from './keyword-gate.js';

export const REDACT_CHANNEL = 'logseal:redact';

/** Per-record summary: which policy ran and how many values of each class it redacted. */
export interface RedactionSummary {
  readonly policy: string;
  readonly version: number;
  readonly counts: Readonly<Partial<Record<PolicyClass, number>>>;
  /** Fields a keep-list preset (strict) dropped; present only when > 0. */
  readonly dropped?: number;
}

export interface RedactResult {
  /** Plain JSON data, ready for canonicalisation. */
  readonly value: unknown;
  readonly findings: readonly Finding[];
  /** null when nothing was redacted. */
  readonly summary: RedactionSummary | null;
}

/** The message published on the `logseal:redact` channel: a finding plus the policy. */
export interface RedactEvent extends Finding {
  readonly policy: string;
  readonly version: number;
}

export interface RedactorOptions {
  /** Called synchronously for each finding, after the record is walked. Errors propagate. */
  readonly onDetect?: (finding: RedactEvent) => void;
}

/** redactCanonical()'s result: the record body as the chain hashes it. */
export interface CanonicalRedactResult {
  /**
   * RFC 8785 form of the redacted value; when anything was redacted and the value is an
   * object, with the summary under `_redacted` (what the pipeline chains and ships).
   */
  readonly json: string;
  readonly findings: readonly Finding[];
  readonly summary: RedactionSummary | null;
}

export interface Redactor {
  redact(value: unknown, position?: number | string): RedactResult;
  /** redact() plus the canonical form of the body to chain, in one walk (the pipeline's hot path). */
  redactCanonical(value: unknown, position?: number | string): CanonicalRedactResult;
  redactText(text: string, position?: number | string): { readonly text: string; readonly findings: readonly Finding[] };
  readonly policy: { readonly id: string; readonly version: number };
}

export function createRedactor(policy?: RedactionPolicy, options?: RedactorOptions): Redactor {
  return buildRedactor(policy, options, ALL_RULES);
}

/** createRedactor over a given rule list (tests and benchmarks; the gate kind is measured there). */
export function buildRedactor(
  policy: RedactionPolicy | undefined,
  options: RedactorOptions | undefined,
  catalogue: readonly Rule[],
  gate: GateKind = 'aho-corasick',
): Redactor {
  const opts = validateOptions(options);
  catalogueIndex(catalogue); // duplicate ids are a catalogue bug: fail loudly, once
  const resolved = resolvePolicy(policy, catalogue);
  const walker = new Walker(plan(resolved, gate));
  const id = resolved.id;
  const version = resolved.version;
  const channel = diagnostics_channel.channel(REDACT_CHANNEL);
  const onDetect = opts.onDetect;

  if (resolved.warning !== null) {
    process.emitWarning(resolved.warning.message, { code: resolved.warning.code, type: 'LogSealWarning' });
  }

  const emit = (findings: readonly Finding[]): void => {
    if (findings.length === 0) return;
    const observed = channel.hasSubscribers;
    if (!observed && onDetect === undefined) return;
    for (const f of findings) {
      const ev: RedactEvent = { ...f, policy: id, version };
      if (observed) channel.publish(ev);
      if (onDetect !== undefined) onDetect(ev);
    }
  };

  return {
    policy: { id, version },
    redact(value: unknown, position?: number | string): RedactResult {
      const r = walker.walk(value, position);
      emit(r.findings);
      return { value: r.value, findings: r.findings, summary: summarise(id, version, r.findings, r.dropped) };
    },
    redactCanonical(value: unknown, position?: number | string): CanonicalRedactResult {
      const r = walker.walk(value, position, true);
      emit(r.findings);
      const summary = summarise(id, version, r.findings, r.dropped);
      const v = r.value;
      const body = summary !== null && typeof v === 'object' && v !== null && !Array.isArray(v) ? withSummary(v as Record<string, unknown>, summary) : v;
      // The walk wrote every key in JCS order, so the native serializer writes the canonical
      // form; an object with array-index keys (enumerated first by JavaScript) takes the full path.
      const json = r.jcsOrder ? JSON.stringify(body) : canonicalize(body);
      return { json, findings: r.findings, summary };
    },
    redactText(text: string, position?: number | string) {
      if (typeof text !== 'string') invalidOption('text', 'a string', text);
      const r = walker.text(text, position);
      emit(r.findings);
      return r;
    },
  };
}

function validateOptions(options: RedactorOptions | undefined): RedactorOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') invalidOption('options', 'an object', options);
  rejectUnknownOptions('options', options, ['onDetect']);
  if (options.onDetect !== undefined && typeof options.onDetect !== 'function') {
    invalidOption('options.onDetect', 'a function', options.onDetect);
  }
  return options;
}

/** Keys in RFC 8785 order (counts < dropped < policy < version; the class names, POLICY_CLASSES, sorted), for redactCanonical's JSON.stringify. */
function summarise(policy: string, version: number, findings: readonly Finding[], dropped: number): RedactionSummary | null {
  if (findings.length === 0 && dropped === 0) return null;
  const tally = new Map<PolicyClass, number>();
  for (const f of findings) tally.set(f.class, (tally.get(f.class) ?? 0) + 1);
  const classes = [...tally.keys()];
  sortKeys(classes);
  const counts: Partial<Record<PolicyClass, number>> = {};
  for (const c of classes) counts[c] = tally.get(c)!;
  return dropped > 0 ? { counts, dropped, policy, version } : { counts, policy, version };
}

/** `v` with the summary under `_redacted`, inserted where RFC 8785 orders it. */
function withSummary(v: Record<string, unknown>, summary: RedactionSummary): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let placed = false;
  for (const k of Object.keys(v)) {
    if (!placed && k > '_redacted') {
      out._redacted = summary;
      placed = true;
    }
    if (k === '__proto__') Object.defineProperty(out, k, { value: v[k], enumerable: true, writable: true, configurable: true });
    else if (k !== '_redacted') out[k] = v[k];
  }
  if (!placed) out._redacted = summary;
  return out;
}

function plan(p: ResolvedPolicy, gate: GateKind): ConstructorParameters<typeof Walker>[0] {
  const metas: RuleMeta[] = p.rules.map((r, i) => ({ id: r.id, class: r.class, action: p.ruleActions[i]! }));
  const scanner: Scanner | null = p.rules.length === 0 ? null : createScanner(p.rules, gate);
  const cardIdx = p.rules.flatMap((r, i) => (r.class === 'card' ? [i] : []));
  const numberScanner = cardIdx.length === 0 ? null : createScanner(cardIdx.map((i) => p.rules[i]!), gate);
  const paths = compilePaths({ redact: p.paths.map((e) => e.source), allow: p.allow, keep: p.keep ?? [] });
  return {
    scanner,
    scanRules: metas,
    numberScanner,
    numberRules: cardIdx.map((i) => metas[i]!),
    keys: p.keyRules.length === 0 ? null : new KeyMatcher(p.keyRules),
    paths: paths.root,
    pathEntries: p.paths,
    strict: p.keep !== null,
    applier: new ActionApplier(p.hashKey),
    maxStringLength: p.maxStringLength,
    maxDepth: p.maxDepth,
  };
}
