import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { checkBatch, Keyring, type StreamTip } from '../src/integrity/batch-check.js';
import { StreamSealer } from '../src/integrity/stream-sealer.js';
import { MemoryStateStore } from '../src/integrity/chain-state.js';
import { body, testKeys } from './helpers/sealed-stream.js';

const k = testKeys();
const ring = new Keyring([{ publicKey: k.publicKey, macKey: k.macKey }]);

function batches(n: number, size: number, sealer = new StreamSealer({ signingKey: k.privateKey, macKey: k.macKey })) {
  const out: unknown[][] = [];
  for (let b = 0; b < n; b++) {
    const items: unknown[] = [];
    for (let i = 0; i < size; i++) items.push(JSON.parse(sealer.append(body(b * size + i)).json));
    items.push(JSON.parse(sealer.seal({ final: b === n - 1 }).json));
    out.push(items);
  }
  return out;
}

describe('checkBatch (collector-side, batch by batch)', () => {
  it('accepts a stream batch by batch, carrying the tip forward', () => {
    let tip: StreamTip | null = null;
    for (const b of batches(5, 20)) {
      const r = checkBatch(b, tip, ring);
      expect(r.findings).toEqual([]);
      expect(r.ok).toBe(true);
      tip = r.tip;
    }
    expect(tip).toMatchObject({ batch: 4, lastSeq: 99, final: true });
  });

  it('rejects a forged, tampered or unknown-key batch', () => {
    const [b0, b1] = batches(2, 5);
    const t0 = checkBatch(b0!, null, ring).tip!;
    const forged = structuredClone(b1!) as Record<string, any>[];
    forged[2]!.body.msg = 'edited';
    expect(checkBatch(forged, t0, ring).findings.map((f) => f.code)).toContain('RECORD_MODIFIED');
    const badSeal = structuredClone(b1!) as Record<string, any>[];
    badSeal[5]!.sealedAt += 1;
    expect(checkBatch(badSeal, t0, ring).findings.map((f) => f.code)).toEqual(expect.arrayContaining(['SEAL_BAD_SIGNATURE', 'SEAL_BAD_MAC']));
    const other = new Keyring([{ publicKey: generateKeyPairSync('ed25519').publicKey }]);
    expect(checkBatch(b0!, null, other).findings.map((f) => f.code)).toContain('SEAL_UNKNOWN_KEY');
    expect(checkBatch([{ nope: 1 }], null, ring).ok).toBe(false);
  });

  it('accepts a batch after a gap and names the range to resend', () => {
    const bs = batches(4, 10);
    const t0 = checkBatch(bs[0]!, null, ring).tip!;
    const r = checkBatch(bs[3]!, t0, ring);
    expect(r.ok).toBe(true);
    expect(r.gap).toEqual({ fromBatch: 1, toBatch: 2, fromSeq: 10, toSeq: 29 });
    const mid = checkBatch(bs[2]!, null, ring);
    expect(mid.ok).toBe(true);
    expect(mid.gap).toEqual({ fromBatch: 0, toBatch: 1, fromSeq: 0, toSeq: 19 });
  });

  it('anchors a follow-on stream to the stored predecessor', () => {
    const store = new MemoryStateStore();
    const a = new StreamSealer({ signingKey: k.privateKey, macKey: k.macKey, stateStore: store });
    const first = batches(1, 3, a)[0]!;
    const pred = checkBatch(first, null, ring).tip!;
    const b = new StreamSealer({ signingKey: k.privateKey, stateStore: store });
    const next = batches(1, 3, b)[0]!;
    expect(checkBatch(next, null, ring, pred).findings).toEqual([]);
    expect(checkBatch(next, null, ring, null).findings.map((f) => [f.code, f.severity])).toEqual([['STREAM_FOLLOWS_MISSING', 'warning']]);
    expect(checkBatch(next, null, ring, { ...pred, final: false }).ok).toBe(false);
  });
});

describe('checkBatch refuses a batch with a record removed', () => {
  it('RECORD_DELETED at once (nothing later can declare it)', () => {
    const [b0] = batches(1, 5);
    const cut = [...b0!.slice(0, 2), ...b0!.slice(3)];
    const r = checkBatch(cut, null, ring);
    expect(r.ok).toBe(false);
    expect(r.findings.map((f) => f.code)).toContain('RECORD_DELETED');
  });
});
