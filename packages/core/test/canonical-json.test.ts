/**
 * RFC 8785 (JCS) canonicalize: the published vectors (cyberphone/json-canonicalization, see
 * test/data/jcs/PROVENANCE.md), the 10,000-line ES6 number file, and every rejection rule with
 * its error code. Property tests live in canonical-json.props.test.ts.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LogSealError } from '../src/errors.js';
import { MAX_DEPTH, canonicalize } from '../src/integrity/canonical-json.js';

const DATA = new URL('./data/jcs/', import.meta.url);
const read = (rel: string): string => readFileSync(new URL(rel, DATA), 'utf8');

/** Runs `fn` and returns the LogSealError it throws (fails the test if it throws anything else). */
function thrown(fn: () => unknown): LogSealError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LogSealError);
    return err as LogSealError;
  }
  throw new Error('expected a LogSealError, nothing was thrown');
}

const codeOf = (value: unknown): string => thrown(() => canonicalize(value)).code;

function nestedArrays(levels: number): unknown {
  let v: unknown = [];
  for (let i = 1; i < levels; i++) v = [v];
  return v;
}

function nestedObjects(levels: number): unknown {
  let v: unknown = {};
  for (let i = 1; i < levels; i++) v = { k: v };
  return v;
}

describe('RFC 8785 published vectors (cyberphone/json-canonicalization testdata)', () => {
  const names = readdirSync(new URL('input/', DATA)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));

  it('has all six vector files', () => {
    expect(names.sort()).toEqual(['arrays', 'french', 'structures', 'unicode', 'values', 'weird']);
  });

  for (const name of ['arrays', 'french', 'structures', 'unicode', 'values', 'weird']) {
    it(`${name}: text equals output/, UTF-8 bytes equal outhex/`, () => {
      const got = canonicalize(JSON.parse(read(`input/${name}.json`)));
      expect(got).toBe(read(`output/${name}.json`));
      const hex = read(`outhex/${name}.txt`).trim().split(/\s+/).join('');
      expect(Buffer.from(got, 'utf8').toString('hex')).toBe(hex);
    });
  }
});

describe('ES6 number serialization (RFC 8785 section 3.2.2.3), first 10,000 lines', () => {
  it('every line: IEEE-754 bits -> expected text', () => {
    const lines = read('es6numbers-10000.txt').split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(10_000);
    const buf = Buffer.alloc(8);
    const failures: string[] = [];
    for (const line of lines) {
      const comma = line.indexOf(',');
      const bits = BigInt('0x' + line.slice(0, comma));
      const expected = line.slice(comma + 1);
      buf.writeBigUInt64BE(bits);
      const x = buf.readDoubleBE(0);
      if (canonicalize(x) !== expected || canonicalize([x]) !== `[${expected}]`) failures.push(line);
    }
    expect(failures).toEqual([]);
  });

  it('-0 is written as 0, anywhere', () => {
    expect(canonicalize(-0)).toBe('0');
    expect(canonicalize({ a: -0, b: [-0] })).toBe('{"a":0,"b":[0]}');
  });

  it('exponent boundaries follow Number::toString', () => {
    expect(canonicalize([1e21, 1e20, 1e-6, 1e-7, 5e-324, 1.7976931348623157e308, 2 ** 53 + 2])).toBe(
      '[1e+21,100000000000000000000,0.000001,1e-7,5e-324,1.7976931348623157e+308,9007199254740994]',
    );
  });
});

describe('key order (RFC 8785 section 3.2.3: UTF-16 code units)', () => {
  it('sorts integer-like keys as strings, not numbers', () => {
    expect(canonicalize({ 10: 'a', 9: 'b', 1: 'c', '': 'd', b: 'e', A: 'f' })).toBe(
      '{"":"d","1":"c","10":"a","9":"b","A":"f","b":"e"}',
    );
  });

  it('sorts a surrogate pair by its code units, before U+FFFF (code point order would not)', () => {
    const o = { '\uffff': 1, '\u{1f600}': 2, '\u00e9': 3, z: 4 };
    expect(canonicalize(o)).toBe('{"z":4,"\u00e9":3,"\u{1f600}":2,"\uffff":1}');
  });

  it('sorts objects larger than the insertion-sort threshold exactly like Array.prototype.sort', () => {
    const o: Record<string, number> = {};
    const keys: string[] = [];
    for (let i = 0; i < 200; i++) {
      const k = `k${(i * 7919) % 1000}\u00e9${i % 3 ? '' : '\u{1f600}'}`;
      o[k] = i;
      keys.push(k);
    }
    const expected = '{' + [...keys].sort().map((k) => `${JSON.stringify(k)}:${o[k]}`).join(',') + '}';
    expect(canonicalize(o)).toBe(expected);
  });

  it('does not depend on insertion order and does not reorder the caller object', () => {
    const a = { z: 1, y: { b: 2, a: [3, { d: 4, c: 5 }] }, x: null };
    const b = { x: null, y: { a: [3, { c: 5, d: 4 }], b: 2 }, z: 1 };
    expect(canonicalize(a)).toBe(canonicalize(b));
    expect(Object.keys(a)).toEqual(['z', 'y', 'x']);
  });

  it('works on frozen input', () => {
    const v = Object.freeze({ b: Object.freeze([1, 2]), a: Object.freeze({ d: true, c: false }) });
    expect(canonicalize(v)).toBe('{"a":{"c":false,"d":true},"b":[1,2]}');
  });
});

