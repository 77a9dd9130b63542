/**
 * Personal-data rules: e-mail, phone numbers, IP addresses, payment cards, IBAN, and the
 * government identifiers of national-ids.ts. The `gdpr`, `hipaa` and `strict` presets
 * turn them on (`pci` only the card rule); the default `secrets` preset does not (an IP
 * address in an access log is not a leaked credential).
 *
 * Linear time (issue 3, item 3). Every pattern either starts with a literal context word
 * or with a negative lookbehind that forbids starting inside a run of the characters the
 * match itself consumes. Without that, an unanchored `[a-z0-9.]{1,64}@` rescans the same
 * run from each of its positions (O(n * 64) per run, reported as 2nd-degree polynomial
 * by recheck); with it each run is entered once. Repeats are bounded and the pieces of a
 * repeated group are delimited by a character the group must end with ('.', ':'), so
 * there is one way to split a candidate. Where a format is too irregular for a strict
 * regex (IPv6, phone numbers) a loose linear candidate pattern is paired with a precise
 * validate() (node:net isIPv6, digit counts), rather than the 600-character IPv6 regexes
 * whose alternations backtrack.
 *
 * Example values are fakes from ranges reserved for documentation: RFC 2606 domains,
 * RFC 5737 / RFC 3849 addresses, NANP 555-01xx, Ofcom drama numbers, ARCEP fiction
 * numbers, the card networks' published test PANs, and IBANs from the SWIFT registry.
 */

import { isIPv6 } from 'node:net';
import type { Rule } from './rule.js';
import { ibanValid, luhnValid } from './validators.js';
import { NATIONAL_ID_RULES } from './national-ids.js';

// A key suffix such as "_number" or " no" after a context word (as in national-ids.ts).
const NUMBER_SUFFIX = String.raw`(?:[ _-]?(?:number|num|nr|no|id))?`;

function digitCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) n++;
  }
  return n;
}

// ---------------------------------------------------------------- e-mail

// Asset names such as "logo@2x.png" have an e-mail's shape; their "TLD" is a file type.
const FILE_TLDS = new Set([
  'png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'avif', 'ico', 'bmp', 'css', 'js', 'mjs', 'cjs',
  'map', 'json', 'ts', 'tsx', 'jsx', 'html', 'htm', 'txt', 'log', 'woff', 'woff2', 'ttf', 'otf', 'eot',
]);

/** Rejects "name@2x.png" and "git@github.com" (the SSH user of every Git forge, not a person). */
/** Mailboxes no person reads (RFC 2142 section 5 MAILER-DAEMON and postmaster, and the no-reply family). */
const NO_PERSON = new Set(['git', 'noreply', 'no-reply', 'no_reply', 'donotreply', 'do-not-reply', 'do_not_reply', 'mailer-daemon', 'postmaster']);
/**
 * A local part of only hex groups (a UUID, Amazon SES's <hex>-<uuid>-000000) is a Message-ID
 * (RFC 5322 3.6.4), not a mailbox. Runs on a matched local part (at most 64 characters).
 */
const MESSAGE_ID_LOCAL = /^(?=[0-9a-f-]{32,64}$)[0-9a-f]{4,}(?:-[0-9a-f]{4,}){3,}$/i;

function emailValid(s: string): boolean {
  const at = s.indexOf('@');
  const tld = s.slice(s.lastIndexOf('.') + 1).toLowerCase();
  if (FILE_TLDS.has(tld)) return false;
  const local = s.slice(0, at);
  return !NO_PERSON.has(local.toLowerCase()) && !MESSAGE_ID_LOCAL.test(local);
}

/** An address with its @ percent-encoded (RFC 3986 2.1), as it appears in query strings and paths. */
function encodedEmailValid(s: string): boolean {
  return emailValid(s.replace(/%40/i, '@'));
}

