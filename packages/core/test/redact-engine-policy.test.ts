import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildRedactor, createRedactor } from '../src/redact/redactor.js';
import { getPreset, listPresets, PRESET_NAMES } from '../src/redact/presets.js';
import { resolvePolicy, type RedactionPolicy } from '../src/redact/policy.js';
import { KeyMatcher, normaliseKeyName, parseKeyPattern } from '../src/redact/key-matcher.js';
import { compilePaths, parsePath } from '../src/redact/path-matcher.js';
import { KEY32, SECRET, TEST_RULES, VISA } from './redact-engine-fixtures.js';

const make = (policy: RedactionPolicy = {}) => buildRedactor(policy, undefined, TEST_RULES);
const code = (c: string) => expect.objectContaining({ code: c });

describe('policy validation (coded errors naming the option)', () => {
  const cases: [string, unknown, string, RegExp?][] = [
    ['not an object', 'secrets', 'LOGSEAL_ERR_INVALID_OPTION', /"policy"/],
    ['unknown option', { presett: 'pci' }, 'LOGSEAL_ERR_INVALID_OPTION', /policy\.presett/],
    ['a function (hooks are not policy)', { onDetect: () => {} }, 'LOGSEAL_ERR_INVALID_OPTION', /policy\.onDetect/],
    ['unknown preset', { preset: 'sox' }, 'LOGSEAL_ERR_POLICY', /unknown preset "sox"/],
    ['unknown class', { classes: ['secret', 'dna'] }, 'LOGSEAL_ERR_POLICY', /dna/],
    ['unknown action', { actions: { card: 'shred' } }, 'LOGSEAL_ERR_POLICY', /policy\.actions\.card.*shred/],
    ['unknown class in actions', { actions: { dna: 'mask' } }, 'LOGSEAL_ERR_POLICY', /dna/],
    ['unknown rule id in disable', { disable: ['no-such-rule'] }, 'LOGSEAL_ERR_POLICY', /no-such-rule/],
    ['disable not an array', { disable: 'test-token' }, 'LOGSEAL_ERR_INVALID_OPTION', /policy\.disable/],
    ['custom rule: RegExp object instead of string', { add: [{ id: 'x', pattern: /x/, keywords: ['x'], class: 'secret' }] }, 'LOGSEAL_ERR_INVALID_OPTION', /policy\.add\[0\]\.pattern/],
    ['custom rule: bad regex', { add: [{ id: 'x', pattern: '(', keywords: ['x'], class: 'secret' }] }, 'LOGSEAL_ERR_POLICY', /policy\.add\[0\]\.pattern/],
    ['custom rule: no keywords', { add: [{ id: 'x', pattern: 'x', keywords: [], class: 'secret' }] }, 'LOGSEAL_ERR_INVALID_OPTION', /policy\.add\[0\]\.keywords/],
    ['custom rule: bad class', { add: [{ id: 'x', pattern: 'x', keywords: ['x'], class: 'dna' }] }, 'LOGSEAL_ERR_POLICY', /policy\.add\[0\]\.class/],
    ['custom rule: id taken', { add: [{ id: 'test-token', pattern: 'x', keywords: ['x'], class: 'secret' }] }, 'LOGSEAL_ERR_POLICY', /already taken/],
    ['custom rule: unknown field', { add: [{ id: 'x', pattern: 'x', keywords: ['x'], class: 'secret', validate: 'luhn' }] }, 'LOGSEAL_ERR_INVALID_OPTION', /policy\.add\[0\]\.validate/],
    ['custom rule: bad flags', { add: [{ id: 'x', pattern: 'x', flags: 'gy', keywords: ['x'], class: 'secret' }] }, 'LOGSEAL_ERR_INVALID_OPTION', /flags/],
    ['bad key entry', { keys: ['--'] }, 'LOGSEAL_ERR_INVALID_OPTION', /policy\.keys\[0\]/],
    ['bad path', { paths: ['a..b'] }, 'LOGSEAL_ERR_PATH_SYNTAX', /a\.\.b/],
    ['bad allow path', { allow: ['a[b'] }, 'LOGSEAL_ERR_PATH_SYNTAX'],
    ['hash without key', { classes: ['email'], actions: { email: 'hash' } }, 'LOGSEAL_ERR_HASH_KEY', /policy\.hashKey/],
    ['gdpr without key', { preset: 'gdpr' }, 'LOGSEAL_ERR_HASH_KEY'],
    ['short key', { hashKey: 'short' }, 'LOGSEAL_ERR_HASH_KEY', /5 bytes/],
    ['31-byte key', { hashKey: new Uint8Array(31) }, 'LOGSEAL_ERR_HASH_KEY'],
    ['maxDepth range', { maxDepth: 0 }, 'LOGSEAL_ERR_INVALID_OPTION', /policy\.maxDepth/],
    ['maxStringLength type', { maxStringLength: '1mb' }, 'LOGSEAL_ERR_INVALID_OPTION', /policy\.maxStringLength/],
    ['preset object with unknown field', { preset: { ...getPreset('pci'), extra: 1 } }, 'LOGSEAL_ERR_INVALID_OPTION', /policy\.preset\.extra/],
    ['class instance', { keys: [new Date()] }, 'LOGSEAL_ERR_INVALID_OPTION'],
  ];
  for (const [name, policy, c, msg] of cases) {
    it(name, () => {
      expect(() => make(policy as RedactionPolicy)).toThrow(code(c));
      if (msg !== undefined) expect(() => make(policy as RedactionPolicy)).toThrow(msg);
    });
  }

  it('a full policy is plain data: it survives structured clone unchanged in effect', () => {
    const policy: RedactionPolicy = {
      preset: 'pci',
      classes: ['secret', 'card', 'email'],
      disable: ['test-webhook', 'key:cvv'],
      add: [{ id: 'acme-key', pattern: 'acme_[a-z0-9]{16}', keywords: ['acme_'], class: 'secret', description: 'ACME' }],
      keys: ['*sessionsecret', { name: 'member', class: 'personal' }],
      paths: ['req.headers["x-acme"]', { path: '**.ssn', class: 'gov-id' }],
      allow: ['trace.id'],
      actions: { email: 'hash', personal: 'remove' },
      hashKey: new Uint8Array(32).fill(7),
      maxStringLength: 4096,
      maxDepth: 10,
    };
    const cloned = structuredClone(policy);
    const input = { a: 'acme_0123456789abcdef x', cvv: '123', member: 'm', mail: 'a@b.example.org', req: { headers: { 'x-acme': 'v' } }, trace: { id: SECRET } };
    const a = make(policy);
    const b = make(cloned);
    expect(b.redact(input)).toEqual(a.redact(input));
    expect(a.policy).toEqual(b.policy);
    expect(a.redact(input).value).toEqual({
      a: '[REDACTED:acme-key] x',
      cvv: '123',
      mail: expect.stringMatching(/^\[HASH:test-email:.{12}\]$/),
      req: { headers: { 'x-acme': '[REDACTED:path]' } },
      trace: { id: SECRET },
    });
  });

  it('never keeps or mutates the caller objects', () => {
    const policy = { keys: ['mykey'], paths: ['a.b'] };
    const snapshot = structuredClone(policy);
    const r = make(Object.freeze(policy) as RedactionPolicy);
    policy.keys.push('other');
    expect(r.redact({ other: 'x', mykey: 'y' }).value).toEqual({ other: 'x', mykey: '[REDACTED:key:mykey]' });
    expect(snapshot.keys).toEqual(['mykey']);
  });

  it('policy id is the preset id, or preset+fingerprint when tuned (the hash key is not part of it)', () => {
    expect(make().policy).toEqual({ id: 'secrets', version: 1 });
    expect(make({ preset: 'pci' }).policy.id).toBe('pci');
    const tuned = make({ keys: ['x'] }).policy.id;
    expect(tuned).toMatch(/^secrets\+[0-9a-f]{8}$/);
    expect(make({ keys: ['x'] }).policy.id).toBe(tuned);
    expect(make({ keys: ['y'] }).policy.id).not.toBe(tuned);
    const k1 = make({ classes: ['email'], actions: { email: 'hash' }, hashKey: KEY32 }).policy.id;
    const k2 = make({ classes: ['email'], actions: { email: 'hash' }, hashKey: 'q'.repeat(40) }).policy.id;
    expect(k1).toBe(k2);
  });

  it('custom rules run whatever the scanned classes; disable turns off catalogue, custom and key rules', () => {
    const r = make({
      classes: [],
      add: [{ id: 'acme-key', pattern: 'ACME_[A-Z0-9]{8}', flags: 'i', keywords: ['ACME_'], class: 'card' }],
      disable: ['key:password'],
    });
    expect(r.redact({ x: 'acme_abcd1234', password: 'kept', t: SECRET }).value).toEqual({ x: '[REDACTED:acme-key]', password: 'kept', t: SECRET });
    expect(make({ disable: ['test-token'] }).redact(SECRET).value).toBe(SECRET);
  });

  it('createRedactor() with no policy uses the secrets preset over the real catalogue', () => {
    const r = createRedactor();
    expect(r.policy).toEqual({ id: 'secrets', version: 1 });
    expect(r.redact({ password: 'x', msg: 'request completed' }).value).toEqual({ password: '[REDACTED:key:password]', msg: 'request completed' });
  });
});