describe('strings (RFC 8785 section 3.2.2.2)', () => {
  it('escapes exactly as JSON.stringify: short escapes, other controls as lowercase \\u00xx', () => {
    const s = '\b\t\n\f\r"\\/\u0000\u001f\u007f\u2028\u00e9\u{1f600}';
    expect(canonicalize(s)).toBe('"\\b\\t\\n\\f\\r\\"\\\\/\\u0000\\u001f\u007f\u2028\u00e9\u{1f600}"');
  });

  it('escapes in long strings and in keys too', () => {
    const long = 'x'.repeat(40) + '"q"\n' + 'y'.repeat(40);
    expect(canonicalize({ [long]: long })).toBe(`{${JSON.stringify(long)}:${JSON.stringify(long)}}`);
    expect(canonicalize({ 'a"b': 1, 'c\\d': 2 })).toBe('{"a\\"b":1,"c\\\\d":2}');
  });

  it('accepts well-formed surrogate pairs in short and long strings', () => {
    expect(canonicalize('\ud83d\ude00')).toBe('"\u{1f600}"');
    const long = '\u{1f600}'.repeat(30);
    expect(canonicalize([long])).toBe(`["${long}"]`);
  });
});

describe('rejections (coded LogSealError, terse message)', () => {
  it('NaN and +-Infinity -> LOGSEAL_ERR_CANON_NUMBER, at the top, in arrays and objects', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      expect(codeOf(bad)).toBe('LOGSEAL_ERR_CANON_NUMBER');
      expect(codeOf([1, bad])).toBe('LOGSEAL_ERR_CANON_NUMBER');
      expect(codeOf({ a: { b: bad } })).toBe('LOGSEAL_ERR_CANON_NUMBER');
    }
  });

  it('lone surrogates -> LOGSEAL_ERR_CANON_STRING, in values and keys, short and long', () => {
    const lone = ['\ud800', '\udfff', 'a\ud83d', '\ude00b', '\udc00\ud800', 'x'.repeat(50) + '\ud800' + 'y'.repeat(50)];
    for (const s of lone) {
      expect(codeOf(s)).toBe('LOGSEAL_ERR_CANON_STRING');
      expect(codeOf([s])).toBe('LOGSEAL_ERR_CANON_STRING');
      expect(codeOf({ k: s })).toBe('LOGSEAL_ERR_CANON_STRING');
      expect(codeOf({ [s]: 1 })).toBe('LOGSEAL_ERR_CANON_STRING');
      expect(codeOf({ a: { [s]: 'v' } })).toBe('LOGSEAL_ERR_CANON_STRING');
    }
  });

  it('BigInt, function, symbol -> LOGSEAL_ERR_CANON_TYPE anywhere', () => {
    for (const bad of [10n, () => 1, Symbol('s')]) {
      expect(codeOf(bad)).toBe('LOGSEAL_ERR_CANON_TYPE');
      expect(codeOf([bad])).toBe('LOGSEAL_ERR_CANON_TYPE');
      expect(codeOf({ a: bad })).toBe('LOGSEAL_ERR_CANON_TYPE');
    }
  });

  it('undefined -> LOGSEAL_ERR_CANON_TYPE at the top, as an array element and as a hole', () => {
    expect(codeOf(undefined)).toBe('LOGSEAL_ERR_CANON_TYPE');
    expect(codeOf([1, undefined])).toBe('LOGSEAL_ERR_CANON_TYPE');
    expect(codeOf([1, , 3])).toBe('LOGSEAL_ERR_CANON_TYPE');
  });

  it('an object property whose value is undefined is omitted, like JSON.stringify', () => {
    expect(canonicalize({ b: undefined, a: 1, c: undefined })).toBe('{"a":1}');
    expect(canonicalize({ only: undefined })).toBe('{}');
    expect(canonicalize({ a: { x: undefined }, b: [{ y: undefined }] })).toBe('{"a":{},"b":[{}]}');
  });

  it('cycles -> LOGSEAL_ERR_CANON_CYCLE, through objects and arrays', () => {
    const self: Record<string, unknown> = { a: 1 };
    self.self = self;
    expect(codeOf(self)).toBe('LOGSEAL_ERR_CANON_CYCLE');

    const arr: unknown[] = [1];
    arr.push(arr);
    expect(codeOf(arr)).toBe('LOGSEAL_ERR_CANON_CYCLE');

    const a: Record<string, unknown> = {};
    const b: unknown[] = [{ a }];
    a.b = b;
    expect(codeOf({ root: a })).toBe('LOGSEAL_ERR_CANON_CYCLE');
  });

  it('cycles are found at every depth and period, across the scan/Set boundary and at MAX_DEPTH', () => {
    const ringFrom = (top: number, period: number): unknown => {
      // `top` wrapper levels, then a ring of `period` objects whose last points back to its first
      const ring: Record<string, unknown>[] = Array.from({ length: period }, () => ({}));
      ring.forEach((o, i) => (o.next = ring[(i + 1) % period]));
      let v: unknown = ring[0];
      for (let i = 0; i < top; i++) v = i % 2 ? { v } : [v];
      return v;
    };
    for (const top of [0, 1, 5, 30, 31, 32, 33, 40, 100, 900]) {
      for (const period of [1, 2, 7, 33]) expect(codeOf(ringFrom(top, period))).toBe('LOGSEAL_ERR_CANON_CYCLE');
    }
    // a ring of 980 repeats on the path only just before the limit: found by the check at MAX_DEPTH
    expect(codeOf(ringFrom(0, 980))).toBe('LOGSEAL_ERR_CANON_CYCLE');
    // a ring longer than MAX_DEPTH has no repeat within the limit: it is (honestly) too deep
    expect(codeOf(ringFrom(0, 1500))).toBe('LOGSEAL_ERR_CANON_DEPTH');
  });

  it('a shared reference used twice is not a cycle (shallow and deep)', () => {
    const shared = { x: [1, 2] };
    expect(canonicalize({ a: shared, b: shared, c: [shared, shared] })).toBe(
      '{"a":{"x":[1,2]},"b":{"x":[1,2]},"c":[{"x":[1,2]},{"x":[1,2]}]}',
    );
    // deeper than the scan depth the ancestor check is a Set; siblings sharing a value must still pass
    let deep: unknown = { s: shared, t: [shared, shared] };
    for (let i = 0; i < 60; i++) deep = [deep, shared, { s: shared }];
    const text = canonicalize(deep);
    expect(text.split('{"x":[1,2]}')).toHaveLength(3 + 60 * 2 + 1);
  });

  it(`nesting: ${MAX_DEPTH} levels pass, ${MAX_DEPTH + 1} -> LOGSEAL_ERR_CANON_DEPTH`, () => {
    expect(MAX_DEPTH).toBe(1000);
    expect(canonicalize(nestedArrays(MAX_DEPTH))).toBe('['.repeat(MAX_DEPTH) + ']'.repeat(MAX_DEPTH));
    expect(canonicalize(nestedObjects(MAX_DEPTH))).toBe('{"k":'.repeat(MAX_DEPTH - 1) + '{}' + '}'.repeat(MAX_DEPTH - 1));
    expect(codeOf(nestedArrays(MAX_DEPTH + 1))).toBe('LOGSEAL_ERR_CANON_DEPTH');
    expect(codeOf(nestedObjects(MAX_DEPTH + 1))).toBe('LOGSEAL_ERR_CANON_DEPTH');
  });

  it('hostile nesting far beyond the limit fails with a coded error, not a stack overflow', () => {
    expect(codeOf(nestedArrays(200_000))).toBe('LOGSEAL_ERR_CANON_DEPTH');
    expect(codeOf(JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)))).toBe('LOGSEAL_ERR_CANON_DEPTH');
  });

  it('messages never echo the value', () => {
    const secret = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
    const cases: unknown[] = [
      { [secret]: NaN },
      { k: secret + '\ud800' },
      { [secret + '\udc00']: 1 },
      { k: [secret, () => secret] },
      [secret, undefined],
    ];
    for (const c of cases) {
      const err = thrown(() => canonicalize(c));
      expect(err.message).not.toContain(secret);
      expect(err.message.length).toBeLessThan(120);
    }
  });
});

