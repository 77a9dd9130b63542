import { describe, expect, it } from 'vitest';
import { verify } from '../src/integrity/verifier.js';
import { recomputeLeaf } from '../src/integrity/record-chain.js';
import { macPayload, sealPayload, signPayload } from '../src/integrity/seal.js';
import { merkleRoot } from '../src/integrity/merkle.js';
import { leafHash, toHex } from '../src/integrity/hash.js';
import { loadMacKey } from '../src/integrity/keys.js';
import { canonicalize } from '../src/integrity/canonical-json.js';
import { genesisHead, genesisSeal } from '../src/integrity/domain.js';
import { StreamSealer } from '../src/integrity/stream-sealer.js';
import { MemoryStateStore, type ChainState } from '../src/integrity/chain-state.js';
import { body, buildStream, testKeys } from './helpers/sealed-stream.js';

// Regression tests for the adversarial review of the integrity core (each was demonstrated
// against the earlier code).

type Obj = Record<string, any>;
const parse = (l: string): Obj => JSON.parse(l);
const codes = (rep: { findings: { code: string }[] }) => rep.findings.map((f) => f.code);
const k = testKeys();
const keys = [{ publicKey: k.publicKey, macKey: k.macKey }];

function rehash(r: Obj): Obj {
  const { h: _h, ...rest } = r;
  const res = recomputeLeaf({ ...rest, h: '0'.repeat(64) }) as { h: string };
  return { ...rest, h: res.h };
}

/** What a host compromised at its current epoch can produce: re-seal with its current MAC key and its signing key. */
function forge(seal: Obj, macKey: Uint8Array): string {
  const { mac: _m, sig: _s, ...rest } = seal;
  const p = sealPayload(rest as never);
  return canonicalize({ ...rest, mac: macPayload(macKey, p), sig: signPayload(k.privateKey, p) });
}

