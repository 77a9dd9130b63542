/**
 * Small, self-contained rules for the engine tests, so engine behaviour is tested
 * independently of the real catalogue (which has its own tests per rule file).
 */
import type { Rule } from '../src/redact/rule.js';
import { luhnValid } from '../src/redact/validators.js';

/** A fake token: tok_ + 24 alphanumerics. */
export const TOK: Rule = {
  id: 'test-token',
  description: 'test token',
  class: 'secret',
  keywords: ['tok_'],
  pattern: /\btok_[A-Za-z0-9]{24}\b/g,
  positives: [],
  negatives: [],
};

/** A longer match that contains a TOK match: overlap resolution must keep this one. */
export const HOOK: Rule = {
  id: 'test-webhook',
  description: 'test webhook URL',
  class: 'secret',
  keywords: ['hooks.example.com'],
  pattern: /https:\/\/hooks\.example\.com\/services\/tok_[A-Za-z0-9]{24}/g,
  positives: [],
  negatives: [],
};

/** An assignment with a `secret` group and an entropy floor. */
export const PW: Rule = {
  id: 'test-password-assignment',
  description: 'password= assignment',
  class: 'secret',
  keywords: ['password'],
  pattern: /password\s{0,3}[=:]\s{0,3}(?<secret>[^\s"',;]{8,64})/gi,
  minEntropy: 2.5,
  positives: [],
  negatives: [],
};

export const CARD: Rule = {
  id: 'test-card',
  description: 'card number with Luhn',
  class: 'card',
  keywords: [],
  pattern: /\b[0-9](?:[ -]?[0-9]){11,18}\b/g,
  validate: luhnValid,
  positives: [],
  negatives: [],
};

export const MAIL: Rule = {
  id: 'test-email',
  description: 'e-mail address',
  class: 'email',
  keywords: ['@'],
  pattern: /\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b/g,
  positives: [],
  negatives: [],
};

export const TEST_RULES: readonly Rule[] = [TOK, HOOK, PW, CARD, MAIL];

export const SECRET = 'tok_AbCdEfGhIjKlMnOpQrStUvWx';
export const SECRET2 = 'tok_ZyXwVuTsRqPoNmLkJiHgFeDc';
export const VISA = '4111111111111111';
export const KEY32 = 'k'.repeat(16) + 'e'.repeat(16); // 32 bytes, test only

/** Freezes every object reachable from v (own enumerable props), in place. */
export function deepFreeze<T>(v: T, seen = new Set<unknown>()): T {
  if (v === null || typeof v !== 'object' || seen.has(v)) return v;
  seen.add(v);
  for (const k of Reflect.ownKeys(v as object)) {
    const d = Object.getOwnPropertyDescriptor(v, k);
    if (d !== undefined && 'value' in d) deepFreeze(d.value, seen);
  }
  if (v instanceof Map) for (const [k, x] of v) (deepFreeze(k, seen), deepFreeze(x, seen));
  if (v instanceof Set) for (const x of v) deepFreeze(x, seen);
  if (!ArrayBuffer.isView(v)) Object.freeze(v);
  return v;
}