describe('key-name rules', () => {
  it('normalise case and separators', () => {
    for (const k of ['apiKey', 'api_key', 'API-KEY', 'api.key', 'Api Key', 'APIKEY']) expect(normaliseKeyName(k)).toBe('apikey');
    expect(normaliseKeyName('x-api-key')).toBe('xapikey');
    expect(normaliseKeyName('clé')).toBe('clé');
    expect(parseKeyPattern('*Api_Key')).toEqual({ name: 'apikey', suffix: true });
  });

  it('exact and suffix forms; exact wins, then the longest suffix', () => {
    const m = new KeyMatcher([
      { name: 'apikey', suffix: false, data: 'exact' },
      { name: 'key', suffix: true, data: 'short' },
      { name: 'apikey', suffix: true, data: 'suffix' },
    ]);
    expect(m.match('apiKey')?.data).toBe('exact');
    expect(m.match('API-KEY')?.data).toBe('exact');
    expect(m.match('x-api-key')?.data).toBe('suffix');
    expect(m.match('stripeApiKey')?.data).toBe('suffix');
    expect(m.match('monkey')?.data).toBe('short');
    expect(m.match('keys')).toBeUndefined();
  });

  it('apiKey, api_key, API-KEY and x-api-key are all caught at any depth by the secrets preset', () => {
    const r = make();
    const out = r.redact({ a: { apiKey: '1', b: [{ api_key: '2' }] }, headers: { 'API-KEY': '3', 'x-api-key': '4' }, apikeys: 'kept' });
    expect(out.value).toEqual({
      a: { apiKey: '[REDACTED:key:apikey]', b: [{ api_key: '[REDACTED:key:apikey]' }] },
      headers: { 'API-KEY': '[REDACTED:key:apikey]', 'x-api-key': '[REDACTED:key:apikey]' },
      apikeys: 'kept',
    });
    expect(out.findings.map((f) => f.path)).toEqual(['$.a.apiKey', '$.a.b[0].api_key', '$.headers["API-KEY"]', '$.headers["x-api-key"]']);
  });

  it('a user exact key does not match longer names', () => {
    const r = make({ keys: ['member'] });
    expect(r.redact({ member: 'a', memberSince: 2020, Member: 'b' }).value).toEqual({ member: '[REDACTED:key:member]', memberSince: 2020, Member: '[REDACTED:key:member]' });
  });
});