describe('integrity review regressions', () => {
  it('a compromised host cannot rewrite a stream from batch 0 with its current key', async () => {
    const s = buildStream(300, [50]);
    const st = s.store.load()!;
    const kj = loadMacKey(st.macKey!);
    // rebuild the whole stream with one record changed, sealed with epochs j, j+1, ...
    const sid = st.sid;
    let prev = genesisHead(sid);
    let prevSeal = genesisSeal(sid);
    let epoch = st.epoch;
    let key = kj;
    const out: string[] = [];
    const recs = s.lines.filter((l) => !l.includes('"type":"seal"')).map(parse);
    for (let b = 0; b < 6; b++) {
      const batch = recs.slice(b * 50, b * 50 + 50).map((r) => {
        if (r.seq === 7) r.body.msg = 'rewritten';
        const x = rehash({ ...r, prev });
        prev = x.h;
        return x;
      });
      out.push(...batch.map((r) => canonicalize(r)));
      const seal: Obj = { v: 1, type: 'seal', sid, batch: b, epoch, firstSeq: b * 50, lastSeq: b * 50 + 49, count: 50, firstPrev: batch[0]!.prev, head: prev,
        root: toHex(merkleRoot(batch.map((r) => Buffer.from(r.h, 'hex')))), prevSeal, tsMin: Math.min(...batch.map((r) => r.ts)), tsMax: Math.max(...batch.map((r) => r.ts)), sealedAt: 1, kid: s.keys.kid, final: b === 5 };
      const line = forge(seal, key);
      out.push(line);
      const { mac: _m, sig: _s, ...rest } = parse(line);
      prevSeal = (await import('../src/integrity/seal.js')).sealHash(sealPayload(rest as never));
      epoch++;
      key = (await import('../src/integrity/forward-mac.js')).nextEpochKey(key);
    }
    const rep = await verify(out, { keys, requireFinal: true });
    expect(rep.ok).toBe(false);
    expect(codes(rep)).toContain('SEAL_EPOCH_ORDER');
  });

  it('a seal claiming a seq range of 2^52 does not make the verifier loop over it', async () => {
    const sealer = new StreamSealer({ signingKey: k.privateKey });
    const seal = parse(sealer.seal().json);
    Object.assign(seal, { firstSeq: 0, lastSeq: 2 ** 52 - 1, count: 2 ** 52, tsMin: 1, tsMax: 1 });
    const rep = await verify([JSON.stringify(seal)], { keys }); // would take years if it walked the range
    expect(rep.ok).toBe(false);
  });

  it('hostile gap bodies and seal metadata are findings, never exceptions', async () => {
    const sealer = new StreamSealer({ signingKey: k.privateKey });
    const r = parse(sealer.append(body(0)).json);
    for (const bad of [null, { dropped: 1, reason: { toString: 1 } }, { dropped: 0, reason: 'x' }, { dropped: 1, reason: 'x', fromSeq: 5 }]) {
      // hashed directly: recomputeLeaf itself now refuses such bodies
      const { h: _h, ...rest } = { ...r, kind: 'gap', body: bad } as Obj;
      const g = { ...rest, h: toHex(leafHash(canonicalize(rest))) };
      const rep = await verify([JSON.stringify(g)]);
      expect(codes(rep)).toContain('RECORD_MALFORMED');
    }
    const seal = parse(new StreamSealer({ signingKey: k.privateKey }).seal().json);
    seal.meta = { service: '\ud800' };
    expect(codes(await verify([JSON.stringify(seal)]))).toContain('SEAL_MALFORMED');
    let deep: unknown = 1;
    for (let i = 0; i < 2000; i++) deep = [deep];
    seal.meta = { service: deep };
    expect(codes(await verify([JSON.stringify(seal)]))).toContain('SEAL_MALFORMED');
  });

  it('forged seals with absurd epochs cost a bounded amount of key derivation', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 20; i++) {
      const seal = parse(new StreamSealer({ signingKey: k.privateKey, macKey: k.macKey }).seal().json);
      lines.push(JSON.stringify({ ...seal, epoch: 2 ** 40 + i }));
    }
    const rep = await verify(lines, { keys });
    expect(rep.ok).toBe(false);
    expect(codes(rep)).toContain("SEAL_EPOCH_ORDER");
    expect(codes(rep)).not.toContain("SEAL_BAD_MAC"); // the wrong epoch's key is never derived
  });

  it('a follow-on stream is anchored to the stream it follows', async () => {
    const store = new MemoryStateStore();
    const a = new StreamSealer({ signingKey: k.privateKey, macKey: k.macKey, stateStore: store });
    const first = [a.append(body(0)).json, a.seal().json, a.append(body(1)).json, a.seal({ final: true }).json];
    const b = new StreamSealer({ signingKey: k.privateKey, stateStore: store });
    const second = [b.append(body(2)).json, b.seal({ final: true }).json];
    expect((await verify([...first, ...second], { keys, requireFinal: true })).findings).toEqual([]);
    expect(codes(await verify(second, { keys, requireFinal: true }))).toContain('STREAM_FOLLOWS_MISSING');
    // the predecessor's tail cut off: its last seal is no longer the final one `follows` names
    const cut = await verify([...first.slice(0, 2), ...second], { keys });
    expect(codes(cut)).toContain('STREAM_FOLLOWS_MISMATCH');
    expect(cut.ok).toBe(false);
  });

  it('strictDrops keeps declared drops of sealed batches as errors', async () => {
    const sealer = new StreamSealer({ signingKey: k.privateKey });
    const kept: string[] = [];
    for (let b = 0; b < 3; b++) {
      const batch = [sealer.append(body(b)).json, sealer.seal().json];
      if (b !== 1) kept.push(...batch);
    }
    kept.push(sealer.appendGap({ dropped: 1, reason: 'overflow', fromSeq: 1, toSeq: 1 }).json, sealer.seal({ final: true }).json);
    const ks = [{ publicKey: k.publicKey }];
    expect((await verify(kept, { keys: ks })).ok).toBe(true);
    const strict = await verify(kept, { keys: ks, strictDrops: true });
    expect(strict.ok).toBe(false);
    expect(strict.findings).toContainEqual(expect.objectContaining({ code: 'BATCH_MISSING', message: expect.stringContaining('declared it dropped') }));
  });

  it('a keyring with one kid twice is refused', async () => {
    await expect(verify([], { keys: [...keys, { publicKey: k.publicKey }] })).rejects.toMatchObject({ code: 'LOGSEAL_ERR_INVALID_OPTION', message: expect.stringContaining('appears twice') });
  });

  it('non-canonical authenticator spellings and (with canonical: true) re-serialised lines are caught', async () => {
    const s = buildStream(10, [10]);
    const seal = parse(s.lines[10]!);
    const last = seal.sig.slice(-1);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    seal.sig = seal.sig.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 3];
    expect(codes(await verify([...s.lines.slice(0, 10), JSON.stringify(seal)], { keys }))).toContain('SEAL_BAD_SIGNATURE');
    const dup = [...s.lines];
    dup[2] = dup[2]!.replace('{"body":{', '{"body":{"msg":"forged",');
    expect((await verify(dup, { keys })).ok).toBe(true); // the parsed value is unchanged...
    expect(codes(await verify(dup, { keys, canonical: true }))).toEqual(['INPUT_NONCANONICAL']); // ...but not the bytes
    expect((await verify(s.lines, { keys, canonical: true })).findings).toEqual([]);
  });

  it('a heartbeat after the final seal is reported', async () => {
    const sealer = new StreamSealer({ signingKey: k.privateKey });
    const lines = [sealer.append(body(0)).json, sealer.seal({ final: true }).json];
    const after = parse(lines[1]!);
    const rep = await verify([...lines, JSON.stringify({ ...after, batch: 1, epoch: 1 })], { keys: [{ publicKey: k.publicKey }] });
    expect(codes(rep)).toContain('SEAL_AFTER_FINAL');
  });

  it('strings ending in a newline are counted as one line each', async () => {
    const s = buildStream(5, [5]);
    const lines = s.lines.map((l) => l + '\n');
    lines[2] = '{oops\n';
    const rep = await verify(lines, { keys });
    expect(rep.findings).toContainEqual(expect.objectContaining({ code: 'INPUT_MALFORMED', line: 3 }));
  });

  it('a failed state save leaves the sealer unchanged, so no seq is ever skipped', async () => {
    let fail = true;
    let saved: ChainState | null = null;
    const store = { load: () => null, save: (st: ChainState) => { if (fail) throw new Error('disk full'); saved = st; } };
    const sealer = new StreamSealer({ signingKey: k.privateKey, macKey: k.macKey, stateStore: store });
    const lines = [sealer.append(body(0)).json];
    expect(() => sealer.seal()).toThrow('disk full');
    fail = false;
    lines.push(sealer.seal().json, sealer.append(body(1)).json, sealer.seal({ final: true }).json);
    expect(saved).not.toBeNull();
    const rep = await verify(lines, { keys, requireFinal: true });
    expect(rep.findings).toEqual([]);
  });
});
