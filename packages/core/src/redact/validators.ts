/**
 * Validators that rules call on a candidate match to cut false positives: entropy,
 * the CRC32/base62 checksum of GitHub and npm tokens, Luhn, IBAN mod-97 and a JWT
 * shape check. All are pure functions of their input; the one table (CRC32) is built
 * on first use so importing this module does no work.
 */

import { invalidOption } from '../errors.js';

/**
 * Shannon entropy in bits per character, H = -sum(p_i * log2 p_i) over the
 * distribution of code points in `s` (Shannon 1948). 0 for the empty string.
 * A random base62 string of length n approaches min(log2 62, log2 n) bits/char.
 */
export function shannonEntropy(s: string): number {
  const counts = new Map<string, number>();
  let n = 0;
  for (const ch of s) {
    counts.set(ch, (counts.get(ch) ?? 0) + 1);
    n++;
  }
  if (n === 0) return 0;
  let h = 0;
  for (const c of counts.values()) {
    const p = c / n;
    h -= p * Math.log2(p);
  }
  return h;
}

// IEEE 802.3 CRC-32 (reflected polynomial 0xEDB88320), the one zlib and Go's
// crc32.ChecksumIEEE compute. The table is built lazily on the first call.
let crcTable: Uint32Array | undefined;

function getCrcTable(): Uint32Array {
  if (crcTable !== undefined) return crcTable;
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  crcTable = t;
  return t;
}

/** CRC-32/IEEE of the UTF-8 bytes of `s` (or of the given bytes), as an unsigned 32-bit integer. */
export function crc32(s: string | Uint8Array): number {
  const table = getCrcTable();
  const bytes = typeof s === 'string' ? utf8(s) : s;
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    crc = (crc >>> 8) ^ (table[(crc ^ (bytes[i] as number)) & 0xff] as number);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function utf8(s: string): Uint8Array {
  // Tokens are ASCII; skip the encoder on the hot path when they are.
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (!ascii) return new TextEncoder().encode(s);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The base62 alphabet GitHub and npm use for token checksums: digits, then A-Z, then a-z. */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * `n` in base62 (0-9A-Za-z), left-padded with '0' to at least `width` characters.
 * Never truncates: a value wider than `width` keeps all its digits.
 */
export function base62(n: number, width: number): string {
  if (!Number.isSafeInteger(n) || n < 0) invalidOption('n', 'a non-negative safe integer', n);
  if (!Number.isSafeInteger(width) || width < 0 || width > 64) invalidOption('width', 'an integer in 0..64', width);
  let out = '';
  let v = n;
  do {
    out = BASE62.charAt(v % 62) + out;
    v = Math.floor(v / 62);
  } while (v > 0);
  return out.length >= width ? out : '0'.repeat(width - out.length) + out;
}

const BASE62_RE = /^[0-9A-Za-z]+$/;

/**
 * The checksum scheme of GitHub's 2021 token format ("Behind GitHub's new authentication
 * token formats", github.blog, 2021-04-05) and npm's granular tokens (github.blog,
 * 2021-09-23): after `prefix_` come 30 random base62 characters and then the CRC32 of
 * those 30 characters, base62-encoded and zero-padded to 6. The prefix is not part of
 * the CRC input.
 */
function base62Crc32Valid(token: string, prefixRe: RegExp): boolean {
  const m = prefixRe.exec(token);
  if (m === null) return false;
  const body = token.slice(m[0].length);
  if (body.length !== 36 || !BASE62_RE.test(body)) return false;
  return base62(crc32(body.slice(0, 30)), 6) === body.slice(30);
}

/** True when a `ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_` token carries a correct CRC32 checksum. */
export function githubTokenChecksumValid(token: string): boolean {
  return base62Crc32Valid(token, /^gh[pousr]_/);
}

/** True when an `npm_` access token carries a correct CRC32 checksum (same scheme as GitHub). */
export function npmTokenChecksumValid(token: string): boolean {
  return base62Crc32Valid(token, /^npm_/);
}

/**
 * Luhn mod-10 check (ISO/IEC 7812-1 annex B) used by payment card numbers. Spaces and
 * hyphens between digits are ignored, any other non-digit fails; needs at least 2 digits.
 */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let count = 0;
  for (let i = digits.length - 1; i >= 0; i--) {
    const c = digits.charCodeAt(i);
    if (c === 0x20 || c === 0x2d) continue;
    if (c < 0x30 || c > 0x39) return false;
    let d = c - 0x30;
    if (count % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    count++;
  }
  return count >= 2 && sum % 10 === 0;
}

/**
 * IBAN length per country, from the SWIFT IBAN Registry (ISO 13616-1), release 99 (2025).
 * A country absent here fails validation: that keeps random "XX00..." strings out.
 */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28,
  CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18,
  FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HN: 28, HR: 21, HU: 28,
  IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20,
  LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28,
  NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24,
  SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26,
  UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
};

/**
 * ISO 13616 / ISO 7064 MOD 97-10 check: move the first four characters to the end,
 * map letters to 10..35 and require the number mod 97 to be 1. Also checks the
 * country's registered length. Accepts the print form (groups of four separated by
 * spaces) and lowercase.
 */
export function ibanValid(s: string): boolean {
  const iban = s.replace(/ /g, '').toUpperCase();
  if (!/^[A-Z]{2}[0-9]{2}[0-9A-Z]{1,30}$/.test(iban)) return false;
  const len = IBAN_LENGTHS[iban.slice(0, 2)];
  if (len === undefined || iban.length !== len) return false;
  const check = Number(iban.slice(2, 4));
  if (check < 2 || check > 98) return false; // ISO 7064: check digits are 02..98
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    // Digits fold in one at a time, letters as two digits (A=10 .. Z=35); rem stays < 97*100.
    rem = c <= 0x39 ? (rem * 10 + (c - 0x30)) % 97 : (rem * 100 + (c - 55)) % 97;
  }
  return rem === 1;
}

