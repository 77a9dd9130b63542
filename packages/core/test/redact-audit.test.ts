import { describe, expect, it } from 'vitest';
import { createRedactor } from '../src/redact/redactor.js';

// Cases from the audit of 2026-11-22 against other projects' test suites and real log lines
// (gitleaks rule tps/fps, detect-secrets plugin tests, secretlint snapshots, noseyparker rule
// examples, trufflehog detector tests): what each preset must catch, and what it must leave.

const KEY32 = 'k'.repeat(32);
const secrets = createRedactor({ preset: 'secrets' });
const pci = createRedactor({ preset: 'pci', hashKey: KEY32 });
const gdpr = createRedactor({ preset: 'gdpr', hashKey: KEY32 });

const text = (v: unknown): string => JSON.stringify(v);

describe('caught: formats other suites test that the catalogue missed before', () => {
  const cases: [string, string][] = [
    ['Anthropic OAuth access token', 'sk-ant-oat01-FHfL05OhMoNPGBHlv494dAUYURHuuyBuTYpxV9YxfG0eMwk7pG1boFXeqYeY6dwNSyKWVO03hY33LI-CMk4zGVvr44xGCAA'],
    ['Telegram bot token, no context (detect-secrets)', '110201543:AAHdqTcvCH1vGWJxfSe1ofSAs0K5PALDsaw'],
    ['Google OAuth refresh token (noseyparker google.yml)', '1//039xWRt8YaYa3CgYIARAAGAMSNwF-L9Iru9FyuTrDSa7lkSceggPho83kJt2J29Ga91EhT1C6XV1vmo6bQS9puL_R2t8FIwR3gek'],
    ['GitHub refresh token, 76 characters (noseyparker github.yml)', 'ghr_1B4a2e77838347a7E420ce178F2E7c6912E169246c3CE1ccbF66C46812d16D5B1A9Dc86A1498'],
    ['New Relic REST API key (noseyparker newrelic.yml)', 'NRRA-e270623d47659ff6a48ac5bde6bba223bef47c8c26'],
  ];
  for (const [name, secret] of cases) {
    it(`${name}: under a neutral key and in free text`, () => {
      const out = secrets.redact({ data: secret, msg: `request failed with key=${secret} retrying` });
      expect(text(out.value)).not.toContain(secret);
    });
  }

  it('curl -u / --user passwords in logged command lines (gitleaks curl.go)', () => {
    const lines: [string, string][] = [
      ['curl --cacert ca.crt -u elastic:P@ssw0rd$1 https://localhost:9200', 'P@ssw0rd$1'],
      ["curl -s --user 'api:d2LkV78zLx!t' https://api.mailgun.net/v2/x/messages", 'd2LkV78zLx!t'],
      ['curl --user roger23@gmail.com:pQ9wTxu4Fg https://www.dropbox.com/cli_link?host_id=abcdefg -v', 'pQ9wTxu4Fg'],
    ];
    for (const [line, pw] of lines) expect(text(secrets.redact({ cmd: line }).value)).not.toContain(pw);
    expect(secrets.redact({ cmd: 'docker run -u 1000:1000 app' }).findings).toEqual([]);
  });

  it('Azure Functions keys in URLs and headers (detect-secrets azure_test.py); a base64 PEM private key', () => {
    const key = 'O97nV6v3n5qw8vvhpsxjv_9xcEKIyCzpcI6rCqX3lgkXAzFunQTFHw==';
    expect(text(secrets.redact({ url: `https://myserver.azurewebsites.net/api/fn?code=${key}`, h: { 'x-functions-key': key } }).value)).not.toContain(key.slice(0, 20));
    const pem = Buffer.from('-----BEGIN RSA PRIVATE KEY-----\nMIIEogIBAAKCAQEAoy1XXuVAQpqHbQE05mkhrNg/124F/2K9OanizZTZUUhK08U8\n-----END RSA PRIVATE KEY-----\n').toString('base64');
    expect(text(secrets.redact({ data: { 'tls.key': pem } }).value)).not.toContain(pem.slice(0, 40));
  });

  it('"secret key:" with a blank in the key (noseyparker aws.yml)', () => {
    const out = secrets.redact({ msg: 'AWS Access Key:AKIAQ7XDLKDBVA7DXPM5\nsecret key:IwJz1SHMccAKUKuskdVoHFfkre73BTyF80nRmcWc' });
    expect(text(out.value)).not.toContain('IwJz1SHMccAKUKuskdVoHFfkre73BTyF80nRmcWc');
  });

  it('real credentials next to code still count: a quoted literal, a value with digits before prose', () => {
    expect(text(secrets.redact({ m: "password = 'request.form'" }).value)).not.toContain('request.form');
    expect(text(secrets.redact({ m: 'password: hunter2x was rejected' }).value)).not.toContain('hunter2x');
  });
});

