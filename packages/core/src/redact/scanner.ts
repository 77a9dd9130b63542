/**
 * Runs rules over one string: the keyword gate picks the rules that can match, their
 * regexes run, each candidate passes the rule's validator and entropy floor, and
 * overlapping candidates are resolved longest first (a 70-char Slack webhook URL wins
 * over the 24-char token inside it). The result is a sorted list of non-overlapping
 * spans; the caller decides what replaces them (actions.ts).
 *
 * Every rule's RegExp is recompiled here, once per scanner, so `lastIndex` state is
 * private to the scanner: a caller holding the catalogue's RegExp objects cannot
 * disturb a running redactor, and two redactors never share state.
 */

import type { Rule } from './rule.js';
import { buildKeywordGate, type GateKind, type KeywordGate } from './keyword-gate.js';
import { shannonEntropy } from './validators.js';

export interface ScanMatch {
  /** Span of the secret part (the `secret` group when the rule has one, else the match). */
  readonly start: number;
  readonly end: number;
  /** Index into Scanner.rules. */
  readonly rule: number;
}

interface CompiledRule {
  readonly rule: Rule;
  readonly re: RegExp;
  readonly secretGroup: boolean;
}

export interface Scanner {
  readonly rules: readonly Rule[];
  /** Strings shorter than this cannot hold a match of any rule and are not scanned. */
  readonly minLength: number;
  /**
   * Non-overlapping matches sorted by start, or null when there are none. `skip` leaves rules
   * out before overlaps are resolved (so a match of a skipped rule cannot hide another).
   */
  scan(text: string, skip?: (rule: number) => boolean): ScanMatch[] | null;
}

export function createScanner(rules: readonly Rule[], gateKind: GateKind = 'aho-corasick'): Scanner {
  return new RuleScanner(rules, gateKind);
}

class RuleScanner implements Scanner {
  readonly minLength: number;
  private readonly compiled: CompiledRule[];
  private readonly gate: KeywordGate;
  /** Rules with no keywords (class-wide PII rules such as a bare IPv4 pattern): always run. */
  private readonly ungated: number[];
  /** Candidate rule indices of the current scan (gate output, then the ungated rules). */
  private readonly hits: Int32Array;

  constructor(readonly rules: readonly Rule[], gateKind: GateKind) {
    this.compiled = rules.map(compileRule);
    this.gate = buildKeywordGate(
      rules.map((r) => r.keywords),
      gateKind,
    );
    this.ungated = [];
    this.hits = new Int32Array(rules.length);
    let min = Infinity;
    rules.forEach((r, i) => {
      const kw = r.keywords.filter((k) => k.length > 0);
      if (kw.length === 0) this.ungated.push(i);
      const shortestKw = kw.length === 0 ? 0 : Math.min(...kw.map((k) => k.length));
      // A match contains the whole pattern match and, by the rule contract, a keyword.
      min = Math.min(min, Math.max(minMatchLength(r.pattern.source), shortestKw));
    });
    this.minLength = rules.length === 0 ? Infinity : Math.max(1, min);
  }

  scan(text: string, skip?: (rule: number) => boolean): ScanMatch[] | null {
    if (text.length < this.minLength) return null;
    const hits = this.hits;
    let n = this.gate.candidates(text, hits);
    for (const u of this.ungated) hits[n++] = u;
    if (n === 0) return null;
    // Catalogue order, so equal-length overlaps resolve the same way whatever the gate saw first.
    for (let i = 1; i < n; i++) {
      const v = hits[i]!;
      let j = i - 1;
      while (j >= 0 && hits[j]! > v) {
        hits[j + 1] = hits[j]!;
        j--;
      }
      hits[j + 1] = v;
    }
    let found: ScanMatch[] | null = null;
    for (let h = 0; h < n; h++) {
      const r = hits[h]!;
      if (skip !== undefined && skip(r)) continue;
      const c = this.compiled[r]!;
      const re = c.re;
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(text)) !== null) {
        if (m[0].length === 0) {
          re.lastIndex++; // a zero-length match would loop forever
          continue;
        }
        let start = m.index;
        let end = start + m[0].length;
        if (c.secretGroup) {
          const span = m.indices?.groups?.['secret'];
          if (span !== undefined) [start, end] = span;
        }
        if (end <= start) continue;
        if (!accept(c.rule, text, start, end)) continue;
        (found ??= []).push({ start, end, rule: r });
      }
    }
    if (found === null || found.length === 1) return found;
    return resolveOverlaps(found);
  }
}

function compileRule(rule: Rule): CompiledRule {
  const src = rule.pattern.source;
  const secretGroup = src.includes('(?<secret>');
  let flags = rule.pattern.flags.replace(/[gyd]/g, '');
  flags += 'g';
  if (secretGroup) flags += 'd'; // match indices (ES2022) give the group's exact span
  return { rule, re: new RegExp(src, flags), secretGroup };
}

