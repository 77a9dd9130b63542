import { describe, expect, it } from 'vitest';
import { verify } from '../src/integrity/verifier.js';
import { recomputeLeaf } from '../src/integrity/record-chain.js';
import { macPayload, sealPayload, signPayload } from '../src/integrity/seal.js';
import { merkleRoot } from '../src/integrity/merkle.js';
import { toHex } from '../src/integrity/hash.js';
import { loadMacKey } from '../src/integrity/keys.js';
import { canonicalize } from '../src/integrity/canonical-json.js';
import { StreamSealer } from '../src/integrity/stream-sealer.js';
import { MemoryStateStore } from '../src/integrity/chain-state.js';
import type { FindingCode } from '../src/integrity/findings.js';
import { body, buildStream, testKeys } from './helpers/sealed-stream.js';

type Obj = Record<string, any>;
const parse = (l: string): Obj => JSON.parse(l);
const rehash = (r: Obj): Obj => {
  const { h: _h, ...rest } = r;
  const res = recomputeLeaf({ ...rest, h: '0'.repeat(64) });
  if (!('h' in res)) throw new Error('bad');
  return { ...rest, h: res.h };
};
const codes = (rep: { findings: { code: string }[] }) => rep.findings.map((f) => f.code);

describe('verify(): clean streams', () => {
  it('a sealed stream with keys verifies with no findings', async () => {
    const s = buildStream(1000, [100, 37, 1, 250]);
    const rep = await verify(s.lines, { keys: s.keyring, requireFinal: true });
    expect(rep.findings).toEqual([]);
    expect(rep.ok).toBe(true);
    expect(rep.authenticated).toBe(true);
    expect(rep.records).toEqual({ total: 1000, valid: 1000 });
    expect(rep.seals.total).toBe(rep.seals.valid);
    expect(rep.streams).toHaveLength(1);
    expect(rep.streams[0]).toMatchObject({ firstSeq: 0, lastSeq: 999, final: true, meta: { service: 'test' } });
  });

  it('accepts parsed objects, NDJSON lines and raw byte chunks split anywhere', async () => {
    const s = buildStream(300, [64]);
    const bytes = Buffer.from(s.lines.join('\n') + '\n');
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 777) chunks.push(bytes.subarray(i, i + 777));
    for (const src of [s.lines.map(parse), s.lines, chunks]) {
      const rep = await verify(src, { keys: s.keyring, requireFinal: true });
      expect(rep.findings).toEqual([]);
      expect(rep.records.valid).toBe(300);
    }
  });

  it('heartbeat seals (count 0) keep a stream verifiable', async () => {
    let t = 1;
    const k = testKeys();
    const sealer = new StreamSealer({ signingKey: k.privateKey, macKey: k.macKey, clock: () => t++ });
    const lines = [sealer.seal().json, sealer.append({ a: 1 }).json, sealer.seal().json, sealer.seal().json, sealer.seal({ final: true }).json];
    const rep = await verify(lines, { keys: [{ publicKey: k.publicKey, macKey: k.macKey }], requireFinal: true });
    expect(rep.findings).toEqual([]);
    expect(rep.seals).toEqual({ total: 4, valid: 4 });
  });

  it('a gap record is reported as a producer drop, not as tampering', async () => {
    const k = testKeys();
    const sealer = new StreamSealer({ signingKey: k.privateKey });
    const lines = [sealer.append({ a: 1 }).json, sealer.appendGap({ dropped: 42, reason: 'overflow' }).json, sealer.append({ a: 2 }).json, sealer.seal({ final: true }).json];
    const rep = await verify(lines, { keys: [{ publicKey: k.publicKey }] });
    expect(rep.ok).toBe(true);
    expect(rep.findings).toEqual([expect.objectContaining({ code: 'PRODUCER_DROPPED', severity: 'warning', seq: 1 })]);
    expect(rep.findings[0]!.message).toContain('42 record(s) dropped by the producer (overflow)');
  });

  it('without keys: integrity only, with a KEY_NOT_CHECKED warning', async () => {
    const s = buildStream(50, [10]);
    const rep = await verify(s.lines);
    expect(rep.ok).toBe(true);
    expect(rep.authenticated).toBe(false);
    expect(codes(rep)).toEqual(['KEY_NOT_CHECKED']);
  });
});

