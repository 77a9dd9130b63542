import { afterEach, describe, expect, it, vi } from 'vitest';
import * as diagnostics_channel from 'node:diagnostics_channel';
import { buildRedactor, REDACT_CHANNEL, type RedactEvent } from '../src/redact/redactor.js';
import { canonicalize } from '../src/integrity/canonical-json.js';
import { CARD, deepFreeze, KEY32, MAIL, SECRET, SECRET2, TEST_RULES, VISA } from './redact-engine-fixtures.js';
import type { RedactionPolicy } from '../src/redact/policy.js';

const make = (policy: RedactionPolicy = {}, onDetect?: (f: RedactEvent) => void) =>
  buildRedactor(policy, onDetect === undefined ? undefined : { onDetect }, TEST_RULES);

/** Every string anywhere in a JSON value, keys included. */
function allText(v: unknown): string {
  return JSON.stringify(v);
}

describe('walker: structure', () => {
  it('redacts at any depth in objects and arrays and reports the JSON path', () => {
    const r = make();
    const out = r.redact({ a: { b: [1, { c: `x ${SECRET} y` }], 'x-y': [[SECRET2]] } }, 42);
    expect(out.value).toEqual({ a: { b: [1, { c: 'x [REDACTED:test-token] y' }], 'x-y': [['[REDACTED:test-token]']] } });
    expect(out.findings.map((f) => f.path)).toEqual(['$.a.b[1].c', '$.a["x-y"][0][0]']);
    expect(out.findings.every((f) => f.position === 42 && f.rule === 'test-token' && f.in === 'value')).toBe(true);
  });

  it('never mutates the input (deep-frozen input, compared with a copy taken before)', () => {
    const err = new Error(`boom ${SECRET}`);
    (err as Error & { code: string }).code = 'E_TEST';
    const build = () => ({
      password: 'hunter2hunter2',
      nested: { list: [SECRET, { token: SECRET2 }], when: new Date(0) },
      err,
      map: new Map<string, unknown>([['apiKey', SECRET]]),
      set: new Set([SECRET]),
      buf: Buffer.from(`raw ${SECRET}`),
      [SECRET]: 'as key',
    });
    const input = build();
    const before = build();
    deepFreeze(input);
    const out = make().redact(input);
    expect(input).toEqual(before);
    expect(err.message).toBe(`boom ${SECRET}`);
    expect((err as Error & { code: string }).code).toBe('E_TEST');
    expect(input.buf.toString()).toBe(`raw ${SECRET}`);
    expect(allText(out.value)).not.toContain(SECRET);
    expect(allText(out.value)).not.toContain(SECRET2);
  });

  it('returns plain JSON data that RFC 8785 canonicalisation accepts', () => {
    const exotic = {
      u: undefined,
      f: () => 1,
      nan: NaN,
      inf: -Infinity,
      negZero: -0,
      big: 12345678901234567890n,
      sym: Symbol('s'),
      date: new Date(Date.UTC(2024, 10, 21)),
      bad: new Date(NaN),
      boxed: [Object('str'), Object(7), Object(true)],
      lone: 'a\uD800b',
      arr: [undefined, () => 1, Symbol('x')],
      sparse: [1, , 3], // eslint-disable-line no-sparse-arrays
    };
    const out = make().redact(exotic).value;
    expect(out).toEqual({
      nan: 'NaN',
      inf: '-Infinity',
      negZero: 0,
      big: '12345678901234567890',
      sym: 'Symbol(s)',
      date: '2024-11-21T00:00:00.000Z',
      bad: null,
      boxed: ['str', 7, true],
      lone: 'a\uFFFDb',
      arr: [null, null, 'Symbol(x)'],
      sparse: [1, null, 3],
    });
    expect(Object.is((out as { negZero: number }).negZero, 0)).toBe(true);
    expect(() => canonicalize(out)).not.toThrow();
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  });

  it('undefined or a function at the top becomes null', () => {
    expect(make().redact(undefined).value).toBeNull();
    expect(make().redact(() => 1).value).toBeNull();
    expect(make().redact(SECRET).value).toBe('[REDACTED:test-token]');
  });

  it('drops symbol keys and keeps __proto__ / constructor as plain data keys without pollution', () => {
    const parsed = JSON.parse(`{"__proto__": {"polluted": "${SECRET}"}, "constructor": {"prototype": {"polluted": 1}}, "ok": 1}`) as object;
    const withSym = { ...parsed, [Symbol('hidden')]: SECRET };
    const out = make().redact(withSym).value as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(out, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ polluted: '[REDACTED:test-token]' });
    expect(out['constructor']).toEqual({ prototype: { polluted: 1 } });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getOwnPropertySymbols(out)).toEqual([]);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"polluted":"[REDACTED:test-token]"},"constructor":{"prototype":{"polluted":1}},"ok":1}');
    expect(() => canonicalize(out)).not.toThrow();
  });

  it('handles null-prototype objects', () => {
    const o = Object.create(null) as Record<string, unknown>;
    o['k'] = SECRET;
    const out = make().redact({ o }).value as { o: object };
    expect(out.o).toEqual({ k: '[REDACTED:test-token]' });
    expect(Object.getPrototypeOf(out.o)).toBe(Object.prototype);
  });

  it('turns throwing getters and hostile proxies into a marker', () => {
    const o = {
      ok: 1,
      get bad(): string {
        throw new Error(SECRET);
      },
    };
    const p = new Proxy({}, {
      ownKeys() {
        throw new Error('no');
      },
    });
    const out = make().redact({ o, p }).value;
    expect(out).toEqual({ o: { ok: 1, bad: '[Throws]' }, p: '[Throws]' });
  });

  it('marks cycles but copies shared (acyclic) references', () => {
    const shared = { s: SECRET };
    const a: Record<string, unknown> = { one: shared, two: shared };
    a['self'] = a;
    const arr: unknown[] = [];
    arr.push(arr);
    const out = make().redact({ a, arr }).value;
    expect(out).toEqual({
      a: { one: { s: '[REDACTED:test-token]' }, two: { s: '[REDACTED:test-token]' }, self: '[Circular]' },
      arr: ['[Circular]'],
    });
  });

  it('replaces objects deeper than maxDepth with a marker', () => {
    let deep: Record<string, unknown> = { leaf: SECRET };
    for (let i = 0; i < 10; i++) deep = { d: deep };
    const out = make({ maxDepth: 3 }).redact(deep).value;
    expect(out).toEqual({ d: { d: { d: '[MaxDepth]' } } });
    // a very deep input never overflows the stack
    let chain: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) chain = { c: chain };
    expect(JSON.stringify(make().redact(chain).value).length).toBeLessThan(1000);
  });

  it('scans long strings in full up to maxStringLength, cuts past it, never passes a secret on', () => {
    const r = make({ maxStringLength: 2048 });
    const within = 'a '.repeat(900) + SECRET;
    expect(r.redact(within).value).toBe('a '.repeat(900) + '[REDACTED:test-token]');
    // straddling the cap: the whole match is replaced
    const straddle = 'b'.repeat(2040) + ' ' + SECRET + ' tail';
    const s = r.redact(straddle).value as string;
    expect(s).not.toContain('tok_');
    expect(s.endsWith(`[REDACTED:test-token][TRUNCATED:${straddle.length}]`)).toBe(true);
    // far past the cap: cut away
    const far = 'c'.repeat(50_000) + SECRET;
    const f = r.redact(far).value as string;
    expect(f).toBe('c'.repeat(2048) + `[TRUNCATED:${far.length}]`);
    // cutting never leaves half a surrogate pair
    const emoji = 'x'.repeat(2047) + '😀'.repeat(10);
    expect(() => canonicalize(r.redact(emoji).value)).not.toThrow();
  });

  it('scans object keys (a token used as a key) and reports the redacted key path', () => {
    const out = make().redact({ users: { [SECRET]: { name: 'x' } } });
    expect(out.value).toEqual({ users: { '[REDACTED:test-token]': { name: 'x' } } });
    expect(out.findings).toEqual([
      { rule: 'test-token', class: 'secret', action: 'mask', path: '$.users["[REDACTED:test-token]"]', in: 'key' },
    ]);
    // two different secrets as keys do not collapse into one property
    const two = make().redact({ [SECRET]: 1, [SECRET2]: 2 }).value as Record<string, number>;
    expect(Object.values(two).sort()).toEqual([1, 2]);
  });

  it('scans numbers only when the card class is enabled', () => {
    const n = Number(VISA);
    expect(make({ classes: ['secret'] }).redact({ n }).value).toEqual({ n });
    const out = make({ classes: ['secret', 'card'] }).redact({ n, time: 1732190400000, big: BigInt(VISA) });
    expect(out.value).toEqual({ n: '[REDACTED:test-card]', time: 1732190400000, big: '[REDACTED:test-card]' });
  });
});