const EMAIL: Rule = {
  id: 'email',
  description: 'E-mail address (RFC 5321 dot-atom local part of at most 64 characters, DNS domain).',
  class: 'email',
  keywords: ['@'],
  // RFC 5321 section 4.5.3.1: local part <= 64, label <= 63. Quoted local parts and
  // address literals are left out; they do not occur in ordinary logs. Not right after
  // "//": that is the userinfo of a URL (RFC 3986 section 3.2.1), e.g. a Sentry DSN key.
  pattern:
    /(?<![A-Za-z0-9._%+-]|\/\/)[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9_-])/g,
  validate: emailValid,
  positives: [
    'user jane.doe@example.com logged in',
    '{"email":"John.Smith+billing@mail.example.co.uk"}',
    'Author: Jane Doe <jane_doe-42@example.org>',
    'mailto:support%team@example.net?subject=hi',
    'GET /api/v1/users/jane@example.com/orders',
  ],
  negatives: [
    'loaded /static/logo@2x.png in 12ms',
    'git clone git@github.com:acme/api.git',
    'npm install @babel/core@7.24.0 lodash@4.17.21',
    'ssh deploy@localhost -p 22',
    'user@ without domain',
    'root@pts/0 session opened',
    'dsn https://8f2a9c1b7d4e4f60a1b2c3d4e5f60718@o450123.ingest.sentry.io/450456',
    'From: GitHub <noreply@github.com>',
    'Message-ID: <0100018c5e1f2a3b-6cfa3a00-1f2e-4d5c-9b8a-7e6f5d4c3b2a-000000@email.amazonses.com>',
    'Message-ID: <6cfa3a00-1f2e-4d5c-9b8a-7e6f5d4c3b2a@mail.example.com>',
  ],
};

const EMAIL_ENCODED: Rule = {
  id: 'email-url-encoded',
  description: 'E-mail address with its @ percent-encoded (%40), as in query strings: /unsubscribe?email=jane%40example.com',
  class: 'email',
  keywords: ['%40'],
  pattern: /(?<![A-Za-z0-9._+-])[A-Za-z0-9._+-]{1,64}%40(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9_-])/gi,
  validate: encodedEmailValid,
  positives: ['GET /unsubscribe?email=j.smith%40outlook.com&list=weekly', 'redirect_uri=https%3A%2F%2Fapp%2Fcb%3Fu%3Djane.doe%40example.org'],
  negatives: ['GET /static/logo%402x.png', 'q=noreply%40github.com', 'npm view %40babel%2Fcore'],
};

// ---------------------------------------------------------------- phones

/**
 * E.164 numbers (ITU-T E.164 section 6: at most 15 digits including the country code).
 * Without separators a short '+digits' run is more often an offset or a counter
 * ("+86400000") than a phone, so those need 10 or more digits.
 */
function e164Valid(s: string): boolean {
  const n = digitCount(s);
  if (n < 8 || n > 15) return false;
  const hasSep = /[ ().-]/.test(s);
  if (!hasSep && n < 10) return false;
  // Separators are single (") " and " (" aside) and parentheses pair up once.
  if (/[ .-]{2}|\)\(|[.-]\(|\)[.-]/.test(s)) return false;
  const open = s.indexOf('(');
  const close = s.indexOf(')');
  if (open !== s.lastIndexOf('(') || close !== s.lastIndexOf(')')) return false;
  return (open === -1) === (close === -1) && close >= open;
}

const PHONE_E164: Rule = {
  id: 'phone-e164',
  description: 'International phone number: "+", country code and up to 15 digits (ITU-T E.164).',
  class: 'phone',
  keywords: ['+'],
  pattern: /(?<![\w+./-])\+[1-9][0-9 ().-]{5,20}[0-9](?![0-9])/g,
  validate: e164Valid,
  positives: [
    'sms sent to +14155550132',
    'callback +44 20 7946 0958 requested',
    'phone="+33 1 99 00 12 34"',
    'contact +1 (212) 555-0199 after 5pm',
    '+49 30 901820 (office)',
  ],
  negatives: [
    'offset +0100 applied',
    'semver 1.0.0+20130313144700 built',
    'latency +86400000',
    'delta +12 items',
    '2024-01-15T10:23:45+01:00 started',
  ],
};

/** North American numbers: area code and exchange both start with 2-9 (NANP). */
function nanpValid(s: string): boolean {
  if (s.startsWith('(')) return true;
  return s.charAt(3) === s.charAt(7); // "555-010-0199" or "555.010.0199", not mixed
}

const PHONE_NANP: Rule = {
  id: 'phone-nanp',
  description: 'North American phone number written (NXX) NXX-XXXX, NXX-NXX-XXXX or NXX.NXX.XXXX.',
  class: 'phone',
  // Unavoidable: the format guarantees only '-' or '.', which every log line contains.
  keywords: [],
  pattern: /(?<![\w+./-])(?:\([2-9][0-9]{2}\) ?|[2-9][0-9]{2}[-.])[2-9][0-9]{2}[-.][0-9]{4}(?![\w-]|\.[0-9])/g,
  validate: nanpValid,
  positives: [
    'call (212) 555-0199 now',
    'phone: 212-555-0142',
    'fax 415.555.0198',
  ],
  negatives: [
    'order 123-456-7890',
    'mixed 212-555.0142',
    'ip 192.168.1.1 and 10.200.30.4',
    'uuid 550e8400-e29b-41d4-a716-446655440000',
    'card 4111-1111-1111-1111',
    'date 2024-01-15',
  ],
};