describe('verify(): each kind of tampering is named', () => {
  const s = buildStream(500, [100]); // seals at lines 100, 201, 302, 403, 504
  const keys = s.keyring;
  const run = (lines: string[], opts = {}) => verify(lines, { keys, requireFinal: true, ...opts });

  const cases: [string, (l: string[]) => string[], FindingCode, Obj][] = [
    ['modified record (hash left)', (l) => { const r = parse(l[5]!); r.body.msg = 'x'; l[5] = JSON.stringify(r); return l; }, 'RECORD_MODIFIED', { seq: 5 }],
    ['modified and re-hashed record', (l) => { const r = parse(l[5]!); r.body.msg = 'x'; l[5] = JSON.stringify(rehash(r)); return l; }, 'RECORD_MODIFIED', { seq: 5 }],
    ['re-hashed last record of a batch', (l) => { const r = parse(l[99]!); r.body.msg = 'x'; l[99] = JSON.stringify(rehash(r)); return l; }, 'RECORD_MODIFIED', { seq: 99 }],
    ['deleted record', (l) => { l.splice(7, 1); return l; }, 'RECORD_DELETED', { seq: 7, seqTo: 7 }],
    ['inserted record (forged seq 8)', (l) => { const r = parse(l[8]!); r.body.msg = 'forged'; l.splice(8, 0, JSON.stringify(rehash(r))); return l; }, 'RECORD_INSERTED', { seq: 8 }],
    ['duplicated record', (l) => { l.splice(9, 0, l[8]!); return l; }, 'RECORD_DUPLICATE', { seq: 8 }],
    ['reordered records', (l) => { const a = l[10]!; l[10] = l[11]!; l[11] = a; return l; }, 'RECORD_REORDERED', { seq: 10 }],
    ['record moved to another batch', (l) => { const [r] = l.splice(150, 1); l.splice(20, 0, r!); return l; }, 'RECORD_REORDERED', { seq: 149 }],
    ['deleted seal', (l) => { l.splice(201, 1); return l; }, 'SEAL_MISSING', { batch: 1, seq: 100, seqTo: 199 }],
    ['deleted batch', (l) => { l.splice(202, 101); return l; }, 'BATCH_MISSING', { batch: 2, seq: 200, seqTo: 299 }],
    ['deleted tail (last batch and final seal)', (l) => l.slice(0, 403), 'STREAM_NOT_FINAL', {}],
    ['unsealed tail (final seal removed)', (l) => l.slice(0, 504), 'RECORDS_UNSEALED', { seq: 400, seqTo: 499 }],
    ['replayed batch', (l) => { l.splice(303, 0, ...l.slice(202, 303)); return l; }, 'BATCH_REPLAYED', { batch: 2 }],
    ['forged seal field', (l) => { const x = parse(l[100]!); x.tsMax += 1; l[100] = JSON.stringify(x); return l; }, 'SEAL_BAD_SIGNATURE', { batch: 0 }],
    ['seal with its MAC stripped (the keyring requires it)', (l) => { const x = parse(l[100]!); delete x.mac; l[100] = JSON.stringify(x); return l; }, 'SEAL_UNAUTHENTICATED', { batch: 0 }],
    ['seal with MAC and signature stripped', (l) => { const x = parse(l[100]!); delete x.mac; delete x.sig; l[100] = JSON.stringify(x); return l; }, 'SEAL_MALFORMED', { batch: 0 }],
    ['malformed line', (l) => { l.splice(3, 0, '{not json'); return l; }, 'INPUT_MALFORMED', { line: 4 }],
    ['extra envelope field', (l) => { const r = parse(l[4]!); r.extra = 1; l[4] = JSON.stringify(r); return l; }, 'RECORD_MALFORMED', { seq: 4 }],
  ];
  for (const [name, tamper, code, where] of cases) {
    it(name, async () => {
      const rep = await run(tamper([...s.lines]));
      expect(rep.ok).toBe(false);
      expect(rep.findings).toContainEqual(expect.objectContaining({ code, ...where }));
    });
  }

  it('duplicate keys in a producer line do not matter: the canonical form is hashed', async () => {
    const l = [...s.lines];
    l[3] = l[3]!.replace('{"body":{', '{"body":{"level":99,'); // JSON.parse keeps the LAST "level"
    const rep = await run(l);
    expect(rep.findings).toEqual([]);
  });

  it('a stale, non-final stream is STREAM_STALE with now/maxSealAgeMs', async () => {
    const rep = await verify(s.lines.slice(0, 403), { keys, now: 1_800_000_000_000, maxSealAgeMs: 60_000 });
    expect(codes(rep)).toContain('STREAM_STALE');
  });

  it('a stream starting mid-way is STREAM_HEAD_MISSING', async () => {
    const rep = await run(s.lines.slice(202));
    expect(rep.findings).toContainEqual(expect.objectContaining({ code: 'STREAM_HEAD_MISSING', seq: 0, seqTo: 199 }));
  });

  it('unknown key id', async () => {
    const other = { publicKey: buildStream(1, [1], true, (await import('../src/integrity/keys.js')).generateKeys()).keys.publicKey };
    const rep = await verify(s.lines, { keys: [other] });
    expect(codes(rep)).toContain('SEAL_UNKNOWN_KEY');
  });

  it('a seal made with a later epoch key for an earlier batch', async () => {
    // The attacker holds the host's current state (epoch j) and its signing key: it rewrites
    // the last batch and seals it again. The MAC it can make is only valid under k[j].
    const st = s.store.load()!;
    const kj = loadMacKey(st.macKey!);
    const l = [...s.lines];
    const recs = l.slice(404, 504).map(parse);
    recs[10]!.body.msg = 'rewritten';
    let prev = recs[0]!.prev;
    const fixed = recs.map((r) => { const x = rehash({ ...r, prev }); prev = x.h; return x; });
    const seal = parse(l[504]!);
    delete seal.mac; delete seal.sig;
    Object.assign(seal, { head: prev, root: toHex(merkleRoot(fixed.map((r) => Buffer.from(r.h, 'hex')))) });
    for (const epoch of [st.epoch, seal.epoch]) {
      const forged = { ...seal, epoch };
      const p = sealPayload(forged as never);
      const out = { ...forged, mac: macPayload(kj, p), sig: signPayload(s.keys.privateKey, p) };
      const lines = [...l.slice(0, 404), ...fixed.map((r) => JSON.stringify(r)), canonicalize(out)];
      const rep = await run(lines);
      expect(codes(rep)).toContain(epoch === st.epoch ? 'SEAL_EPOCH_ORDER' : 'SEAL_BAD_MAC');
      // the Ed25519 signature alone would have passed: the forward-secure MAC is what catches it
      expect(codes(rep)).not.toContain('SEAL_BAD_SIGNATURE');
    }
  });

  it('two different seals for one batch (a forked chain) are equivocation', async () => {
    const k = testKeys();
    const store = new MemoryStateStore();
    const a = new StreamSealer({ signingKey: k.privateKey, macKey: k.macKey, stateStore: store });
    const lines = [a.append(body(0)).json, a.seal().json];
    const fork = new StreamSealer({ signingKey: k.privateKey, state: store.load()! });
    const resumed = new StreamSealer({ signingKey: k.privateKey, state: store.load()! });
    lines.push(resumed.append(body(1)).json, resumed.seal().json);
    lines.push(fork.append(body(99)).json, fork.seal().json);
    const rep = await verify(lines, { keys: [{ publicKey: k.publicKey, macKey: k.macKey }] });
    expect(rep.findings).toContainEqual(expect.objectContaining({ code: 'SEAL_EQUIVOCATION', batch: 1 }));
  });
});