describe('path rules', () => {
  it('parses pino syntax plus **', () => {
    expect(parsePath('a.b')).toEqual([{ kind: 'key', key: 'a' }, { kind: 'key', key: 'b' }]);
    expect(parsePath('a["x-y"].c')).toEqual([{ kind: 'key', key: 'a' }, { kind: 'key', key: 'x-y' }, { kind: 'key', key: 'c' }]);
    expect(parsePath("a['q\\'s'][0]")).toEqual([{ kind: 'key', key: 'a' }, { kind: 'key', key: "q's" }, { kind: 'key', key: '0' }]);
    expect(parsePath('a.*.b')).toEqual([{ kind: 'key', key: 'a' }, { kind: 'star' }, { kind: 'key', key: 'b' }]);
    expect(parsePath('a[*]')).toEqual([{ kind: 'key', key: 'a' }, { kind: 'star' }]);
    expect(parsePath('**.password')).toEqual([{ kind: 'glob' }, { kind: 'key', key: 'password' }]);
    expect(parsePath('["*"]')).toEqual([{ kind: 'key', key: '*' }]);
    for (const bad of ['', 'a.', '.a', 'a..b', 'a[', 'a[b]', 'a["x]', 'a[]', 'a]b', 'a b', 'a*b', 'a["x"]b', 'a[0]x']) {
      expect(() => parsePath(bad), bad).toThrow(code('LOGSEAL_ERR_PATH_SYNTAX'));
    }
  });

  it('redacts the value at each path form', () => {
    const r = make({
      classes: [],
      keys: [],
      preset: { id: 'p', version: 1, classes: [], actions: {}, keys: [], paths: [], allow: [] },
      paths: ['a.b', 'h["x-y"].c', 'list[0]', 'users.*.pw', 'tags[*]', '**.ssn'],
    });
    const out = r.redact({
      a: { b: 1, c: 2 },
      h: { 'x-y': { c: 'v', d: 'w' } },
      list: ['first', 'second'],
      users: [{ pw: 'p1', n: 1 }, { pw: 'p2' }],
      tags: ['t1', 't2'],
      ssn: '1',
      deep: { deeper: [{ ssn: '2' }] },
    });
    expect(out.value).toEqual({
      a: { b: '[REDACTED:path]', c: 2 },
      h: { 'x-y': { c: '[REDACTED:path]', d: 'w' } },
      list: ['[REDACTED:path]', 'second'],
      users: [{ pw: '[REDACTED:path]', n: 1 }, { pw: '[REDACTED:path]' }],
      tags: ['[REDACTED:path]', '[REDACTED:path]'],
      ssn: '[REDACTED:path]',
      deep: { deeper: [{ ssn: '[REDACTED:path]' }] },
    });
    expect(out.findings.map((f) => f.rule)).toEqual(Array(9).fill('path'));
  });

  it('a path entry may carry a class whose action applies', () => {
    const r = make({ paths: [{ path: 'card.pan', class: 'card' }], actions: { card: 'partial' } });
    expect(r.redact({ card: { pan: VISA } }).value).toEqual({ card: { pan: '[REDACTED:path:…1111]' } });
  });

  it('allow paths are never touched: no scan, no key rule, no path rule', () => {
    const r = make({ allow: ['debug.**', 'audit.token'], paths: ['debug.raw'] });
    const out = r.redact({ debug: { raw: SECRET, password: 'p', [SECRET]: 1 }, audit: { token: SECRET, other: SECRET } });
    expect(out.value).toEqual({ debug: { raw: SECRET, password: 'p', [SECRET]: 1 }, audit: { token: SECRET, other: '[REDACTED:test-token]' } });
  });

  it('the compiled matcher reuses DFA states (a cached transition per key)', () => {
    const { root } = compilePaths({ redact: ['**.password', 'a.b'] });
    expect(root).not.toBeNull();
    const s1 = root!.step('a');
    expect(root!.step('a')).toBe(s1);
    expect(s1!.step('b')!.redact).toBe(1);
    expect(s1!.step('password')!.redact).toBe(0);
    expect(root!.step('zzz')!.step('yyy')!.step('password')!.redact).toBe(0);
    expect(compilePaths({ redact: ['a.b'] }).root!.step('x')).toBeNull();
  });
});

