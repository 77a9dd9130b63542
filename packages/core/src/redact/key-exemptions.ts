/**
 * Values a key-name rule leaves to the value scan, because the key's name matched but the
 * value cannot be what the rule is about (found by the false-positive audit of 2026-11-22
 * on real log records; docs/redaction.md "Key names"). The value is still scanned by every
 * value rule, so a real secret or card number under such a key is caught all the same.
 */
import type { ResolvedKey } from './policy.js';
import { normaliseKeyName } from './key-matcher.js';

/** fetch()'s RequestCredentials: `credentials: 'include'` is an option, not a credential. */
const FETCH_CREDENTIALS = new Set(['omit', 'same-origin', 'include']);
/** Names `*phone` matches that are devices, not phone numbers. */
const DEVICE_PHONES = ['microphone', 'iphone', 'headphone', 'headphones', 'earphone', 'earphones', 'megaphone', 'saxophone', 'xylophone'];

/** True when `key`'s rule should not redact `raw` whole (the value is scanned instead). */
export function keyValueExempt(rule: ResolvedKey, key: string, raw: unknown): boolean {
  switch (rule.class) {
    case 'card': {
      // `pan` alone is ambiguous: a PAN has 12 to 19 digits (ISO/IEC 7812), `pan: "left"` is
      // a camera and `pan: 0.5` a stereo balance. Names such as cardNumber are not.
      if (normaliseKeyName(key) !== 'pan' || (typeof raw !== 'string' && typeof raw !== 'number')) return false;
      let digits = 0;
      const s = String(raw);
      for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) digits++;
      return digits < 12;
    }
    case 'phone': {
      const n = normaliseKeyName(key);
      return DEVICE_PHONES.some((d) => n.endsWith(d));
    }
    case 'secret':
      return typeof raw === 'string' && FETCH_CREDENTIALS.has(raw) && normaliseKeyName(key).endsWith('credentials');
    default:
      return false;
  }
}
