/**
 * Where a key-name rule's name matched but the value cannot be what the rule is about
 * (found by the false-positive audit of 2026-11-22 on real log records; docs/redaction.md,
 * engine step 4). Decided once per key name, when the walker caches the name's rule:
 *   - a name that only looks like the rule's (`microphone` under `*phone`) gets no rule;
 *   - an ambiguous name gets a value test, and a value that fails it is left to the value
 *     scan (so a real secret or card number under such a key is still caught).
 */
import type { ResolvedKey } from './policy.js';
import { normaliseKeyName } from './key-matcher.js';

/** Names `*phone` matches that are devices, not phone numbers. */
const DEVICE_PHONES = ['microphone', 'iphone', 'headphone', 'headphones', 'earphone', 'earphones', 'megaphone', 'saxophone', 'xylophone'];
/**
 * Pagination and sync cursors that `*token` matches: opaque positions the server hands out
 * with each page (AWS `NextToken`, Google `pageToken` / `nextPageToken`, Azure
 * `continuationToken` / `$skipToken`, MongoDB `resumeToken`, Microsoft Graph delta
 * `syncToken`). They open nothing, and logging them is how paging is debugged. Exact
 * normalised names only: `nextAccessToken` or `pageAuthToken` keep the rule.
 */
const CURSOR_TOKENS = new Set(['nexttoken', 'pagetoken', 'nextpagetoken', 'prevpagetoken', 'previouspagetoken', 'continuationtoken', 'paginationtoken', 'skiptoken', 'synctoken', 'resumetoken', 'cursortoken']);
/** fetch()'s RequestCredentials: `credentials: 'include'` is an option, not a credential. */
const FETCH_CREDENTIALS = new Set(['omit', 'same-origin', 'include']);

/** True for a value the rule should not redact whole (it is scanned instead). */
export type ValueExempt = (raw: unknown) => boolean;

/** A PAN has 12 to 19 digits (ISO/IEC 7812): `pan: "left"` is a camera, `pan: 0.5` a balance. */
const notAPan: ValueExempt = (raw) => {
  if (typeof raw !== 'string' && typeof raw !== 'number') return false;
  const s = String(raw);
  let digits = 0;
  for (let i = 0; i < s.length && digits < 12; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
  }
  return digits < 12;
};
const fetchOption: ValueExempt = (raw) => typeof raw === 'string' && FETCH_CREDENTIALS.has(raw);

/** The rule a key name really gets, and the value test that goes with it. */
export function keyRuleFor(rule: ResolvedKey | undefined, key: string): { rule: ResolvedKey | undefined; exempt: ValueExempt | undefined } {
  if (rule === undefined) return { rule, exempt: undefined };
  const name = normaliseKeyName(key);
  if (rule.class === 'phone' && DEVICE_PHONES.some((d) => name.endsWith(d))) return { rule: undefined, exempt: undefined };
  if (rule.class === 'card' && name === 'pan') return { rule, exempt: notAPan };
  if (rule.class === 'secret' && name.endsWith('credentials')) return { rule, exempt: fetchOption };
  if (rule.class === 'secret' && CURSOR_TOKENS.has(name)) return { rule: undefined, exempt: undefined };
  return { rule, exempt: undefined };
}