describe('walker: exotic values', () => {
  it('serialises Errors with message, stack, code, cause, AggregateError errors and own props', () => {
    const cause = new TypeError(`inner ${SECRET}`);
    const err = new Error(`outer ${SECRET2}`, { cause });
    Object.assign(err, { code: 'E_OUTER', config: { headers: { authorization: 'Bearer abc' } } });
    const agg = new AggregateError([new Error(SECRET)], 'many');
    const out = make().redact({ err, agg }).value as { err: Record<string, unknown>; agg: Record<string, unknown> };
    expect(out.err['type']).toBe('Error');
    expect(out.err['message']).toBe('outer [REDACTED:test-token]');
    expect(out.err['stack']).toMatch(/^Error: outer \[REDACTED:test-token\]\n\s+at /);
    expect(out.err['code']).toBe('E_OUTER');
    expect((out.err['cause'] as Record<string, unknown>)['type']).toBe('TypeError');
    expect((out.err['cause'] as Record<string, unknown>)['message']).toBe('inner [REDACTED:test-token]');
    expect(out.err['config']).toEqual({ headers: { authorization: '[REDACTED:key:authorization]' } });
    expect(out.agg['type']).toBe('AggregateError');
    expect((out.agg['errors'] as Record<string, unknown>[])[0]!['message']).toBe('[REDACTED:test-token]');
    expect(allText(out)).not.toContain('tok_');
  });

  it('an Error whose cause is itself is marked circular', () => {
    const e = new Error('loop');
    (e as Error & { cause: unknown }).cause = e;
    const out = make().redact(e).value as Record<string, unknown>;
    expect(out['cause']).toBe('[Circular]');
  });

  it('Buffers and byte views become a bounded, scanned UTF-8 preview', () => {
    const buf = Buffer.from(`Authorization: ${SECRET}`);
    const out = make().redact({ buf, u8: new Uint8Array(buf), ab: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) }).value;
    expect(out).toEqual({
      buf: { type: 'Buffer', byteLength: buf.length, utf8: 'Authorization: [REDACTED:test-token]' },
      u8: { type: 'Uint8Array', byteLength: buf.length, utf8: 'Authorization: [REDACTED:test-token]' },
      ab: { type: 'ArrayBuffer', byteLength: buf.length, utf8: 'Authorization: [REDACTED:test-token]' },
    });
    const big = Buffer.alloc(100_000, 0x61);
    big.write(` ${SECRET} `, 1019); // straddles the 1 KiB preview
    const b = make().redact(big).value as { utf8: string; byteLength: number };
    expect(b.byteLength).toBe(100_000);
    expect(b.utf8).not.toContain('tok_');
    expect(b.utf8.endsWith('[TRUNCATED:100000]')).toBe(true);
    expect(b.utf8.length).toBeLessThan(1100);
  });

  it('other typed arrays show their first 64 elements', () => {
    const out = make().redact(new Float64Array(100).fill(1.5)).value as { type: string; length: number; values: number[] };
    expect(out.type).toBe('Float64Array');
    expect(out.length).toBe(100);
    expect(out.values).toHaveLength(64);
    const big = make().redact(new BigInt64Array([1n, 2n])).value;
    expect(big).toEqual({ type: 'BigInt64Array', length: 2, values: ['1', '2'] });
  });

  it('Maps with string keys become objects (key rules apply), others [key, value] pairs; Sets arrays', () => {
    const out = make().redact({
      m: new Map([['password', 'x'], ['k', SECRET]]),
      mixed: new Map<unknown, unknown>([[1, SECRET], [{ id: 2 }, 'v']]),
      s: new Set([SECRET, 1]),
    }).value;
    expect(out).toEqual({
      m: { password: '[REDACTED:key:password]', k: '[REDACTED:test-token]' },
      mixed: [[1, '[REDACTED:test-token]'], [{ id: 2 }, 'v']],
      s: ['[REDACTED:test-token]', 1],
    });
  });

  it('honours toJSON once, as JSON.stringify does (URL, class instances)', () => {
    class Money {
      constructor(readonly cents: number) {}
      toJSON(): unknown {
        return { cents: this.cents, note: SECRET, toJSON: () => 'not called' };
      }
    }
    const url = new URL(`https://example.com/cb?code=${SECRET}`);
    const out = make().redact({ url, m: new Money(5) }).value as Record<string, unknown>;
    expect(out['url']).toBe('https://example.com/cb?code=[REDACTED:test-token]');
    expect(out['m']).toEqual({ cents: 5, note: '[REDACTED:test-token]' });
    class Plain {
      a = SECRET;
    }
    expect(make().redact(new Plain()).value).toEqual({ a: '[REDACTED:test-token]' });
  });
});

