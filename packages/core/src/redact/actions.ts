/**
 * What replaces a detected value (issue 3 item 6). Every replacement is a short,
 * recognisable token that names the rule, so a reader of the log knows that something
 * was removed and why, and no replacement can be mistaken for real data:
 *
 *   mask     [REDACTED:<rule>]
 *   partial  [REDACTED:<rule>:…1111]   card and bank numbers keep their last 4 characters
 *            (PCI DSS v4.0 req. 3.4.1 allows at most the BIN and the last four digits to be
 *            shown). We chose the bracketed form over `************1111` so that a partial
 *            PAN never looks like, or is parsed as, a full one. Every other class, and any
 *            value with fewer than 8 letters or digits (a CVV, a PIN), is fully masked.
 *   hash     [HASH:<rule>:<12 base64url chars>]  HMAC-SHA-256 (RFC 2104, FIPS 180-4) of the
 *            value under the policy's hash key, truncated to 72 bits. The same value gives
 *            the same token in every record and every process sharing the key, so auditors
 *            can correlate ("the same card was used 40 times") without seeing it: GDPR
 *            Art. 4(5) pseudonymisation, the key being the "additional information kept
 *            separately". The rule id is NOT hashed in, so a value found by two rules (a
 *            key rule and a pattern) still correlates.
 *   remove   the property is dropped; inside a string the match is cut out.
 */

import { createHmac } from 'node:crypto';
import { LogSealError } from '../errors.js';
import type { ScanMatch } from './scanner.js';
import type { PolicyClass } from './presets.js';

export type Action = 'mask' | 'partial' | 'hash' | 'remove';
export const ACTIONS: readonly Action[] = ['mask', 'partial', 'hash', 'remove'];

/** Minimum hash key length: 32 bytes, the SHA-256 block half (RFC 2104 section 3 recommends >= L = 32). */
export const MIN_HASH_KEY_BYTES = 32;

/** Classes whose `partial` keeps the last 4 characters; all others fall back to mask. */
const PARTIAL_CLASSES = new Set(['card', 'bank']);

/** Domain separation, so LogSeal tokens never collide with other uses of the same key. */
const HASH_DOMAIN = 'logseal/redact/v1\0';

export class ActionApplier {
  private readonly key: Buffer | null;

  constructor(hashKey: Uint8Array | null) {
    this.key = hashKey === null ? null : Buffer.from(hashKey);
  }

  /** Replacement text for `value` found by `rule` of class `cls`; '' for remove. */
  replace(action: Action, rule: string, cls: string, value: string): string {
    switch (action) {
      case 'mask':
        return `[REDACTED:${rule}]`;
      case 'partial':
        return partial(rule, cls, value);
      case 'hash':
        return `[HASH:${rule}:${this.token(cls, value)}]`;
      case 'remove':
        return '';
    }
  }

  /** The 12-character correlation token of `value` (72 bits of HMAC-SHA-256). */
  token(cls: string, value: string): string {
    if (this.key === null) {
      // resolvePolicy refuses hash actions without a key; reaching this is a bug.
      throw new LogSealError('LOGSEAL_ERR_HASH_KEY', 'the hash action needs a key of at least 32 bytes');
    }
    return createHmac('sha256', this.key)
      .update(HASH_DOMAIN)
      .update(canonicalForHash(cls, value))
      .digest('base64url')
      .slice(0, 12);
  }
}

/**
 * Formatting must not break correlation: "4111 1111 1111 1111" and "4111111111111111" are
 * one card, "Jane@Example.com" and "jane@example.com" one mailbox (RFC 5321 allows a
 * case-sensitive local part, but no real provider uses one).
 */
function canonicalForHash(cls: string, value: string): string {
  if (cls === 'card' || cls === 'bank' || cls === 'phone') return value.replace(/[\s\-.()]/g, '').toUpperCase();
  if (cls === 'email') return value.trim().toLowerCase();
  return value;
}

function partial(rule: string, cls: string, value: string): string {
  if (PARTIAL_CLASSES.has(cls)) {
    const alnum = value.replace(/[^0-9A-Za-z]/g, '');
    if (alnum.length >= 8) return `[REDACTED:${rule}:…${alnum.slice(-4)}]`;
  }
  return `[REDACTED:${rule}]`;
}

/** What an action needs to know about the rule that found a value. */
export interface RuleMeta {
  readonly id: string;
  readonly class: PolicyClass;
  readonly action: Action;
}

/**
 * Replaces each match in `s` by its action's text and drops everything from `cut` on. A
 * match that starts before the cut but crosses it is replaced whole: no half secret is
 * ever left at the end of a cut string. Returns the rules that fired, in order.
 */
export function rewriteSpans(
  s: string,
  matches: readonly ScanMatch[] | null,
  metas: readonly RuleMeta[],
  cut: number,
  applier: ActionApplier,
): { text: string; hits: RuleMeta[] | null } {
  if (matches === null) return { text: cut >= s.length ? s : s.slice(0, cut), hits: null };
  let out = '';
  let pos = 0;
  const hits: RuleMeta[] = [];
  for (const m of matches) {
    if (m.start >= cut) break;
    const meta = metas[m.rule]!;
    out += s.slice(pos, m.start) + applier.replace(meta.action, meta.id, meta.class, s.slice(m.start, m.end));
    pos = m.end;
    hits.push(meta);
  }
  if (pos < cut) out += s.slice(pos, Math.min(cut, s.length));
  return { text: out, hits: hits.length > 0 ? hits : null };
}

/** Decodes and checks a hash key: bytes as given, or a string's UTF-8 bytes. */
export function hashKeyBytes(key: unknown, option = 'policy.hashKey'): Uint8Array {
  let bytes: Uint8Array;
  if (typeof key === 'string') bytes = new TextEncoder().encode(key);
  else if (key instanceof Uint8Array) bytes = new Uint8Array(key);
  else if (key instanceof ArrayBuffer) bytes = new Uint8Array(key.slice(0));
  else throw new LogSealError('LOGSEAL_ERR_HASH_KEY', `option "${option}" must be a Uint8Array or string of at least ${MIN_HASH_KEY_BYTES} bytes`);
  if (bytes.length < MIN_HASH_KEY_BYTES) {
    throw new LogSealError(
      'LOGSEAL_ERR_HASH_KEY',
      `option "${option}" has ${bytes.length} bytes; the hash action needs at least ${MIN_HASH_KEY_BYTES} (use 32 random bytes)`,
    );
  }
  return bytes;
}
