import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { verify } from '../src/integrity/verifier.js';
import { recomputeLeaf } from '../src/integrity/record-chain.js';
import { toHex } from '../src/integrity/hash.js';
import type { FindingCode } from '../src/integrity/findings.js';
import { buildStream } from './helpers/sealed-stream.js';

// fast-check properties over streams of >= 1,000 records (issue 2, Tests): untampered streams
// always verify clean, and every single tampering at a random position is detected and named.

type Obj = Record<string, any>;
const rehash = (r: Obj): Obj => {
  const { h: _h, ...rest } = r;
  const res = recomputeLeaf({ ...rest, h: '0'.repeat(64) }) as { h: string };
  return { ...rest, h: res.h };
};

const KINDS = ['modify', 'rehash', 'delete', 'insert', 'duplicate', 'swap', 'drop-seal', 'drop-batch', 'truncate', 'replay', 'forge-seal'] as const;
type Kind = (typeof KINDS)[number];
const EXPECT: Record<Kind, FindingCode[]> = {
  modify: ['RECORD_MODIFIED'],
  rehash: ['RECORD_MODIFIED'],
  delete: ['RECORD_DELETED'],
  insert: ['RECORD_INSERTED'],
  duplicate: ['RECORD_DUPLICATE'],
  swap: ['RECORD_REORDERED'],
  'drop-seal': ['SEAL_MISSING', 'RECORDS_UNSEALED'],
  'drop-batch': ['BATCH_MISSING', 'STREAM_HEAD_MISSING', 'STREAM_NOT_FINAL'],
  truncate: ['STREAM_NOT_FINAL'],
  replay: ['BATCH_REPLAYED'],
  'forge-seal': ['SEAL_BAD_SIGNATURE'],
};

function tamper(lines: string[], sealIdx: number[], kind: Kind, pick: number): { out: string[]; seq?: number } {
  const l = [...lines];
  const recIdx = l.map((_, i) => i).filter((i) => !sealIdx.includes(i));
  const ri = recIdx[pick % recIdx.length]!;
  const r = JSON.parse(l[ri]!);
  const si = pick % sealIdx.length;
  switch (kind) {
    case 'modify': r.body.msg += '!'; l[ri] = JSON.stringify(r); return { out: l, seq: r.seq };
    case 'rehash': r.body.msg += '!'; l[ri] = JSON.stringify(rehash(r)); return { out: l, seq: r.seq };
    case 'delete': l.splice(ri, 1); return { out: l, seq: r.seq };
    case 'insert': r.body.msg = 'forged'; l.splice(ri, 0, JSON.stringify(rehash(r))); return { out: l, seq: r.seq };
    case 'duplicate': l.splice(ri, 0, l[ri]!); return { out: l, seq: r.seq };
    case 'swap': {
      // swap with the next record of the same batch (or the previous one at a batch end)
      const j = sealIdx.includes(ri + 1) ? ri - 1 : ri + 1;
      if (j < 0 || sealIdx.includes(j)) return tamper(lines, sealIdx, 'modify', pick); // one-record batch
      const a = l[ri]!; l[ri] = l[j]!; l[j] = a;
      return { out: l };
    }
    case 'drop-seal': l.splice(sealIdx[si]!, 1); return { out: l };
    case 'drop-batch': {
      const start = si === 0 ? 0 : sealIdx[si - 1]! + 1;
      l.splice(start, sealIdx[si]! - start + 1);
      return { out: l };
    }
    case 'truncate': return { out: l.slice(0, sealIdx[Math.min(si, sealIdx.length - 2)]! + 1) };
    case 'replay': {
      const start = si === 0 ? 0 : sealIdx[si - 1]! + 1;
      l.splice(sealIdx[si]! + 1, 0, ...l.slice(start, sealIdx[si]! + 1));
      return { out: l };
    }
    case 'forge-seal': {
      const s = JSON.parse(l[sealIdx[si]!]!);
      s.sealedAt += 1;
      l[sealIdx[si]!] = JSON.stringify(s);
      return { out: l };
    }
  }
}

describe('integrity properties', () => {
  it('untampered streams of >= 1,000 records always verify clean', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1000, max: 1400 }), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 5 }), async (n, sizes) => {
        const s = buildStream(n, sizes);
        const rep = await verify(s.lines, { keys: s.keyring, requireFinal: true });
        expect(rep.findings).toEqual([]);
        expect(rep.records.valid).toBe(n);
      }),
      { numRuns: 12 },
    );
  });

  it('every single tampering at a random position is detected with the right code', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1000, max: 1200 }),
        fc.integer({ min: 20, max: 250 }),
        fc.constantFrom(...KINDS),
        fc.nat(),
        async (n, size, kind, pick) => {
          const s = buildStream(n, [size]);
          const { out, seq } = tamper(s.lines, s.sealIdx, kind, pick);
          const rep = await verify(out, { keys: s.keyring, requireFinal: true });
          expect(rep.ok).toBe(false);
          const hit = rep.findings.find((f) => EXPECT[kind].includes(f.code));
          expect(hit, `${kind}: ${JSON.stringify(rep.findings.slice(0, 3))}`).toBeDefined();
          if (seq !== undefined && kind !== 'drop-batch') expect(hit!.seq).toBe(seq);
        },
      ),
      { numRuns: 120 },
    );
  });
});
