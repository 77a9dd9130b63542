import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordChain } from '../src/integrity/record-chain.js';
import { StreamSealer } from '../src/integrity/stream-sealer.js';
import { FileStateStore, MemoryStateStore } from '../src/integrity/chain-state.js';
import { canonicalize } from '../src/integrity/canonical-json.js';
import { genesisHead } from '../src/integrity/domain.js';
import { leafHash, toHex } from '../src/integrity/hash.js';
import { verify } from '../src/integrity/verifier.js';
import { body, testKeys } from './helpers/sealed-stream.js';

describe('record chain', () => {
  it('the assembled envelope is exactly RFC 8785 of the envelope, and h is its leaf hash', () => {
    const chain = new RecordChain('s1');
    for (let i = 0; i < 50; i++) {
      const rec = chain.append({ z: i, a: { 'é': [1, 2.5, null], '\u0000': true }, msg: 'x"\n' }, 1000 + i);
      expect(rec.json).toBe(canonicalize(rec.envelope));
      const { h, ...rest } = rec.envelope;
      expect(h).toBe(toHex(leafHash(canonicalize(rest))));
      expect(toHex(rec.leaf)).toBe(h);
    }
    const gap = chain.appendGap({ dropped: 3, reason: 'overflow' }, 5);
    expect(gap.json).toBe(canonicalize(gap.envelope));
    expect(gap.envelope.kind).toBe('gap');
  });

  it('seq 0 links to the genesis value of its stream; each record to the previous h', () => {
    const chain = new RecordChain('abc');
    const a = chain.append({}, 1);
    const b = chain.append({}, 2);
    expect(a.envelope.prev).toBe(genesisHead('abc'));
    expect(b.envelope.prev).toBe(a.envelope.h);
    expect(new RecordChain('abd').append({}, 1).envelope.prev).not.toBe(a.envelope.prev);
  });

  it('rejects what canonical JSON cannot hold and bad stream ids, with codes', () => {
    const chain = new RecordChain('s');
    expect(() => chain.append({ n: NaN }, 1)).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_CANON_NUMBER' }));
    expect(() => chain.append({ n: 1n }, 1)).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_CANON_TYPE' }));
    expect(() => chain.append({}, -1)).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_INVALID_OPTION' }));
    expect(() => new RecordChain('bad id/')).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_INVALID_OPTION' }));
    expect(chain.nextSeq).toBe(0); // a failed append does not consume a seq
  });
});

describe('stream sealer and chain state', () => {
  const k = testKeys();

  it('validates options at construction', () => {
    expect(() => new StreamSealer({})).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_KEY_MISSING' }));
    expect(() => new StreamSealer({ macKey: k.macKey, colour: 1 } as never)).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_INVALID_OPTION', message: expect.stringContaining('colour') }));
    expect(() => new StreamSealer({ macKey: k.macKey, sid: 'a b' })).toThrow(expect.objectContaining({ message: expect.stringContaining('"sid"') }));
    expect(() => new StreamSealer({ macKey: new Uint8Array(8) })).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_KEY_FORMAT' }));
  });

  it('a restarted process continues its chain from the saved state (file, atomic, 0600)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logseal-state-'));
    const path = join(dir, 'chain.json');
    const lines: string[] = [];
    const a = new StreamSealer({ signingKey: k.privateKey, macKey: k.macKey, stateStore: new FileStateStore(path) });
    for (let i = 0; i < 10; i++) lines.push(a.append(body(i)).json);
    lines.push(a.seal().json);
    a.append(body(999)); // never sealed: lost with the crash, and the chain does not count it
    expect((statSync(path).mode & 0o777).toString(8)).toBe('600');
    const saved = JSON.parse(readFileSync(path, 'utf8'));
    expect(saved).toMatchObject({ nextSeq: 10, batch: 1, epoch: 1, final: false });

    const b = new StreamSealer({ signingKey: k.privateKey, stateStore: new FileStateStore(path) });
    expect(b.sid).toBe(a.sid);
    for (let i = 10; i < 20; i++) lines.push(b.append(body(i)).json);
    lines.push(b.seal({ final: true }).json);
    const rep = await verify(lines, { keys: [{ publicKey: k.publicKey, macKey: k.macKey }], requireFinal: true });
    expect(rep.findings).toEqual([]);
    expect(rep.records.valid).toBe(20);
  });

  it('after a final seal, a restart starts a new stream that names the one it follows', async () => {
    const store = new MemoryStateStore();
    const a = new StreamSealer({ signingKey: k.privateKey, macKey: k.macKey, stateStore: store });
    const first = [a.append(body(0)).json, a.seal({ final: true }).json];
    expect(() => a.append(body(1))).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_STREAM_FINAL' }));
    const b = new StreamSealer({ signingKey: k.privateKey, stateStore: store, service: 'api', host: 'h1' });
    expect(b.sid).not.toBe(a.sid);
    const second = [b.append(body(1)).json, b.seal({ final: true }).json];
    const seal = JSON.parse(second[1]!);
    expect(seal.meta).toEqual({ service: 'api', host: 'h1', follows: { sid: a.sid, lastSeq: 0, head: JSON.parse(first[0]!).h, seal: expect.any(String) } });
    expect(seal.epoch).toBe(1); // the MAC key keeps moving forward across streams
    const rep = await verify([...first, ...second], { keys: [{ publicKey: k.publicKey, macKey: k.macKey }], requireFinal: true });
    expect(rep.findings).toEqual([]);
    expect(rep.streams).toHaveLength(2);
  });

  it('corrupt state is a coded error, not a silent restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'logseal-state-'));
    const path = join(dir, 'chain.json');
    writeFileSync(path, '{"v":1,"sid":"x"');
    expect(() => new StreamSealer({ macKey: k.macKey, stateStore: new FileStateStore(path) })).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_STATE_INVALID' }));
    writeFileSync(path, JSON.stringify({ v: 1, sid: 'x', nextSeq: -1 }));
    expect(() => new FileStateStore(path).load()).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_STATE_INVALID' }));
  });

  it('the saved MAC key is the next epoch key, never the one that sealed', () => {
    const store = new MemoryStateStore();
    const a = new StreamSealer({ macKey: k.macKey, stateStore: store });
    a.seal();
    expect(store.load()!.macKey).not.toBe(Buffer.from(k.macKey).toString('base64url'));
    expect(store.load()!.epoch).toBe(1);
  });
});
