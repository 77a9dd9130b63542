import { describe, expect, it } from 'vitest';
import type { Rule } from '../src/redact/rule.js';
import { GENERIC_RULES } from '../src/redact/rules-generic.js';
import { applyRule, describeRuleCatalogue, ruleIn, type RuleFinding as Finding } from './helpers/apply-rule.js';

const rule = ruleIn(GENERIC_RULES);
const secrets = (id: string, text: string): string[] => applyRule(rule(id), text).map((f) => f.secret);

describe('GENERIC_RULES catalogue shape', () => {
  it('has unique kebab-case ids', () => {
    const ids = GENERIC_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
  });
});

describeRuleCatalogue('GENERIC', GENERIC_RULES, (secret) => {
  expect(secret.trim().length).toBeGreaterThanOrEqual(3);
});

describe('the secret group covers exactly the sensitive part', () => {
  it('private key: the body, not the armor lines', () => {
    const body = '\nMC4CAQAwBQYDK2VwBCIEIKbvWDDRmJTd8hWXjXV+bN5MhKjr4q9wA0h6cW8DpSdE\n';
    const text = `before -----BEGIN PRIVATE KEY-----${body}-----END PRIVATE KEY----- after`;
    expect(secrets('private-key', text)).toEqual([body]);
  });
  it('private key: two blocks are two findings, and a BEGIN without END is none', () => {
    const block = (b: string): string => `-----BEGIN EC PRIVATE KEY-----\n${b}\n-----END EC PRIVATE KEY-----\n`;
    const b1 = 'MHcCAQEEIKbvWDDRmJTd8hWXjXV+bN5MhKjr4q9wA0h6cW8DpSdEoAoGCCqGSM49';
    const b2 = 'ZpHOGHf2siQJSUPjAP2snpOTkDtYyFkmEXcAzA1/oyK7GGzPh4p2ZOr8MXtfimv+';
    expect(secrets('private-key', block(b1) + block(b2))).toEqual([`\n${b1}\n`, `\n${b2}\n`]);
    expect(secrets('private-key', `-----BEGIN PRIVATE KEY-----\n${b1}\n${b2}\n`)).toEqual([]);
  });
  it('JWT: the three parts only', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
    expect(secrets('jwt', `Bearer ${jwt}, next`)).toEqual([jwt]);
    expect(secrets('jwt', `?t%3D${jwt}&x`)).toEqual([jwt]);
  });
  it.each([
    ['url-credentials', 'https://deploy:Tr0ub4dor3x@example.com/x', 'Tr0ub4dor3x'],
    ['url-credentials', 'ftp://u:s3cr3t-p@ss@files.example.org/pub', 's3cr3t-p@ss'],
    ['url-credentials', 'ssh://git:Zl9uinYi@host/repo?x=a@b', 'Zl9uinYi'],
    ['postgres-connection-string', 'postgresql://app:4tDg5gODfx4DXT@db:5432/app', '4tDg5gODfx4DXT'],
    ['mongodb-connection-string', 'mongodb+srv://u:TL39jYgTDTAfnrg7@c.mongodb.net/db', 'TL39jYgTDTAfnrg7'],
    ['redis-connection-string', 'redis://:NaNQQSzge8wWpqkS@localhost:6379', 'NaNQQSzge8wWpqkS'],
    ['mysql-connection-string', 'mysql://root:p4$$w0rd!@127.0.0.1/shop', 'p4$$w0rd!'],
    ['amqp-connection-string', 'amqps://svc:ZlTZuinYiKbI3zIF@rabbit/vhost', 'ZlTZuinYiKbI3zIF'],
    ['mssql-connection-string-password', 'Server=db;User Id=sa;Password=4tDg5 gODfx4DXT;Encrypt=True', '4tDg5 gODfx4DXT'],
    ['mssql-connection-string-password', 'Server=db;Pwd={p;w{d0rd};', 'p;w{d0rd'],
  ])('%s in %s', (id, text, secret) => {
    expect(secrets(id, text)).toEqual([secret]);
  });
  it('URL rules divide the work: a database URL is reported by its own rule only', () => {
    const text = 'postgres://app:4tDg5gODfx4DXT@db/app';
    expect(secrets('url-credentials', text)).toEqual([]);
    expect(secrets('postgres-connection-string', text)).toEqual(['4tDg5gODfx4DXT']);
  });
  it.each([
    ['authorization-header', 'Authorization: Basic c3ZjLXVzZXI6YTJCdTJvUFlnTVJXQ3Jrdg==', 'c3ZjLXVzZXI6YTJCdTJvUFlnTVJXQ3Jrdg=='],
    ['authorization-header', '"authorization":"Bearer H9fJShJd-zQONkV87AGBYLhHrTF2s"', 'H9fJShJd-zQONkV87AGBYLhHrTF2s'],
    ['authorization-header', 'Proxy-Authorization: Negotiate YIIGhgYJKoZIhvcSAQICAQBuggZ1', 'YIIGhgYJKoZIhvcSAQICAQBuggZ1'],
    ['bearer-token', 'using Bearer H9fJShJd-zQONkV87AGBYLhHrTF2s.', 'H9fJShJd-zQONkV87AGBYLhHrTF2s.'],
    ['authorization-digest-response', 'Digest username="a", nonce="n", response="2a94c02edd375b05665aff4802e98a4a"', '2a94c02edd375b05665aff4802e98a4a'],
    ['cookie-header', 'Cookie: sid=N66rNlb3uT5A; theme=dark', 'sid=N66rNlb3uT5A; theme=dark'],
    ['cookie-header', '{"cookie":"sid=N66rNlb3uT5A","host":"x"}', 'sid=N66rNlb3uT5A'],
    ['set-cookie-header', 'Set-Cookie: sid=N66rNlb3uT5A; Path=/; HttpOnly', 'N66rNlb3uT5A'],
  ])('%s in %s', (id, text, secret) => {
    expect(secrets(id, text)).toEqual([secret]);
  });
  it.each([
    ['password-assignment', 'user=bob password=hunter2! ok', 'hunter2!'],
    ['password-assignment', '{"password": "correct horse battery staple"}', 'correct horse battery staple'],
    ['password-assignment', '{\\"password\\":\\"hunter2!x\\"}', 'hunter2!x'],
    ['password-assignment', "passwd: 'Zl9uinYi'", 'Zl9uinYi'],
    ['password-assignment', '?user=a&password=N66rNlb3uT5A&ssl=1', 'N66rNlb3uT5A'],
    ['secret-assignment', '"client_secret": "TL39jYgTDTAfnrg7gApShGzU"', 'TL39jYgTDTAfnrg7gApShGzU'],
    ['secret-assignment', 'secret: `ZlTZuinYiKbI3zIF`', 'ZlTZuinYiKbI3zIF'],
    ['token-assignment', 'token -> H9fJShJd-zQONkV87AGB, next', 'H9fJShJd-zQONkV87AGB'],
    ['token-assignment', 'access_token=TL39jYgTDTAfnrg7&expires_in=3600', 'TL39jYgTDTAfnrg7'],
    ['api-key-assignment', 'api_key = ZlTZuinYiKbI3zIFjvRf;', 'ZlTZuinYiKbI3zIFjvRf'],
    ['api-key-assignment', 'x-api-key: "TL39jYgTDTAfnrg7"', 'TL39jYgTDTAfnrg7'],
  ])('%s in %s', (id, text, secret) => {
    expect(secrets(id, text)).toEqual([secret]);
  });
  it.each([
    ['password-assignment', ['password=******', 'password: null', 'password=undefined', 'password: "<redacted>"', 'password: [FILTERED]', 'password=${DB_PASS}', 'password: {{ vault_pw }}', 'password=%s', 'password = os.environ["PW"]']],
    ['token-assignment', ['token: null', 'token=undefined', 'token: "********"', 'token = $GITHUB_TOKEN', 'token: secrets.DEPLOY_TOKEN']],
    ['secret-assignment', ['secret: undefined', 'secret = None', 'client_secret: YOUR_CLIENT_SECRET', 'secret: <secret>', 'secret: ab****yz1234']],
    ['api-key-assignment', ['api_key: null', 'apiKey: "your-api-key-here"', 'api_key: {apiKey}']],
  ])('%s ignores placeholders', (id, texts) => {
    for (const t of texts as string[]) expect(secrets(id, t), t).toEqual([]);
  });
});