describe('actions', () => {
  it('mask, partial, hash and remove per class', () => {
    const r = make({ classes: ['secret', 'card', 'email'], actions: { card: 'partial', email: 'hash', secret: 'remove' }, hashKey: KEY32 });
    const out = r.redact({ pay: `card ${VISA} ok`, mail: 'to jane@example.com', tok: `a ${SECRET} b`, list: ['keep', 'x', 'y'] }).value as Record<string, string>;
    expect(out['pay']).toBe('card [REDACTED:test-card:…1111] ok');
    expect(out['mail']).toMatch(/^to \[HASH:test-email:[A-Za-z0-9_-]{12}\]$/);
    expect(out['tok']).toBe('a  b');
  });

  it('partial keeps only the last 4 of card and bank values of at least 8 characters, else masks', () => {
    const r = make({ classes: ['card'], actions: { card: 'partial', secret: 'partial' }, keys: [{ name: 'cvv', class: 'card' }] });
    const out = r.redact({ cvv: '123', password: 'correct-horse-battery', spaced: '4111 1111 1111 1111' }).value;
    expect(out).toEqual({ cvv: '[REDACTED:key:cvv]', password: '[REDACTED:key:password]', spaced: '[REDACTED:test-card:…1111]' });
  });

  it('hash gives the same token for the same value in every record and redactor with the same key', () => {
    const p: RedactionPolicy = { classes: ['email', 'card'], actions: { email: 'hash', card: 'hash' }, hashKey: KEY32 };
    const a = make(p).redact({ m: 'Jane@Example.com', c: '4111 1111 1111 1111' }).value as Record<string, string>;
    const b = make(p).redact({ x: 'jane@example.com', y: VISA }).value as Record<string, string>;
    expect(a['m']!.slice(-14)).toBe(b['x']!.slice(-14));
    expect(a['c']!.slice(-14)).toBe(b['y']!.slice(-14));
    const other = make({ ...p, hashKey: 'z'.repeat(32) }).redact({ x: 'jane@example.com' }).value as Record<string, string>;
    expect(other['x']).not.toBe(b['x']);
    expect(allText(a) + allText(b)).not.toMatch(/jane|4111/i);
  });

  it('remove drops properties and array elements found by key or path rules', () => {
    const r = make({ actions: { secret: 'remove' }, paths: ['list[1]'] });
    expect(r.redact({ password: 'x', ok: 1, list: ['a', 'b', 'c'] }).value).toEqual({ ok: 1, list: ['a', 'c'] });
  });

  it('a key rule leaves null, booleans and empty strings alone and masks whole objects', () => {
    const out = make().redact({ hasPassword: true, password: null, token: '', credentials: { user: 'u', pass: 'p' } });
    expect(out.value).toEqual({ hasPassword: true, password: null, token: '', credentials: '[REDACTED:key:credentials]' });
    expect(out.findings.map((f) => f.rule)).toEqual(['key:credentials']);
  });
});

