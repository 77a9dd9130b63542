import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRedactor } from '@logseal/core';
import { Snapshotter } from '../src/snapshot.js';

// Thread mode's one promise about the snapshot (src/snapshot.ts): the worker's redactor, fed
// JSON.parse(snapshot), produces exactly what an in-process redactor produces from the object
// itself: same body, same redaction summary. Checked on the awkward values a winston info can
// hold, and as a property over arbitrary values.

const redactor = createRedactor({ preset: 'secrets' });
const snap = new Snapshotter();

function viaThread(v: object): unknown {
  const r = redactor.redact(JSON.parse(snap.text(v)) as unknown);
  return { value: r.value, summary: r.summary };
}
function inProcess(v: object): unknown {
  const r = redactor.redact(v);
  return { value: r.value, summary: r.summary };
}

const GH = 'ghp_R8kVq2LmX9tW4pZy7NcB3dF6hJ1sA03Q5bXk'; // format only; checksum not relied on here
const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLWJ5dGVzLWdvLWhlcmUtMTIzNDU2';

class Money {
  constructor(readonly cents: number, readonly secretNote: string) {}
  toJSON(): string {
    return `${this.cents / 100} EUR`; // hides secretNote, as JSON.stringify would
  }
}

describe('thread-mode snapshot', () => {
  const cases: [string, () => object][] = [
    ['plain nested record', () => ({ level: 'info', message: `token ${GH}`, user: { name: 'ana', password: 'hunter2hunter2' }, tags: ['a', 1, true, null] })],
    ['Error with code, cause and own props', () => {
      const cause = Object.assign(new Error(`inner Bearer ${JWT}`), { code: 'E_INNER' });
      return { level: 'error', err: Object.assign(new TypeError('outer', { cause }), { code: 'E_OUTER', context: { apiKey: 'sk_live_abcdefghijklmnopqrstuvwx' } }) };
    }],
    ['AggregateError', () => ({ err: new AggregateError([new Error('a'), new Error(`b ${GH}`)], 'many') })],
    ['Date, Map, Set, BigInt, Buffer', () => ({ when: new Date(0), bad: new Date(Number.NaN), map: new Map<unknown, unknown>([['k', 1], [2, 'two']]), set: new Set([1, 2]), big: 123456789012345678901234567890n, buf: Buffer.from(`password=${'p4ssw0rd-long'}`) })],
    ['NaN, Infinity, -0, undefined, holes', () => ({ a: Number.NaN, b: -Infinity, c: -0, d: undefined, arr: [1, undefined, , 3] })], // eslint-disable-line no-sparse-arrays
    ['symbols and functions', () => ({ s: Symbol('sym'), f: () => 1, [Symbol('k')]: 'dropped', nested: { g: function named() {} } })],
    ['toJSON hides a field', () => ({ price: new Money(1999, 'hunter2hunter2') })],
    ['cycle', () => {
      const o: Record<string, unknown> = { level: 'info', child: { name: 'c' } };
      (o.child as Record<string, unknown>).parent = o;
      return o;
    }],
    ['deeper than maxDepth', () => {
      let v: unknown = { leaf: `token ${GH}` };
      for (let i = 0; i < 45; i++) v = { v };
      return { deep: v };
    }],
    ['lone surrogates', () => ({ text: 'a\ud800b', ['k\udc00']: 1 })],
    ['own __proto__ key and a null-prototype object', () => {
      const o = JSON.parse('{"__proto__":{"polluted":true},"constructor":"c"}') as object;
      const n = Object.create(null) as Record<string, unknown>;
      n.x = 1;
      return { o, n };
    }],
    ['a getter that throws', () => ({ ok: 1, get bad(): never { throw new Error('no'); } })],
    ['a secret straddling the string cut', () => ({ big: 'x'.repeat(256 * 1024 - 20) + ' -----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIKbvWDDRmJTd8hWXjXV+bN5MhKjr4q9wA0h6cW8DpSdE\n-----END PRIVATE KEY-----' })],
  ];
  for (const [name, make] of cases) {
    it(`same body and summary as in-process: ${name}`, () => {
      const v = make(); // one object for both: two Errors would differ in their stacks' columns
      expect(viaThread(v)).toEqual(inProcess(v));
    });
  }

  it('never throws, whatever the record holds', () => {
    const hostile = new Proxy({}, { ownKeys: () => { throw new Error('trap'); }, getPrototypeOf: () => { throw new Error('trap'); } });
    expect(() => snap.text({ p: hostile })).not.toThrow();
    expect(() => snap.text(hostile)).not.toThrow();
  });

  // Boxed primitives are left out: JSON has none, so the worker sees `new String('')` as ''. The
  // core walker's key rules exempt a primitive '' or boolean (nothing to hide) but mask a boxed
  // one (walker.ts whole() does not unwrap boxes), so under a secret key the two modes differ
  // (e.g. { otp: new String('') }: in-process "[REDACTED:key:otp]", thread mode ""). Neither
  // ships a secret; reported for core to unwrap boxes in whole().
  it('property: arbitrary values, same result both ways', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withSparseArray: true, withTypedArray: true })), (rec) => {
        expect(viaThread(rec)).toEqual(inProcess(rec));
      }),
      { numRuns: 1000 },
    );
  });

  it('the info object is read, never written', () => {
    const info = Object.freeze({ level: 'info', message: 'm', nested: Object.freeze({ a: Object.freeze([1, 2]) }), err: Object.freeze(new Error('x')) });
    expect(() => snap.text(info)).not.toThrow();
  });
});