/**
 * Validator and entropy floor. A validator that throws counts as "valid": on a bug we
 * redact too much rather than let a secret through (fail closed).
 */
function accept(rule: Rule, text: string, start: number, end: number): boolean {
  const secret = text.slice(start, end);
  if (rule.minEntropy !== undefined && shannonEntropy(secret) < rule.minEntropy) return false;
  if (rule.validate !== undefined) {
    try {
      return rule.validate(secret, text, start, end);
    } catch {
      return true;
    }
  }
  return true;
}

/** Longest first, then leftmost, then catalogue order; a candidate overlapping a kept one is dropped. */
export function resolveOverlaps(found: ScanMatch[]): ScanMatch[] {
  found.sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start || a.rule - b.rule);
  const kept: ScanMatch[] = [];
  for (const f of found) {
    let clash = false;
    for (const k of kept) {
      if (f.start < k.end && k.start < f.end) {
        clash = true;
        break;
      }
    }
    if (!clash) kept.push(f);
  }
  kept.sort((a, b) => a.start - b.start);
  return kept;
}

/**
 * A lower bound on the length (in UTF-16 code units) of any string the regex source can
 * match: the least over alternatives of the sum over terms, with `*`/`?`/`{0,n}` counting
 * 0, lookarounds, anchors and back-references 0. Anything not understood counts 0, so the
 * bound is always safe to skip scanning on.
 */
export function minMatchLength(source: string): number {
  let i = 0;
  const n = source.length;

  function parseAlternation(): number {
    let best = parseSequence();
    while (i < n && source[i] === '|') {
      i++;
      best = Math.min(best, parseSequence());
    }
    return best;
  }

  function parseSequence(): number {
    let total = 0;
    while (i < n && source[i] !== '|' && source[i] !== ')') {
      const atom = parseAtom();
      total += atom * parseQuantifierMin();
    }
    return total;
  }

  function parseQuantifierMin(): number {
    const c = source[i];
    let min = 1;
    if (c === '*' || c === '?') {
      min = 0;
      i++;
    } else if (c === '+') {
      i++;
    } else if (c === '{') {
      const m = /^\{(\d+)(,\d*)?\}/.exec(source.slice(i));
      if (m === null) return 1; // a literal '{' (Annex B); parseAtom consumes it next
      min = Number(m[1]);
      i += m[0].length;
    } else {
      return 1;
    }
    if (source[i] === '?') i++; // lazy
    return min;
  }

  function parseAtom(): number {
    const c = source[i] as string;
    if (c === '(') {
      i++;
      let zero = false;
      if (source[i] === '?') {
        const rest = source.slice(i, i + 4);
        if (rest.startsWith('?=') || rest.startsWith('?!')) {
          zero = true;
          i += 2;
        } else if (rest.startsWith('?<=') || rest.startsWith('?<!')) {
          zero = true;
          i += 3;
        } else if (rest.startsWith('?<')) {
          i = source.indexOf('>', i) + 1;
        } else {
          // (?: and modifier groups (?i:...)
          const colon = source.indexOf(':', i);
          i = colon < 0 ? n : colon + 1;
        }
      }
      const inner = parseAlternation();
      if (source[i] === ')') i++;
      return zero ? 0 : inner;
    }
    if (c === '[') {
      i++;
      if (source[i] === '^') i++;
      if (source[i] === ']') i++; // a leading ']' is literal
      while (i < n && source[i] !== ']') {
        if (source[i] === '\\') i++;
        i++;
      }
      i++;
      return 1;
    }
    if (c === '\\') {
      const e = source[i + 1] ?? '';
      i += 2;
      if (e === 'b' || e === 'B') return 0;
      if (/[1-9]/.test(e)) {
        while (/[0-9]/.test(source[i] ?? '')) i++;
        return 0; // back-reference: may be empty
      }
      if (e === 'k' && source[i] === '<') {
        i = source.indexOf('>', i) + 1;
        return 0;
      }
      if ((e === 'p' || e === 'P') && source[i] === '{') {
        i = source.indexOf('}', i) + 1;
        return 1;
      }
      if (e === 'u' && source[i] === '{') {
        i = source.indexOf('}', i) + 1;
        return 1;
      }
      if (e === 'u') {
        i += 4;
        return 1;
      }
      if (e === 'x') {
        i += 2;
        return 1;
      }
      if (e === 'c') {
        i += 1;
        return 1;
      }
      return 1;
    }
    if (c === '^' || c === '$') {
      i++;
      return 0;
    }
    i++;
    return 1;
  }

  try {
    const len = parseAlternation();
    return Number.isFinite(len) && len >= 0 ? len : 0;
  } catch {
    return 0;
  }
}
