/**
 * BatchBuffer (the open batch as UTF-8 bytes) and the OutBatch built over it: the native
 * encoder sends those bytes as they are, and every other view (lines, text, records) must
 * read back exactly what was written, multi-byte characters and growth included.
 */
import { describe, expect, it } from 'vitest';
import { BatchBuffer } from '../src/delivery/batch-buffer.js';
import { outBatch } from '../src/delivery/types.js';
import { createEncoder } from '../src/delivery/encoders/index.js';
import { StreamSealer } from '../src/integrity/stream-sealer.js';
import { generateKeys } from '../src/integrity/keys.js';
import { RecordChain } from '../src/integrity/record-chain.js';
import { canonicalize } from '../src/integrity/canonical-json.js';

describe('BatchBuffer', () => {
  it('writes each line once with its LF, grows past its first capacity, and counts bytes and lines', () => {
    const b = new BatchBuffer(16);
    const lines = ['{"a":1}', '{"name":"Zoë Müller 李雷 😀"}', 'x'.repeat(5000), ''];
    let bytes = 0;
    for (const l of lines) bytes += b.push(l);
    expect(b.lines).toBe(4);
    expect(b.byteLength).toBe(bytes);
    expect(bytes).toBe(Buffer.byteLength(lines.join('\n') + '\n'));
    const out = b.take();
    expect(out.toString('utf8')).toBe(lines.join('\n') + '\n');
    expect(b.lines).toBe(0);
    expect(b.byteLength).toBe(0);
  });

  it('take() leaves an empty buffer: the next batch never sees the previous bytes', () => {
    const b = new BatchBuffer(64);
    for (let i = 0; i < 40; i++) b.push(`line ${i}`);
    const first = b.take();
    b.push('next');
    const second = b.take();
    expect(second.toString()).toBe('next\n');
    expect(first.toString().split('\n')[39]).toBe('line 39'); // the first batch is untouched by the second
  });
});

describe('BatchBuffer.pushLeaf (RecordChain.appendInto)', () => {
  it('writes the same line and the same hash as appendCanonical(), across growth and multi-byte text', () => {
    const strings = new RecordChain('s-1');
    const bytes = new RecordChain('s-1');
    const b = new BatchBuffer(8); // grows many times
    const expected: string[] = [];
    const bodies = [{ a: 1 }, { msg: 'Zoë 李雷 😀 "q" \n' }, 'text', [1, 2], { big: 'x'.repeat(3000) }, null];
    for (let i = 0; i < 60; i++) {
      const json = canonicalize(bodies[i % bodies.length]);
      const rec = strings.appendCanonical(json, undefined, 1000 + i);
      const h = bytes.appendInto(json, 1000 + i, b);
      expect(h).toBe(rec.h);
      expect(b.lastLine()).toBe(rec.json);
      expected.push(rec.json);
    }
    expect(bytes.head).toBe(strings.head);
    expect(b.take().toString('utf8')).toBe(expected.join('\n') + '\n');
  });
});

describe('outBatch over bytes', () => {
  const sealer = new StreamSealer({ signingKey: generateKeys().privateKey });
  const recs = [sealer.append({ msg: 'één', n: 1 }, 5), sealer.append({ msg: 'plain', n: 2 }, 6)];
  const sealed = sealer.seal();
  const b = new BatchBuffer();
  for (const r of recs) b.push(r.json);
  const recordsEnd = b.byteLength;
  b.push(sealed.json);
  const bytes = b.take();
  const out = outBatch(sealer.sid, { bytes, recordsEnd }, sealed.seal, sealed.json, bytes.byteLength);

  it('derives the lines, the text and the parsed records from the bytes', () => {
    expect(out.recordJson).toEqual(recs.map((r) => r.json));
    expect(out.ndjson).toBe(recs.map((r) => r.json + '\n').join(''));
    expect(out.records.map((r) => r.seq)).toEqual([0, 1]);
    expect(out.bytes).toBe(bytes.byteLength);
  });

  it('the native and ndjson encoders send the bytes as they are; a partial resend is text', () => {
    for (const f of ['logseal', 'ndjson'] as const) {
      const [req] = createEncoder(f).encode(out);
      expect(req!.body).toBe(out.wire);
      expect(Buffer.from(req!.body as Uint8Array).toString()).toBe(out.ndjson + out.sealJson + '\n');
      const [partial] = createEncoder(f).encode(out, [{ kind: 'record', seq: 1 }]);
      expect(partial!.body).toBe(recs[1]!.json + '\n');
    }
  });

  it('other formats read the records from the bytes', () => {
    const [req] = createEncoder('elasticsearch', { index: 'logs' }).encode(out);
    expect(typeof req!.body).toBe('string');
    expect(req!.body as string).toContain('"msg":"één"');
  });
});
