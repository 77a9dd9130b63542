/**
 * Generic secret rules: shapes that are secret whoever issued them. Private key blocks
 * (RFC 7468 PEM, OpenSSH, PGP armor RFC 4880, PuTTY), JWTs (RFC 7519), credentials in
 * URLs (RFC 3986 section 3.2.1 userinfo) and database connection strings, HTTP
 * Authorization / Proxy-Authorization (RFC 9110 section 11), Cookie / Set-Cookie
 * (RFC 6265 section 4) and `password=` / `secret:` / `token ->` / `api_key =` style
 * assignments in free text.
 *
 * Patterns are linear-time: every start is anchored on a literal (a scheme, a header
 * name, a key word), repeats are bounded, and a body class never contains the
 * character that ends it. Assignment rules reject placeholders ('******', 'null',
 * '${VAR}') through isPlaceholder and carry an entropy floor.
 */

import type { Rule } from './rule.js';
import { isCodeOrProse } from './assignment-value.js';
import { isCursorTokenName } from './key-exemptions.js';
import { isJwt, isPlaceholder } from './validators.js';

const notPlaceholder = (s: string): boolean => !isPlaceholder(s);
/** An assignment's value that is neither a placeholder nor code or prose (assignment-value.ts). */
const assignedValue = (s: string, text: string, start: number, end: number): boolean =>
  !isPlaceholder(s) && !isCodeOrProse(s, text, start, end);

/** The key an assignment's value belongs to: the name just before the separator (`NextToken` in `"NextToken":"..."`). */
function keyBefore(text: string, start: number): string {
  const m = KEY_BEFORE.exec(text.slice(Math.max(0, start - 120), start));
  return m === null ? '' : m[1]!;
}

/**
 * password-assignment, beyond assignedValue: `PASS:` in capitals with no prefix is a test
 * runner's verdict (`--- PASS: TestLogin (0.02s)`), a bare `pass` holding `key=value` is a
 * status line (`health check pass: db=ok`), and a quoted phrase right after the word with no
 * operator is a message (`password "must be at least 12 characters"`).
 */