describe('verify(): options and input', () => {
  it('validates options by name', () => {
    expect(() => verify([], { bogus: 1 } as never)).rejects.toMatchObject({ code: 'LOGSEAL_ERR_INVALID_OPTION' });
    expect(verify([], { maxFindings: 0 })).rejects.toMatchObject({ code: 'LOGSEAL_ERR_INVALID_OPTION', message: expect.stringContaining('maxFindings') });
    expect(verify(42 as never)).rejects.toMatchObject({ code: 'LOGSEAL_ERR_VERIFY_INPUT' });
  });

  it('prototype-poisoning records are malformed, not merged', async () => {
    const rep = await verify(['{"__proto__":{"polluted":1},"seq":0,"h":"x"}']);
    expect(codes(rep)).toEqual(['RECORD_MALFORMED']);
    expect(({} as Obj).polluted).toBeUndefined();
  });
});

describe('verify(): producer drops of sealed batches (drop-oldest)', () => {
  it('a missing batch declared by a later gap record is a drop, not tampering', async () => {
    const k = testKeys();
    const sealer = new StreamSealer({ signingKey: k.privateKey, macKey: k.macKey });
    const kept: string[] = [];
    for (let b = 0; b < 4; b++) {
      const batch = [sealer.append(body(b * 2)).json, sealer.append(body(b * 2 + 1)).json, sealer.seal().json];
      if (b !== 1) kept.push(...batch); // batch 1 (seq 2..3) is dropped from the queue
    }
    kept.push(sealer.appendGap({ dropped: 2, reason: 'overflow', fromSeq: 2, toSeq: 3 }).json, sealer.seal({ final: true }).json);
    const keys = [{ publicKey: k.publicKey, macKey: k.macKey }];
    const rep = await verify(kept, { keys, requireFinal: true });
    expect(rep.ok).toBe(true);
    expect(rep.findings.map((f) => f.code)).toEqual(['PRODUCER_DROPPED', 'PRODUCER_DROPPED']);
    expect(rep.findings).toContainEqual(expect.objectContaining({ batch: 1, seq: 2, seqTo: 3 }));
    // the same hole without the declaration is BATCH_MISSING
    const undeclared = await verify(kept.slice(0, -2), { keys });
    expect(undeclared.findings.map((f) => f.code)).toContain('BATCH_MISSING');
  });

  it('a missing head (batch 0 dropped) declared by a later gap record is a drop, not STREAM_HEAD_MISSING', async () => {
    const k = testKeys();
    const sealer = new StreamSealer({ signingKey: k.privateKey, macKey: k.macKey });
    const kept: string[] = [];
    for (let b = 0; b < 3; b++) {
      const batch = [sealer.append(body(b)).json, sealer.seal().json];
      if (b !== 0) kept.push(...batch);
    }
    kept.push(sealer.appendGap({ dropped: 1, reason: 'spool-overflow', fromSeq: 0, toSeq: 0 }).json, sealer.seal({ final: true }).json);
    const keys = [{ publicKey: k.publicKey, macKey: k.macKey }];
    const rep = await verify(kept, { keys, requireFinal: true });
    expect(rep.ok).toBe(true);
    expect(rep.findings).toContainEqual(expect.objectContaining({ code: 'PRODUCER_DROPPED', batch: 0, seq: 0, seqTo: 0 }));
    // undeclared, the same hole is the stream's missing head
    const undeclared = await verify(kept.slice(0, -2), { keys });
    expect(undeclared.findings.map((f) => f.code)).toContain('STREAM_HEAD_MISSING');
  });

  it('a gap range must lie within the chain', () => {
    const sealer = new StreamSealer({ macKey: testKeys().macKey });
    sealer.append(body(0));
    expect(() => sealer.appendGap({ dropped: 1, reason: 'overflow', fromSeq: 0, toSeq: 5 })).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_INVALID_OPTION' }));
  });
});