const B64URL_RE = /^[A-Za-z0-9_-]*$/;

/**
 * Decodes unpadded base64url (RFC 4648 section 5, as JWS uses it, RFC 7515 section 2).
 * Trailing '=' padding is tolerated. Returns undefined for any other character or an
 * impossible length (4k+1).
 */
export function base64urlDecode(s: string): Uint8Array | undefined {
  const body = s.replace(/={1,2}$/, '');
  if (!B64URL_RE.test(body) || body.length % 4 === 1) return undefined;
  return new Uint8Array(Buffer.from(body, 'base64url'));
}

function decodeJson(part: string): unknown {
  const bytes = base64urlDecode(part);
  if (bytes === undefined || bytes.length === 0) return undefined;
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * A JWS compact serialisation (RFC 7515 section 7.1): three base64url parts separated by
 * dots; the header decodes to a JSON object with a string `alg` (section 4.1.1); the
 * payload decodes to JSON. The signature may be empty (an unsecured JWT, RFC 7519
 * section 6), which still carries claims worth redacting.
 */
export function isJwt(s: string): boolean {
  const parts = s.split('.');
  if (parts.length !== 3) return false;
  const [h, p, sig] = parts as [string, string, string];
  if (!B64URL_RE.test(sig)) return false;
  const header = decodeJson(h);
  if (header === null || typeof header !== 'object' || Array.isArray(header)) return false;
  if (typeof (header as Record<string, unknown>)['alg'] !== 'string') return false;
  return decodeJson(p) !== undefined;
}

// Words a log line puts where a credential would go when it holds none, and the status
// words it puts after the key word ("webhook secret: configured", "authorization: declined").
const PLACEHOLDER_WORD =
  /^(?:null|nil|none|undefined|true|false|yes|no|n\/a|na|empty|unset|not[ _-]?set|missing|required|optional|invalid|incorrect|wrong|expired|changed|reset|hidden|masked|redacted|filtered|removed|omitted|placeholder|example|dummy|todo|tbd|string|str|bool|boolean|number|int|object|function|default|configured|provided|present|absent|accepted|rejected|denied|approved|declined|captured|completed|failed|succeeded|success|pending|rotated|updated|revoked|verified|valid|mismatch|ok|set|unchanged|generated|saved|stored|loaded|found|weak|strong|policy|files)$/;

/**
 * True when an assignment's value is obviously not a credential: an empty or constant
 * string, a mask ('******', 'ab***yz', 'xxxx', '•••'), a placeholder word ('null',
 * 'undefined', 'redacted'), or a template / variable reference ('${DB_PASS}', '$TOKEN',
 * '{{ secret }}', '%s', '<password>', '[FILTERED]', ':password', 'process.env.X').
 * Used by free-text assignment rules so `password=******` or `token: null` are not findings.
 */
export function isPlaceholder(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (v.length === 0) return true;
  if (PLACEHOLDER_WORD.test(v)) return true;
  if (/^(.)\1*$/su.test(v)) return true;
  if (/^[*•x#.?_-]+$/u.test(v) || /[*•]{3}/u.test(v)) return true;
  if (/^(?:your|my|insert|enter|replace|put)[_ -]/.test(v)) return true; // 'YOUR_API_KEY', 'my-secret'
  // A YAML tag stands where the value will be filled in (Ansible !vault, CloudFormation !Ref).
  if (/^!(?:vault|ref|sub|getatt|importvalue|join|env|include|secret)\b/.test(v)) return true;
  // An opening '${' or '{{' is a reference even when the scan cut it short ('${PW:?must').
  if (v.startsWith('${') || v.startsWith('{{')) return true;
  // '?' is a SQL bind parameter ("password = ?") or the message of a shell "${PW:?unset}".
  if (v.startsWith('?')) return true;
  // A Windows environment reference (%DB_PASS%), a Vault reference (vault:secret/data/db#password),
  // and the secret AWS documents for examples (wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY).
  if (/^%[a-z_][a-z0-9_]*%$/.test(v) || v.startsWith('vault:') || v.endsWith('examplekey')) return true;
  // A mask another tool already wrote: **REDACTED**, [FILTERED], <hidden>.
  if (/^[\W_]{0,4}(?:redacted|filtered|masked|hidden|removed|omitted)[\W_]{0,4}$/.test(v)) return true;
  return /^(?:\$\{[^}]*\}|\$\(?[a-z_][a-z0-9_]*\)?|\{\{.*\}\}|\{[a-z_][a-z0-9_.]*\}|%[sdv]|%\([a-z_]+\)s|<[^>]*>|\[[^\]]*\]|:[a-z_][a-z0-9_]*|@[a-z_][a-z0-9_]*|(?:process\.env|os\.environ|env|getenv|secrets|vars)\b.*)$/.test(v);
}