const passwordValue = (s: string, text: string, start: number, end: number): boolean => {
  if (!assignedValue(s, text, start, end)) return false;
  const before = text.slice(Math.max(0, start - 16), start);
  if (/(?:^|[^A-Za-z0-9_.-])PASS[ \t]{0,4}:[ \t]{0,8}$/.test(before)) return false;
  if (/(?:^|[^A-Za-z])pass[ \t]{0,4}[:=][ \t]{0,8}$/i.test(before) && /^[A-Za-z_][\w.-]{0,40}=/.test(s)) return false;
  if (/[A-Za-z][ \t]{1,4}["'\x60]$/.test(before) && /\s/.test(s)) return false;
  return true;
};

/** token-assignment: not a pagination cursor (`NextToken`, `pageToken`, `continuation-token`: key-exemptions.ts). */
const tokenValue = (s: string, text: string, start: number, end: number): boolean =>
  // Mapbox `pk.` tokens are public by design (account.mapbox.com: "public tokens").
  assignedValue(s, text, start, end) && !s.startsWith('pk.eyJ') && !isCursorTokenName(keyBefore(text, start));

/**
 * Between a key and its value: an optional closing quote (maybe backslash-escaped, as
 * in JSON inside a string), blanks (up to 40 before the operator: column-aligned output such
 * as Terraform plans), one of = : := => ->, blanks, an optional opening quote.
 */
const SEP = String.raw`\\?["'\x60]?[ \t]{0,40}(?::=|=>|->|[:=])[ \t]{0,8}\\?["'\x60]?`;
/** The key name just before a value and its SEP (keyBefore). */
const KEY_BEFORE = new RegExp(`([A-Za-z0-9_.-]{1,64})${SEP}$`);

/**
 * The value of an assignment, as the `secret` group, `min`..`max` characters long. If
 * SEP consumed an opening quote, the value runs (lazily) to the matching quote, spaces
 * included when `spacesInQuotes` (passphrases); otherwise it is one bare word. The
 * lookbehinds inside the group pick the branch, so the branches never compete.
 *
 * `escapes` (passwords only): inside a plain double-quoted value a backslash escapes the next
 * character (JSON "a\"b"), inside single quotes '' is a quote (YAML, SQL), so such a password
 * is hidden whole instead of up to its first quote. An escape lets a value run past a quote,
 * so a line of repeated `key:'` costs up to `max` steps per repetition: kept to the short
 * password values (256), where that stays linear in practice (test/redact-redos.test.ts).
 */
function value(min: number, max: number, spacesInQuotes: boolean, escapes = false): string {
  const sp = spacesInQuotes ? '' : String.raw`\s`;
  const dq = escapes
    ? // An escaped opening quote (JSON inside a JSON string) closes at \"; a plain one at an unescaped ".
      String.raw`(?<=\\")[^"\r\n${sp}]{${min},${max}}?(?=\\")|(?<=[^\\]")(?:[^"\\\r\n${sp}]|\\[^\r\n]){${min},${max}}?(?=")`
    : String.raw`(?<=")[^"\r\n${sp}]{${min},${max}}?(?=\\?")`;
  const sq = escapes ? String.raw`(?<=')(?:[^'\r\n${sp}]|''){${min},${max}}?(?='(?!'))` : String.raw`(?<=')[^'\r\n${sp}]{${min},${max}}?(?=\\?')`;
  return (
    String.raw`(?<secret>${dq}|${sq}` +
    String.raw`|(?<=\x60)[^\x60\r\n${sp}]{${min},${max}}?(?=\x60)` +
    // A bare word. A delimiter inside it belongs to it unless it plausibly ends it: '&' or ';'
    // before the next key= (query strings, connection strings; '&amp;' in HTML-escaped ones), ','
    // before key= or key:, a closing bracket before anything but a word character.
    String.raw`|(?<![^\s=:>])(?:[^\s"'\x60,;&<>()[\]{}\\]|&(?!amp;|[A-Za-z_][\w.-]{0,40}=)|;(?![ \t]{0,4}[A-Za-z_][\w. -]{0,40}=)(?=\S)` +
    String.raw`|,(?![A-Za-z_][\w.-]{0,40}[=:])(?=[A-Za-z0-9])|[)\]}](?=[A-Za-z0-9])){${min},${max}})`
  );
}

/**
 * A `key SEP value` assignment; `key` is matched case-insensitively anywhere in a longer
 * name. Prose ("password is 'x'", "token was set to 'x'") counts only with a quoted value,
 * so "password is required" is not a finding. `quotedAfterKey` (passwords only) also takes a
 * quoted value right after the word (`created user with password "x"`); for `secret` that
 * would be Kubernetes' `secret "api-token" not found`, a resource name.
 */
function assignment(key: string, val: string, quotedAfterKey = false): RegExp {
  const verb = quotedAfterKey ? String.raw`(?:(?:is|was|set to)[ \t]{1,4})?` : String.raw`(?:is|was|set to)[ \t]{1,4}`;
  return new RegExp(`${key}(?:${SEP}|[ \t]{1,4}${verb}["'\x60])${val}`, 'gi');
}

// --- Key material ---

/** A base64 blob that decodes to a PEM private key block (Kubernetes Secret data, env vars). */
function base64PrivateKey(v: string): boolean {
  return /-{5}BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY/.test(Buffer.from(v.slice(0, 120), 'base64').toString('latin1'));
}

const KEYS: Rule[] = [
  {
    id: 'private-key-der-line',
    description: 'The first base64 line of a private key (DER prefixes of PKCS#1 RSA, PKCS#8, SEC1 EC, Ed25519, openssh-key-v1) logged without its armor',
    class: 'secret',
    // Logging a PEM file one line per record leaves each body line on its own. The DER a
    // private key starts with is fixed (RFC 8017 A.1.2 version 0 + modulus, RFC 5208
    // version 0 + rsaEncryption, RFC 5915 version 1, RFC 8410, OpenSSH PROTOCOL.key magic),
    // so its first line is recognisable; later lines are not.
    keywords: ['ibaakca', 'adanbgkqhkig9w0baqefaasc', 'mhccaqeei', 'mc4caqawbqydk2vwbciei', 'b3blbnnzac1rzxktdjea', 'mighageambmgbyqgsm49'],
    pattern:
      /(?<![A-Za-z0-9+/])(?<secret>(?:MII[A-Za-z0-9+/]{2,3}IBAAKCA[QgC]EA|MII[A-Za-z0-9+/]{2,3}IBADANBgkqhkiG9w0BAQEFAASC|MHcCAQEEI|MC4CAQAwBQYDK2VwBCIEI|b3BlbnNzaC1rZXktdjEA|MIGHAgEAMBMGByqGSM49)[A-Za-z0-9+/]{16,8192}={0,2})/g,
    positives: [
      'MIIEowIBAAKCAQEAoy1XXuVAQpqHbQE05mkhrNg/124F/2K9OanizZTZUUhK08U8',
      '{"line":"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj"}',
      'key line: b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
      'MC4CAQAwBQYDK2VwBCIEIKbvWDDRmJTd8hWXjXV+bN5MhKjr4q9wA0h6cW8DpSdE',
    ],
    negatives: [
      'MIIBszCCAVmgAwIBAgIUTESTTESTTESTTESTTESTTESTTESTTESTTESTTEST',
      'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo',
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl',
    ],
  },
  {
    id: 'private-key-base64',
    description: 'A PEM private key block, base64-encoded whole (Kubernetes Secret data, *_B64 variables)',
    class: 'secret',
    // base64 of "-----BEGIN " (aligned at the start of the blob, as an encoded file is).
    keywords: ['ls0tls1crudjti'],
    pattern: /(?<![A-Za-z0-9+/])(?<secret>LS0tLS1CRUdJTi[A-Za-z0-9+/]{100,65536}={0,2})(?![A-Za-z0-9+/=])/g,
    validate: base64PrivateKey,
    positives: [
      'tls.key: ' + Buffer.from('-----BEGIN RSA PRIVATE KEY-----\nMIIEogIBAAKCAQEAoy1XXuVAQpqHbQE05mkhrNg/124F/2K9OanizZTZUUhK08U8\n-----END RSA PRIVATE KEY-----\n').toString('base64'),
    ],
    negatives: ['tls.crt: ' + Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUTESTTESTTESTTESTTESTTESTTESTTESTTESTTEST\n-----END CERTIFICATE-----\n').toString('base64')],
  },
  {
    id: 'private-key',
    description: 'Private key block: PKCS#1/#8, EC, DSA, OpenSSH, encrypted PEM, PGP, SSH2 (body redacted, armor kept)',
    class: 'secret',
    keywords: ['private key'],
    // RFC 7468 section 2: the label between BEGIN and END; the body never holds a run of
    // four dashes, so a scan from one BEGIN stops at the next armor line.
    pattern:
      /-{4,5} ?BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)? ?-{4,5}(?<secret>(?:[^-]|-(?!---)){40,65536})-{4,5} ?END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)? ?-{4,5}/g,
    positives: [
      '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIKbvWDDRmJTd8hWXjXV+bN5MhKjr4q9wA0h6cW8DpSdE\n-----END PRIVATE KEY-----',
      '{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\\nZpHOGHf2siQJSUPjAP2snpOTkDtYyFkmEXcAzA1/oyK7GGzPh4p2ZOr8MXtfimv+\\nP0lnM0Z2lQ67TWhaFFwH05CWCcHjj1vrd0frUSlvpTVAmujye1tr70UZkeRnl47v\\n-----END PRIVATE KEY-----\\n"}',
      '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,3F17F5316E2BAC89\n\nCbNTjKUxnfKRm1JWbbecrZkiXbLbFgRsQQORimOD4nGEG4DR87rIU6gu+Ap25JWL\n-----END RSA PRIVATE KEY-----',
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACCbNTjKUxnfKRm1JWbbecrZkiXbLbFgRsQQORimOD4nGEG4DR87rIU6gu\n-----END OPENSSH PRIVATE KEY-----',
      '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIKbvWDDRmJTd8hWXjXV+bN5MhKjr4q9wA0h6cW8DpSdEoAoGCCqGSM49\n-----END EC PRIVATE KEY-----',
      '-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\nlQOYBGXfimv+P0lnM0Z2lQ67TWhaFFwH05CWCcHjj1vrd0frUSlvpTVAmujye1tr\n=Zp4O\n-----END PGP PRIVATE KEY BLOCK-----',
      '---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nComment: "rsa-key-20240101"\nP2/56wAAA+4AAAA3aWYtbW9kbntzaWdue3JzYS1wa2NzMS1zaGExfSxlbmNyeXB0e3JzYS1wa2NzMXYyLW9hZXB9fQ==\n---- END SSH2 ENCRYPTED PRIVATE KEY ----',
    ],
    negatives: [
      '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----',
      '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUTEST\n-----END CERTIFICATE-----',
      '-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----',
      'load the private key from disk',
    ],
  },
  {
    id: 'putty-private-key',
    description: 'PuTTY .ppk private key (the Private-Lines block)',
    class: 'secret',
    keywords: ['private-lines:'],
    pattern:
      /Private-Lines:[ \t]{0,4}\d{1,4}(?:\r?\n|\\r?\\n)(?<secret>[A-Za-z0-9+/=\r\n\\]{20,16384}?)(?:\r?\n|\\r?\\n)Private-MAC:/g,
    positives: [
      // (the public lines must not repeat bytes of the private ones: the corpus test looks for any fragment)
      'PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: eddsa-key-20240101\nPublic-Lines: 2\nAAAAC3NzaC1lZDI1NTE5AAAAIFQ\nc1oTq7Wv0ZpLx3KfYe2Rg9NsJuAm\nPrivate-Lines: 1\nAAAAIBxKbvWDDRmJTd8hWXjXV+bN5MhKjr4q9wA0h6cW8DpSdE\nPrivate-MAC: 5d3b2a7cd34b9ff4f2a1c0d8e6b7a9c1f0e2d3c4b5a69788796a5b4c3d2e1f00',
    ],
    negatives: ['Private-Lines: 1\nshort\nPrivate-MAC: 00', 'Public-Lines: 2\nAAAAC3NzaC1lZDI1NTE5AAAAIFQbk5MhKjr4q9wA0h6cW8DpSdE\nPrivate-MAC: 00'],
  },
  {
    id: 'jwt',
    description: 'JSON Web Token (JWS compact form; header must decode to JSON with an alg)',
    class: 'secret',
    keywords: ['eyj'],
    pattern:
      /(?:(?<![A-Za-z0-9_-])|(?<=%[0-9A-Fa-f]{2}|\\[nrt]))(?<secret>eyJ[A-Za-z0-9_-]{8,4096}\.[A-Za-z0-9_-]{2,16384}\.[A-Za-z0-9_-]{0,2048})(?![A-Za-z0-9_-])/g,
    validate: isJwt,
    positives: [
      'Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.xwhi3p8LYFYJ0nGxiIFAst_N_3hec0nlvGrr6SIlsnD',
      'id_token=eyJhbGciOiJub25lIn0.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.&state=1',
      'SUPABASE_SERVICE_ROLE_KEY=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2lnbmF0dXJlLWJ5dGVzLWdvLWhlcmU',
    ],
    negatives: [
      'eyJub3QiOiJhIGp3dCJ9.eyJzdWIiOiIxIn0.c2ln', // header has no alg
      'eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln', // payload is not JSON
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0', // two parts
      'keyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln', // inside a longer word
    ],
  },
];

// --- Credentials in URLs and connection strings ---

const DB_SCHEMES = String.raw`postgres(?:ql)?|pgsql|mysqlx?|mariadb|mongodb(?:\+srv)?|rediss?|amqps?`;
// userinfo = user ":" password "@" (RFC 3986 section 3.2.1). The password runs to the
// last '@' before the path, as WHATWG URL parsing does, so an unescaped '@' in it is kept.
const USER = String.raw`[^\s:@/?#"'<>\\]{0,128}`;
const PASS = String.raw`(?<secret>[^\s/?#"'<>\\]{1,256})@`;

function dbUrl(id: string, name: string, schemes: string, positives: string[], negatives: string[]): Rule {
  return {
    id,
    description: `${name} connection URL with a password (user:password@)`,
    class: 'secret',
    keywords: ['://'],
    pattern: new RegExp(String.raw`(?<![A-Za-z0-9+.-])(?:${schemes})(?:\+[A-Za-z0-9]{1,20})?://${USER}:${PASS}`, 'gi'),
    validate: notPlaceholder,
    positives,
    negatives,
  };
}

const URLS: Rule[] = [
  {
    id: 'url-credentials',
    description: 'Password in the userinfo of any URL (scheme://user:password@host); only the password is redacted',
    class: 'secret',
    keywords: ['://'],
    pattern: new RegExp(
      String.raw`(?<![A-Za-z0-9+.-])(?!(?:${DB_SCHEMES})(?:\+[A-Za-z0-9]{1,20})?://)[A-Za-z][A-Za-z0-9+.-]{1,30}://${USER}:${PASS}`,
      'gi',
    ),
    validate: notPlaceholder,
    positives: [
      'GET https://deploy:Tr0ub4dor3x@example.com/repo.git',
      'proxy=http://squid:p%40ss%3Aw0rd@10.0.0.1:3128',
      'ftp://anonymous:s3cr3t-p@ss@files.example.org/pub',
      'sqlserver://sa:Str0ngP4ss@db.internal:1433',
    ],
    negatives: [
      'https://example.com:8443/path',
      'https://user@example.com/',
      'https://user:${PASSWORD}@example.com/',
      'https://user:****@example.com/',
      'mailto:ops@example.com',
      'https://example.com/a:b@c', // '@' is in the path, not the authority
    ],
  },
  dbUrl(
    'postgres-connection-string',
    'PostgreSQL',
    String.raw`postgres(?:ql)?|pgsql`,
    [
      'DATABASE_URL=postgres://app:' + '4tDg5gODfx4DXT@db.example.com:5432/app?sslmode=require',
      'postgresql+psycopg2://app:' + 'N66rNlb3uT5AiCJi@localhost/app',
      'jdbc:postgresql://app:' + 'N66rNlb3uT5AiCJi@db:5432/app',
    ],
    ['postgres://db.example.com:5432/app', 'postgres://app@db/app', 'postgres://app:${PGPASSWORD}@db/app'],
  ),
  dbUrl(
    'mysql-connection-string',
    'MySQL / MariaDB',
    String.raw`mysqlx?|mariadb`,
    ['mysql://root:' + '4tDg5gODfx4DXT@127.0.0.1:3306/shop', 'mysql+pymysql://u:' + 'p4$$w0rd!@db/x', 'mariadb://u:' + 'Zl9uinYiKbI3@db/x'],
    ['mysql://localhost:3306/shop', 'mysql://root:@localhost/shop'],
  ),
  dbUrl(
    'mongodb-connection-string',
    'MongoDB',
    String.raw`mongodb(?:\+srv)?`,
    [
      'MONGO_URL=mongodb+srv://atlas:' + 'TL39jYgTDTAfnrg7@cluster0.abcde.mongodb.net/db?retryWrites=true',
      'mongodb://u:' + 'TL39jYgTDTAfnrg7@h1:27017,h2:27017/db?replicaSet=rs0',
    ],
    ['mongodb://h1:27017,h2:27017/db', 'mongodb+srv://cluster0.abcde.mongodb.net/'],
  ),
  dbUrl(
    'redis-connection-string',
    'Redis',
    String.raw`rediss?`,
    ['REDIS_URL=rediss://default:' + 'NaNQQSzge8wWpqkSY0CczDk7@redis.example.com:6380', 'redis://:' + 'NaNQQSzge8wWpqkSY0CczDk7@localhost:6379/0'],
    ['redis://localhost:6379/0', 'redis://:@localhost:6379'],
  ),
  dbUrl(
    'amqp-connection-string',
    'AMQP (RabbitMQ)',
    String.raw`amqps?`,
    ['AMQP_URL=amqps://svc:' + 'ZlTZuinYiKbI3zIF@rabbit.example.com/vhost'],
    ['amqp://localhost:5672', 'amqp://guest@localhost'],
  ),
  {
    id: 'mssql-connection-string-password',
    description: 'Password / Pwd in an ADO.NET or ODBC connection string (Key=Value; pairs)',
    class: 'secret',
    keywords: ['password', 'pwd'],
    // The key must follow ';' and, somewhere before it on the line, a connection-string key
    // (Server=, Data Source=, Uid=, ...): sudo's "; PWD=/home/x ;" is not a DSN. The
    // lookbehind sits after the key literal, so it runs only where a key matched.
    pattern:
      // Parsed forward, pair by pair, from a connection-string key to the password (a 512-char
      // lookbehind at every "password" was flagged by recheck).
      /(?<![A-Za-z0-9_])(?:server|data source|host|address|addr|uid|user id|username|database|initial catalog|driver|dsn|provider)[ \t]{0,4}=[^\r\n;]{0,256}(?:;[ \t]{0,8}(?!password|pwd)[A-Za-z][A-Za-z ]{0,31}=[^\r\n;]{0,256}){0,16};[ \t]{0,8}(?:password|pwd)[ \t]{0,4}=[ \t]{0,4}[{"']?(?<secret>(?<=\{)[^}\r\n]{1,256}(?=\})|(?<=")[^"\r\n]{1,256}(?=")|(?<=')[^'\r\n]{1,256}(?=')|(?<=[=\s])[^;\r\n"'{}\s](?:[^;\r\n"']{0,254}[^;\r\n"'\s])?)(?=[ \t]{0,8}(?:;|$|["'}\r\n\\]))/gim,
    validate: notPlaceholder,
    positives: [
      'Server=tcp:x.database.windows.net,1433;Initial Catalog=db;User ID=app;Password=' + '4tDg5 gODfx4DXT;Encrypt=True;',
      'Driver={ODBC Driver 18 for SQL Server};Server=db;Uid=sa;Pwd={' + 'p;w{d0rd};',
      'Data Source=db;User Id=sa; Password = "' + 'Str0ng;Pass" ;',
    ],
    negatives: [
      'Server=db;Password=;Encrypt=True',
      'Server=db;Integrated Security=true;',
      'password=hunter22 (no connection string)',
      'sudo[4713]: deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/systemctl restart api',
    ],
  },
];