describe('findings, summary and events', () => {
  afterEach(() => vi.restoreAllMocks());

  it('summary is null when nothing was redacted, else counts per class without values or keys', () => {
    const r = make({ classes: ['secret', 'email'] });
    expect(r.redact({ msg: 'all fine' }).summary).toBeNull();
    const out = r.redact({ a: SECRET, b: 'x jane@example.com', password: 'p' });
    expect(out.summary).toEqual({ policy: r.policy.id, version: 1, counts: { secret: 2, email: 1 } });
    expect(JSON.stringify(out.summary)).not.toMatch(/tok_|jane|password/);
    expect(JSON.stringify(out.findings)).not.toMatch(/tok_|jane/);
  });

  it('publishes each finding on the logseal:redact channel only to subscribers, and to onDetect', () => {
    const seen: RedactEvent[] = [];
    const hook: RedactEvent[] = [];
    const listener = (m: unknown): void => void seen.push(m as RedactEvent);
    const r = make({}, (f) => hook.push(f));
    r.redact({ a: SECRET }, 1); // no subscriber yet
    diagnostics_channel.subscribe(REDACT_CHANNEL, listener);
    try {
      r.redact({ deep: { list: [SECRET] } }, 7);
    } finally {
      diagnostics_channel.unsubscribe(REDACT_CHANNEL, listener);
    }
    r.redact({ a: SECRET }, 8);
    expect(seen).toEqual([
      { rule: 'test-token', class: 'secret', action: 'mask', path: '$.deep.list[0]', in: 'value', position: 7, policy: 'secrets', version: 1 },
    ]);
    expect(hook.map((h) => h.position)).toEqual([1, 7, 8]);
    expect(JSON.stringify(seen)).not.toContain('tok_');
  });

  it('redactText scans free text', () => {
    const r = make({ classes: ['secret', 'email'] });
    const out = r.redactText(`user jane@example.com used ${SECRET}`, 3);
    expect(out.text).toBe('user [REDACTED:test-email] used [REDACTED:test-token]');
    expect(out.findings.map((f) => [f.rule, f.path, f.position])).toEqual([
      ['test-email', '$', 3],
      ['test-token', '$', 3],
    ]);
  });

  it('validates the second constructor argument', () => {
    expect(() => buildRedactor({}, { onDetect: 1 } as never, TEST_RULES)).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_INVALID_OPTION' }));
    expect(() => buildRedactor({}, { onDetct: () => {} } as never, TEST_RULES)).toThrow(/onDetct/);
  });

  it('a getter that calls the same redactor (re-entrancy) does not corrupt the outer walk', () => {
    const r = make();
    const o = {
      get inner(): unknown {
        return r.redact({ x: SECRET2 }).value;
      },
      a: SECRET,
    };
    const out = r.redact(o);
    expect(out.value).toEqual({ inner: { x: '[REDACTED:test-token]' }, a: '[REDACTED:test-token]' });
    expect(out.findings.map((f) => f.path)).toEqual(['$.a']);
  });
});

describe('numbers and card class', () => {
  it('a card logged as a number with pci-like classes', () => {
    const r = make({ classes: ['card'], actions: { card: 'partial' } });
    expect(r.redact({ amount: 12.5, pan: Number(VISA) }).value).toEqual({ amount: 12.5, pan: '[REDACTED:test-card:…1111]' });
    expect(CARD.class).toBe('card');
    expect(MAIL.keywords).toEqual(['@']);
  });
});