describe('left alone: code, prose and near-misses', () => {
  const untouched = [
    // detect-secrets keyword_test.py and gitleaks generic.go negatives
    "my_password = request.json_body['hey']",
    'login(username=username, password=password)',
    'apiKey: this.apiKey,',
    "apiKey: fs.readFileSync('foo',",
    'secret = request.headers["apikey"]',
    // Python tracebacks and config dumps
    'db.connect(host=cfg.host, password=cfg.password)',
    'password = getpass.getpass()',
    'api_key=settings.API_KEY',
    'cancellationToken: System.Threading.CancellationToken',
    // build logs, syslog, validation messages
    '[INFO] +- io.jsonwebtoken:jjwt-api:jar:0.11.5:compile',
    'Dec  3 10:12:01 web1 passwd[2211]: pam_unix(passwd:chauthtok): password changed for deploy',
    'Password: This password is too common.',
    'password: policy violation',
    'webhook secret: configured',
    // payment logs
    'payment authorization: approved',
    'card authorization: declined',
    'Authorization: completed in 212ms',
  ];
  for (const line of untouched) {
    it(line, () => {
      const out = secrets.redact({ msg: line });
      expect(out.findings).toEqual([]);
      expect(out.value).toEqual({ msg: line });
    });
  }

  it('key names that match a rule but hold what the rule is not about', () => {
    expect(secrets.redact({ credentials: 'same-origin', mode: 'cors' }).findings).toEqual([]);
    expect(pci.redact({ camera: { pan: 'left', tilt: 10 } }).findings).toEqual([]);
    expect(gdpr.redact({ microphone: 'granted', iphone: 14 }).findings).toEqual([]);
    const cursors = { NextToken: 'eyJleHBpcmF0aW9uIjpudWxsLCJib3RvX3RydW5jYXRlX2Ftb3VudCI6MX0=', nextPageToken: 'CAESBggDEAEYAQ', pageToken: 'CBQQAA', continuationToken: '+RID:~4sM0AIwnHvECAAAAAAAAAA==#RT:1#TRC:10', $skipToken: 'X%274453707402%27', resumeToken: { _data: '8263F2A1B2000000012B022C0100296E5A1004' } };
    expect(secrets.redact(cursors).findings).toEqual([]);
    // ... while the same names with what they stand for are still redacted.
    expect(text(secrets.redact({ credentials: 'user:Tr0ub4dor&3' }).value)).not.toContain('Tr0ub4dor');
    expect(text(secrets.redact({ nextAccessToken: 'Zq9vX2mR7tLw4pK8', pageAuthToken: 'Hy6bN3cV9xQe2sJ5' }).value)).not.toMatch(/Zq9vX2mR7tLw4pK8|Hy6bN3cV9xQe2sJ5/);
    // A real secret under a cursor name is still caught by the value rules.
    expect(text(secrets.redact({ nextToken: 'sk_live_51Hq8ZtK2eRvX9mPqL3wN7yB' }).value)).not.toContain('51Hq8ZtK2eRvX9mPqL3wN7yB');
    expect(text(pci.redact({ pan: '4111 1111 1111 1111' }).value)).not.toContain('4111 1111 1111');
    expect(text(gdpr.redact({ phone: '+44 20 7946 0958' }).value)).not.toContain('7946');
  });
});