// --- HTTP authentication and session headers ---

function curlCommand(v: string, text: string, start: number): boolean {
  return !isPlaceholder(v) && /(?:^|[^A-Za-z0-9_-])curl[ \t]/.test(text.slice(Math.max(0, start - 400), start));
}

/**
 * Short options that take a password, each only after the command it belongs to on the same
 * line (elsewhere -p is a port or a prompt, -a an address, -w a timeout): mysql-family -pPASS
 * (attached: "-p PASS" makes mysql prompt), sshpass / docker login / mongo-family -p PASS,
 * redis-cli -a, sqlcmd/bcp/zip -P, ldapsearch-family -w.
 */
const SHORT_OPTION_COMMANDS: Record<string, RegExp> = {
  p: /(?:^|[^A-Za-z0-9_-])(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlsh|mariadb|mariadb-dump)[ \t]/,
  pSpace: /(?:^|[^A-Za-z0-9_-])(?:sshpass[ \t]|docker[ \t]+login[ \t]|mongo(?:sh|dump|restore|import|export)?[ \t])/,
  a: /(?:^|[^A-Za-z0-9_-])redis-cli[ \t]/,
  P: /(?:^|[^A-Za-z0-9_-])(?:sqlcmd|bcp|zip)[ \t]/,
  w: /(?:^|[^A-Za-z0-9_-])ldap(?:search|modify|add|delete|whoami|passwd|compare)[ \t]/,
};