describe('adversarial input: near misses of 100 KB finish quickly (linear-time patterns)', () => {
  const N = 100_000;
  const fill = (unit: string): string => unit.repeat(Math.ceil(N / unit.length)).slice(0, N);
  const FAMILY = [
    '-----BEGIN PRIVATE KEY-----' + 'A'.repeat(N),
    '-----BEGIN PRIVATE KEY-----\n' + fill('AAAA-'),
    fill('-----BEGIN PRIVATE KEY-----'),
    fill('-----BEGIN RSA PRIVATE KEY-----\nAAAA\n'),
    fill('password='),
    fill('password="'),
    fill('password: x'),
    'a:'.repeat(N / 2) + '@',
    'https://' + 'a:'.repeat(N / 2),
    fill('https://a:'),
    fill('http://'),
    'eyJ' + 'a'.repeat(N),
    fill('eyJaaaaaaaaa.'),
    fill('eyJhbGciOiJIUzI1NiJ9.eyJ'),
    fill('Authorization: Bearer '),
    fill('Bearer '),
    fill('Digest '),
    'Digest ' + 'response='.repeat(N / 9),
    fill('Cookie: a='),
    fill('set-cookie: a='),
    fill(';Password='),
    fill(';pwd={'),
    'Private-Lines: 1\n' + 'A'.repeat(N),
    fill('AWS4-HMAC-SHA256 Credential='),
    fill('token=token='),
    fill('secret_key:'),
    fill('api_key = "'),
  ];

  function hostile(r: Rule): string[] {
    const out = [...FAMILY];
    for (const k of r.keywords) {
      for (const kk of [k, k.toUpperCase()]) {
        out.push(kk + 'a'.repeat(N), kk + 'A0+/'.repeat(N / 4), fill(kk), fill(`${kk}a`), fill(`${kk}=`), fill(`${kk}: `));
        out.push(fill(`${kk}-`), fill(`${kk}_`), fill(`${kk}.`), fill(`${kk}="`), fill(`${kk}\\"`), fill(`${kk}://a:`));
      }
    }
    for (const p of r.positives) {
      out.push(fill(p.slice(0, -1)), p.slice(0, -1) + 'A'.repeat(N), fill(p.replace(/[=:]/g, ' ')));
    }
    return out;
  }

  it.each(GENERIC_RULES.map((r) => [r.id, r] as const))('%s', (_id, r) => {
    const inputs = hostile(r);
    const t0 = performance.now();
    for (const s of inputs) applyRule(r, s);
    // A bound only catastrophic backtracking can break (normal runs take milliseconds).
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