const PHONE_FR: Rule = {
  id: 'phone-fr',
  description: 'French national number: 0 and nine digits in pairs, "01 23 45 67 89" (ARCEP plan).',
  class: 'phone',
  keywords: [],
  // Not preceded by a digit and a separator nor followed by one and a digit, so rows of
  // byte values in a dump ("00 01 02 03 04 05 06") do not qualify.
  pattern:
    /(?<![\w+./:-])(?<![0-9][ .-])0[1-9](?:(?: [0-9]{2}){4}|(?:\.[0-9]{2}){4}|(?:-[0-9]{2}){4})(?![\w-]|[ .:][0-9])/g,
  positives: ['rappeler au 01 99 00 12 34', 'mobile 06.39.98.45.67', 'tel=02-61-91-23-45'],
  negatives: [
    'od: 0000020 01 02 03 04 05 06 07 08',
    'pairs 01 02 03 04',
    'not 01 23.45 67 89',
    'time 01:02:03:04:05',
  ],
};

const PHONE_UK: Rule = {
  id: 'phone-uk',
  description: 'UK national number with spaces: 020 7946 0958, 0161 496 0123, 07700 900123 (Ofcom plan).',
  class: 'phone',
  keywords: [],
  pattern:
    /(?<![\w+./:-])(?<![0-9] )0(?:[1-9][0-9]{3} [0-9]{6}|[1-9][0-9]{3} [0-9]{3} [0-9]{3}|[1-9][0-9] [0-9]{4} [0-9]{4}|[1-9][0-9]{2} [0-9]{3} [0-9]{4})(?![\w-]|[ .:][0-9])/g,
  positives: ['call 020 7946 0958', 'mobile 07700 900123', 'office 0161 496 0123', 'm: 07700 900 123'],
  negatives: ['02079460958 without spaces', 'counts 1020 7946 0958', 'id 0 12 34'],
};

/** A phone number after a phone-ish key: 7 to 15 digits, and not an ISO date. */
function contextPhoneValid(s: string): boolean {
  const n = digitCount(s);
  return n >= 7 && n <= 15 && !/^[0-9]{4}-[0-9]{2}-[0-9]{2}/.test(s);
}

const PHONE_CONTEXT: Rule = {
  id: 'phone-in-context',
  description: 'Any national phone format after a key such as phone, tel, mobile, fax or msisdn.',
  class: 'phone',
  keywords: ['phone', 'tel', 'mobile', 'cell', 'fax', 'handy', 'portable', 'msisdn'],
  pattern: new RegExp(
    String.raw`\b(?:phone|telephone|tel|telefon|telefono|mobile|cell|fax|handy|portable|msisdn)${NUMBER_SUFFIX}` +
      String.raw`["']?[ \t]{0,3}[:=][ \t]{0,3}["']?(?<secret>\+?[0-9][0-9 ()/.-]{5,20}[0-9])(?![0-9])`,
    'gi',
  ),
  validate: contextPhoneValid,
  positives: [
    'phone: 030 12345678',
    '{"mobile":"0171 1234567"}',
    'telefon=089/1234567',
    'Phone_Number = 06-12345678',
  ],
  negatives: ['phone: 123', 'cell: 2024-01-15 10:00', 'telemetry: 1234567890', 'phone_count=1234567'],
};

// ---------------------------------------------------------------- IP addresses

const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';