function shortOptionCommand(v: string, text: string, start: number): boolean {
  if (isPlaceholder(v.replace(/^["']|["']$/g, ''))) return false;
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const before = text.slice(Math.max(lineStart, start - 400), start);
  const flag = /-([paPw])([ \t]*)["']?$/.exec(before);
  if (flag === null) return false;
  const key = flag[1] === 'p' && flag[2]!.length > 0 ? 'pSpace' : flag[1]!;
  return SHORT_OPTION_COMMANDS[key]!.test(before.slice(0, flag.index));
}

const CLI_SHORT: Rule = {
  id: 'cli-short-password-option',
  description: 'Password after a short option of the command it belongs to: mysql -pX, sshpass -p X, redis-cli -a X, sqlcmd -P X, ldapsearch -w X',
  class: 'secret',
  // The option is the keyword (the rule contract: a keyword inside every match); the command is checked in validate.
  keywords: ['-p', '-a', '-w'],
  pattern: /(?<![\w-])-[paPw](?:[ \t]{1,4})?(?<secret>"[^"\r\n]{3,256}"|'[^'\r\n]{3,256}'|[^\s"'-][^\s"']{2,255})/g,
  validate: shortOptionCommand,
  minEntropy: 2,
  positives: [
    'mysql -uroot -p' + 'S3crxi-O8Q#T -h db.internal app_prod',
    "mysqldump -u backup -p'" + "h6F8kQ2zL' --all-databases",
    'sshpass -p ' + "'7QTtqW9x' ssh deploy@10.0.0.5",
    'redis-cli -h cache.internal -a ' + 'X9fidbpF2q ping',
    "sqlcmd -S db -U sa -P '" + "dOaE7kQ2x!'",
    'ldapsearch -x -D cn=admin,dc=example,dc=org -w ' + 'jfCq8Lz2 -b dc=example,dc=org',
    'docker login -u deploybot -p ' + 'VkdiAhMw5Wqrm56M registry.example.com',
    'mongosh --host db -u admin -p ' + 'Rz8kQ2xLm7 --authenticationDatabase admin',
  ],
  negatives: ['docker run -p 8080:80 nginx', 'mysql -u root -p app_prod', 'ssh -p 2222 host', 'curl -w "%{http_code}"', 'mkdir -p /var/lib/app', 'redis-cli -a $REDIS_PASSWORD ping'],
};

/** Redis's own commands as MONITOR and slowlog print them: "AUTH" ["user"] "pw", CONFIG SET requirepass "pw". */
const REDIS: Rule[] = [
  {
    id: 'redis-auth-command',
    description: 'Password of a Redis AUTH or HELLO ... AUTH command as MONITOR prints it',
    class: 'secret',
    keywords: ['"auth"'],
    pattern: /"AUTH"(?:[ \t]"[^"\r\n]{1,64}")?[ \t]"(?<secret>[^"\r\n]{1,256})"/gi,
    validate: notPlaceholder,
    positives: ['1716054000.123456 [0 10.0.0.7:51234] "AUTH" "' + 'tb3!zYq9Lw"', '1716054000.1 [0 10.0.0.7:5] "auth" "default" "' + 'U40oXk2mQ"'],
    negatives: ['"AUTH" "********"', '"GET" "session:auth"'],
  },
  {
    id: 'redis-requirepass',
    description: 'Redis requirepass / masterauth in a config file or a CONFIG SET command',
    class: 'secret',
    keywords: ['requirepass', 'masterauth'],
    pattern: /(?<![\w-])"?(?:requirepass|masterauth)"?[ \t]{1,4}"?(?<secret>[^\s"]{3,256})/gi,
    validate: notPlaceholder,
    positives: ['"CONFIG" "SET" "requirepass" "' + '!y^5kQ2zL"', 'requirepass ' + 'foobared9Xq'],
    negatives: ['requirepass ""', '# requirepass <password>'],
  },
];

/** AUTH PLAIN's argument is base64 of authzid NUL authcid NUL password (RFC 4616 section 2). */
function saslPlain(v: string): boolean {
  const d = Buffer.from(v, 'base64').toString('utf8');
  const a = d.indexOf('\0');
  const b = a === -1 ? -1 : d.indexOf('\0', a + 1);
  return b > a && b < d.length - 1 && !isPlaceholder(d.slice(b + 1));
}

const SMTP_PLAIN: Rule = {
  id: 'sasl-plain-credentials',
  description: 'SASL PLAIN credentials (SMTP/IMAP/POP3 AUTH PLAIN <base64>), decoded and checked',
  class: 'secret',
  keywords: ['auth plain', 'authenticate plain'],
  pattern: /(?<![\w-])AUTH(?:ENTICATE)?[ \t]PLAIN[ \t](?<secret>[A-Za-z0-9+/]{8,1024}={0,2})/gi,
  validate: saslPlain,
  positives: ['<- AUTH PLAIN ' + Buffer.from('\0user@example.com\0' + '3hfnQ9xLz2').toString('base64')],
  negatives: ['250-AUTH PLAIN LOGIN CRAM-MD5', 'AUTH PLAIN ' + Buffer.from('no nul here').toString('base64')],
};

/**
 * A credential inside a percent-encoded query or form body (a redirect target carried in a
 * parameter, a logged application/x-www-form-urlencoded body): `password%3Dx%26next...`.
 * The value runs to the encoded `&` (%26) or a real separator.
 */
const URL_ENCODED_CREDENTIAL: Rule = {
  id: 'url-encoded-credential',
  description: 'Password, token, secret or API key inside a percent-encoded parameter: next=%2Flogin%3Fpassword%3D...',
  class: 'secret',
  keywords: ['%3d'],
  pattern:
    /(?:passw(?:or)?d|passwd|(?<![A-Za-z])pwd|token|secret|api[_-]?key|access[_-]?key)%3D(?<secret>(?:[^%&\s"'<>]|%(?!26)[0-9A-Fa-f]{2}){3,512})/gi,
  validate: (v: string) => !isPlaceholder(decodeURIComponentSafe(v)),
  minEntropy: 2,
  positives: [
    'GET /auth/login?next=%2Flogin%3Fuser%3Dbob%26password%3D' + 'qkevZ9%21xL2m HTTP/1.1',
    'body=username%3Djdoe%26password%3D' + 'wBbJ7kQ2zL%26remember%3D1',
    'redirect_uri=https%3A%2F%2Fapp%2Fcb%3Faccess_token%3D' + 'ya29.a0AfH6SMBxKq8vN7mRz',
    'next=%2Flogin%3Fpassword%3D' + 'ab%3Dcdefgh9X%26user%3Dbob',
  ],
  negatives: ['next=%2Fsettings%2Fpassword%3Dreset', 'q=password%3D%2A%2A%2A%2A'],
};

function decodeURIComponentSafe(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/** `user:password` after curl's -u / --user (gitleaks curl.go has the same cases). */
const CURL_USER: Rule = {
  id: 'curl-user-credentials',
  description: 'Password in a logged curl command line: curl -u user:password, --user "user:password"',
  class: 'secret',
  keywords: ['-u'],
  // The user part never holds ':', blanks or quotes; the password runs to a blank or quote.
  // Only after "curl" on the line (curlCommand): elsewhere -u is a user (sudo, ps) or a
  // uid:gid (docker run -u 1000:1000).
  pattern: /(?<![A-Za-z0-9_-])(?:-u|--user)(?:[ \t]{1,4}|=)["']?[^\s"':=]{1,128}:(?<secret>[^\s"']{3,256})/g,
  validate: curlCommand,
  positives: [
    'curl --cacert ca.crt -u elastic:' + 'P@ssw0rd$1 https://localhost:9200',
    "curl -s --user 'api:" + "d2LkV78zLx!t' https://api.mailgun.net/v3/x/messages",
    'curl -s -v --user "j.smith:' + 'dB2yF6@qL9vZm1P#4J" "https://api.contoso.org/user/me"',
    '$ curl https://api.dropbox.com/oauth2/token --user c28wlsosanujy2z:' + 'qgsnai0xokrw4j1 --data grant_type=authorization_code',
  ],
  negatives: ['curl -u $USER:$PASS https://x', 'curl --user bob https://x', 'docker run -u 1000:1000 img', 'sudo -u deploy:staff ls'],
};

/**
 * A password in SQL that creates or changes a login: PostgreSQL `CREATE|ALTER ROLE .. [WITH]
 * PASSWORD '..'`, MySQL/Oracle `IDENTIFIED BY '..'`, `SET PASSWORD [FOR ..] = '..'`. Statements
 * reach logs through ORM debug output, slow-query logs and OpenTelemetry's db.statement.
 */
const SQL_PASSWORD: Rule = {
  id: 'sql-password',
  description: "Password literal in SQL: PASSWORD '...', IDENTIFIED BY '...', SET PASSWORD = '...'",
  class: 'secret',
  keywords: ['password', 'identified'],
  // The literal runs to the next quote on the line: '' (an escaped quote) ends it early,
  // which still hides everything up to it.
  pattern: /\b(?:PASSWORD(?:[ \t]{1,4}FOR[ \t][^=\r\n]{1,128})?|IDENTIFIED[ \t]{1,4}BY)[ \t]{0,4}(?:=[ \t]{0,4})?'(?<secret>[^'\r\n]{1,256})'/gi,
  validate: notPlaceholder,
  positives: [
    "ALTER ROLE reporting WITH LOGIN PASSWORD 'Summer2024!Prod'",
    "CREATE USER 'app'@'%' IDENTIFIED BY 'n7#Qv9zL2pW'",
    "SET PASSWORD FOR 'app'@'localhost' = 'hX4%tR8mQ2'",
    '{"db.statement":"CREATE ROLE svc LOGIN PASSWORD \'k9Vx2!mQp\' VALID UNTIL \'2027-01-01\'"}',
  ],
  negatives: [
    "ALTER ROLE reporting WITH PASSWORD NULL",
    "SELECT * FROM users WHERE password_hash = $1",
    "CREATE USER app IDENTIFIED BY '********'",
    'password reset email sent',
  ],
};

/** The decoded Basic credential is `user:password` in printable text (RFC 7617 section 2). */
function basicUserPass(v: string): boolean {
  const decoded = Buffer.from(v, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1 || colon === decoded.length - 1) return false;
  for (let i = 0; i < decoded.length; i++) {
    const c = decoded.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0xfffd) return false;
  }
  return !isPlaceholder(decoded.slice(colon + 1));
}

const AUTH_KEY = String.raw`(?<![A-Za-z0-9_])(?:proxy-)?authorization`;
// Schemes whose parameters are not one token68 have their own rules (Digest, SigV4) or
// none (OAuth 1.0 parameters are matched by the token/secret assignment rules).
const TOKEN_SCHEMES = String.raw`Bearer|Basic|Token|ApiKey|Api-Key|Key|SSWS|Negotiate|NTLM|JWT|GenieKey|Splunk|DSN`;

const SCHEME_BEFORE = new RegExp(`(?:${TOKEN_SCHEMES})[ \\t]{1,4}$`, 'i');

/**
 * With a scheme ('Bearer x') the credential is whatever follows; without one the value must
 * look like a credential (12+ characters with a digit or mixed case), not a payment or
 * workflow status ("card authorization: declined").
 */
function authorizationValue(v: string, text: string, start: number): boolean {
  if (isPlaceholder(v)) return false;
  if (SCHEME_BEFORE.test(text.slice(Math.max(0, start - 16), start))) return true;
  return v.length >= 12 && (/\d/.test(v) || (/[a-z]/.test(v) && /[A-Z]/.test(v)));
}

const HEADERS: Rule[] = [
  {
    id: 'authorization-header',
    description: 'Credentials in an Authorization / Proxy-Authorization header (Bearer, Basic, token, ApiKey, Negotiate, ...)',
    class: 'secret',
    keywords: ['authorization'],
    pattern: new RegExp(
      `${AUTH_KEY}${SEP}(?!(?:Digest|AWS4-HMAC-SHA256|OAuth)[ \\t])(?:(?:${TOKEN_SCHEMES})[ \\t]{1,4})?` +
        // No right edge: an over-long credential is redacted up to the cap, and the scan stays linear.
        String.raw`(?<secret>[A-Za-z0-9._~+/=:-]{8,8192})`,
      'gi',
    ),
    validate: authorizationValue,
    minEntropy: 2.5,
    positives: [
      'Authorization: Basic c3ZjLXVzZXI6YTJCdTJvUFlnTVJXQ3Jrdg==',
      '{"headers":{"authorization":"Bearer H9fJShJd-zQONkV87AGBYLhHrTF2s-cwNN8s8KXI"}}',
      "curl -H 'Proxy-Authorization: Basic c3ZjLXVzZXI6YTJCdTJvUFlnTVJXQ3Jrdg=='",
      'authorization=token TL39jYgTDTAfnrg7gApShGzUUp31ff4F',
      'Authorization: ApiKey ZlTZuinYiKbI3zIFjvRfkNq4YaeRU7mW',
      'Authorization: ZlTZuinYiKbI3zIFjvRfkNq4YaeRU7mW',
      'X-Authorization: token TL39jYgTDTAfnrg7gApShGzUUp31ff4F',
    ],
    negatives: [
      'X-Authorization-Mode: strict',
      'Authorization: Bearer undefined',
      'Authorization: Bearer ${TOKEN}',
      'Authorization: Bearer abc',
      'Authorization: Digest username="a", response="2a94c02edd375b05665aff4802e98a4a"',
      'authorization failed for user bob',
      'payment authorization: approved',
      'Authorization: completed in 212ms',
      '{"authorization":"captured"}',
    ],
  },
  {
    id: 'bearer-token',
    description: 'A Bearer token (RFC 6750 token68) anywhere in text, with or without a header name',
    class: 'secret',
    keywords: ['bearer'],
    pattern: /(?<![A-Za-z0-9_-])Bearer[ \t]{1,4}(?<secret>[A-Za-z0-9._~+/-]{16,8192}={0,2})/gi,
    validate: notPlaceholder,
    minEntropy: 3,
    positives: ['calling api with Bearer H9fJShJd-zQONkV87AGBYLhHrTF2s-cwNN8s8KXI', 'bearer TL39jYgTDTAfnrg7gApShGzUUp31ff4F'],
    negatives: ['Bearer token required', 'WWW-Authenticate: Bearer realm="api"', 'Bearer aaaaaaaaaaaaaaaaaaaa', 'token_type=Bearer'],
  },
  {
    id: 'basic-credentials',
    description: 'HTTP Basic credentials (base64 of user:password, RFC 7617) anywhere in text, with or without a header name',
    class: 'secret',
    keywords: ['basic'],
    // Decoded and checked (basicUserPass): only user:password in printable text counts, so
    // "Basic plan" or a base64 blob after the word is left alone.
    pattern: /(?<![A-Za-z0-9_-])Basic[ \t]{1,4}(?<secret>[A-Za-z0-9+/]{8,8192}={0,2})/gi,
    validate: basicUserPass,
    positives: [
      '["Authorization","Basic c3ZjLXJlcG9ydHM6a040I0Mwd29DYjFXeE5mbg=="]',
      'upstream call with Basic ZGVwbG95OnM3dkxxMnBaOXg= failed',
      '[["authorization","basic YWRtaW46VHIwdWI0ZG9yJjM="]]',
    ],
    negatives: [
      'Basic auth required',
      'WWW-Authenticate: Basic realm="api"',
      'Basic c29tZXRoaW5nIGVsc2U=',
      'Basic plan: 10 seats, upgradeable',
      'Basic dXNlcjo=',
    ],
  },
  {
    id: 'authorization-digest-response',
    description: 'Response hash of an HTTP Digest Authorization header (RFC 7616)',
    class: 'secret',
    keywords: ['digest'],
    // The auth-params parsed pair by pair (name=value or name="value"), not a lazy 2 KiB gap (recheck).
    pattern: /(?<![A-Za-z0-9_-])Digest[ \t]{1,4}(?:[A-Za-z0-9_-]{1,32}=(?:"[^"\r\n]{0,512}"|[^\s,"]{0,512}),[ \t]{0,4}){0,16}response=\\?"?(?<secret>[0-9a-fA-F]{32,128})(?![0-9A-Za-z])/g,
    positives: [
      'Authorization: Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", response="2a94c02edd375b05665aff4802e98a4a", opaque="FQhe"',
    ],
    negatives: ['Digest username="a", response="short"', 'message digest response="2a94c02edd375b05665aff4802e98a4a"'],
  },
  {
    id: 'aws-sigv4-authorization',
    description: 'Signature of an AWS Signature Version 4 Authorization header',
    class: 'secret',
    keywords: ['aws4-hmac-sha256'],
    pattern:
      /AWS4-HMAC-SHA256[ \t]{1,4}Credential=[^\s,]{1,256},[ \t]{0,4}SignedHeaders=[^\s,]{1,1024},[ \t]{0,4}Signature=(?<secret>[0-9a-f]{64})(?![0-9a-f])/g,
    positives: [
      'Authorization: AWS4-HMAC-SHA256 Credential=AKIA' +
        'Q7XDLKDBVA7DXPM5/20240101/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-date, Signature=b9091ae9012826be46861e6c479da0cd33cabbf2095f40a41db8c8a8645054fa',
    ],
    negatives: ['AWS4-HMAC-SHA256 Credential=x, SignedHeaders=host, Signature=short', 'X-Amz-Algorithm=AWS4-HMAC-SHA256'],
  },
  {
    id: 'cookie-header',
    description: 'Value of a Cookie request header (every name=value pair; the whole value is redacted)',
    class: 'secret',
    keywords: ['cookie'],
    // Cookie names are RFC 6265 tokens (no ':'): excluding it stops "cookie:cookie:..." from
    // restarting a long value scan at every occurrence (recheck).
    pattern: /(?<![A-Za-z0-9_-])cookie\\?["']?[ \t]{0,8}[:=][ \t]{0,8}\\?["']?(?<secret>[^\s=;,"'\\:]{1,256}=[^\r\n"'\\]{1,8192})/gi,
    positives: [
      'Cookie: sessionid=N66rNlb3uT5AiCJiPgsVxZTUYbJm9OMa; csrftoken=TL39jYgTDTAfnrg7',
      '{"req":{"headers":{"cookie":"connect.sid=s%3AN66rNlb3uT5AiCJiPgsVxZTUYbJm9OMa.abc"}}}',
    ],
    negatives: ['cookies: 3', 'cookie: disabled', 'Set-Cookie: sid=abc'],
  },
  {
    id: 'set-cookie-header',
    description: 'Value of the cookie a Set-Cookie response header sets (name and attributes kept)',
    class: 'secret',
    keywords: ['set-cookie'],
    pattern:
      /(?<![A-Za-z0-9_-])set-cookie\\?["']?[ \t]{0,8}[:=][ \t]{0,8}\[?\\?["']?[^\s=;,"'\\]{1,256}=(?<secret>[^;\r\n"'\\]{1,4096})/gi,
    positives: [
      'Set-Cookie: sessionid=N66rNlb3uT5AiCJiPgsVxZTUYbJm9OMa; Path=/; HttpOnly; Secure',
      '"set-cookie":["__Host-sid=TL39jYgTDTAfnrg7gApShGzUUp31ff4F; Path=/"]',
    ],
    negatives: ['Set-Cookie: sid=; Max-Age=0', 'set-cookie handling enabled'],
  },
];

// --- Assignments in free text ---

/** Element names whose text is a credential (Maven settings.xml, web.config, Spring XML, SOAP). */
const XML_SECRET_NAMES = String.raw`(?:[A-Za-z][\w.-]{0,40}:)?(?:[A-Za-z][\w-]{0,40})?(?:[Pp]ass(?:word|wd|phrase)|PASS(?:WORD|WD)|[Ss]ecret(?:[Kk]ey)?|SECRET(?:_?KEY)?|[Aa]pi[_-]?[Kk]ey|API_?KEY|[Aa]ccess[_-]?[Tt]oken|[Cc]lient[_-]?[Ss]ecret|[Pp]rivate[_-]?[Kk]ey)`;

const XML: Rule[] = [
  {
    id: 'xml-secret-element',
    description: 'Credential as the text of an XML element: <password>..</password>, <clientSecret>..</clientSecret>',
    class: 'secret',
    keywords: ['pass', 'secret', 'apikey', 'api_key', 'api-key', 'token', 'privatekey', 'private_key', 'private-key'],
    pattern: new RegExp(String.raw`<${XML_SECRET_NAMES}(?:\s[^<>]{0,200})?>(?<secret>[^<>\r\n]{3,1024})</`, 'g'),
    validate: notPlaceholder,
    minEntropy: 2,
    positives: [
      '<server><id>nexus</id><username>deploy</username><password>' + 'Vn3$kQ8zLw2</password></server>',
      '<AdministratorPassword>' + 'P4ssw0rd!Xq9</AdministratorPassword>',
      '<ns2:clientSecret>' + 'TL39jYgTDTAfnrg7gApShGzUUp31ff4F</ns2:clientSecret>',
    ],
    negatives: ['<password>${env.NEXUS_PASSWORD}</password>', '<password></password>', '<passwordPolicy>strict</passwordPolicy>', '<tokenType>Bearer</tokenType>'],
  },
  {
    id: 'xml-config-secret-value',
    description: 'Credential in a .NET appSettings entry: <add key="ApiKey" value=".."/>',
    class: 'secret',
    keywords: ['<add'],
    pattern:
      /<add\s{1,8}key="[^"<>]{0,64}(?:[Pp]ass(?:word|wd)|PASSWORD|[Ss]ecret|SECRET|[Aa]pi[_-]?[Kk]ey|API_?KEY|[Tt]oken|TOKEN)[^"<>]{0,64}"\s{1,8}value="(?<secret>[^"<>]{3,1024})"/g,
    // A PascalCase word is a setting (`PasswordPolicy` = `RequireDigit`), not a credential.
    validate: (v: string) => notPlaceholder(v) && !/^[A-Z][a-z]+(?:[A-Z][a-z]+)*$/.test(v),
    minEntropy: 2,
    positives: ['<add key="ApiKey" value="' + '9f8e7d6c5b4a39281706f5e4d3c2b1a0" />', '<add key="Smtp.Password" value="' + 'hX4%tR8mQ2"/>'],
    negatives: ['<add key="Theme" value="dark"/>', '<add key="ApiKey" value="{API_KEY}"/>', '<add key="PasswordPolicy" value="RequireDigit"/>'],
  },
];

/**
 * Long command-line options whose next argument is a credential: `--password X`, `--token X`,
 * `--api-key X` (mongodump, vercel, datadog-ci, gpg, keytool, az, ...). The `--opt=X` form is
 * the assignment rules'. Short options (-p, -a, -P) mean different things per command and are
 * left out.
 */
const CLI_FLAG: Rule = {
  id: 'cli-secret-option',
  description: 'Credential after a long command-line option: --password X, --token X, --api-key X, -srcstorepass X',
  class: 'secret',
  // Not --secret: gcloud, kubectl and others take a secret's NAME there (--secret prod-db-password).
  keywords: ['--pass', '--token', '--api-key', '--apikey', '--client-secret', '--auth-token', '--access-token', '--secret-key', '--secret-access-key', 'storepass', 'keypass'],
  pattern:
    /(?<![\w-])(?:--(?:password|passwd|passphrase|pass|token|api-key|apikey|client-secret|auth-token|access-token|secret-key|secret-access-key)|-(?:src|dest|)?storepass|-keypass)[ \t]{1,4}(?<secret>"[^"\r\n]{3,256}"|'[^'\r\n]{3,256}'|[^\s"'-][^\s"']{2,255})/g,
  validate: (v: string) => !isPlaceholder(v.replace(/^["']|["']$/g, '')),
  minEntropy: 2,
  positives: [
    'mongodump --username backup --password ' + 'YL7EQNDbY5xF8Pc9 --out /backup',
    'npx vercel deploy --prod --token ' + 'D4NedQ9xLkT2vB7mRz5W',
    'keytool -importkeystore -srcstorepass ' + 'DC%d8kQ2x -deststorepass x',
    "gpg --batch --passphrase '" + "kQ8 zL2 vN7' --decrypt",
  ],
  negatives: ['gcloud run deploy api --secret prod-db-password', '--password-file /run/secrets/pw', '--token $CI_TOKEN', '--password', 'use --api-key <key> to authenticate', '--password --verbose', '--token ${{ secrets.TOKEN }}'],
};

const ASSIGNMENTS: Rule[] = [
  {
    id: 'password-assignment',
    description: 'A password assigned in text: password=, passwd:, "db_password": "...", PGPASSWORD=',
    class: 'secret',
    keywords: ['pass', 'pwd'],
    // `pass` and `pwd` as whole names or after a separator (DB_PASS=, "pass":, ?pwd=), never
    // inside a word (bypass, compass, passed).
    // password_confirmation, new_password (prefix words are free), passwordAgain: the same secret.
    pattern: assignment(
      String.raw`(?:passw(?:or)?d(?:[_.-]?(?:confirmation|confirm|again|repeat))?|passphrase|(?<![A-Za-z])(?:pass|pwd)(?![A-Za-z]))`,
      value(3, 256, true, true),
      true,
    ),
    validate: passwordValue,
    minEntropy: 2,
    positives: [
      'login failed: user=bob password=' + '4tDg5gODfx4DXT',
      '{"db_password": "' + 'correct horse battery staple"}',
      'PGPASSWORD=' + 'p4$$w0rd!',
      "passwd: 'Zl9uinYi'",
      'password: hunter2 was rejected',
      "password = 'request.form'",
      '{\\"password\\":\\"' + 'hunter2!x\\"}',
      'jdbc:postgresql://db/app?user=app&password=' + 'N66rNlb3uT5A&ssl=true',
      'mysql.pwd := ' + 'Sup3rS3cret',
      'SMTP_PASS=' + 'tCH3A5&QDPgAHHgQz0g',
      'MYSQL_ROOT_PASSWORD=' + 'm5hCTp;vyP5sMSQ1eOY',
      'ADMIN_PASSWORD=' + 'r0ToVV)tFnvWcAn2sdJ',
      'created admin user with password "' + 'xJpd8kQ2zL"',
      '"password_confirmation"=>"' + 'Kq8zL2vN7x"',
      '{"user":"app","pass":"' + '5H6Cq9vL2x"}',
      '{"password":"' + 'AgDvYA\\"plsai6Hz3o8u"}',
      "password: '" + "suvba0''Blop39JfXada'",
      '  + master_password             = "' + 'e4GdQz81Lm"',
      'db password is "' + 'MWBEzrkThX$Aa91dxX"',
    ],
    negatives: [
      'password=******',
      'password: null',
      '"password": ""',
      'password_hash=$2b$12$abc',
      'password: ${DB_PASSWORD}',
      'PWD=/home/user',
      'password: test',
      'password reset requested',
      "Access denied for user 'app'@'10.0.3.17' (using password: YES)",
      'DB_PASSWORD=${DB_PASSWORD:?must be set}',
      'password: !vault |',
      'password is required',
      'password is "required"',
      // Code and prose (gitleaks generic.go and detect-secrets keyword_test.py negatives).
      "my_password = request.json_body['hey']",
      'login(username=username, password=password)',
      'db.connect(host=cfg.host, password=cfg.password)',
      'password = getpass.getpass()',
      'Dec  3 10:12:01 web1 passwd[2211]: pam_unix(passwd:chauthtok): password changed for deploy',
      'password: policy violation',
      'Password: This password is too common.',
      'passwd: files systemd',
      'bypass=true compass=north',
      'tests pass: 120 fail: 0',
      '--- PASS: TestLoginHandler (0.02s)',
      'health check pass: db=ok cache=ok',
      'password "must be at least 12 characters"',
      'password: %DB_PASS%',
      'password: vault:secret/data/db#password',
      'PWD=/srv/app/current',
    ],
  },
  {
    id: 'secret-assignment',
    description: 'A secret assigned in text: secret:, client_secret=, "jwtSecret": "...", SECRET_KEY_BASE=',
    class: 'secret',
    keywords: ['secret'],
    // (?<!:) keeps ARNs out: in arn:aws:secretsmanager:...:secret:name, 'secret' is a resource type.
    pattern: assignment(String.raw`(?<!:)secret(?:[ _.-]?(?:access[_.-]?key|key[_.-]?base|key|token|value))?`, value(8, 1024, true)),
    validate: assignedValue,
    minEntropy: 3,
    positives: [
      '"client_secret": "' + 'TL39jYgTDTAfnrg7gApShGzUUp31ff4F"',
      'jwtSecret=' + 'ZlTZuinYiKbI3zIFjvRfkNq4YaeRU7mW',
      'SECRET_KEY_BASE: ' + 'N66rNlb3uT5AiCJiPgsVxZTUYbJm9OMa',
      'webhook secret -> ' + 'whsec_NaNQQSzge8wWpqkSY0CczDk7',
      'AWS Access Key: AKIA...\nsecret key:' + 'IwJz1SHMccAKUKuskdVoHFfkre73BTyF80nRmcWc',
    ],
    negatives: [
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db/password-AbCdEf',
      'secret: undefined',
      'secret_name: db-credentials',
      'secrets: 3',
      'secret: aaaaaaaaaaaa',
      'secret=true',
      'client_secret: ${CLIENT_SECRET}',
      'webhook secret: configured',
      'secret = request.headers["apikey"]',
      'secret = vault.read(path)',
      'secret: /etc/app/secret.yaml',
      'MountVolume.SetUp failed for volume "token-vol" : secret "api-token" not found',
    ],
  },
  {
    id: 'token-assignment',
    description: 'A token assigned in text: token:, access_token=, "refreshToken": "...", token -> ...',
    class: 'secret',
    keywords: ['token', 'pat'],
    // PAT: personal access token (GITLAB_PAT=, AZURE_DEVOPS_EXT_PAT=), a whole word only.
    pattern: assignment(String.raw`(?:token|(?<![A-Za-z])pat(?![A-Za-z]))`, value(8, 8192, false)),
    validate: tokenValue,
    minEntropy: 3,
    positives: [
      'access_token=' + 'TL39jYgTDTAfnrg7gApShGzUUp31ff4F&expires_in=3600',
      '{"refreshToken":"' + 'NaNQQSzge8wWpqkSY0CczDk7"}',
      'token -> ' + 'H9fJShJd-zQONkV87AGBYLhHrTF2s-cwNN8s8KXI',
      "TOKEN: '" + 'ZlTZuinYiKbI3zIFjvRfkNq4YaeRU7mW' + "'",
      'AZURE_DEVOPS_EXT_PAT=' + 'q7zr4xkm2vwl9bcd5ty8hgf3nj6pes1a0uoi4xkm2vwl9bcd5ty8',
    ],
    negatives: [
      'token: null', 'tokens: 1024', 'max_tokens=4096', 'token_type: bearer', 'token: 12345', 'token = process.env.TOKEN', 'token: <token>',
      '[INFO] +- io.jsonwebtoken:jjwt-api:jar:0.11.5:compile',
      'cancellationToken: System.Threading.CancellationToken',
      'token = request.headers.get("X-Token")',
      '{"Items":[],"NextToken":"eyJsYXN0RXZhbHVhdGVkS2V5Ijp7ImlkIjp7IlMiOiI0MiJ9fX0="}',
      'GET /drive/v3/files?pageSize=100&pageToken=AHWqTUkN8xV3bq2Lr0Zy',
      'GET /?list-type=2&continuation-token=1ueGcxLPRx1Tr%2FXYExHnhbYLgveDs2J',
      'path=/var/lib/app pattern=*.log',
    ],
  },
  {
    id: 'api-key-assignment',
    description: 'An API or access key assigned in text: api_key =, apiKey:, x-api-key:, access_key=, signing_key=',
    class: 'secret',
    keywords: ['key'],
    pattern: assignment(String.raw`(?:api|access|private|signing|encryption|master|subscription)[_.-]?key`, value(8, 1024, false)),
    validate: assignedValue,
    minEntropy: 3,
    positives: [
      'api_key = ' + 'ZlTZuinYiKbI3zIFjvRfkNq4YaeRU7mW',
      'X-API-Key: ' + 'TL39jYgTDTAfnrg7gApShGzUUp31ff4F',
      '{"apiKey":"' + 'N66rNlb3uT5AiCJiPgsVxZTUYbJm9OMa"}',
      'Ocp-Apim-Subscription-Key: ' + '2a94c02edd375b05665aff4802e98a4a',
    ],
    negatives: ['apiKey: this.apiKey,', 'apiKey: config.apiKey,', "apiKey: fs.readFileSync('foo',", 'api_key=settings.API_KEY', 'api_key = None', 'apiKey: "YOUR_API_KEY"', 'api_key_id=42', 'public_key: ' + 'ZlTZuinYiKbI3zIFjvRfkNq4YaeRU7mW', 'api_key=' + 'x'.repeat(32)],
  },
  {
    id: 'auth-assignment',
    description: 'A credential under the bare name auth: docker config.json "auth", .npmrc _auth=, ?auth= (Firebase), REDIS_AUTH=',
    class: 'secret',
    keywords: ['auth'],
    // A whole word (oauth, author, authority are not it); 8+ characters with an entropy floor,
    // so `auth: true`, `auth=basic` or `"auth":"required"` are not findings.
    pattern: assignment(String.raw`(?<![A-Za-z])_?auth(?![A-Za-z])`, value(8, 2048, false)),
    // ...nor a method or mechanism name (`auth: oauth2-client-credentials`, `SCRAM-SHA-256`),
    // nor a URL without user info (`MONGO_NO_AUTH = "mongodb://localhost:27017/db"`).
    validate: (v, text, start, end) =>
      assignedValue(v, text, start, end) &&
      !/^[a-z]+[0-9]?(?:[-_.][a-z]+[0-9]?)+$/.test(v) && // a lower-case method name (oauth2-client-credentials)
      !/^[A-Z][a-z]+(?:[A-Z][a-z]+)+$/.test(v) && // a PascalCase one (AzureActiveDirectory)
      !/^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$/.test(v) && // a mechanism (SCRAM-SHA-256)
      !/^[a-z][a-z0-9+.-]{0,31}:\/\/[^@\s]*$/i.test(v),
    minEntropy: 3,
    positives: [
      '{"auths":{"ghcr.io":{"auth":"' + 'Y2ktcm9ib3Q6Z2hwX3Q0UTl4TDJ2TjdrUXo4TDJ2TjdrUXo4"}}}',
      '//registry.npmjs.org/:_auth=' + 'ZGVwbG95OnM3dkxxMnBaOXhRa0w=',
      'REDIS_AUTH=' + 'qfS5Lm9xTz2Vk8Wc',
      'REDIS_AUTH=' + 'f2a9c1b7-d4e4-4f60-a1b2-c3d4e5f60718',
    ],
    negatives: ['auth: true', 'auth=basic', '"auth":"required"', 'oauth_version=1.0', 'author: Jane Doe', 'auth: oauth2-client-credentials', 'const MONGO_NO_AUTH = "mongodb://localhost:27017/database";', 'auth: SCRAM-SHA-256', 'auth: AzureActiveDirectory'],
  },
  {
    id: 'session-id-assignment',
    description: 'A session id assigned in text: PHPSESSID=, JSESSIONID=, session_id=, sessionId: (a session id is a bearer credential)',
    class: 'secret',
    keywords: ['sessid', 'sessionid', 'session_id', 'session-id'],
    pattern: assignment(String.raw`(?<![A-Za-z])(?:php|j|asp\.net_)?sess(?:ion)?[_-]?id(?![A-Za-z])`, value(16, 512, false)),
    validate: assignedValue,
    minEntropy: 3,
    positives: ['GET /cart?PHPSESSID=' + 'q3k8l2m9n4b7v1c6x5z0a8s7d6 HTTP/1.1', 'session_id=' + '9dc4b30b3710586b6ea64fc635ef1ea5 user=bob', 'JSESSIONID=' + '6A5F4E3D2C1B0A9F8E7D6C5B4A392817'],
    negatives: ['session_id=42', 'sessionId: null', 'session_id=${SESSION_ID}', 'sessionIdleTimeout=3600'],
  },
  {
    id: 'netrc-password',
    description: 'Password of a one-line .netrc entry: machine HOST login USER password PASS',
    class: 'secret',
    keywords: ['password'],
    pattern: /\bmachine[ \t]{1,8}\S{1,253}[ \t]{1,8}login[ \t]{1,8}\S{1,128}[ \t]{1,8}password[ \t]{1,8}(?<secret>\S{1,256})/g,
    validate: notPlaceholder,
    positives: ['machine api.internal.example.com login svc-deploy password ' + 'lrdMBbTi8qNOa7CJ'],
    negatives: ['machine api.example.com login svc password $NETRC_PASSWORD'],
  },
  {
    id: 'generated-password-notice',
    description: 'A password a server prints once at setup: MySQL "temporary password is generated for root@localhost: X", Elasticsearch "PASSWORD elastic = X"',
    class: 'secret',
    keywords: ['password'],
    pattern:
      /(?:(?:temporary|initial|generated|random|default)[ \t](?:admin(?:istrator)?[ \t]|root[ \t]|user[ \t])?password[^:\r\n]{0,60}:[ \t]{0,4}|\bPASSWORD[ \t](?:elastic|kibana_system|kibana|logstash_system|beats_system|apm_system|remote_monitoring_user)[ \t]=[ \t])(?<secret>[^\s"']{6,128})/gi,
    validate: notPlaceholder,
    minEntropy: 2.5,
    positives: [
      '2024-05-18T10:00:00.000000Z 6 [Note] [MY-010454] [Server] A temporary password is generated for root@localhost: ' + 'EmqA7k;Lp2(x',
      'PASSWORD elastic = ' + 'Qi6OzL2xKq8vN7mR',
    ],
    negatives: ['temporary password expired: true', 'default password policy: strong', 'initial password: ********'],
  },
];

/** Generic secret rules (key material, JWTs, URL and connection-string credentials, HTTP auth, assignments). */
export const GENERIC_RULES: readonly Rule[] = [...KEYS, ...URLS, URL_ENCODED_CREDENTIAL, ...HEADERS, CURL_USER, CLI_SHORT, ...REDIS, SMTP_PLAIN, SQL_PASSWORD, CLI_FLAG, ...XML, ...ASSIGNMENTS];
