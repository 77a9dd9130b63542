/**
 * Key-name rules: a value is redacted because of the NAME of the property that holds it,
 * at any depth. pino's own `redact` matches key paths case-sensitively, so `apiKey`,
 * `api_key`, `API-KEY` and `x-api-key` each need their own entry there; here they all
 * normalise to one form (issue 3 item 5).
 *
 * Normal form: ASCII letters lowercased, every character that is not a letter or digit
 * (`-`, `_`, `.`, space, `:`) dropped. A rule is either exact (`apikey`: the normal form
 * equals it) or a suffix (`*apikey`: the normal form ends with it, so `x-api-key` and
 * `stripeApiKey` match too).
 */

/** One compiled key rule. */
export interface KeyRule<T> {
  /** Normal form of the name (without the leading `*`). */
  readonly name: string;
  readonly suffix: boolean;
  readonly data: T;
}

/** Lowercases ASCII letters and drops everything that is not a letter or digit. */
export function normaliseKeyName(key: string): string {
  let out = '';
  let start = 0;
  let changed = false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const isLower = c >= 0x61 && c <= 0x7a;
    const isDigit = c >= 0x30 && c <= 0x39;
    if (isLower || isDigit || c > 0x7f) continue;
    // Upper case or a separator: flush the run before it.
    changed = true;
    out += key.slice(start, i);
    if (c >= 0x41 && c <= 0x5a) out += String.fromCharCode(c + 0x20);
    start = i + 1;
  }
  if (!changed) return key;
  return out + key.slice(start);
}

/** Parses `'*name'` (suffix) or `'name'` (exact) into its normal form. */
export function parseKeyPattern(pattern: string): { name: string; suffix: boolean } {
  const suffix = pattern.startsWith('*');
  return { name: normaliseKeyName(suffix ? pattern.slice(1) : pattern), suffix };
}

const CACHE_LIMIT = 4096;
const NO_MATCH = -1;

/**
 * Matches property names against key rules. Log records repeat the same few dozen keys,
 * so results are cached per raw key (bounded: a flood of distinct keys, e.g. ids used as
 * keys, resets the cache instead of growing it).
 */
export class KeyMatcher<T> {
  private readonly exact = new Map<string, number>();
  /** Suffix rules, longest first, so the most specific one wins (`*cardnumber` before `*number`). */
  private readonly suffixes: { name: string; index: number }[] = [];
  private readonly cache = new Map<string, number>();

  constructor(readonly rules: readonly KeyRule<T>[]) {
    rules.forEach((r, index) => {
      if (r.suffix) this.suffixes.push({ name: r.name, index });
      else if (!this.exact.has(r.name)) this.exact.set(r.name, index);
    });
    this.suffixes.sort((a, b) => b.name.length - a.name.length || a.index - b.index);
  }

  get size(): number {
    return this.rules.length;
  }

  /** The rule that matches `key`, or undefined. Exact rules win over suffix rules. */
  match(key: string): KeyRule<T> | undefined {
    let idx = this.cache.get(key);
    if (idx === undefined) {
      idx = this.lookup(normaliseKeyName(key));
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, idx);
    }
    return idx === NO_MATCH ? undefined : this.rules[idx];
  }

  private lookup(norm: string): number {
    const e = this.exact.get(norm);
    if (e !== undefined) return e;
    for (const s of this.suffixes) {
      if (norm.length >= s.name.length && norm.endsWith(s.name)) return s.index;
    }
    return NO_MATCH;
  }
}
