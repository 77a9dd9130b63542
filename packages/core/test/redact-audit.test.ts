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

// Cases from the audit of structured payloads (2026-11-22, third session): Kubernetes, ECS,
// OpenTelemetry, Node request objects, SQL statements, Rails secrets, e-mail role addresses.
describe('structured payloads: values named by a sibling, and what real payloads hold', () => {
  it('a {name, value} / {key, value} / {Key, Value} pair falls under its name’s key rule', () => {
    const rec = {
      env: [
        { name: 'AWS_SECRET_ACCESS_KEY', value: 'OrhLrxScRMTpZUIh0yX7IADYwfKu/1tXakctIpH8' },
        { name: 'NODE_ENV', value: 'production' },
      ],
      environment: [{ Name: 'DB_PASSWORD', Value: 'Zx9!vQ2#mL7$' }],
      attributes: [
        { key: 'db.password', value: { stringValue: 'Tr0ub4dor&3' } },
        { key: 'http.method', value: { stringValue: 'GET' } },
      ],
      tags: [{ Key: 'team', Value: 'payments' }],
    };
    const out = secrets.redact(rec);
    const t = text(out.value);
    for (const s of ['OrhLrxScRMTpZUIh0yX7IADYwfKu', 'Zx9!vQ2#mL7$', 'Tr0ub4dor&3']) expect(t).not.toContain(s);
    for (const s of ['production', 'NODE_ENV', 'GET', 'payments', 'AWS_SECRET_ACCESS_KEY']) expect(t).toContain(s);
    expect(out.findings.map((f) => f.path)).toEqual(expect.arrayContaining(['$.env[0].value', '$.environment[0].Value', '$.attributes[0].value']));
  });

  it('a record whose `name` is just a field is not a pair (more than four keys)', () => {
    const rec = { name: 'password-reset', value: 'sent', user: 'u1', at: 1, ok: true };
    expect(secrets.redact(rec).findings).toEqual([]);
  });

  it('header entry lists ([name, value] pairs) fall under the header name’s rule; a lone pair of words is data', () => {
    const out = secrets.redact({ headers: [['accept', '*/*'], ['authorization', 'Token 9f8e7d6c5b4a39281706f5e4d3c2b1a0'], ['cookie', 'sid=s%3Aabc123def456']] });
    const t = text(out.value);
    expect(t).not.toContain('9f8e7d6c5b4a39281706f5e4d3c2b1a0');
    expect(t).not.toContain('abc123def456');
    expect(t).toContain('*/*');
    expect(secrets.redact({ tags: ['auth', 'v2'], scopes: ['token', 'read'] }).findings).toEqual([]);
  });

  it('HTTP Basic credentials outside a header line (Node rawHeaders), SQL password literals', () => {
    const basic = 'c3ZjLXJlcG9ydHM6a040I0Mwd29DYjFXeE5mbg==';
    expect(text(secrets.redact({ rawHeaders: ['Host', 'api', 'Authorization', `Basic ${basic}`] }).value)).not.toContain(basic);
    for (const stmt of ["ALTER ROLE reporting WITH LOGIN PASSWORD 'Summer2024!Prod'", "CREATE USER 'app'@'%' IDENTIFIED BY 'n7#Qv9zL2pW'"]) {
      const out = secrets.redact({ 'db.statement': stmt });
      expect(text(out.value)).not.toMatch(/Summer2024!Prod|n7#Qv9zL2pW/);
    }
    expect(secrets.redact({ msg: 'Basic plan selected', 'db.statement': 'SELECT password_hash FROM users WHERE id = $1' }).findings).toEqual([]);
  });

  it('pass, pwd and SECRET_KEY_BASE by name; a pwd that is a path is the working directory', () => {
    const t = text(secrets.redact({ auth: undefined, login: { user: 'svc', pass: 'hunter2!' }, pwd: 'S3cr3t!', SECRET_KEY_BASE: 'a1'.repeat(64) }).value);
    expect(t).not.toMatch(/hunter2!|S3cr3t!|a1a1a1a1/);
    expect(secrets.redact({ pwd: '/srv/app/current', cwd: '/srv/app' }).findings).toEqual([]);
  });

  it('a cookie header under any *cookie name; a connection string that only names a server', () => {
    const out = secrets.redact({ attributes: [{ key: 'http.request.header.cookie', value: { arrayValue: { values: [{ stringValue: 'sessionid=9dc4b30b3710586b6ea64fc635ef1ea5; csrftoken=x' }] } } }] });
    expect(text(out.value)).not.toContain('9dc4b30b3710586b6ea64fc635ef1ea5');
    expect(secrets.redact({ attributes: [{ key: 'db.connection_string', value: { stringValue: 'postgresql://db.internal:5432/acme' } }] }).findings).toEqual([]);
    expect(text(secrets.redact({ connectionString: 'postgresql://app:Zq9vX2mR7t@db.internal:5432/acme' }).value)).not.toContain('Zq9vX2mR7t');
    expect(text(secrets.redact({ connectionString: 'Server=db;Database=acme;User Id=app;Password=Zq9vX2mR7t;' }).value)).not.toContain('Zq9vX2mR7t');
  });

  it('pagination cursors of S3 and CloudWatch Logs, idempotency tokens', () => {
    const rec = { NextContinuationToken: '1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=', nextForwardToken: 'f/36893462038470385616713513813497931223433006232534990848/s', nextBackwardToken: 'b/36893462038470385616713513813497931223433006232534990848/s', idempotencyToken: '8e03978e-40d5-43e8-bc93-6894a57f9324', 'i-twilio-idempotency-token': 'abd145dd-b9da-4b5a-8630-7ba1ee494cf2' };
    expect(secrets.redact(rec).findings).toEqual([]);
  });

  it('gdpr: role mailboxes, Message-IDs and versions are not personal data; encoded addresses are', () => {
    const rec = {
      from: 'GitHub <noreply@github.com>',
      messageId: '<0100018c5e1f2a3b-6cfa3a00-1f2e-4d5c-9b8a-7e6f5d4c3b2a-000000@email.amazonses.com>',
      assembly: 'System.Runtime, Version=4.0.0.0, Culture=neutral',
      firmware: { version: '4.4.0.1' },
    };
    expect(gdpr.redact(rec).findings).toEqual([]);
    const sockets = { bindAddress: '0.0.0.0:8080', listenAddress: ':9090', metricsAddress: '127.0.0.1:9464', sourceIPAddress: 'secretsmanager.amazonaws.com', repository: { full_name: 'acme/api' } };
    expect(gdpr.redact(sockets).findings).toEqual([]);
    const people = { address: '221B Baker Street, London', billing: { address: { line1: '1 Main St', city: 'Springfield' } }, full_name: 'Jane Doe' };
    expect(text(gdpr.redact(people).value)).not.toMatch(/Baker|Main St|Jane Doe/);
    // The name rules out the class for its value only: the same quad elsewhere is an address.
    expect(text(gdpr.redact({ version: '4.4.0.1', peer: '4.4.0.1' }).value)).toMatch(/"version":"4\.4\.0\.1"/);
    expect(text(gdpr.redact({ version: '4.4.0.1', peer: '4.4.0.1' }).value)).not.toMatch(/"peer":"4\.4\.0\.1"/);
    expect(text(gdpr.redact({ url: '/unsubscribe?email=j.smith%40outlook.com' }).value)).not.toContain('j.smith');
    expect(text(gdpr.redact({ author: 'jane.doe@example.com', ip: '203.0.113.42' }).value)).not.toMatch(/jane\.doe|203\.0\.113\.42/);
  });
});

describe('trace ids are not card numbers', () => {
  // 6545257864471439916 passes the card rule's IIN and Luhn checks (a Datadog parent id from the audit).
  const id = '6545257864471439916';
  it('under *traceid / *spanid / *parentid names, as strings, numbers and BigInts', () => {
    const rec = { 'dd.trace_id': id, dd: { span_id: BigInt(id) }, headers: { 'x-datadog-parent-id': id }, parentId: 4111111111111111 };
    expect(pci.redact(rec).findings).toEqual([]);
  });
  it('the same digits under another name are still a card', () => {
    expect(text(pci.redact({ note: id, card: '4111 1111 1111 1111' }).value)).not.toMatch(/6545257864471439916|4111 1111 1111 1111/);
  });
});

// Log-line contexts (audit of 2026-11-22, third session: secrets as real software prints them).
describe('log lines: where a value ends, and what is not a secret', () => {
  const red = (line: string): string => secrets.redactText(line).text;
  it('a password runs past delimiters inside it, and stops where the next key starts', () => {
    expect(red('MYSQL_ROOT_PASSWORD=m5hCTp;vyP5sMSQ1eOY')).not.toMatch(/m5hCTp|vyP5sMSQ1eOY/);
    expect(red('ADMIN_PASSWORD=r0ToVV)tFnvWcAn2sdJ')).not.toMatch(/r0ToVV|tFnvWcAn2sdJ/);
    expect(red('DB_PASSWORD=tCH3A5&QDPgAHHgQz0g')).not.toMatch(/tCH3A5|QDPgAHHgQz0g/);
    expect(red('{"password":"AgDvYA\\"plsai6Hz3o8u","user":"app"}')).not.toMatch(/AgDvYA|plsai6Hz3o8u/);
    const conn = red('Server=db;Database=acme;User Id=app;Password=Zq9vX2mR7t;Encrypt=true');
    expect(conn).not.toContain('Zq9vX2mR7t');
    expect(conn).toContain('Encrypt=true');
    const query = red('GET /login?user=bob&password=N66rNlb3uT5A&next=%2Fhome');
    expect(query).not.toContain('N66rNlb3uT5A');
    expect(query).toContain('next=%2Fhome');
  });
  it('column-aligned keys, long CLI options, XML elements, a private key line on its own', () => {
    expect(red('  + master_password                  = "e4GdQz81Lm"')).not.toContain('e4GdQz81Lm');
    expect(red('mongodump --username backup --password YL7EQNDbY5xF8Pc9 --out /backup')).not.toContain('YL7EQNDbY5xF8Pc9');
    expect(red('<server><id>nexus</id><password>Vn3$kQ8zLw2</password></server>')).not.toContain('Vn3$kQ8zLw2');
    expect(red('MIIEowIBAAKCAQEAoy1XXuVAQpqHbQE05mkhrNg/124F/2K9OanizZTZUUhK08U8')).toContain('REDACTED');
  });
  // (`password: changeme` stays a finding: a shipped default is a real, guessable credential.)
  it('cursors, public Mapbox tokens, masks, placeholders and the AWS documentation key are left alone', () => {
    for (const line of [
      '{"Items":[],"NextToken":"eyJsYXN0RXZhbHVhdGVkS2V5Ijp7ImlkIjp7IlMiOiI0MiJ9fX0="}',
      "mapboxgl.accessToken = 'pk.eyJ1IjoiYWNtZSIsImEiOiJjbHgxMjM0NTY3ODkwYWJjZGVmZ2hpamsifQ.AbCdEfGhIjKlMnOpQrStUv';",
      '{"user":"app","password":"**REDACTED**"}',
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'secret: /etc/app/secret.yaml',
    ]) {
      expect(secrets.redactText(line).findings, line).toEqual([]);
    }
  });
});

describe('pairs and entry lists with hostile members', () => {
  it('a throwing name/value getter or a Proxy element is marked where it throws; the rest is walked', () => {
    const pair = { get name(): string { throw new Error('boom'); }, value: 'Tr0ub4dor&3x' };
    const trap = new Proxy([], { get() { throw new Error('trap'); } });
    const out = secrets.redact({ pair, bad: [trap], list: [['authorization', 'Token 9f8e7d6c5b4a39281706f5e4d3c2b1a0']] });
    const v = out.value as { pair: { name: unknown }; bad: unknown[] };
    expect(v.pair.name).toBe('[Throws]');
    expect(v.bad).toEqual(['[Throws]']); // the Proxy alone, not the record
    const t = text(out.value);
    expect(t).toContain('Tr0ub4dor&3x'); // no name to rule it: only the value scan applies
    expect(t).not.toContain('9f8e7d6c5b4a39281706f5e4d3c2b1a0');
  });
});

// Found by the review of this session's change: exemptions must not open holes.
describe('review: exemptions stay narrow', () => {
  it('a base64 secret that starts with / is not a file path; a real path is', () => {
    for (const line of ['client_secret=/Yq3kL9vX2mN7pR4tW8zB1cF6hJ0dG5sA', 'token=/Yq3kL9vX2mN7pR4tW8zB1cF6hJ0dG5sA', 'password=/h7Kq2.xLm9']) {
      expect(secrets.redactText(line).findings, line).not.toEqual([]);
    }
    expect(secrets.redactText('secret: /etc/app/secret.yaml').findings).toEqual([]);
    expect(text(secrets.redact({ pwd: '~Xk9#mQ2zL' }).value)).not.toContain('Xk9#mQ2zL');
    expect(text(secrets.redact({ pwd: '/Xk9mQ2zLq' }).value)).not.toContain('Xk9mQ2zLq');
    expect(secrets.redact({ pwd: '/home/app/current' }).findings).toEqual([]);
  });
  it('only whole-word version / trace-id names rule classes out, and only for their own scalar', () => {
    expect(text(gdpr.redact({ conversion: { req: { remote: '203.0.113.9' } }, subversion: 'svn from 198.51.100.7' }).value)).not.toMatch(/203\.0\.113\.9|198\.51\.100\.7/);
    expect(text(gdpr.redact({ version: { peer: '203.0.113.9' } }).value)).not.toContain('203.0.113.9');
    expect(text(pci.redact({ transparentId: '4532015112830366' }).value)).not.toContain('4532015112830366');
  });
  it('a ruled-out class cannot hide an overlapping secret', () => {
    expect(text(pci.redact({ traceId: 'ctx password=4532 0151 1283 0366' }).value)).not.toContain('4532 0151 1283');
  });
  it('a connection string with a token in its path keeps the key rule', () => {
    expect(text(secrets.redact({ connectionString: 'https://api.telegram.org/bot1234567890:AAHdqTcvCH1vGWJxfSe1ofSAs0K5PALDsaw/sendMessage' }).value)).not.toContain('AAHdqTcvCH1vGWJxfSe1ofSAs0K5PALDsaw');
  });
  it('a pair is found whatever the order of its name-like members', () => {
    const rec = { name: 'DB_PASSWORD', key: 'abc', value: 'hunter2hunter2' };
    expect(text(secrets.redact(rec).value)).not.toContain('hunter2hunter2');
    expect(secrets.redactCanonical(rec).json).not.toContain('hunter2hunter2');
  });
  it('an entry whose element getter throws is marked in place; later findings keep their paths', () => {
    const bad = new Proxy(['password', 'x'], { get(t, p) { if (p === '1') throw new Error('trap'); return Reflect.get(t, p); } });
    const out = secrets.redact({ list: [['a', 'b'], bad], after: 'AKIAQYLPMN5HHHFPZAM2' });
    const v = out.value as { list: unknown[] };
    expect(v.list[0]).toEqual(['a', 'b']);
    expect(out.findings.map((f) => f.path)).toContain('$.after');
  });
  it('test-runner verdicts, status lines, validation messages and mechanism names are not secrets', () => {
    for (const line of ['--- PASS: TestLoginHandler (0.02s)', 'health check pass: db=ok', 'password "must be at least 12 characters"', 'auth: SCRAM-SHA-256', 'gcloud run deploy api --secret prod-db-password', '<add key="PasswordPolicy" value="RequireDigit"/>']) {
      expect(secrets.redactText(line).findings, line).toEqual([]);
    }
    expect(secrets.redact({ test: { pass: 120, fail: 0 } }).findings).toEqual([]);
    expect(secrets.redactText('GET /?password=Zq9vX2mR7t&amp;user=bob').text).toContain('&amp;user=bob');
  });
});
