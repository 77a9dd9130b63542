import { describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Spool } from '../src/delivery/spool.js';
import { StreamSealer } from '../src/integrity/stream-sealer.js';
import { body, testKeys } from './helpers/sealed-stream.js';

const dir = () => mkdtempSync(join(tmpdir(), 'logseal-spool-'));

function batches(n: number, size: number) {
  const sealer = new StreamSealer({ signingKey: testKeys().privateKey });
  const out: { batch: number; lines: string[] }[] = [];
  for (let b = 0; b < n; b++) {
    const lines: string[] = [];
    for (let i = 0; i < size; i++) lines.push(sealer.append(body(b * size + i)).json);
    const s = sealer.seal();
    lines.push(s.json);
    out.push({ batch: s.seal.batch, lines });
  }
  return { sealer, out };
}

describe('disk spool', () => {
  it('returns unacknowledged batches in order after a restart', async () => {
    const d = dir();
    const a = new Spool({ dir: d });
    expect(a.open()).toEqual({ batches: [], newest: null, open: [], truncatedBytes: 0 });
    const { out, sealer } = batches(5, 10);
    const nos: number[] = [];
    for (const b of out) {
      const c = a.commit(sealer.sid, b.batch, b.lines);
      nos.push(c.no);
      await c.durable;
    }
    await a.ack(nos[1]!);
    expect(a.bytes).toBeGreaterThan(0);
    await a.close();

    const b = new Spool({ dir: d });
    const rec = b.open();
    expect(rec.batches.map((x) => x.batch)).toEqual([2, 3, 4]);
    expect(rec.batches[0]!.lines).toEqual(out[2]!.lines);
    expect(rec.batches[0]!.records).toHaveLength(10);
    expect(rec.batches[0]!.seal.batch).toBe(2);
    expect(rec.newest!.batch).toBe(4);
    expect(rec.truncatedBytes).toBe(0);
    await b.close();
  });

  it('cuts off and reports a torn block (a crash mid-append), keeping the complete ones', async () => {
    const d = dir();
    const a = new Spool({ dir: d });
    a.open();
    const { out, sealer } = batches(2, 5);
    await a.commit(sealer.sid, 0, out[0]!.lines).durable;
    await a.commit(sealer.sid, 1, out[1]!.lines).durable;
    const seg = readdirSync(d).find((n) => n.startsWith('seg-'))!;
    const torn = JSON.stringify({ spool: 1, no: 2, sid: sealer.sid, batch: 2, n: 3 }) + '\n' + out[1]!.lines[0] + '\n{"partial":';
    appendFileSync(join(d, seg), torn);
    // simulate a crash: no close(), the lock names this (live) process and is taken over
    const b = new Spool({ dir: d });
    const rec = b.open();
    expect(rec.batches.map((x) => x.batch)).toEqual([0, 1]);
    expect(rec.truncatedBytes).toBe(Buffer.byteLength(torn));
    await b.close();
    const c = new Spool({ dir: d });
    expect(c.open().truncatedBytes).toBe(0); // the cut is permanent, reported once
    await c.close();
  });

  it('keeps chained-but-unsealed records across a crash, and skips those already sealed', async () => {
    const d = dir();
    const a = new Spool({ dir: d });
    a.open();
    const sealer = new StreamSealer({ signingKey: testKeys().privateKey });
    const first = [sealer.append(body(0)).json, sealer.append(body(1)).json];
    for (const l of first) a.appendOpen(l);
    a.flushOpen();
    const s0 = sealer.seal();
    await a.commit(sealer.sid, 0, [...first, s0.json]).durable;
    const later = [sealer.append(body(2)).json, sealer.append(body(3)).json];
    for (const l of later) a.appendOpen(l);
    a.flushOpen();
    // a stale copy of batch 0's open file, as if the crash came before its deletion
    writeFileSync(join(d, 'open-000000000000.log'), first.join('\n') + '\n');
    appendFileSync(join(d, readdirSync(d).find((n) => n.startsWith('open-000000000001'))!), '{"torn');
    const b = new Spool({ dir: d });
    const rec = b.open();
    expect(rec.open.map((r) => r.seq)).toEqual([2, 3]);
    expect(rec.truncatedBytes).toBe(6);
    expect(readdirSync(d).filter((n) => n.startsWith('open-'))).toEqual(['open-000000000001.log']);
    await b.close();
  });

  it('rotates segments and deletes fully acknowledged ones', async () => {
    const d = dir();
    const a = new Spool({ dir: d, segmentBytes: 4000 });
    a.open();
    const { out, sealer } = batches(12, 3);
    let last = -1;
    for (const b of out) {
      const c = a.commit(sealer.sid, b.batch, b.lines);
      await c.durable;
      last = c.no;
    }
    const before = readdirSync(d).filter((n) => n.startsWith('seg-')).length;
    expect(before).toBeGreaterThan(2);
    await a.ack(last);
    expect(readdirSync(d).filter((n) => n.startsWith('seg-')).length).toBe(1);
    expect(a.bytes).toBe(0);
    await a.close();
    const b = new Spool({ dir: d });
    expect(b.open().batches).toEqual([]);
    await b.close();
  });

  it('refuses a spool held by another live process, and validates options', () => {
    const d = dir();
    writeFileSync(join(d, 'lock'), String(process.ppid));
    expect(() => new Spool({ dir: d }).open()).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_SPOOL_LOCKED' }));
    writeFileSync(join(d, 'lock'), '999999999'); // no such process: a stale lock is taken over
    const s = new Spool({ dir: d });
    s.open();
    expect(existsSync(join(d, 'lock'))).toBe(true);
    expect(() => new Spool({ dir: '' })).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_INVALID_OPTION' }));
    expect(() => new Spool({ dir: d, maxBytes: -1 })).toThrow(expect.objectContaining({ message: expect.stringContaining('spool.maxBytes') }));
    expect(() => new Spool({ dir: d, nope: 1 } as never)).toThrow(expect.objectContaining({ message: expect.stringContaining('spool.nope') }));
  });
});