describe('presets', () => {
  afterEach(() => vi.restoreAllMocks());

  it('are plain data, returned as fresh copies', () => {
    expect(listPresets().map((p) => p.id)).toEqual([...PRESET_NAMES]);
    for (const p of listPresets()) {
      expect(structuredClone(p)).toEqual(p);
      expect(p.version).toBeGreaterThanOrEqual(1);
    }
    const a = getPreset('secrets');
    (a.keys as string[]).length = 0;
    expect(getPreset('secrets').keys.length).toBeGreaterThan(10);
  });

  it('secrets (default): credentials only, personal data untouched', () => {
    const r = make();
    expect(r.redact({ token: 't', mail: 'jane@example.com', pay: VISA, t: SECRET }).value).toEqual({
      token: '[REDACTED:key:token]',
      mail: 'jane@example.com',
      pay: VISA,
      t: '[REDACTED:test-token]',
    });
  });

  it('pci: PAN keeps the last four, card security data fully masked', () => {
    const r = make({ preset: 'pci' });
    expect(r.redact({ msg: `paid with ${VISA}`, cardNumber: VISA, cvv: '123', track2: ';4111111111111111=2512101?', pan: Number(VISA) }).value).toEqual({
      msg: 'paid with [REDACTED:test-card:…1111]',
      cardNumber: '[REDACTED:key:cardnumber:…1111]',
      cvv: '[REDACTED:key:cvv]',
      track2: '[REDACTED:key:track2]',
      pan: '[REDACTED:key:pan:…1111]',
    });
  });

  it('gdpr: personal data pseudonymised by keyed hash, stable across records', () => {
    const r = make({ preset: 'gdpr', hashKey: KEY32 });
    const a = r.redact({ email: 'jane@example.com', firstName: 'Jane', note: 'mail jane@example.com', password: 'p' }).value as Record<string, string>;
    expect(a['email']).toMatch(/^\[HASH:key:email:[A-Za-z0-9_-]{12}\]$/);
    expect(a['firstName']).toMatch(/^\[HASH:key:firstname:[A-Za-z0-9_-]{12}\]$/);
    expect(a['note']).toMatch(/^mail \[HASH:test-email:[A-Za-z0-9_-]{12}\]$/);
    expect(a['password']).toBe('[REDACTED:key:password]');
    expect(a['email']!.slice(-14)).toBe(a['note']!.slice(-14)); // same mailbox, same token
  });

  it('hipaa: identifiers masked, never hashed', () => {
    const r = make({ preset: 'hipaa' });
    const out = r.redact({ mrn: 'MRN-001', dob: '1950-01-01', patient: { firstName: 'A', city: 'Springfield' }, note: 'contact a@b.example.org' });
    expect(out.value).toEqual({
      mrn: '[REDACTED:key:mrn]',
      dob: '[REDACTED:key:dob]',
      patient: { firstName: '[REDACTED:key:firstname]', city: '[REDACTED:key:city]' },
      note: 'contact [REDACTED:test-email]',
    });
  });

  it('strict: only allow-listed keys survive, and their strings are still scanned', () => {
    const r = make({ preset: 'strict', keep: ['user.id'] });
    const out = r.redact({
      level: 30,
      msg: `login by a@b.example.org with ${SECRET}`,
      user: { id: 7, email: 'a@b.example.org', name: 'n' },
      req: { method: 'GET', url: '/x', headers: { cookie: 'c' } },
      err: { type: 'Error', message: 'm', stack: 's', extra: 1 },
      other: 'dropped',
    });
    expect(out.value).toEqual({
      level: 30,
      msg: 'login by [REDACTED:test-email] with [REDACTED:test-token]',
      user: { id: 7 },
      req: { method: 'GET', url: '/x' },
      err: { type: 'Error', message: 'm', stack: 's' },
    });
    expect(out.summary).toEqual({ policy: expect.stringMatching(/^strict\+/), version: 1, counts: { email: 1, secret: 1 }, dropped: 5 }); // user.email, user.name, req.headers, err.extra, other
  });

  it('off: no redaction, still plain JSON, and a coded warning at creation', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const r = make({ preset: 'off' });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('without redaction'), expect.objectContaining({ code: 'LOGSEAL_WARN_REDACTION_OFF' }));
    expect(r.redact({ password: 'p', t: SECRET, n: 1n }).value).toEqual({ password: 'p', t: SECRET, n: '1' });
  });

  it('a preset object (an edited copy) can be passed as data', () => {
    const mine = { ...getPreset('secrets'), id: 'mine', version: 3, keys: ['*internalid'] };
    const r = make({ preset: mine });
    expect(r.policy.id).toMatch(/^mine\+/);
    expect(r.policy.version).toBe(3);
    expect(r.redact({ userInternalId: 'x', password: 'kept' }).value).toEqual({ userInternalId: '[REDACTED:key:internalid]', password: 'kept' });
  });

  it('resolvePolicy enables catalogue rules by class', () => {
    const ids = (p: RedactionPolicy) => resolvePolicy(p, TEST_RULES).rules.map((r) => r.id);
    expect(ids({})).toEqual(['test-token', 'test-webhook', 'test-password-assignment']);
    expect(ids({ preset: 'pci' })).toContain('test-card');
    expect(ids({ preset: 'gdpr', hashKey: KEY32 })).toEqual(TEST_RULES.map((r) => r.id));
  });
});
