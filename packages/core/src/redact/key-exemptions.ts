/**
 * Where a key-name rule's name matched but the value cannot be what the rule is about
 * (found by the false-positive audit of 2026-11-22 on real log records; docs/redaction.md,
 * engine step 4). Decided once per key name, when the walker caches the name's rule:
 *   - a name that only looks like the rule's (`microphone` under `*phone`) gets no rule;
 *   - an ambiguous name gets a value test, and a value that fails it is left to the value
 *     scan (so a real secret or card number under such a key is still caught).
 */
import type { ResolvedKey } from './policy.js';
import type { PolicyClass } from './presets.js';
import { normaliseKeyName } from './key-matcher.js';
import { isFilePath } from './assignment-value.js';

/** Names `*phone` matches that are devices, not phone numbers. */
const DEVICE_PHONES = ['microphone', 'iphone', 'headphone', 'headphones', 'earphone', 'earphones', 'megaphone', 'saxophone', 'xylophone'];
/**
 * Pagination and sync cursors that `*token` matches: opaque positions the server hands out
 * with each page (AWS `NextToken`, Google `pageToken` / `nextPageToken`, Azure
 * `continuationToken` / `$skipToken`, MongoDB `resumeToken`, Microsoft Graph delta
 * `syncToken`). They open nothing, and logging them is how paging is debugged. Exact
 * normalised names only: `nextAccessToken` or `pageAuthToken` keep the rule.
 */
const CURSOR_TOKENS = new Set([
  'nexttoken', 'pagetoken', 'nextpagetoken', 'prevpagetoken', 'previouspagetoken', 'continuationtoken', 'nextcontinuationtoken',
  'paginationtoken', 'skiptoken', 'synctoken', 'resumetoken', 'cursortoken', 'nextforwardtoken', 'nextbackwardtoken',
]);
/** A pagination cursor's name (see CURSOR_TOKENS), for the text rules that read a key before a value. */
export function isCursorTokenName(key: string): boolean {
  return isCursorName(normaliseKeyName(key));
}
const isCursorName = (name: string): boolean => CURSOR_TOKENS.has(name) || name.endsWith('idempotencytoken');

/**
 * A connection string that is `scheme://host[:port][/database]` (`postgresql://db.internal:5432/acme`,
 * OpenTelemetry's db.connection_string) names a server, not a credential; anything more (user
 * info, a query, a longer path that may carry a token: https://api.telegram.org/bot<token>/...)
 * keeps the rule.
 */
const bareServerUrl: ValueExempt = (raw) => typeof raw === 'string' && /^[a-z][a-z0-9+.-]{0,31}:\/\/[\w.-]{1,253}(?::\d{1,5})?(?:\/[\w.-]{0,128})?$/i.test(raw);
/**
 * gdpr `*address` is a postal address; a listen/bind address is a socket: port only (":9090"),
 * the unspecified or loopback address with an optional port ("0.0.0.0:8080", "::", "127.0.0.1:9464",
 * "localhost:3000"), or an AWS service principal (CloudTrail `sourceIPAddress:
 * "secretsmanager.amazonaws.com"`). Objects stay masked (a postal address object has lines
 * no other rule names).
 */
const socketAddress: ValueExempt = (raw) =>
  typeof raw === 'string' &&
  (/^(?:0\.0\.0\.0|::|\[::\]|::1|\[::1\]|127(?:\.\d{1,3}){3}|localhost)?(?::\d{1,5})?$/i.test(raw) || /^[a-z0-9-]{1,63}\.amazonaws\.com$/i.test(raw));
/** gdpr `fullname` holding "owner/repo" is a repository (GitHub's `full_name`), not a person. */
const repositorySlug: ValueExempt = (raw) => typeof raw === 'string' && /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/.test(raw);
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
/** `pwd` holding a path is the working directory (shell and process dumps), not a password. */
const workingDirectory: ValueExempt = (raw) => typeof raw === 'string' && (isFilePath(raw) || /^[A-Za-z]:\\(?:[\w .-]+\\?)*$/.test(raw));

/** The rule a key name really gets, and the value test that goes with it. */
export function keyRuleFor(rule: ResolvedKey | undefined, key: string): { rule: ResolvedKey | undefined; exempt: ValueExempt | undefined } {
  if (rule === undefined) return { rule, exempt: undefined };
  const name = normaliseKeyName(key);
  if (rule.class === 'phone' && DEVICE_PHONES.some((d) => name.endsWith(d))) return { rule: undefined, exempt: undefined };
  if (rule.class === 'card' && name === 'pan') return { rule, exempt: notAPan };
  if (rule.class === 'secret' && name.endsWith('credentials')) return { rule, exempt: fetchOption };
  if (rule.class === 'secret' && isCursorName(name)) return { rule: undefined, exempt: undefined };
  if (rule.class === 'secret' && name.endsWith('connectionstring')) return { rule, exempt: bareServerUrl };
  if (rule.class === 'secret' && name === 'pwd') return { rule, exempt: workingDirectory };
  // `pass: 120` is a count of passed checks; a password is text.
  if (rule.class === 'secret' && name === 'pass') return { rule, exempt: (raw) => typeof raw === 'number' };
  if (rule.class === 'personal' && name.endsWith('address')) return { rule, exempt: socketAddress };
  if (rule.class === 'personal' && name === 'fullname') return { rule, exempt: repositorySlug };
  return { rule, exempt: undefined };
}

const NO_IP: ReadonlySet<PolicyClass> = new Set(['ip']);
const NO_CARD: ReadonlySet<PolicyClass> = new Set(['card']);

/**
 * Value rule classes a property's name rules out for everything under it:
 *   - `*version` holds versions: a four-part one ("4.4.0.1") is not an IPv4 address;
 *   - `*traceid`, `*spanid`, `*parentid` hold trace ids: Datadog's are decimal 64-bit numbers,
 *     and about 4 % of them pass the card rule's IIN and Luhn checks (`dd.trace_id`,
 *     `x-datadog-parent-id`; the structured-payload audit masked 74 of 2,000).
 * null when the name rules nothing out.
 */
export function classesRuledOut(key: string): ReadonlySet<PolicyClass> | null {
  // Whole words of the raw name (`version`, `app_version`, `appVersion`; not `conversion`).
  if (/(?:^|[^A-Za-z])version$|[a-z0-9]Version$/i.test(key) && !/[a-z]version$/.test(key)) return NO_IP;
  if (/(?:^|[^A-Za-z])(?:[Tt]race|[Ss]pan|[Pp]arent|TRACE|SPAN|PARENT)[_.-]?(?:id|Id|ID)$|[a-z0-9](?:Trace|Span|Parent)(?:Id|ID)$/.test(key)) return NO_CARD;
  return null;
}
