/**
 * The shape of a detection rule. Rules are data: the catalogue files (rules-*.ts,
 * pii-rules.ts) export arrays of them and the scanner runs them. A rule runs on a
 * string only when one of its keywords occurs in it (the keyword gate), so a rule
 * MUST list keywords that every true match contains (case-insensitively).
 */

/** What kind of data a rule finds. Presets choose an action per class. */
export type RuleClass =
  | 'secret' // API tokens, passwords, private keys, credentials in URLs, auth headers
  | 'card' // payment card numbers (PAN)
  | 'bank' // IBAN and other account numbers
  | 'email'
  | 'phone'
  | 'ip'
  | 'gov-id'; // SSN and national identity numbers

export const RULE_CLASSES: readonly RuleClass[] = ['secret', 'card', 'bank', 'email', 'phone', 'ip', 'gov-id'];

export interface Rule {
  /** Stable, kebab-case id, unique across the catalogue, e.g. 'github-pat-fine-grained'. */
  readonly id: string;
  /** One line for docs and findings. */
  readonly description: string;
  readonly class: RuleClass;
  /**
   * Lowercase literals; the rule runs only where one occurs in the lowercased text.
   * Every true positive must contain at least one. Use the most specific literal the
   * format guarantees (a token prefix such as 'ghp_'), else a context word ('aws', 'secret').
   * An empty list means "no gate" and is allowed only for class-wide PII rules
   * (email needs '@', so it gates on '@').
   */
  readonly keywords: readonly string[];
  /**
   * Global ('g') regex. Must run in linear time on hostile input: no nested
   * quantifiers, no overlapping alternations under a quantifier, bounded repeats
   * ({m,n}) instead of open ones where the format allows. The part to redact is the
   * named group `secret` when present, else the whole match.
   */
  readonly pattern: RegExp;
  /**
   * Cuts false positives: checksum, Luhn, mod-97, JWT header, etc. Gets the secret part,
   * and the scanned text with the part's span for rules that must see its context (an
   * assignment whose value is followed by '(' is code). Must look only near the span.
   */
  readonly validate?: (secret: string, text: string, start: number, end: number) => boolean;
  /** Minimum Shannon entropy (bits per char) of the secret part, for random-looking tokens. */
  readonly minEntropy?: number;
  /** Strings that must be detected (fake values in the provider's documented format). */
  readonly positives: readonly string[];
  /** Strings that look close but must not be detected. */
  readonly negatives: readonly string[];
}
