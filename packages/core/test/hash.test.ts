/**
 * SHA-256 and HMAC-SHA-256: the hot-path implementation in src/integrity/hash.ts (node:crypto
 * one-shot crypto.hash) and the alternatives it was measured against (@noble/hashes sha256,
 * node:crypto createHash) must all agree with the same published vectors: the RFC 6962 hasher
 * vectors and node hashes of transparency-dev/merkle, and RFC 4231 for HMAC (noble's hmac is
 * what the forward-secure MAC uses; createHmac is the cross-check).
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashFromHex, leafHash, nodeHash, sha256, toHex } from '../src/integrity/hash.js';

interface TreeHashes {
  hasherUnitVectors: { desc: string; op: string; input?: string; left?: string; right?: string; want: string }[];
  leafInputs: string[];
  nodeHashesByLevel: string[][];
  rootHashesBySize: { treeSize: number; root: string }[];
}
interface HmacVectors {
  vectors: { testCase: number; key: string; data: string; truncateBytes?: number; mac: string }[];
}

const load = <T>(rel: string): T => JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as T;
const tree = load<TreeHashes>('./data/merkle/tree-hashes.json');
const hmacVectors = load<HmacVectors>('./data/hmac/hmac-sha256-rfc4231.json');

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const cat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** A SHA-256 implementation under test, and the leaf/node hashes built from it per RFC 6962. */
interface Impl {
  name: string;
  sha256(d: Uint8Array): Uint8Array;
  leaf(d: Uint8Array): Uint8Array;
  node(l: Uint8Array, r: Uint8Array): Uint8Array;
}
const fromSha = (name: string, f: (d: Uint8Array) => Uint8Array): Impl => ({
  name,
  sha256: f,
  leaf: (d) => f(cat(Uint8Array.of(0), d)),
  node: (l, r) => f(cat(Uint8Array.of(1), l, r)),
});
const IMPLS: Impl[] = [
  { name: 'hash.ts (crypto.hash)', sha256, leaf: leafHash, node: nodeHash },
  fromSha('@noble/hashes sha256', (d) => nobleSha256(d)),
  fromSha('node:crypto createHash', (d) => new Uint8Array(createHash('sha256').update(d).digest())),
];

describe.each(IMPLS)('$name against the RFC 6962 vectors', (impl) => {
  it('passes every hasher unit vector', () => {
    expect(tree.hasherUnitVectors).toHaveLength(4);
    for (const v of tree.hasherUnitVectors) {
      let got: Uint8Array;
      if (v.op === 'emptyRoot') got = impl.sha256(new Uint8Array(0));
      else if (v.op === 'leafHash') got = impl.leaf(hex(v.input ?? ''));
      else if (v.op === 'nodeHash') got = impl.node(hex(v.left ?? ''), hex(v.right ?? ''));
      else throw new Error(`unknown op ${v.op}`);
      expect(toHex(got), v.desc).toBe(v.want);
    }
  });

  it('reproduces every published node hash, level by level', () => {
    let level = tree.leafInputs.map((d) => impl.leaf(hex(d)));
    for (const want of tree.nodeHashesByLevel) {
      expect(level.map(toHex)).toEqual(want);
      const next: Uint8Array[] = [];
      for (let i = 0; i + 1 < level.length; i += 2) next.push(impl.node(level[i]!, level[i + 1]!));
      level = next;
    }
    expect(level).toHaveLength(0); // 8 leaves: the last published level is the root
  });
});

describe('hash.ts', () => {
  it('hashes a string as its UTF-8 bytes, with and without the leaf prefix', () => {
    const s = 'Zoë Müller 李雷 \u{1F600} {"a":1}';
    const bytes = new Uint8Array(Buffer.from(s, 'utf8'));
    expect(sha256(s)).toEqual(sha256(bytes));
    expect(toHex(sha256(s))).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(leafHash(s)).toEqual(leafHash(bytes));
    expect(toHex(leafHash(s))).toBe(toHex(nobleSha256(cat(Uint8Array.of(0), bytes))));
    // A string that itself starts with NUL must still get exactly one prefix byte.
    expect(leafHash('\u0000x')).toEqual(nobleSha256(Uint8Array.of(0, 0, 0x78)));
  });

  it('agrees with @noble/hashes on random inputs of 0..1100 bytes (leaf, node and plain)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 1100 }), fc.uint8Array({ minLength: 0, maxLength: 40 }), (a, b) => {
        expect(sha256(a)).toEqual(nobleSha256(a));
        expect(leafHash(a)).toEqual(nobleSha256(cat(Uint8Array.of(0), a)));
        expect(nodeHash(a, b)).toEqual(nobleSha256(cat(Uint8Array.of(1), a, b)));
      }),
      { numRuns: 300 },
    );
  });

  it('hashes a view at the right offset (Buffer slices, subarrays)', () => {
    const big = new Uint8Array(100).map((_, i) => i);
    const view = big.subarray(10, 75);
    expect(sha256(view)).toEqual(nobleSha256(big.slice(10, 75)));
    expect(leafHash(view)).toEqual(nobleSha256(cat(Uint8Array.of(0), big.slice(10, 75))));
    expect(nodeHash(big.subarray(3, 35), big.subarray(40, 72))).toEqual(
      nobleSha256(cat(Uint8Array.of(1), big.slice(3, 35), big.slice(40, 72))),
    );
  });

  it('returns plain Uint8Arrays that own exactly their 32 bytes', () => {
    for (const d of [sha256('x'), leafHash('x'), leafHash(Uint8Array.of(1)), nodeHash(sha256('a'), sha256('b'))]) {
      expect(Object.getPrototypeOf(d)).toBe(Uint8Array.prototype);
      expect(d.byteLength).toBe(32);
      expect(d.buffer.byteLength).toBe(32);
    }
  });

  it('does not alter its inputs', () => {
    const a = Uint8Array.from({ length: 32 }, (_, i) => i);
    const b = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
    const a0 = a.slice();
    const b0 = b.slice();
    nodeHash(a, b);
    leafHash(a);
    sha256(b);
    expect(a).toEqual(a0);
    expect(b).toEqual(b0);
  });

  it('round-trips hex and rejects anything that is not 64 lowercase hex characters', () => {
    const h = sha256('abc');
    expect(toHex(h)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashFromHex(toHex(h))).toEqual(h);
    for (const bad of ['', 'ab', toHex(h).toUpperCase(), toHex(h) + '00', toHex(h).slice(2) + 'zz', 42, null, undefined, h]) {
      expect(hashFromHex(bad)).toBeNull();
    }
  });
});

describe('HMAC-SHA-256 (RFC 4231 section 4)', () => {
  const cases = hmacVectors.vectors;
  it('has the seven RFC test cases', () => {
    expect(cases.map((c) => c.testCase)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  const macs: [string, (key: Uint8Array, data: Uint8Array) => Uint8Array][] = [
    ['@noble/hashes hmac', (k, d) => hmac(nobleSha256, k, d)],
    ['node:crypto createHmac', (k, d) => new Uint8Array(createHmac('sha256', k).update(d).digest())],
  ];
  describe.each(macs)('%s', (_name, mac) => {
    it.each(cases)('test case $testCase', (c) => {
      const full = mac(hex(c.key), hex(c.data));
      expect(full).toHaveLength(32);
      const got = c.truncateBytes === undefined ? full : full.subarray(0, c.truncateBytes);
      expect(toHex(got)).toBe(c.mac);
    });
  });
});