describe('objects that are not plain JSON.parse output', () => {
  it('null-prototype objects work', () => {
    const o = Object.create(null) as Record<string, unknown>;
    o.b = 1;
    o.a = Object.assign(Object.create(null) as object, { y: true });
    expect(canonicalize(o)).toBe('{"a":{"y":true},"b":1}');
  });

  it('__proto__ as an own key (as JSON.parse creates it) is a normal key', () => {
    const parsed = JSON.parse('{"b":1,"__proto__":{"x":1},"Z":2,"a":[]}') as object;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(canonicalize(parsed)).toBe('{"Z":2,"__proto__":{"x":1},"a":[],"b":1}');
    // an object without the own key does not serialize its prototype
    expect(canonicalize({ a: 1 })).toBe('{"a":1}');
  });

  it('toJSON is called once with the key, like JSON.stringify; Date becomes its ISO string', () => {
    const d = new Date(Date.UTC(2024, 10, 21, 12, 0, 0, 5));
    expect(canonicalize({ t: d, list: [d] })).toBe('{"list":["2024-11-21T12:00:00.005Z"],"t":"2024-11-21T12:00:00.005Z"}');
    expect(canonicalize(d)).toBe(JSON.stringify(d));

    const keys: string[] = [];
    const spy = { toJSON: (k: string) => (keys.push(k), { z: 1, a: 2 }) };
    expect(canonicalize({ p: spy, q: [spy] })).toBe('{"p":{"a":2,"z":1},"q":[{"a":2,"z":1}]}');
    expect(keys).toEqual(['p', '0']);
    canonicalize(spy);
    expect(keys[2]).toBe('');

    // the result's own toJSON is not called again (JSON.stringify calls it once per value)
    const inner = { toJSON: () => 'inner' };
    expect(canonicalize({ a: { toJSON: () => [inner] } })).toBe('{"a":["inner"]}');
    expect(codeOf({ a: { toJSON: () => ({ toJSON: () => 1 }) } })).toBe('LOGSEAL_ERR_CANON_TYPE');
  });

  it('toJSON results go through the same rules', () => {
    expect(canonicalize({ a: { toJSON: () => undefined }, b: 1 })).toBe('{"b":1}');
    expect(codeOf([{ toJSON: () => undefined }])).toBe('LOGSEAL_ERR_CANON_TYPE');
    expect(codeOf({ a: { toJSON: () => NaN } })).toBe('LOGSEAL_ERR_CANON_NUMBER');
    expect(codeOf({ a: { toJSON: () => '\ud800' } })).toBe('LOGSEAL_ERR_CANON_STRING');
    expect(codeOf({ a: { toJSON: () => 1n } })).toBe('LOGSEAL_ERR_CANON_TYPE');
    expect(canonicalize({ a: new Date(NaN) })).toBe('{"a":null}');
    const loop: Record<string, unknown> = {};
    loop.a = { toJSON: () => loop };
    expect(codeOf(loop)).toBe('LOGSEAL_ERR_CANON_CYCLE');
  });

  it('class instances serialize their own enumerable string keys; symbols and non-enumerables are skipped', () => {
    class Point {
      constructor(
        public y: number,
        public x: number,
      ) {}
      get norm(): number {
        return Math.hypot(this.x, this.y);
      }
    }
    const o: Record<string | symbol, unknown> = { p: new Point(2, 1) };
    o[Symbol('s')] = 'hidden';
    Object.defineProperty(o, 'hidden', { value: 1, enumerable: false });
    expect(canonicalize(o)).toBe('{"p":{"x":1,"y":2}}');
  });

  it('matches JSON.stringify on a realistic record, apart from key order', () => {
    const rec = JSON.parse(
      '{"level":30,"time":1732190400037,"msg":"done\\nline 2","req":{"url":"/a?b=c","headers":{"user-agent":"curl/8"}},"tags":["x","y"],"ok":true,"n":null}',
    ) as unknown;
    const c = canonicalize(rec);
    expect(c).toBe(
      '{"level":30,"msg":"done\\nline 2","n":null,"ok":true,"req":{"headers":{"user-agent":"curl/8"},"url":"/a?b=c"},"tags":["x","y"],"time":1732190400037}',
    );
    expect(JSON.parse(c)).toEqual(rec);
  });
});