/** "Version=4.0.0.0" (.NET assembly names), "version: 1.2.3.4", "ver 2.0.0.1": a version, named so. */
const VERSION_BEFORE = /\bver(?:sion)?["']?[ \t]{0,2}[=:]?[ \t]{0,2}["']?$/i;

/**
 * 0.0.0.0/8 is "this network" and 255.x a mask or broadcast (RFC 1122 3.2.1.3): no host.
 * 127.0.0.0/8 is loopback (RFC 1122 3.2.1.3 (g)): the machine itself, never a person's.
 */
function ipv4Valid(s: string, text: string, start: number): boolean {
  if (s.startsWith('0.') || s.startsWith('255.') || s.startsWith('127.')) return false;
  return !VERSION_BEFORE.test(text.slice(Math.max(0, start - 12), start));
}

const IPV4: Rule = {
  id: 'ipv4',
  description: 'IPv4 address in dotted-quad form with octets 0-255 and no leading zeros (RFC 791); not 0.x, 127.x (loopback) or 255.x, nor a quad after "version".',
  class: 'ip',
  keywords: ['.'],
  // A bare dotted quad is taken for an address even when someone meant a version: the
  // two cannot be told apart, and redacting a version under gdpr costs little. But not
  // after a word character, '.', '-' or "letter/" ("v1.2.3.4", "Chrome/120.0.0.0"), and
  // not followed by another ".digit" (an OID, or four parts of a longer version).
  pattern: new RegExp(
    String.raw`(?<![\w.-]|[A-Za-z]/)${OCTET}(?:\.${OCTET}){3}(?![\w-]|\.[0-9])`,
    'g',
  ),
  validate: ipv4Valid,
  positives: [
    'client 203.0.113.42 connected',
    'remote_addr=198.51.100.7:51234',
    'GET http://192.0.2.10/health',
    '{"ip":"10.0.0.1"}',
  ],
  negatives: [
    'version v1.2.3.4',
    'System.Runtime, Version=4.0.0.0, Culture=neutral',
    '{"version":"4.4.0.1"}',
    'nginx/1.25.3',
    'Mozilla/5.0 Chrome/120.0.0.0 Safari/537.36',
    'octet 10.0.0.256',
    'listening on 127.0.0.1:3000',
    'oid 1.3.6.1.4.1.2021',
    'three parts 1.2.3',
    'bind 0.0.0.0:8080',
    'mask 255.255.255.0',
  ],
};

/** The candidate (zone index stripped) must be an IPv6 address with at least one decimal digit. */
function ipv6Valid(s: string): boolean {
  const pct = s.indexOf('%');
  const addr = pct === -1 ? s : s.slice(0, pct);
  // "dead::beef" and "Bad::Face" (C++/Ruby scopes) are syntactically addresses; real ones
  // almost always carry a digit.
  return /[0-9]/.test(addr) && isIPv6(addr);
}

const IPV6: Rule = {
  id: 'ipv6',
  description: 'IPv6 address in full, compressed or IPv4-mapped form, with an optional zone (RFC 4291, RFC 6874).',
  class: 'ip',
  keywords: [':'],
  // Loose and linear: up to 7 "hex{0,4}:" groups, then a last group or a dotted quad.
  // Each group ends with ':', so the split is unique; isIPv6 decides the rest.
  pattern:
    /(?<![0-9A-Za-z:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:[0-9]{1,3}\.){3}[0-9]{1,3})?(?:%[0-9A-Za-z]{1,16})?(?![0-9A-Za-z:]|\.[0-9])/g,
  validate: ipv6Valid,
  positives: [
    'client 2001:db8::1 connected',
    'listen [2001:0db8:0000:0000:0000:ff00:0042:8329]:443',
    'peer ::ffff:192.0.2.128 accepted',
    'link-local fe80::1ff:fe23:4567:890a%eth0',
    'loopback ::1',
  ],
  negatives: [
    'at 10:23:45 the job ran',
    'mac 00:1a:2b:3c:4d:5e',
    'std::vector<int>',
    'Foo::Bar::baz',
    'dead::beef',
    'ratio 1:2:3',
    'a:a:a:a:a:a:a:a:a:a',
  ],
};

// ---------------------------------------------------------------- payment cards

/**
 * Issuer identification ranges (ISO/IEC 7812-1 IIN; ranges and lengths as the networks
 * publish them): [first prefix, last prefix, min length, max length].
 */
const CARD_RANGES: readonly (readonly [string, string, number, number])[] = [
  ['4', '4', 13, 19], // Visa (13, 16, 19 in practice)
  ['51', '55', 16, 16], // Mastercard
  ['2221', '2720', 16, 16], // Mastercard 2-series (2017)
  ['34', '34', 15, 15], // American Express
  ['37', '37', 15, 15],
  ['6011', '6011', 16, 19], // Discover
  ['644', '649', 16, 19],
  ['65', '65', 16, 19],
  ['3528', '3589', 16, 19], // JCB
  ['300', '305', 14, 19], // Diners Club
  ['3095', '3095', 14, 19],
  ['36', '36', 14, 19],
  ['38', '39', 14, 19],
  ['62', '62', 16, 19], // UnionPay
  ['2200', '2204', 16, 19], // Mir
  ['50', '50', 13, 19], // Maestro
  ['56', '69', 13, 19],
];

/** True when the digits fall in a card network's issuer range with its length, and pass Luhn. */
/** A trace or span id named just before the digits (`dd.trace_id=`, `"x-datadog-parent-id":"`): Datadog's are decimal. */
const TRACE_ID_BEFORE = /(?:trace|span|parent)[._-]?id["']?[ \t]{0,4}[:=][ \t]{0,4}["']?$/i;

export function paymentCardValid(s: string, text?: string, start?: number): boolean {
  if (text !== undefined && start !== undefined && TRACE_ID_BEFORE.test(text.slice(Math.max(0, start - 32), start))) return false;
  const seps = s.match(/[ -]/g);
  if (seps !== null && seps.some((c) => c !== seps[0])) return false;
  const digits = s.replace(/[ -]/g, '');
  if (!/^[0-9]{13,19}$/.test(digits)) return false;
  const inRange = CARD_RANGES.some(([lo, hi, min, max]) => {
    const p = digits.slice(0, lo.length);
    return p >= lo && p <= hi && digits.length >= min && digits.length <= max;
  });
  return inRange && luhnValid(digits);
}

const PAYMENT_CARD: Rule = {
  id: 'payment-card',
  description: 'Payment card number (PAN): issuer range, length and Luhn (ISO/IEC 7812-1), plain or grouped.',
  class: 'card',
  // Unavoidable: a PAN is digits only.
  keywords: [],
  // 13-19 contiguous digits, or the printed groupings 4-4-4-4 (most networks), 4-6-5
  // (Amex) and 4-6-4 (Diners) with one kind of separator (checked in validate).
  pattern:
    /(?<![0-9A-Za-z_.-])(?:[0-9]{13,19}|[0-9]{4}[ -][0-9]{4}[ -][0-9]{4}[ -][0-9]{4}|[0-9]{4}[ -][0-9]{6}[ -][0-9]{4,5})(?![0-9A-Za-z_]|\.[0-9])/g,
  validate: paymentCardValid,
  positives: [
    'charge card=4111111111111111 amount=10',
    'pan 5555 5555 5555 4444 declined',
    'amex 3782-822463-10005',
    'GET /v1/cards/6011111111111117',
    '{"number":"2223003122003222"}',
    'diners 3056 930902 5904',
  ],
  negatives: [
    "dd.trace_id=4532015112830366 dd.span_id=1234",
    '{"x-datadog-parent-id":"6545257864471439916"}',
    'epoch_ms 1700000000000',
    'ns 1700000000000000000',
    'luhn fails 4111111111111112',
    'mixed 4111 1111-1111 1111',
    'sha 4111111111111111a',
    'version 4111111111111111.1',
    'order 1234567812345678',
  ],
};

// ---------------------------------------------------------------- bank accounts

const IBAN: Rule = {
  id: 'iban',
  description: 'International Bank Account Number: country, length per SWIFT registry, ISO 7064 mod-97 check.',
  class: 'bank',
  // Unavoidable: the only literal an IBAN always has is its country code (two letters).
  keywords: [],
  // Electronic form (no spaces) or print form (groups of four, ISO 13616-1 section 5.3).
  pattern:
    /(?<![0-9A-Za-z])[A-Z]{2}[0-9]{2}(?:[0-9A-Z]{11,30}|(?: [0-9A-Z]{4}){2,7}(?: [0-9A-Z]{1,4})?)(?![0-9A-Za-z])/g,
  validate: ibanValid,
  positives: [
    'refund to DE89 3704 0044 0532 0130 00 queued',
    'iban=GB82WEST12345698765432',
    '{"account":"FR14 2004 1010 0505 0001 3M02 606"}',
    'NL91ABNA0417164300',
  ],
  negatives: [
    'DE89 3704 0044 0532 0130 01 (bad check)',
    'XX12345678901234567',
    'AB12CD34EF56GH78IJ90KL12MN34OP56QR78ST90UV12WX34YZ56AB78CD90EF12',
    'de89370400440532013000',
  ],
};

/** Every personal-data rule, in the order the catalogue lists them. */
export const PII_RULES: readonly Rule[] = [
  EMAIL,
  EMAIL_ENCODED,
  PHONE_E164,
  PHONE_NANP,
  PHONE_FR,
  PHONE_UK,
  PHONE_CONTEXT,
  IPV4,
  IPV6,
  PAYMENT_CARD,
  IBAN,
  ...NATIONAL_ID_RULES,
];
